"""The measures, verdicts and figures of the validation suite (`python -m sim validate`): pure
functions over a run's logs and over the numbers each check compares.

A check compares a real figure (a target, or a range, or an expected direction) with the mean
over seeds of a simulated one; its `Outcome` says whether the target is met and how far the
seeds spread. The command (`sim.commands.validate`) runs the market and turns checks into
outcomes; this module only measures and reports.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.recording.atomic import partial_path

FORTNIGHT = 14  # days: Hillstrom's e-mail test measured conversion over two weeks
NO_MARKETING = "no_marketing"  # the group of sellers who never market (sim.config.vocabulary)


def email_conversion(
    orders: pd.DataFrame, window_start: int, window_end: int, period: int = FORTNIGHT
) -> dict[str, float | int | None]:
    """Conversion of e-mailed (treated) against held-out customers, per customer-fortnight.

    A customer is a buyer-seller pair of a marketing seller (`group` not 'no_marketing'); it
    becomes one on its first order day f (from then on the seller may contact it, unless the
    pair is in the seller's holdout: `holdout` True). Its follow-up is cut into consecutive
    periods of `period` days, days f + 1 + period*k to f + period*(k + 1) for k = 0, 1, ...; a
    period counts if it lies wholly inside [window_start, window_end) and converts if the pair
    orders on one of its days. Conversion = converted periods / periods, for treated and for
    holdout pairs; `ratio` = treated / holdout conversion. This is an intent-to-treat
    comparison of the two randomised arms: the logs hold no "virtual send" days for the
    holdout, so the periods are anchored on each pair's first order rather than on sends (with
    a 14-day cadence a treated pair gets about one e-mail a period). `order_rate_ratio`, the
    same comparison as orders per customer-day, is given beside it. None where an arm has no
    period or no conversion.
    """
    mine = orders[orders["group"].astype(str) != NO_MARKETING]
    pairs = mine.groupby(["buyer", "seller"]).agg(
        first=("day", "min"), holdout=("holdout", "first")
    )
    first = pairs["first"].to_numpy()
    # periods k0..k1 of each pair lie inside the window
    k0 = np.maximum(0, -(-(window_start - first - 1) // period))
    k1 = (window_end - 1 - first) // period - 1
    n_periods = np.maximum(0, k1 - k0 + 1)
    pairs = pairs.assign(periods=n_periods, k0=k0, k1=k1)
    later = mine.join(pairs[["first", "k0", "k1"]], on=["buyer", "seller"])
    later = later[later["day"] > later["first"]]
    k = (later["day"] - later["first"] - 1) // period
    inside = later[(k >= later["k0"]) & (k <= later["k1"])].assign(k=k)
    converted = inside.drop_duplicates(["buyer", "seller", "k"]).groupby(["buyer", "seller"]).size()
    orders_in = inside.groupby(["buyer", "seller"]).size()
    pairs = pairs.assign(
        converted=converted.reindex(pairs.index, fill_value=0),
        orders=orders_in.reindex(pairs.index, fill_value=0),
    )
    arms = {}
    for name, held in (("treated", False), ("holdout", True)):
        arm = pairs[pairs["holdout"] == held]
        periods = int(arm["periods"].sum())
        arms[name] = {
            "pairs": int((arm["periods"] > 0).sum()),
            "periods": periods,
            "converted": int(arm["converted"].sum()),
            "conversion": float(arm["converted"].sum() / periods) if periods else None,
            "rate": float(arm["orders"].sum() / (periods * period)) if periods else None,
        }
    t, h = arms["treated"], arms["holdout"]
    return {
        **{f"{arm}_{key}": value for arm, found in arms.items() for key, value in found.items()},
        "ratio": _ratio(t["conversion"], h["conversion"]),
        "order_rate_ratio": _ratio(t["rate"], h["rate"]),
    }


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return None if top is None or not bottom else top / bottom


def repeat_seller_share(orders: pd.DataFrame, window_start: int, window_end: int) -> float | None:
    """Share of the orders paid in [window_start, window_end) whose buyer had already bought
    from the same seller on an earlier day (the whole log counts, warm-up included): how much
    buyers stick to sellers they know. None without orders in the window."""
    first = orders.groupby(["buyer", "seller"])["day"].transform("min")
    inside = (orders["day"] >= window_start) & (orders["day"] < window_end)
    if not inside.any():
        return None
    return float((orders.loc[inside, "day"] > first[inside]).mean())


@dataclass
class Outcome:
    """A check's verdict. `real` and `simulated` are numbers, or {label: number} for a curve;
    `seeds` the simulated value of each seed (a number each, or a curve each); `met` is None
    when the simulated value is undefined (it then counts as not met)."""

    name: str
    kind: str
    description: str
    source: str
    citation: str
    real: object
    simulated: object
    seeds: list = field(default_factory=list)
    tolerance: str = ""
    met: bool | None = None
    real_text: str = ""
    simulated_text: str = ""
    note: str = ""
    unit: str = "share"  # "share" (shown in %), "days", "ratio", "index" or "difference"

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "no", None: "undefined"}[self.met]


def within(value: float | None, target: float, tolerance: float) -> bool | None:
    """|value - target| <= tolerance; None if value is undefined."""
    if value is None or not math.isfinite(value):
        return None
    return abs(value - target) <= tolerance + 1e-12


def in_range(value: float | None, low: float, high: float) -> bool | None:
    """low <= value <= high; None if value is undefined."""
    if value is None or not math.isfinite(value):
        return None
    return low <= value <= high


def curve_within(
    simulated: dict[str, float], real: dict[str, float], tolerance: float
) -> tuple[bool | None, list[str]]:
    """Whether every month of the real curve is matched within `tolerance`, and the months
    missed. A month the simulation does not reach is undefined, so the curve is too."""
    missed = []
    for month, target in real.items():
        ok = within(simulated.get(month), target, tolerance)
        if ok is None:
            return None, [month]
        if not ok:
            missed.append(month)
    return not missed, missed


def direction_met(differences: Sequence[float | None], expected: str) -> bool | None:
    """Whether the mean paired difference (noisy minus precise, seed by seed) has the expected
    sign ('up': > 0, 'down': < 0); None if some seed's difference is undefined."""
    if not differences or any(d is None or not math.isfinite(d) for d in differences):
        return None
    mean = float(np.mean(differences))
    return mean > 0 if expected == "up" else mean < 0


