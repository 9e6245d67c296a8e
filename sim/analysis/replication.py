"""How many seeds a claim needs: replication planning from a pilot comparison.

A paired difference over n seeds with spread s (the standard deviation of its per-seed
differences) has a 95% Student-t interval of half-width t(0.975, n-1) s / sqrt(n). The seeds
that reach a half-width h are the fewest n >= 2 with t(0.975, n-1) s / sqrt(n) < h, taking the
pilot's s as the spread to expect (a pilot of few seeds estimates it roughly: plan with margin).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.config import ConfigError

CONFIDENCE = 0.95
MAX_SEEDS = 100_000


def seeds_needed(sd: float, half_width: float, confidence: float = CONFIDENCE) -> int:
    """The fewest seeds (at least 2) whose Student-t interval of a mean difference of spread
    `sd` has a half-width below `half_width`; MAX_SEEDS when even that many would not do."""
    if not half_width > 0 or np.isnan(sd):
        return MAX_SEEDS
    if sd == 0:
        return 2
    quantile = (1 + confidence) / 2
    start = max(2, math.ceil((stats.norm.ppf(quantile) * sd / half_width) ** 2))
    for n in range(start, MAX_SEEDS):
        if stats.t.ppf(quantile, n - 1) * sd / math.sqrt(n) < half_width:
            return n
    return MAX_SEEDS


def parse_targets(text: str, default_metric: str, metrics: list[str]) -> dict[str, float]:
    """`--plan-seeds`: a half-width for `default_metric` (`500`), or one a metric
    (`repeat_rate=0.01,seller_profit=500`), each in its metric's unit (0.01 of a share is one
    percentage point)."""
    targets = {}
    for item in (part.strip() for part in text.split(",") if part.strip()):
        metric, _, value = item.rpartition("=") if "=" in item else (default_metric, "", item)
        try:
            width = float(value)
        except ValueError:
            width = math.nan
        if not width > 0 or math.isinf(width):
            raise ConfigError(
                f"--plan-seeds {text} is not allowed: a half-width > 0, or METRIC=HALF_WIDTH "
                "pairs, e.g. 500 or repeat_rate=0.01,seller_profit=500"
            )
        if metric not in metrics:
            raise ConfigError(
                f"--plan-seeds {metric} is not allowed: plan for a metric compared "
                f"(--metrics): {', '.join(metrics)}"
            )
        targets[metric] = width
    if not targets:
        raise ConfigError(f"--plan-seeds {text!r} is not allowed: give a half-width")
    return targets


def plan(comparison: pd.DataFrame, targets: dict[str, float]) -> pd.DataFrame:
    """For each policy and metric planned: the seeds it has, its interval's half-width now, the
    half-width asked for and the seeds that would reach it."""
    rows = comparison[comparison["metric"].isin(targets) & comparison["difference"].notna()]
    half = (rows["ci_high"] - rows["ci_low"]) / 2
    target = rows["metric"].map(targets)
    needed = [seeds_needed(sd, t) for sd, t in zip(rows["sd"], target, strict=True)]
    return pd.DataFrame(
        {
            "policy": rows["policy"],
            "context": rows["context"],
            "metric": rows["metric"],
            "seeds": rows["seeds"],
            "difference": rows["difference"],
            "half_width": half,
            "target": target,
            "seeds_needed": needed,
        }
    ).reset_index(drop=True)
