"""Paired comparison of policies against a baseline over a sweep's common seeds.

Runs with the same seed share their population and shocks (common random numbers, docs/model.md
section 7.12), so the difference between a policy and the baseline is taken seed by seed; its mean,
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

from sim.analysis.sweep_table import override_columns
from sim.config import ConfigError
from sim.recording.run_folder import override_value

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
    "extra_spend",
    "roi",
)
LOWER_IS_BETTER = frozenset(
    {
        "churn_rate",
        "cart_abandonment",
        "return_rate",
        "refusal_rate",
        "belief_error",
        "marketing_cost",
        "service_cost",
        "lever_cost",
        "extra_spend",
    }
)
CONFIDENCE = 0.95
# metrics of the comparison that no single run has: they take the paired baseline run
DERIVED = frozenset({"extra_spend"})
# summary.json's metrics (metrics.summarize's and the run's own), which --metrics may name
# before any run exists; nested ones go by dotted name under these (groups.rfm.repeat_rate).
METRICS = frozenset(
    {
        *HEADLINE_METRICS,
        "service_cost",
        "lever_cost",
        "sessions",
        "contacts",
        "buyers_with_orders",
        "redemptions",
        "unsubscribes",
        "segmentation_accuracy",
        "mean_tie",
        "mean_satisfaction",
        "return_rate",
        "cross_border_share",
        "refusal_rate",
        "belief_error",
        "belief_sd",
        "new_seller_order_share",
        "mean_match",
        "flips_per_1k_trader_days",
        "ties_broken_by_flips",
        "dual_role_share",
        "reactivated_customers",
        "treated_customers",
        "holdout_customers",
        "incremental_orders",
        "incremental_profit",
        "wall_seconds",
    }
    - DERIVED
)
NESTED = frozenset(
    {
        "groups",
        "abandonment_by_reason",
        "abandonment_reasons_cited",
        "contact_conversion_by_channel",
        "contact_conversion_by_tool",
        "contact_conversion_by_segment",
        "contacts_by_channel",
        "contacts_by_segment",
        "marketing_cost_by_channel",
        "marketing_cost_by_segment",
        "incremental_orders_by_stage",
    }
)
# columns of a sweep table that describe a run rather than measure it
NOT_METRICS = frozenset(
    {"seed", "days", "warm_up_days", "n_traders", "config_hash", "status", "error", "run_dir"}
)


@dataclass(frozen=True)
class Design:
    """Which columns of a sweep table name the policy, the context and the baseline."""

    policy_keys: list[str]
    context_keys: list[str]
    baseline: dict[str, Any]

    def label(self, row: pd.Series | dict) -> str:
        """`strategy=rfm`, or `strategy=rfm | service=free_shipping` in a context."""
        policy, context = self.policy_name(row), self.context_name(row)
        return f"{policy} | {context}" if context else policy

    def policy_name(self, row: pd.Series | dict) -> str:
        """`strategy=rfm`: the policy alone, as a figure of one context names it."""
        return ", ".join(f"{k}={row[k]}" for k in self.policy_keys)

    def context_name(self, row: pd.Series | dict) -> str:
        """`service=free_shipping`, or "" without a context."""
        return ", ".join(f"{k}={row[k]}" for k in self.context_keys)

    def baseline_label(self, context: str = "") -> str:
        """`strategy=baseline`, or `strategy=baseline | service=free_shipping` in a context."""
        name = ", ".join(f"{k}={v}" for k, v in self.baseline.items())
        return f"{name} | {context}" if context else name


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


def parse_metrics(text: str) -> list[str]:
    """`--metrics`' comma-separated names, once each; none is an error, not an empty report."""
    metrics = list(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))
    if not metrics:
        raise ConfigError(
            f"--metrics {text!r} is not allowed: name one or more metrics, comma-separated, "
            f"e.g. {','.join(HEADLINE_METRICS[:3])}"
        )
    return metrics


def table_metrics(table: pd.DataFrame) -> set[str]:
    """The metrics a sweep table holds: its numeric columns, those no run has a value of
    (e.g. retention in short runs) and `roi`; not its overrides, seed or status."""
    overrides = set(override_columns(table)) if "seed" in table else set()
    empty = {c for c in table.columns if table[c].isna().all()}
    numeric = set(table.select_dtypes("number").columns) | empty | {"roi"} | DERIVED
    return numeric - overrides - NOT_METRICS


def check_metrics(metrics: list[str], known: set[str] | None = None) -> list[str]:
    """The metrics, each one of `known` (a sweep table's) or, before any run, of `METRICS` or
    a dotted name under a nested one (groups.rfm.repeat_rate)."""
    names = METRICS | DERIVED if known is None else known
    for metric in metrics:
        nested = known is None and "." in metric and metric.partition(".")[0] in NESTED
        if metric not in names and not nested:
            top = sorted(m for m in names if "." not in m)
            raise ConfigError(
                f"--metrics {metric} is not allowed: the metrics are {', '.join(top)} "
                "and nested ones by dotted name (e.g. groups.rfm.repeat_rate)"
            )
    return metrics