def spread(values: Sequence[float | None]) -> tuple[float, float] | None:
    """Min and max over the seeds of the defined values; None if none is defined."""
    defined = [v for v in values if v is not None and math.isfinite(v)]
    return (min(defined), max(defined)) if defined else None


def show(value: float | None, unit: str) -> str:
    """A number as the table shows it: shares in %, days whole, ratios as x1.23."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "difference":  # a difference of shares, in points
        return f"{100 * value:+.2f} pts"
    if unit == "ratio":
        return f"x{value:.2f}"
    if unit == "number":  # money in thousands of units, small numbers to 4 figures
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return f"{value:.1f}"


def with_spread(mean: float | None, values: Sequence[float | None], unit: str) -> str:
    """`mean (min to max)` over the seeds."""
    bounds = spread(values)
    if bounds is None or len(values) < 2:
        return show(mean, unit)
    return f"{show(mean, unit)} ({show(bounds[0], unit)} to {show(bounds[1], unit)})"


def table(outcomes: Sequence[Outcome]) -> list[list[str]]:
    """Rows of the summary table: check, source, real, simulated (spread), tolerance, met."""
    return [
        [o.name, o.source, o.real_text, o.simulated_text, o.tolerance, o.verdict] for o in outcomes
    ]


HEADER = ["check", "source", "real", "simulated mean (min to max over seeds)", "tolerance", "met"]


def plain_table(outcomes: Sequence[Outcome]) -> str:
    """The table as aligned plain text, for the terminal."""
    rows = [HEADER, *table(outcomes)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def met_line(outcomes: Sequence[Outcome]) -> str:
    return f"{sum(o.met is True for o in outcomes)} of {len(outcomes)} checks met"


def markdown_report(outcomes: Sequence[Outcome], figures: dict[str, str], header: str) -> str:
    """report.md: the table, then each check's description, citation, note and figure."""
    lines = [
        "# Validation report",
        "",
        header,
        "",
        f"**{met_line(outcomes)}.**",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(row) + " |" for row in table(outcomes)),
        "",
    ]
    for o in outcomes:
        lines += [
            f"## {o.name}: {o.verdict}",
            "",
            o.description.strip(),
            "",
            f"Source: {o.citation.strip()}",
            "",
            f"Real: {o.real_text}; simulated: {o.simulated_text}; tolerance: {o.tolerance}.",
            "",
        ]
        if o.note:
            lines += [o.note, ""]
        if o.name in figures:
            lines += [f"![{o.name}]({figures[o.name]})", ""]
    return "\n".join(lines)


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    """Save the PNG atomically (via `<name>.partial`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(path)
    fig.savefig(partial, dpi=100, format="png")
    os.replace(partial, path)
    return path


def _shares(ax, outcome: Outcome, scale: float) -> None:
    """A survey's shares: each entry's real range (grey) beside its simulated mean (blue)."""
    names = list(outcome.real)
    x = np.arange(len(names))
    lows = np.array([outcome.real[k][0] for k in names]) * scale
    highs = np.array([outcome.real[k][1] for k in names]) * scale
    ax.bar(x - 0.2, highs, width=0.4, color="0.6", label="survey")
    ax.bar(x - 0.2, highs - lows, bottom=lows, width=0.4, color="0.3", label="survey's range")
    found = outcome.simulated
    simulated = [np.nan if found.get(k) is None else found[k] for k in names]
    ax.bar(x + 0.2, np.array(simulated) * scale, width=0.4, color="tab:blue", label="simulated")
    ax.set_xticks(x, [k.replace("_", " ") for k in names], fontsize="small")
    ax.set_ylabel("% of abandoned carts")
    ax.legend(fontsize="small")


def figure(outcome: Outcome, path: Path) -> Path:
    """One PNG for a check: the real and simulated curves (the seeds' band) for a curve; real
    and simulated bars with the seeds' min-max for a number; each seed's paired difference for
    a direction."""
    fig = _figure(5.5, 3.4)
    ax = fig.add_subplot()
    title = f"{outcome.name}: {'met' if outcome.met else 'not met'}"
    scale = 100 if outcome.unit in ("share", "difference") else 1
    if isinstance(outcome.real, dict) and all(isinstance(v, list) for v in outcome.real.values()):
        _shares(ax, outcome, scale)
    elif isinstance(outcome.real, dict):
        months = list(outcome.real)
        x = np.arange(1, len(months) + 1)
        real = np.array([outcome.real[m] for m in months]) * scale
        ax.plot(x, real, "o-", color="black", label="real")
        seeds = np.array(
            [[np.nan if s.get(m) is None else s[m] for m in months] for s in outcome.seeds],
            dtype=float,
        )
        if len(seeds):
            sim = np.nanmean(seeds, axis=0) * scale
            ax.plot(x, sim, "s--", color="tab:blue", label="simulated (mean)")
            lo, hi = np.nanmin(seeds, axis=0) * scale, np.nanmax(seeds, axis=0) * scale
            ax.fill_between(x, lo, hi, color="tab:blue", alpha=0.2, label="seeds' min-max")
        ax.set_xticks(x, months)
        ax.set_xlabel("30-day month after the first order")
        ax.set_ylabel("% of the cohort ordering")
        ax.legend(fontsize="small")
    elif isinstance(outcome.real, str):  # an expected direction
        values = [np.nan if v is None else v * scale for v in outcome.seeds]
        ax.bar(range(len(values)), values, color="tab:blue", alpha=0.7)
        ax.axhline(0, color="black", linewidth=0.8)
        if values:
            ax.axhline(np.nanmean(values), color="tab:red", linestyle="--", label="mean")
            ax.legend(fontsize="small")
        ax.set_xticks(range(len(values)), [f"seed {i}" for i in range(len(values))])
        ax.set_ylabel("noisy - precise" + (" (points)" if scale == 100 else ""))
        title += f" (expected {outcome.real})"
    else:
        real = outcome.real
        sim = outcome.simulated
        seeds = [v for v in outcome.seeds if v is not None]
        labels, heights, colours = [], [], []
        if isinstance(real, list | tuple):  # a target range
            ax.axhspan(real[0] * scale, real[1] * scale, color="0.85", label="real range")
        else:
            labels.append("real")
            heights.append(np.nan if real is None else real * scale)
            colours.append("0.3")
        labels.append("simulated")
        heights.append(np.nan if sim is None else sim * scale)
        colours.append("tab:blue")
        ax.bar(range(len(labels)), heights, color=colours)
        ax.set_xticks(range(len(labels)), labels)
        if seeds:
            lo, hi = min(seeds) * scale, max(seeds) * scale
            mid = heights[-1]
            ax.errorbar(
                [len(labels) - 1],
                [mid],
                yerr=[[mid - lo], [hi - mid]],
                color="black",
                capsize=6,
                label="seeds' min-max",
            )
            ax.legend(fontsize="small")
        ax.set_ylabel({100: "%", 1: outcome.unit}[scale])
    ax.set_title(title, fontsize="medium")
    return _save(fig, path)
