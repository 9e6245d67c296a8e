"""The comparison report of a sweep: `report.md` with its figures beside it, and `report.html`,
the same content in one self-contained file (figures embedded) to mail or open anywhere.

The report is a list of blocks (headings, paragraphs, tables, figures) rendered twice, so the
two files cannot disagree.
"""

from __future__ import annotations

import base64
import html
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import paired, plots
from sim.analysis.paired import Design
from sim.analysis.sweep_table import override_columns
from sim.config import NO_EFFECT
from sim.recording.atomic import write_text

RATES = frozenset(
    {
        "repeat_rate",
        "seller_repeat_rate",
        "retention_90d",
        "share_of_wallet",
        "churn_rate",
        "visit_conversion",
        "contact_conversion",
        "cart_abandonment",
        "return_rate",
        "dual_role_share",
    }
)
SERIES = ["orders", "gmv"]
FUNNEL = ["sessions", "carts", "orders"]


@dataclass(frozen=True)
class Block:
    """One piece of a report: `kind` is heading, text, note (text the command also prints, as
    it warns of something missing), table or figure."""

    kind: str
    content: object
    level: int = 2


def fmt(metric: str, value: float, difference: bool = False) -> str:
    """A metric's value as a reader expects it: rates in % (differences in points), money and
    counts with thousands separators."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    sign = "+" if difference else ""
    if metric in RATES:
        return f"{100 * value:{sign}.1f} pp" if difference else f"{value:.1%}"
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


def overview_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """Policies by metrics: each cell the paired difference, starred where Holm p < 0.05."""

    cells = comparison.assign(cell=[_cell(r) for r in comparison.itertuples()])
    wide = cells.pivot_table(index="policy", columns="metric", values="cell", aggfunc="first")
    order = list(dict.fromkeys(comparison["metric"]))
    return wide[order].reindex(list(dict.fromkeys(comparison["policy"]))).reset_index()


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
    """The ranking, saying what it ranks on, and notes naming the policies left out for want
    of a value of the metric, or why there is no ranking at all."""
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
    blocks.append(Block("table", ranking_table(ranks, metric)))
    if unranked:
        blocks.append(
            Block("note", f"{metric} is undefined (n/a) for {', '.join(unranked)}: not ranked.")
        )
    return blocks


def figures(table: pd.DataFrame, design: Design, metrics: list[str], out: Path) -> list[Block]:
    """The report's plots, drawn from the runs' own outputs, as figure blocks."""
    out.mkdir(parents=True, exist_ok=True)
    ok = table[table["status"] == "ok"]
    runs: dict[str, list[Path]] = {}
    for label, run_dir in zip(ok.apply(design.label, axis=1), ok["run_dir"], strict=True):
        runs.setdefault(label, []).append(Path(run_dir))
    warm_up = int(ok["warm_up_days"].iloc[0]) if "warm_up_days" in ok else 0
    series = {
        p: [pd.read_parquet(d / "timeseries.parquet") for d in dirs] for p, dirs in runs.items()
    }
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
    means = paired.policy_means(table, design, metrics)
    return [
        _figure(
            "Metric means with 95% CIs across seeds", plots.metric_means(means, out / "means.png")
        ),
        _figure(
            "Daily orders and GMV (7-day means; bands: 5th-95th percentile across seeds)",
            plots.daily_series(series, SERIES, out / "daily.png"),
        ),
        _figure(
            "Conversion funnel after warm-up (mean per run): sessions, carts, paid orders",
            plots.funnel(counts[FUNNEL], out / "funnel.png"),
        ),
        _figure(
            "Retention by first-order cohort: share ordering again within d days",
            plots.retention_curves(orders, out / "retention.png"),
        ),
        _figure(
            "Buyers and sellers over time, role flips marked",
            plots.roles_over_time(series, out / "roles.png"),
        ),
    ]


def _figure(caption: str, path: Path) -> Block:
    return Block("figure", (caption, path))


def build(
    table: pd.DataFrame,
    design: Design,
    metrics: list[str],
    rank_by: str,
    title: str,
    figure_dir: Path,
) -> list[Block]:
    """Every block of the report, in reading order."""
    comparison = paired.compare(table, design, metrics)
    ranks = paired.ranking(comparison, design, rank_by)
    status = table["status"].value_counts()
    blocks = [
        Block("heading", title, 1),
        Block("text", _setup_text(table, design, design.baseline_label(), status)),
        Block("heading", f"Ranking by {rank_by}"),
        *ranking_blocks(ranks, rank_by),
        Block("heading", "Overview: paired differences from the baseline"),
        Block(
            "text",
            "* Holm-adjusted p < 0.05 (paired t-test over seeds). In brackets: the policy's own "
            "mean, where the baseline has no value (no contacts, so no contact conversion).",
        ),
        Block("table", overview_table(comparison)),
        Block("heading", "Figures"),
        *figures(table, design, [m for m in metrics if m != "roi"], figure_dir),
        Block("heading", "Each metric in detail"),
    ]
    for metric in metrics:
        blocks += [Block("heading", metric, 3), Block("table", metric_table(comparison, metric))]
    failed = table[table["status"] != "ok"]
    if len(failed):
        blocks += [
            Block("heading", "Runs left out"),
            Block("table", failed[["status", "error", "run_dir"]].fillna("")),
        ]
    return blocks


def _setup_text(table: pd.DataFrame, design: Design, baseline: str, status: pd.Series) -> str:
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
        f"Metrics are measured after {int(ok['warm_up_days'].iloc[0])} warm-up days of "
        f"{int(ok['days'].iloc[0])}. Differences are paired by seed (common random numbers); "
        "intervals are 95% Student-t intervals of the mean paired difference; p-values come "
        "from paired t-tests and are Holm-adjusted across the policies compared on each metric. "
        "roi = (profit - the paired baseline's profit) / marketing cost."
    )


def to_markdown(blocks: list[Block], base: Path) -> str:
    parts = []
    for block in blocks:
        if block.kind == "heading":
            parts.append(f"{'#' * block.level} {block.content}")
        elif block.kind == "text":
            parts.append(str(block.content))
        elif block.kind == "note":
            parts.append(f"**Note:** {block.content}")
        elif block.kind == "table":
            parts.append(_markdown_table(block.content))
        else:
            caption, path = block.content
            parts.append(f"![{caption}]({os.path.relpath(path, base)})\n\n*{caption}*")
    return "\n\n".join(parts) + "\n"


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(cell, frame.columns)) + " |"]
    lines.append("|" + "---|" * len(frame.columns))
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def to_html(blocks: list[Block]) -> str:
    body = []
    for block in blocks:
        if block.kind == "heading":
            body.append(f"<h{block.level}>{html.escape(str(block.content))}</h{block.level}>")
        elif block.kind == "text":
            body.append(f"<p>{html.escape(str(block.content))}</p>")
        elif block.kind == "note":
            body.append(f"<p><strong>Note:</strong> {html.escape(str(block.content))}</p>")
        elif block.kind == "table":
            body.append(block.content.to_html(index=False, border=0, escape=True))
        else:
            caption, path = block.content
            data = base64.b64encode(Path(path).read_bytes()).decode()
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
    title = html.escape(str(blocks[0].content))
    return HTML_PAGE.format(title=title, body="\n".join(body))


HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }}
th, td {{ padding: 0.25rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; }}
th {{ background: #f4f4f4; }}
img {{ max-width: 100%; }}
figcaption {{ font-style: italic; color: #555; }}
</style></head>
<body>
{body}
</body></html>
"""


def write(blocks: list[Block], report_dir: Path) -> tuple[Path, Path]:
    """Write `report.md` and `report.html` into `report_dir`, each atomically."""
    report_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("report.md", to_markdown(blocks, report_dir)),
        ("report.html", to_html(blocks)),
    ):
        write_text(report_dir / name, text)
        written.append(report_dir / name)
    return written[0], written[1]
