"""The report's tables: the overview of paired differences a family of metrics, each metric in
detail, the ranking and the glossary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import glossary, paired
from sim.analysis.report.document import Block
from sim.analysis.report.values import fmt, header, interval, intervals, p_text

# the overview's tables, each narrow enough to read: a metric goes to the first family naming it
FAMILIES = {
    "Stickiness": (
        "repeat_rate",
        "retention_90d",
        "share_of_wallet",
        "churn_rate",
        "seller_repeat_rate",
    ),
    "Conversion": ("visit_conversion", "contact_conversion", "cart_abandonment", "orders"),
    "Money": ("gmv", "marketing_cost", "lever_cost", "extra_spend", "seller_profit", "roi"),
}


def overview_tables(comparison: pd.DataFrame, currency: str) -> list[tuple[str, pd.DataFrame]]:
    """Policies by metrics, a table a family (stickiness, conversion, money, other): each cell
    the paired difference, starred where Holm p < 0.05."""
    cells = comparison.assign(cell=[_cell(r) for r in comparison.itertuples()])
    wide = cells.pivot_table(index="policy", columns="metric", values="cell", aggfunc="first")
    wide = wide.reindex(list(dict.fromkeys(comparison["policy"])))
    metrics = list(dict.fromkeys(comparison["metric"]))
    tables = []
    for family, members in {**FAMILIES, "Other": tuple(metrics)}.items():
        chosen = [m for m in metrics if m in members]
        metrics = [m for m in metrics if m not in chosen]
        if chosen:
            frame = wide[chosen].rename(columns=lambda m: header(m, currency))
            frame.columns.name = None
            tables.append((family, frame.reset_index()))
    return tables


def _cell(row: object) -> str:
    """The difference, starred if significant; the policy's own mean in brackets where the
    baseline has no value to differ from."""
    if np.isnan(row.difference):
        return f"({fmt(row.metric, row.mean)})" if not np.isnan(row.mean) else "n/a"
    return fmt(row.metric, row.difference, True) + ("*" if row.p_holm < 0.05 else "")


def metric_table(comparison: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = comparison[comparison["metric"] == metric]
    return pd.DataFrame(
        {
            "policy": rows["policy"],
            "seeds": rows["seeds"],
            "policy mean": [fmt(metric, v) for v in rows["mean"]],
            "baseline mean": [fmt(metric, v) for v in rows["baseline_mean"]],
            "difference": [fmt(metric, v, True) for v in rows["difference"]],
            "95% CI": intervals(metric, rows),
            "uplift": ["n/a" if np.isnan(u) else f"{u:+.1%}" for u in rows["uplift"]],
            "Holm p": [p_text(p) for p in rows["p_holm"]],
        }
    )


def ranking_table(ranks: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The ranked policies; the value column is named by what they rank on (`by`)."""
    ranked = ranks[ranks["rank"].notna()]
    by = list(dict.fromkeys(ranked["by"]))
    table = pd.DataFrame({"rank": ranked["rank"].astype(int), "policy": ranked["policy"]})
    if len(by) > 1:
        table["by"] = ranked["by"]
    differences = (ranked["by"] == "difference").tolist()
    table[by[0] if len(by) == 1 else "value"] = [
        fmt(metric, v, d) for v, d in zip(ranked["value"], differences, strict=True)
    ]
    table["95% CI"] = [
        interval(metric, r.ci_low, r.ci_high, d)
        for r, d in zip(ranked.itertuples(), differences, strict=True)
    ]
    table["Holm p"] = [p_text(p) for p in ranked["p_holm"]]
    return table


def ranking_blocks(ranks: pd.DataFrame, metric: str) -> list[Block]:
    """The ranking, saying what it ranks on, a table a context under its own heading, and
    notes naming the policies left out for want of a value of the metric, or why there is no
    ranking at all."""
    direction = "lower" if metric in paired.LOWER_IS_BETTER else "higher"
    ranked = ranks[ranks["rank"].notna()]
    unranked = list(ranks.loc[ranks["rank"].isna(), "policy"])
    if ranked.empty:
        why = (
            f"No ranking by {metric}: it is undefined (n/a) in the runs of every policy "
            "compared, so there is nothing to rank; rank by another metric with --rank-by."
        )
        return [Block("note", why)]
    texts = []
    if (ranked["by"] == "difference").any():
        texts.append("Paired difference from the baseline on common seeds")
    if (ranked["by"] == "mean").any():
        texts.append(
            f"{'where' if texts else 'As'} the baseline has no {metric} (undefined in its "
            "runs), the policies rank by their own mean over seeds, with its 95% CI"
        )
    blocks = [Block("text", "; ".join(texts) + f"; {direction} is better.")]
    contexts = list(dict.fromkeys(ranked["context"]))
    for context in contexts:
        if len(contexts) > 1:
            blocks.append(Block("heading", f"In context {context}", 3))
        blocks.append(Block("table", ranking_table(ranked[ranked["context"] == context], metric)))
    if unranked:
        blocks.append(
            Block("note", f"{metric} is undefined (n/a) for {', '.join(unranked)}: not ranked.")
        )
    return blocks


def glossary_table(metrics: list[str], currency: str) -> pd.DataFrame:
    """Every metric the report shows: its name, what it means and its unit."""
    return pd.DataFrame(
        {
            "metric": metrics,
            "meaning": [glossary.term(m).meaning or "(no description)" for m in metrics],
            "unit": [glossary.unit_text(m, currency) for m in metrics],
        }
    )