def check_rank_by(rank_by: str | None, metrics: list[str], default: str = "seller_profit") -> str:
    """The ranking's metric, one of those compared; by default `default` (the objective's
    metric) if compared, else the first."""
    if rank_by is None:
        return default if default in metrics else metrics[0]
    if rank_by not in metrics:
        hint = f" (or add {rank_by} to --metrics)" if rank_by in METRICS else ""
        raise ConfigError(
            f"--rank-by {rank_by} is not allowed: rank by one of the metrics compared "
            f"(--metrics): {', '.join(metrics)}{hint}"
        )
    return rank_by


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
    pairs["context"] = pd.DataFrame(named).apply(design.context_name, axis=1)
    pairs["x.extra_spend"] = extra_spend(pairs)
    pairs["b.extra_spend"] = 0.0
    pairs["x.roi"] = roi(pairs["x.seller_profit"], pairs["b.seller_profit"], pairs["x.extra_spend"])
    pairs["b.roi"] = 0.0
    return pairs


def extra_spend(pairs: pd.DataFrame) -> pd.Series:
    """What each policy run spends to win buyers beyond its paired baseline run: the
    difference of their lever costs (marketing plus service beyond the standard service,
    docs/model.md section 7.13); runs recorded before lever costs existed count marketing only."""
    if "x.lever_cost" in pairs:
        return pairs["x.lever_cost"] - pairs["b.lever_cost"]
    return pairs["x.marketing_cost"] - pairs["b.marketing_cost"]


def roi(profit: pd.Series, baseline_profit: pd.Series, spend: pd.Series) -> pd.Series:
    """The roi per seed (docs/model.md section 7.13): (profit - the paired baseline's profit) /
    the extra spend; NaN where the policy spends no more than the baseline."""
    return (profit - baseline_profit) / spend.where(spend > 0)


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
    metrics = list(dict.fromkeys(metrics))  # each once, however often it was asked for
    pairs = pair_runs(table, design)
    if pairs.empty:
        raise ConfigError("no policy shares a seed with the baseline: nothing to compare")
    rows = []
    for (policy, context), group in pairs.groupby(["policy", "context"], sort=False):
        for metric in metrics:
            x = group[f"x.{metric}"].to_numpy(float)
            b = group[f"b.{metric}"].to_numpy(float)
            both = ~(np.isnan(x) | np.isnan(b))
            differences = x[both] - b[both]
            diff, low, high = mean_ci(differences)
            mean, mean_low, mean_high = mean_ci(x)
            base_mean = float(b[both].mean()) if both.any() else np.nan
            rows.append(
                {
                    "policy": policy,
                    "context": context,
                    "metric": metric,
                    "seeds": int(both.sum()),
                    # where the baseline has no value (contact conversion without contacts)
                    # the policy's own mean still informs
                    "mean": mean,
                    "mean_ci_low": mean_low,
                    "mean_ci_high": mean_high,
                    "baseline_mean": base_mean,
                    "difference": diff,
                    "sd": float(differences.std(ddof=1)) if len(differences) > 1 else np.nan,
                    "ci_low": low,
                    "ci_high": high,
                    "uplift": diff / base_mean if base_mean else np.nan,
                    "p_value": paired_p_value(differences),
                }
            )
    result = pd.DataFrame(rows)
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
    """Policies ranked within each context on `metric`, the best first (highest, or lowest for
    costs and losses such as churn). They rank by their paired difference from the baseline,
    itself ranked at 0; where the baseline has no value of the metric (contact conversion
    without contacts), by their own means instead (column `by`). A policy without a value has
    rank NaN, as has the baseline when no policy has one: there is nothing to rank."""
    rows = comparison[comparison["metric"] == metric]
    parts = [
        _to_rank(group, design.baseline_label(context))
        for context, group in rows.groupby("context", sort=False)
    ]
    columns = ["context", "rank", "policy", "by", "value", "ci_low", "ci_high", "p_holm"]
    if not parts:
        return pd.DataFrame(columns=columns)
    ranks = pd.concat(parts, ignore_index=True)
    ascending = metric in LOWER_IS_BETTER
    ranks["rank"] = ranks.groupby("context")["value"].rank(ascending=ascending, method="min")
    return ranks.sort_values(["context", "rank"])[columns].reset_index(drop=True)


def _to_rank(group: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """One context's comparison rows with the value they rank on, and the baseline's row."""
    if group["baseline_mean"].notna().any():
        ranked = group.assign(by="difference", value=group["difference"])
        base = 0.0 if ranked["value"].notna().any() else np.nan
    else:
        ranked = group.assign(
            by="mean",
            value=group["mean"],
            ci_low=group["mean_ci_low"],
            ci_high=group["mean_ci_high"],
            p_holm=np.nan,
        )
        base = np.nan
    row = dict(context=group["context"].iloc[0], policy=baseline, by=ranked["by"].iloc[0])
    return pd.concat([ranked, pd.DataFrame([row | dict(value=base)])], ignore_index=True)
