"""Values as a reader expects them, in their metric's unit (`sim.analysis.glossary`): shares
in %, differences in points, money and counts with thousands separators, p-values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import glossary


def fmt(metric: str, value: float, difference: bool = False) -> str:
    """A metric's value as a reader expects it (its unit in `sim.analysis.glossary`): shares in
    % (differences in points), money and counts with thousands separators and no spurious
    decimals, returns per unit spent with two decimals."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    sign = "+" if difference else ""
    kind = glossary.unit(metric)
    if kind == glossary.SHARE:
        return f"{100 * value:{sign}.1f} pp" if difference else f"{value:.1%}"
    if kind == glossary.RATIO:
        return f"{value:{sign}.2f}"
    if kind == glossary.COUNT:
        return f"{value:{sign},.0f}" if abs(value) >= 10 else f"{value:{sign}.1f}"
    if abs(value) >= 100:
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.3g}"


def interval(metric: str, low: float, high: float, difference: bool = True) -> str:
    if np.isnan(low):
        return "n/a"
    return f"[{fmt(metric, low, difference)}, {fmt(metric, high, difference)}]"


def intervals(metric: str, rows: pd.DataFrame) -> list[str]:
    return [interval(metric, r.ci_low, r.ci_high) for r in rows.itertuples()]


def p_text(p: float) -> str:
    return "n/a" if np.isnan(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")


def header(metric: str, currency: str) -> str:
    """A column's name: the metric, with its currency where it is money."""
    return f"{metric} ({currency})" if glossary.unit(metric) == glossary.MONEY else metric


def amount(metric: str, difference: float, currency: str) -> str:
    """A difference with its unit: `+9.2 pp`, `+20,593 USD`."""
    money = glossary.unit(metric) == glossary.MONEY
    return fmt(metric, difference, True) + (f" {currency}" if money else "")
