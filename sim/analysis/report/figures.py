"""The report's figures, drawn from the comparison and the runs' own outputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis import plots
from sim.analysis.paired import Design
from sim.analysis.report.document import Block, figure_block
from sim.analysis.report.values import fmt

SERIES = ["orders", "gmv"]

FUNNEL = ["sessions", "carts", "orders"]


def figures(
    table: pd.DataFrame, design: Design, comparison: pd.DataFrame, out: Path
) -> list[Block]:
    """The report's plots, drawn from the comparison and the runs' own outputs, as figure
    blocks: the paired differences first, one figure a context."""
    out.mkdir(parents=True, exist_ok=True)
    ok = table[table["status"] == "ok"]
    runs: dict[str, list[Path]] = {}
    for label, run_dir in zip(ok.apply(design.label, axis=1), ok["run_dir"], strict=True):
        runs.setdefault(label, []).append(Path(run_dir))
    warm_up = int(ok["warm_up_days"].iloc[0]) if "warm_up_days" in ok else 0
    series = {
        p: [pd.read_parquet(d / "timeseries.parquet") for d in dirs] for p, dirs in runs.items()
    }
    by_context: dict[str, dict[str, list[pd.DataFrame]]] = {}
    for _, row in ok.drop_duplicates(design.policy_keys + design.context_keys).iterrows():
        context = by_context.setdefault(design.context_name(row), {})
        context[design.policy_name(row)] = series[design.label(row)]
    orders = {
        p: [pd.read_parquet(d / "orders.parquet", columns=["buyer", "day"]) for d in dirs]
        for p, dirs in runs.items()
    }
    counts = pd.DataFrame(
        {
            p: pd.concat([s[s["day"] >= warm_up][FUNNEL].sum() for s in frames], axis=1).mean(
                axis=1
            )
            for p, frames in series.items()
        }
    ).T
    contexts = list(dict.fromkeys(comparison["context"]))
    blocks = []
    for i, context in enumerate(contexts):
        rows = comparison[comparison["context"] == context]
        name = "differences.png" if len(contexts) == 1 else f"differences_{i + 1}.png"
        where = f", in context {context}" if context else ""
        blocks.append(
            figure_block(
                f"Paired differences from {design.baseline_label(context)} with 95% CIs, as the "
                f"test tests them{where}: a bar clear of zero is a difference the seeds "
                "support (filled: Holm p < 0.05)",
                plots.paired_differences(rows, out / name, fmt),
            )
        )
    return [
        *blocks,
        figure_block(
            "Daily orders and GMV (7-day means; bands: 5th-95th percentile across seeds)",
            plots.daily_series(by_context, SERIES, out / "daily.png"),
        ),
        figure_block(
            "Conversion funnel after warm-up (mean per run): sessions, carts, paid orders",
            plots.funnel(counts[FUNNEL], out / "funnel.png"),
        ),
        figure_block(
            "Retention by first-order cohort: share ordering again within d days",
            plots.retention_curves(orders, out / "retention.png"),
        ),
        figure_block(
            "Sellers over time (mean across seeds) and role flips per week",
            plots.roles_over_time(by_context, out / "roles.png"),
        ),
    ]
