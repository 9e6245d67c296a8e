"""Paired comparison of policies against a baseline over a sweep's common seeds.

Runs with the same seed share their population and shocks (common random numbers, DESIGN
section 7), so the difference between a policy and the baseline is taken seed by seed; its mean,
95% confidence interval (Student t) and paired t-test p-value are far tighter than those of two
independent samples. p-values are Holm-adjusted across the policies compared on each metric.

A sweep's override columns split in three: the seed; the baseline's keys (e.g. `strategy`),
whose values name the policies; and the context (any other varied key, e.g. `service`). Each
policy is compared with the baseline in the same context on the same seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.config import ConfigError
from sim.sweep import override_columns, override_value

HEADLINE_METRICS = (
    "repeat_rate",
    "retention_90d",
    "share_of_wallet",
    "churn_rate",
    "seller_repeat_rate",
    "visit_conversion",
    "contact_conversion",
    "cart_abandonment",
    "orders",
    "gmv",
    "marketing_cost",
    "seller_profit",
    "roi",
)
LOWER_IS_BETTER = frozenset(
    {"churn_rate", "cart_abandonment", "return_rate", "belief_error", "marketing_cost"}
)
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Design:
    """Which columns of a sweep table name the policy, the context and the baseline."""

    policy_keys: list[str]
    context_keys: list[str]
    baseline: dict[str, Any]

    def label(self, row: pd.Series | dict) -> str:
        """`strategy=rfm`, or `strategy=rfm | service=free_shipping` in a context."""
        policy = ", ".join(f"{k}={row[k]}" for k in self.policy_keys)
        context = ", ".join(f"{k}={row[k]}" for k in self.context_keys)
        return f"{policy} | {context}" if context else policy


def parse_baseline(items: list[str]) -> dict[str, Any]:
    """`["strategy=baseline"]` as {"strategy": "baseline"}, values read as in a sweep table."""
    baseline = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--baseline {item!r} is not allowed: write KEY=VALUE")
        baseline[key] = override_value(value)
    return baseline


def design_of(table: pd.DataFrame, baseline: dict[str, Any]) -> Design:
    """The comparison design of a sweep table, checking the baseline names runs that exist."""
    varied = [
        k for k in override_columns(table) if (table[k].astype(str) != str(table[k].iloc[0])).any()
    ]
    for key, value in baseline.items():
        if key not in varied:
            raise ConfigError(
                f"--baseline {key}={value} is not allowed: the key must be an override the "
                f"sweep varies: {', '.join(varied) or 'none'}"
            )
        values = [v for v in table[key].unique() if v is not None]
        if value not in values:
            raise ConfigError(
                f"--baseline {key}={value} is not allowed: the sweep has {key} = "
                f"{', '.join(map(str, values))}"
            )
    context = [k for k in varied if k not in baseline]
    return Design(list(baseline), context, baseline)


def check_metrics(table: pd.DataFrame, metrics: list[str]) -> list[str]:
    """The metrics to compare, each a numeric column of the table (or `roi`)."""
    empty = [c for c in table.columns if table[c].isna().all()]  # e.g. retention in short runs
    numeric = set(table.select_dtypes("number").columns) | set(empty) | {"roi"}
    for metric in metrics:
        if metric not in numeric:
            top = sorted(m for m in numeric - {"seed"} if "." not in m)
            raise ConfigError(
                f"--metrics {metric} is not allowed: the sweep's metrics are {', '.join(top)} "
                "and nested ones by dotted name (e.g. groups.rfm.repeat_rate)"
            )
    return metrics


def pair_runs(table: pd.DataFrame, design: Design) -> pd.DataFrame:
    """Each policy run beside the baseline run of its context and seed: columns `x.metric`
    (policy) and `b.metric` (baseline), plus `policy` and `context` labels and the seed."""
    ok = table[table["status"] == "ok"]
    is_baseline = np.logical_and.reduce(
        [ok[k] == v for k, v in design.baseline.items()], initial=True
    )
    keys = [*design.context_keys, "seed"]
    runs = ok[~is_baseline].add_prefix("x.").rename(columns={f"x.{k}": k for k in keys})
    base = ok[is_baseline].add_prefix("b.").rename(columns={f"b.{k}": k for k in keys})
    pairs = runs.merge(base, on=keys, how="inner")
    named = {k: pairs[f"x.{k}"] for k in design.policy_keys} | {k: pairs[k] for k in keys}
    pairs["policy"] = pd.DataFrame(named).apply(design.label, axis=1)
    pairs["context"] = pd.DataFrame(named).apply(
        lambda row: ", ".join(f"{k}={row[k]}" for k in design.context_keys), axis=1
    )
    pairs["x.roi"] = roi(
        pairs["x.seller_profit"], pairs["b.seller_profit"], pairs["x.marketing_cost"]
    )
    pairs["b.roi"] = 0.0
    return pairs


def roi(profit: pd.Series, baseline_profit: pd.Series, cost: pd.Series) -> pd.Series:
    """DESIGN's roi per seed: (profit - the paired baseline's profit) / marketing cost; NaN
    where the policy spent nothing on marketing."""
    return (profit - baseline_profit) / cost.where(cost > 0)


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and its 95% Student-t interval (NaN bounds with fewer than two values)."""
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf((1 + CONFIDENCE) / 2, len(values) - 1) * values.std(ddof=1)
    half /= np.sqrt(len(values))
    return mean, mean - half, mean + half


