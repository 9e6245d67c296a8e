"""The report's verdict: which policy to pick for the objective asked, what it returns per unit
of money spent, how sure that is, and how many seeds would settle what is not yet settled.

A policy is picked only when its paired difference from the baseline is significant in the
objective's good direction (Holm-adjusted p < 0.05); otherwise the verdict keeps the baseline
and names the best estimate. "How sure" is the paired comparison of the best policy with the
runner-up on the same seeds. Seeds to settle a difference d of spread s (the standard
deviation of the per-seed differences) are the fewest n with t(0.975, n-1) s / sqrt(n) < |d|:
the number at which the interval would exclude zero if the mean difference held.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis import paired
from sim.analysis.paired import Design
from sim.analysis.replication import seeds_needed

OBJECTIVES = {
    "profit": "seller_profit",
    "stickiness": "repeat_rate",
    "conversion": "visit_conversion",
}
SIGNIFICANT = 0.05


@dataclass(frozen=True)
class Verdict:
    """The verdict of one context (the whole sweep when there is no context)."""

    context: str
    metric: str
    baseline: str  # the baseline's label in this context
    pick: str  # the best policy if it is significantly better, else the baseline's label
    best: dict  # the best policy's comparison row (difference, ci_low, ci_high, p_holm, sd, seeds)
    roi: dict | None  # the best policy's roi row, None unless it clearly spends more
    runner_up: dict | None  # best minus runner-up: policy, difference, ci_low, ci_high, p, seeds
    seeds_to_settle: dict[str, int]  # what is unsettled -> seeds that would settle it
    profit: dict | None  # the pick's profit row, when the objective is not profit

    @property
    def settled(self) -> bool:
        """Whether the best policy is significantly better than the baseline."""
        return self.pick == self.best["policy"]


def verdicts(
    table: pd.DataFrame, design: Design, comparison: pd.DataFrame, metric: str
) -> list[Verdict]:
    """A verdict per context, on `metric` (the objective's), from `paired.compare`'s rows."""
    pairs = paired.pair_runs(table, design)
    rows = comparison[comparison["metric"] == metric]
    return [
        _verdict(design.baseline_label(context), group, comparison, pairs, metric)
        for context, group in rows.groupby("context", sort=False)
        if group["difference"].notna().any()
    ]


def _verdict(
    baseline: str,
    rows: pd.DataFrame,
    comparison: pd.DataFrame,
    pairs: pd.DataFrame,
    metric: str,
) -> Verdict:
    context = rows["context"].iloc[0]
    sign = -1.0 if metric in paired.LOWER_IS_BETTER else 1.0
    ranked = rows.assign(score=sign * rows["difference"]).sort_values("score", ascending=False)
    best = ranked.iloc[0].to_dict()
    significant = best["score"] > 0 and best["p_holm"] < SIGNIFICANT
    unsettled = {}
    if not significant and best["score"] > 0:
        unsettled[f"{best['policy']} against the baseline"] = seeds_needed(
            best["sd"], abs(best["difference"])
        )
    runner_up = None
    if len(ranked) > 1:
        runner_up = _gap(pairs, context, best["policy"], ranked.iloc[1]["policy"], metric)
        if runner_up["p"] >= SIGNIFICANT and runner_up["difference"] != 0:
            name = f"{best['policy']} against {runner_up['policy']}"
            unsettled[name] = seeds_needed(runner_up["sd"], abs(runner_up["difference"]))
    pick = best["policy"] if significant else baseline
    return Verdict(
        context=context,
        metric=metric,
        baseline=baseline,
        pick=pick,
        best=best,
        roi=_roi(comparison, best["policy"], context),
        runner_up=runner_up,
        seeds_to_settle=unsettled,
        profit=None
        if metric == "seller_profit"
        else _row(comparison, pick, context, "seller_profit"),
    )


def _roi(comparison: pd.DataFrame, policy: str, context: str) -> dict | None:
    """The policy's return per unit spent, when it spends clearly more than the baseline (the
    extra spend's interval above zero): a policy that spends about as much (a market shock,
    a lever that saves costs) has no return per unit spent to speak of, only its effect."""
    spend = _row(comparison, policy, context, "extra_spend")
    if spend is None or not spend["ci_low"] > 0:
        return None
    return _row(comparison, policy, context, "roi")


def _row(comparison: pd.DataFrame, policy: str, context: str, metric: str) -> dict | None:
    found = comparison[
        (comparison["policy"] == policy)
        & (comparison["context"] == context)
        & (comparison["metric"] == metric)
    ]
    if found.empty or np.isnan(found["difference"].iloc[0]):
        return None
    return found.iloc[0].to_dict()


def _gap(pairs: pd.DataFrame, context: str, best: str, other: str, metric: str) -> dict:
    """The best policy minus the runner-up on the seeds both ran, with its 95% CI and p."""
    mine = pairs[pairs["context"] == context]
    wide = mine.pivot_table(index="seed", columns="policy", values=f"x.{metric}")
    both = wide[[best, other]].dropna()
    gaps = (both[best] - both[other]).to_numpy(float)
    difference, low, high = paired.mean_ci(gaps)
    sd = float(gaps.std(ddof=1)) if len(gaps) > 1 else np.nan
    return dict(
        policy=other,
        difference=difference,
        ci_low=low,
        ci_high=high,
        p=paired.paired_p_value(gaps),
        sd=sd,
        seeds=len(gaps),
    )
