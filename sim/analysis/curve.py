"""Response curves: a metric against a numeric knob the sweep varies as its policy (a spend cap,
a coupon depth), the level that maximises it, and how sure that level is.

Every level runs on the same seeds, so each seed gives a whole curve. The curve is the mean
over seeds of each level's paired difference from the baseline level, with its 95% Student-t
interval. The best level is the one of highest mean (lowest for costs and losses); its
interval comes from resampling seeds with replacement (a paired bootstrap: a draw keeps each
seed's whole curve) and finding the best level of each draw: the 2.5th and 97.5th percentiles
of those levels. Levels whose runs are identical on every seed are named, as where a cap no
longer binds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis import paired
from sim.analysis.paired import Design

DRAWS = 2000
BOOTSTRAP_SEED = 20240101  # fixed: the same sweep always reports the same interval


@dataclass(frozen=True)
class Curve:
    """One context's response curve of `metric` over the levels of `key`."""

    key: str
    metric: str
    context: str
    levels: pd.DataFrame  # level, seeds, mean, ci_low, ci_high, spend (mean extra spend)
    best: float
    best_low: float  # the bootstrap's 95% interval of the best level
    best_high: float
    identical: list[tuple[float, float]]  # neighbouring levels whose runs are the same


def numeric_key(table: pd.DataFrame, design: Design) -> str | None:
    """The policy key when there is one and every level of it is a number, else None."""
    if len(design.policy_keys) != 1:
        return None
    key = design.policy_keys[0]
    values = table[key].dropna()
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    return key if numeric and values.nunique() > 2 else None


def curves(table: pd.DataFrame, design: Design, metric: str) -> list[Curve]:
    """A curve a context, of `metric` over the numeric policy key's levels."""
    key = numeric_key(table, design)
    if key is None or metric not in table:
        return []
    ok = table[table["status"] == "ok"].copy()
    ok["context"] = ok.apply(design.context_name, axis=1) if design.context_keys else ""
    return [
        _curve(group, key, metric, design.baseline[key], context)
        for context, group in ok.groupby("context", sort=False)
    ]


def _curve(runs: pd.DataFrame, key: str, metric: str, baseline: float, context: str) -> Curve:
    wide = runs.pivot_table(index="seed", columns=key, values=metric).dropna()
    wide = wide[sorted(wide.columns)]
    differences = wide.sub(wide[baseline], axis=0)
    spend = _spend(runs, key, baseline, wide.index)
    rows = []
    for level in wide.columns:
        mean, low, high = paired.mean_ci(differences[level].to_numpy(float))
        rows.append(
            dict(level=level, seeds=len(wide), mean=mean, ci_low=low, ci_high=high)
            | dict(spend=spend.get(level, np.nan))
        )
    levels = pd.DataFrame(rows)
    sign = -1.0 if metric in paired.LOWER_IS_BETTER else 1.0
    best = float(levels.loc[(sign * levels["mean"]).idxmax(), "level"])
    low, high = _bootstrap_best(sign * wide.to_numpy(float), np.array(wide.columns, float))
    return Curve(key, metric, context, levels, best, low, high, _identical(runs, key))


def _spend(runs: pd.DataFrame, key: str, baseline: float, seeds: pd.Index) -> dict:
    """Mean over seeds of each level's spend beyond the baseline level's (lever cost)."""
    column = "lever_cost" if "lever_cost" in runs else "marketing_cost"
    if column not in runs:
        return {}
    wide = runs.pivot_table(index="seed", columns=key, values=column).reindex(seeds)
    return wide.sub(wide[baseline], axis=0).mean().to_dict()


def _bootstrap_best(values: np.ndarray, levels: np.ndarray) -> tuple[float, float]:
    """The 95% interval of the best level over seed resamples (values: seeds x levels, higher
    better)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    seeds = len(values)
    draws = rng.integers(0, seeds, size=(DRAWS, seeds))
    best = levels[np.argmax(values[draws].mean(axis=1), axis=1)]
    return float(np.quantile(best, 0.025)), float(np.quantile(best, 0.975))


def _identical(runs: pd.DataFrame, key: str) -> list[tuple[float, float]]:
    """Neighbouring levels whose runs measured the same on every seed they share."""
    measured = [
        c
        for c in paired.table_metrics(runs)
        if c in runs and c != "wall_seconds" and pd.api.types.is_numeric_dtype(runs[c])
    ]
    by_level = {
        level: group.set_index("seed")[measured].sort_index()
        for level, group in runs.groupby(key, sort=True)
    }
    levels = sorted(by_level)
    same = []
    for a, b in itertools.pairwise(levels):
        left, right = by_level[a].align(by_level[b], join="inner", axis=0)
        if len(left) and left.equals(right):
            same.append((a, b))
    return same