def paired_p_value(differences: np.ndarray) -> float:
    """Two-sided paired t-test of a zero mean difference. Identical runs (no spread) give 1 when
    the difference is zero and 0 otherwise; fewer than two pairs give NaN."""
    d = differences[~np.isnan(differences)]
    if len(d) < 2:
        return np.nan
    if np.allclose(d, d[0]):
        return 1.0 if d[0] == 0 else 0.0
    return float(stats.ttest_1samp(d, 0.0).pvalue)


def holm(p_values: pd.Series) -> pd.Series:
    """Holm's step-down adjustment: the k-th smallest of m p-values is multiplied by m - k + 1,
    then made monotone and capped at 1. NaN stays NaN and does not count in m."""
    p = p_values.dropna().sort_values()
    m = len(p)
    adjusted = (p * (m - np.arange(m))).cummax().clip(upper=1.0)
    return adjusted.reindex(p_values.index)


def compare(table: pd.DataFrame, design: Design, metrics: list[str]) -> pd.DataFrame:
    """A row a (policy, metric): seeds paired, means of policy and baseline, the paired
    difference with its 95% CI, relative uplift, p-value and Holm-adjusted p-value. Seeds
    where either run has no value of the metric are not paired."""
    pairs = pair_runs(table, design)
    rows = []
    for (policy, context), group in pairs.groupby(["policy", "context"], sort=False):
        for metric in metrics:
            x = group[f"x.{metric}"].to_numpy(float)
            b = group[f"b.{metric}"].to_numpy(float)
            both = ~(np.isnan(x) | np.isnan(b))
            diff, low, high = mean_ci(x[both] - b[both])
            base_mean = float(b[both].mean()) if both.any() else np.nan
            rows.append(
                {
                    "policy": policy,
                    "context": context,
                    "metric": metric,
                    "seeds": int(both.sum()),
                    # where the baseline has no value (contact conversion without contacts)
                    # the policy's own mean still informs
                    "mean": float(np.nanmean(x)) if (~np.isnan(x)).any() else np.nan,
                    "baseline_mean": base_mean,
                    "difference": diff,
                    "ci_low": low,
                    "ci_high": high,
                    "uplift": diff / base_mean if base_mean else np.nan,
                    "p_value": paired_p_value(x[both] - b[both]),
                }
            )
    result = pd.DataFrame(rows)
    if result.empty:
        raise ConfigError("no policy shares a seed with the baseline: nothing to compare")
    result["p_holm"] = result.groupby("metric")["p_value"].transform(holm)
    return result


def policy_means(table: pd.DataFrame, design: Design, metrics: list[str]) -> pd.DataFrame:
    """Each policy's mean over its seeds with a 95% CI, baseline included (long format)."""
    ok = table[table["status"] == "ok"].copy()
    ok["policy"] = ok.apply(design.label, axis=1)
    rows = []
    for policy, group in ok.groupby("policy", sort=False):
        for metric in metrics:
            if metric not in group:
                continue
            mean, low, high = mean_ci(group[metric].to_numpy(float))
            rows.append(dict(policy=policy, metric=metric, mean=mean, ci_low=low, ci_high=high))
    return pd.DataFrame(rows)


def ranking(comparison: pd.DataFrame, design: Design, metric: str) -> pd.DataFrame:
    """Policies ranked within each context by their paired difference on `metric` (the best
    first: highest, or lowest for costs and losses such as churn), with the Holm p-value."""
    rows = comparison[comparison["metric"] == metric]
    baseline = rows.drop_duplicates("context").assign(
        difference=0.0, ci_low=np.nan, ci_high=np.nan, p_holm=np.nan
    )
    name = ", ".join(f"{k}={v}" for k, v in design.baseline.items())
    baseline["policy"] = [f"{name} | {c}" if c else name for c in baseline["context"]]
    rows = pd.concat([rows, baseline], ignore_index=True)
    ascending = metric in LOWER_IS_BETTER
    rows["rank"] = rows.groupby("context")["difference"].rank(ascending=ascending, method="min")
    columns = ["context", "rank", "policy", "difference", "ci_low", "ci_high", "p_holm"]
    return rows.sort_values(["context", "rank"])[columns].reset_index(drop=True)
