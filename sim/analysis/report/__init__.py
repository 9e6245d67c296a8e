"""The comparison report of a sweep (`python -m sim compare`): `build` assembles it, in reading
order, from the comparison's verdict, tables, views of marketing, response curve and figures;
`write` renders it (`report.md`, `report.html`, `tables/*.csv`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from sim.analysis import curve, paired, replication, verdict
from sim.analysis.paired import Design
from sim.analysis.report.decision import (
    plan_table,
    plan_text,
    verdict_blocks,
    verdict_frame,
    verdict_text,
)
from sim.analysis.report.document import Block, Report, write
from sim.analysis.report.figures import figures
from sim.analysis.report.marketing import profit_measures, segment_blocks
from sim.analysis.report.response import curve_blocks, curve_text
from sim.analysis.report.tables import (
    glossary_table,
    metric_table,
    overview_tables,
    ranking_blocks,
)
from sim.analysis.report.values import fmt, header
from sim.analysis.sweep_table import override_columns
from sim.config import NO_EFFECT

__all__ = [
    "Block",
    "Report",
    "build",
    "curve_text",
    "fmt",
    "glossary_table",
    "overview_tables",
    "plan_text",
    "ranking_blocks",
    "segment_blocks",
    "verdict_text",
    "write",
]

DEFAULT_CURRENCY = "USD"  # the schema's default reference currency


def build(
    table: pd.DataFrame,
    design: Design,
    metrics: list[str],
    objective: str,
    rank_by: str,
    title: str,
    figure_dir: Path,
    targets: dict[str, float] | None = None,
) -> Report:
    """Every block of the report, in reading order, and the numeric tables behind them;
    `targets` (half-widths by metric) adds a replication plan."""
    objective_metric = verdict.OBJECTIVES[objective]
    compared = list(
        dict.fromkeys(
            [
                *metrics,
                objective_metric,
                "roi",
                "extra_spend",
                "incremental_profit",
                *(targets or {}),
            ]
        )
    )
    compared = [m for m in compared if m in paired.table_metrics(table)]
    comparison = paired.compare(table, design, compared)
    shown = comparison[comparison["metric"].isin(metrics)]
    ranks = paired.ranking(comparison, design, rank_by)
    found = verdict.verdicts(table, design, comparison, objective_metric)
    currency = currency_of(table)
    status = table["status"].value_counts()
    blocks = [
        Block("heading", title, 1),
        Block("heading", f"Verdict: the policy to pick for {objective}"),
        *verdict_blocks(found, objective, currency),
        Block("heading", "How the runs were compared"),
        Block("text", _setup_text(table, design, design.baseline_label(), status, currency)),
        Block("heading", f"Ranking by {rank_by}"),
        *ranking_blocks(ranks, rank_by),
        Block("heading", "Overview: paired differences from the baseline"),
        Block(
            "text",
            "* Holm-adjusted p < 0.05 (paired t-test over seeds). In brackets: the policy's own "
            "mean, where the baseline has no value (no contacts, so no contact conversion).",
        ),
    ]
    for family, frame in overview_tables(shown, currency):
        blocks += [Block("heading", family, 3), Block("table", frame)]
    measures = profit_measures(table, comparison, currency)
    measured = [b.content for b in measures if b.name == "profit_measures"]
    if measures:
        blocks += [Block("heading", "Profit, measured two ways"), *measures]
    plan = replication.plan(comparison, targets) if targets else None
    if plan is not None:
        blocks += [
            Block("heading", "Replication plan"),
            Block("text", plan_text(plan)),
            Block("table", plan_table(plan, currency)),
        ]
    curves = curve.curves(table, design, objective_metric)
    blocks += curve_blocks(curves, figure_dir, currency)
    segment_view, segment_tables = segment_blocks(table, design, currency)
    blocks += segment_view
    blocks += [
        Block("heading", "Figures"),
        *figures(table, design, shown[shown["metric"] != "roi"], figure_dir),
        Block("heading", "Each metric in detail"),
    ]
    for metric in metrics:
        blocks += [
            Block("heading", header(metric, currency), 3),
            Block("table", metric_table(comparison, metric)),
        ]
    blocks += [
        Block("heading", "Glossary"),
        Block("table", glossary_table(metrics, currency)),
    ]
    failed = table[table["status"] != "ok"]
    if len(failed):
        blocks += [
            Block("heading", "Runs left out"),
            Block("table", failed[["status", "error", "run_dir"]].fillna("")),
        ]
    tables = {
        "comparison": comparison,
        "ranking": ranks,
        "policy_means": paired.policy_means(table, design, compared),
        "verdict": verdict_frame(found),
    }
    tables |= {f"marketing_by_{by}": frame for by, frame in segment_tables.items()}
    if measured:
        tables["profit_measures"] = measured[0]
    if plan is not None:
        tables["replication"] = plan
    if curves:
        tables["curve"] = pd.concat(
            [c.levels.assign(context=c.context, best=c.best) for c in curves], ignore_index=True
        )
    return Report(blocks, tables)


def currency_of(table: pd.DataFrame) -> str:
    """The reference currency the runs count money in, from a finished run's config."""
    for run_dir in table.loc[table["status"] == "ok", "run_dir"]:
        config = Path(run_dir) / ".hydra" / "config.yaml"
        if config.exists():
            market = (yaml.safe_load(config.read_text()) or {}).get("market", {})
            return str(market.get("reference_currency", DEFAULT_CURRENCY))
    return DEFAULT_CURRENCY


def _setup_text(
    table: pd.DataFrame, design: Design, baseline: str, status: pd.Series, currency: str
) -> str:
    ok = table[table["status"] == "ok"]
    context = ", ".join(design.context_keys) or "none"
    fixed = [
        f"{k}={table[k].iloc[0]}"
        for k in override_columns(table)
        if k not in (*design.policy_keys, *design.context_keys, *NO_EFFECT)
    ]
    return (
        f"{len(table)} runs ({', '.join(f'{n} {s}' for s, n in status.items())}); "
        f"{ok['seed'].nunique()} seeds; baseline {baseline}; policies vary "
        f"{', '.join(design.policy_keys)}; context {context}; fixed {', '.join(fixed) or 'none'}. "
        f"Money is in {currency}, per run (the market's sellers together). "
        f"Metrics are measured after {int(ok['warm_up_days'].iloc[0])} warm-up days of "
        f"{int(ok['days'].iloc[0])}. Differences are paired by seed (common random numbers): "
        "each policy's run against the baseline's run on the same seed and context; intervals "
        "are 95% Student-t intervals of the mean paired difference; p-values come from paired "
        "t-tests and are Holm-adjusted across the policies compared on each metric. "
        "roi = (profit - the paired baseline's profit) / what the policy spends beyond the "
        "baseline on marketing and service (extra_spend). To compare levels of a context key "
        "instead (services, say), name both keys as the baseline: --baseline "
        "strategy=baseline service=default."
    )
