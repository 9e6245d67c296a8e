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
import yaml

from sim.analysis import curve, glossary, paired, plots, replication, verdict
from sim.analysis.paired import Design
from sim.analysis.sweep_table import override_columns
from sim.config import NO_EFFECT
from sim.recording.atomic import write_text

DEFAULT_CURRENCY = "USD"  # the schema's default reference currency
SERIES = ["orders", "gmv"]
FUNNEL = ["sessions", "carts", "orders"]
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


@dataclass(frozen=True)
class Block:
    """One piece of a report: `kind` is heading, text, note (text the command also prints, as
    it warns of something missing), table or figure. A table's `name` is the file its numbers
    are also written to (`tables/NAME.csv`), for spreadsheets."""

    kind: str
    content: object
    level: int = 2
    name: str = ""


@dataclass(frozen=True)
class Report:
    """The blocks in reading order, and the numeric tables behind them (written as CSV)."""

    blocks: list[Block]
    tables: dict[str, pd.DataFrame]


def fmt(metric: str, value: float, difference: bool = False) -> str:
    """A metric's value as a reader expects it (its unit in `sim.analysis.glossary`): shares in
    % (differences in points), money and counts with thousands separators and no spurious
    decimals, returns per unit spent with two decimals."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    sign = "+" if difference else ""
    kind = glossary.unit(metric)
    if kind == glossary.SHARE:
        return f"{100 * value:{sign}.1f} pp" if difference else f"{value:.1%}"
    if kind == glossary.RATIO:
        return f"{value:{sign}.2f}"
    if kind == glossary.COUNT:
        return f"{value:{sign},.0f}" if abs(value) >= 10 else f"{value:{sign}.1f}"
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


def header(metric: str, currency: str) -> str:
    """A column's name: the metric, with its currency where it is money."""
    return f"{metric} ({currency})" if glossary.unit(metric) == glossary.MONEY else metric


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


def verdict_blocks(found: list[verdict.Verdict], objective: str, currency: str) -> list[Block]:
    """The verdict of each context in plain words."""
    if not found:
        return [
            Block(
                "note",
                f"No verdict for {objective}: no policy has a paired difference from the "
                f"baseline on {verdict.OBJECTIVES[objective]}.",
            )
        ]
    blocks = []
    for each in found:
        if len(found) > 1:
            blocks.append(Block("heading", f"In context {each.context}", 3))
        blocks.append(Block("text", verdict_text(each, objective, currency)))
    return blocks


def verdict_text(v: verdict.Verdict, objective: str, currency: str) -> str:
    """A context's verdict: the pick and its effect, its return per unit spent, how sure, and
    the seeds that would settle the rest. Policies go by their own names: a context's verdict
    sits under its heading."""
    m, best = v.metric, v.best

    def name(label: str) -> str:
        return label.removesuffix(f" | {v.context}") if v.context else label

    effect = _effect(m, best, currency)
    if v.settled:
        parts = [f"Pick {name(v.pick)} for {objective}: against {name(v.baseline)} {effect}."]
    else:
        parts = [
            f"No policy beats {name(v.baseline)} on {objective} with 95% confidence: keep it. "
            f"The best estimate is {name(best['policy'])}: {effect}."
        ]
    parts.append(_roi_text(name(best["policy"]), v.roi, currency))
    gap = v.runner_up
    if gap is not None and gap["difference"] == 0 and gap["sd"] == 0:
        parts.append(
            f"It ties with {name(gap['policy'])}: identical {m} on every seed "
            f"({gap['seeds']} seeds); either will do."
        )
    elif gap is not None:
        sure = "a clear lead" if gap["p"] < verdict.SIGNIFICANT else "not yet a clear lead"
        parts.append(
            f"Against the runner-up, {name(gap['policy'])}, it leads by "
            f"{_amount(m, gap['difference'], currency)} "
            f"{interval(m, gap['ci_low'], gap['ci_high'])} "
            f"(paired p {p_text(gap['p'])}, {gap['seeds']} seeds): {sure}."
        )
    if v.profit is not None and v.profit["ci_high"] < 0:
        parts.append(
            f"Mind the money: {name(v.pick)} changes sellers' profit by "
            f"{_amount('seller_profit', v.profit['difference'], currency)} "
            f"{interval('seller_profit', v.profit['ci_low'], v.profit['ci_high'])}: "
            "it buys its customers at a loss."
        )
    for what, seeds in v.seeds_to_settle.items():
        more = "more than 100,000" if seeds >= replication.MAX_SEEDS else f"about {seeds:,}"
        parts.append(
            f"Not yet settled: {name(what)}; {more} seeds would settle it if the difference "
            f"held (the sweep has {int(best['seeds'])}; rerun with seeds=N)."
        )
    return " ".join(parts)


def _effect(metric: str, row: dict, currency: str) -> str:
    return (
        f"it changes {metric} by {_amount(metric, row['difference'], currency)} a run, 95% CI "
        f"{interval(metric, row['ci_low'], row['ci_high'])} (Holm p {p_text(row['p_holm'])}, "
        f"{int(row['seeds'])} seeds)"
    )


def _amount(metric: str, difference: float, currency: str) -> str:
    """A difference with its unit: `+9.2 pp`, `+20,593 USD`."""
    money = glossary.unit(metric) == glossary.MONEY
    return fmt(metric, difference, True) + (f" {currency}" if money else "")


def _roi_text(policy: str, roi: dict | None, currency: str) -> str:
    """The return per unit of extra spend, read as money."""
    if roi is None:
        return (
            f"{policy} spends no more than the baseline on marketing and service (its extra "
            "spend's interval reaches zero), so it has no return per unit spent: read its "
            "effect alone."
        )
    mean = roi["difference"]
    amount = f"{abs(mean) * 100:.0f} cents" if abs(mean) < 1 else f"{abs(mean):.2f} {currency}"
    reading = (
        f"{amount} of profit on top of every {currency} spent"
        if mean >= 0
        else f"{amount} of every {currency} spent lost"
    )
    return (
        f"Per {currency} it spends beyond the baseline it returns {fmt('roi', mean, True)} "
        f"{interval('roi', roi['ci_low'], roi['ci_high'])}: {reading}."
    )


def profit_measures(table: pd.DataFrame, comparison: pd.DataFrame, currency: str) -> list[Block]:
    """The two profit measures side by side, and why they differ."""
    profit = comparison[comparison["metric"] == "seller_profit"].set_index(["policy", "context"])
    held = comparison[comparison["metric"] == "incremental_profit"]
    held = held[held["mean"].notna()].set_index(["policy", "context"])
    if held.empty or profit.empty:
        return []
    rows = []
    for key, row in held.iterrows():
        if key not in profit.index:
            continue
        paired_row = profit.loc[key]
        rows.append(
            {
                "policy": key[0],
                f"profit against the baseline run ({currency})": fmt(
                    "seller_profit", paired_row["difference"], True
                ),
                "95% CI": interval("seller_profit", paired_row["ci_low"], paired_row["ci_high"]),
                f"profit against the holdout ({currency})": fmt(
                    "incremental_profit", row["mean"], True
                ),
                "95% CI ": interval("incremental_profit", row["mean_ci_low"], row["mean_ci_high"]),
            }
        )
    text = (
        "Two ways to measure what marketing earns. Against the baseline run: the whole "
        "market's sellers' profit in the policy's run less the baseline's run on the same "
        "seed, so everything the policy changes counts (customers won and kept, orders taken "
        "from other sellers, rivals' responses). Against the holdout: inside the policy's "
        "run, what the sellers' contacted customers earned them less what as many "
        "held-out customers (never contacted, chosen at random) earned, net of contact costs; "
        "it sees only the customers a seller already has, so it misses customers that "
        "marketing wins or keeps from other sellers, and is the measure a seller could take "
        "in the field. Orders a contact moves from one seller to another count as a gain for "
        "the holdout measure, but only net in the paired one."
    )
    return [Block("text", text), Block("table", pd.DataFrame(rows), name="profit_measures")]


def curve_blocks(found: list[curve.Curve], figure_dir: Path, currency: str) -> list[Block]:
    """The response curve: a table of levels, the best level with its interval, a figure."""
    if not found:
        return []
    key, metric = found[0].key, found[0].metric
    blocks = [Block("heading", f"{metric} by {key}: the level that maximises it")]
    for each in found:
        if len(found) > 1:
            blocks.append(Block("heading", f"In context {each.context}", 3))
        blocks.append(Block("text", curve_text(each, currency)))
        levels = each.levels
        blocks.append(
            Block(
                "table",
                pd.DataFrame(
                    {
                        key: levels["level"],
                        "seeds": levels["seeds"],
                        f"{header(metric, currency)} vs baseline": [
                            fmt(metric, v, True) for v in levels["mean"]
                        ],
                        "95% CI": intervals(metric, levels),
                        f"extra spend ({currency})": [
                            fmt("extra_spend", v, True) for v in levels["spend"]
                        ],
                    }
                ),
            )
        )
    figure = plots.response_curve(found, figure_dir / "curve.png", fmt)
    caption = (
        f"{metric} against {key}: paired difference from the baseline level with its 95% CI "
        "(band); dashed, the best level; grey, its 95% bootstrap interval; below, what each "
        "level spends beyond the baseline level"
    )
    return [*blocks, _figure(caption, figure)]


def curve_text(c: curve.Curve, currency: str) -> str:
    """The best level, its effect and interval, and the levels that change nothing."""
    row = c.levels.set_index("level").loc[c.best]
    parts = [
        f"{c.metric} is {'lowest' if c.metric in paired.LOWER_IS_BETTER else 'highest'} at "
        f"{c.key} = {c.best:g}: {_amount(c.metric, row['mean'], currency)} against the "
        f"baseline level, 95% CI {interval(c.metric, row['ci_low'], row['ci_high'])}."
    ]
    if c.best_low == c.best_high:
        parts.append(f"Every resample of the {int(row['seeds'])} seeds finds the same best level.")
    else:
        parts.append(
            f"Over resamples of the {int(row['seeds'])} seeds the best level lies between "
            f"{c.best_low:g} and {c.best_high:g} (95%): levels in that range are not told apart."
        )
    why = (
        "the cap never binds (what the sellers' due contacts cost in a period, under the "
        "frequency cap, stays below it), so raising it changes nothing"
        if c.key.endswith("spend_cap")
        else "the knob changes nothing there"
    )
    for a, b in c.identical:
        parts.append(
            f"{c.key} = {a:g} and {b:g} give identical runs on every seed: above {a:g} {why}."
        )
    return " ".join(parts)


def segment_blocks(
    table: pd.DataFrame, design: Design, currency: str
) -> tuple[list[Block], dict[str, pd.DataFrame]]:
    """Where the policies contact customers: per policy and segment, then channel, the contacts
    a run sends, what they cost, the orders credited to them, and incremental orders by the
    customers' stage (against the holdout). Means per run over seeds."""
    ok = table[table["status"] == "ok"]
    blocks, frames = [], {}
    for by in ("segment", "channel"):
        frame = _contact_frame(ok, design, by)
        if not frame.empty:
            frames[by] = frame
            shown = frame.assign(
                **{
                    "contacts": [fmt("contacts", v) for v in frame["contacts"]],
                    f"cost ({currency})": [fmt("marketing_cost", v) for v in frame["cost"]],
                    "orders credited": [fmt("orders", v) for v in frame["orders"]],
                    "contact conversion": [
                        fmt("contact_conversion", v) for v in frame["conversion"]
                    ],
                    f"cost per order credited ({currency})": [
                        fmt("marketing_cost", v) for v in frame["cost_per_order"]
                    ],
                }
            ).drop(columns=["cost", "orders", "conversion", "cost_per_order"])
            blocks += [Block("heading", f"By {by}", 3), Block("table", shown)]
    stages = _stage_frame(ok, design)
    if not stages.empty:
        frames["stage"] = stages
        shown = pd.DataFrame(
            {
                "policy": stages["policy"],
                "stage": stages["stage"],
                "incremental orders": [fmt("orders", v, True) for v in stages["mean"]],
                "95% CI": [interval("orders", r.ci_low, r.ci_high) for r in stages.itertuples()],
            }
        )
        blocks += [
            Block("heading", "Incremental orders by customer stage", 3),
            Block(
                "text",
                "Orders marketing added against the held-out customers of the same stage when "
                "the measured period began: new (first order in it), active (ordered in the 90 "
                "days before), lapsed (earlier). Held-out customers are never contacted, so "
                "they carry no strategy segment or channel: incrementality is measured by "
                "stage, which the order log gives for both.",
            ),
            Block("table", shown),
        ]
    if not blocks:
        return [], {}
    intro = (
        "Per run, mean over seeds. Orders credited: orders attributed to a contact (its last "
        "within the attribution window), which the contact may not have caused; cost: contacts "
        "and samples, with the coupons redeemed on the credited orders."
    )
    return [Block("heading", "Where the marketing goes"), Block("text", intro), *blocks], frames


def _contact_frame(ok: pd.DataFrame, design: Design, by: str) -> pd.DataFrame:
    prefix = f"contacts_by_{by}."
    keys = [c.removeprefix(prefix) for c in ok.columns if c.startswith(prefix)]
    rows = []
    for policy, group in ok.groupby(ok.apply(design.label, axis=1), sort=False):
        for key in keys:
            contacts = group[f"{prefix}{key}"].fillna(0.0)
            if not contacts.any():
                continue
            cost = group.get(f"marketing_cost_by_{by}.{key}", pd.Series(np.nan)).fillna(0.0)
            rate = group.get(f"contact_conversion_by_{by}.{key}", pd.Series(np.nan)).fillna(0.0)
            orders = (contacts * rate).mean()
            rows.append(
                dict(policy=policy, **{by: key}, contacts=contacts.mean(), cost=cost.mean())
                | dict(orders=orders, conversion=orders / contacts.mean())
                | dict(cost_per_order=cost.mean() / orders if orders else np.nan)
            )
    return pd.DataFrame(rows)


def _stage_frame(ok: pd.DataFrame, design: Design) -> pd.DataFrame:
    prefix = "incremental_orders_by_stage."
    rows = []
    for policy, group in ok.groupby(ok.apply(design.label, axis=1), sort=False):
        for stage in [c.removeprefix(prefix) for c in ok.columns if c.startswith(prefix)]:
            values = group[f"{prefix}{stage}"].to_numpy(float)
            if np.isnan(values).all():
                continue
            mean, low, high = paired.mean_ci(values)
            rows.append(dict(policy=policy, stage=stage, mean=mean, ci_low=low, ci_high=high))
    return pd.DataFrame(rows)


def plan_text(plan: pd.DataFrame) -> str:
    """What the replication plan says, in a sentence a metric."""
    parts = []
    for metric, rows in plan.groupby("metric", sort=False):
        width = rows["target"].iloc[0]
        most = rows.loc[rows["seeds_needed"].idxmax()]
        parts.append(
            f"For a 95% interval of +/-{fmt(metric, width)} on {metric}, the paired differences "
            f"need {rows['seeds_needed'].min():,} to {rows['seeds_needed'].max():,} seeds "
            f"(most: {most['policy']}); they have {int(rows['seeds'].max())}."
        )
    return (
        " ".join(parts) + " Planned from the spread of each difference over the seeds run "
        "(docs/model.md section 7.13); a pilot of few seeds estimates it roughly, so plan with "
        "margin. Rerun with seeds=N: only the new seeds run."
    )


def plan_table(plan: pd.DataFrame, currency: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "policy": plan["policy"],
            "metric": [header(m, currency) for m in plan["metric"]],
            "seeds": plan["seeds"],
            "difference": [
                fmt(m, v, True) for m, v in zip(plan["metric"], plan["difference"], strict=True)
            ],
            "half-width now": [
                fmt(m, v) for m, v in zip(plan["metric"], plan["half_width"], strict=True)
            ],
            "half-width asked": [
                fmt(m, v) for m, v in zip(plan["metric"], plan["target"], strict=True)
            ],
            "seeds needed": plan["seeds_needed"],
        }
    )


def glossary_table(metrics: list[str], currency: str) -> pd.DataFrame:
    """Every metric the report shows: its name, what it means and its unit."""
    return pd.DataFrame(
        {
            "metric": metrics,
            "meaning": [glossary.term(m).meaning or "(no description)" for m in metrics],
            "unit": [glossary.unit_text(m, currency) for m in metrics],
        }
    )


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
            _figure(
                f"Paired differences from {design.baseline_label(context)} with 95% CIs, as the "
                f"test tests them{where}: a bar clear of zero is a difference the seeds "
                "support (filled: Holm p < 0.05)",
                plots.paired_differences(rows, out / name, fmt),
            )
        )
    return [
        *blocks,
        _figure(
            "Daily orders and GMV (7-day means; bands: 5th-95th percentile across seeds)",
            plots.daily_series(by_context, SERIES, out / "daily.png"),
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
            "Sellers over time (mean across seeds) and role flips per week",
            plots.roles_over_time(by_context, out / "roles.png"),
        ),
    ]


def _figure(caption: str, path: Path) -> Block:
    return Block("figure", (caption, path))


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


def verdict_frame(found: list[verdict.Verdict]) -> pd.DataFrame:
    """The verdicts as numbers: a row a context."""
    rows = []
    for v in found:
        rows.append(
            {
                "context": v.context,
                "metric": v.metric,
                "pick": v.pick,
                "best": v.best["policy"],
                "difference": v.best["difference"],
                "ci_low": v.best["ci_low"],
                "ci_high": v.best["ci_high"],
                "p_holm": v.best["p_holm"],
                "seeds": v.best["seeds"],
                "roi": None if v.roi is None else v.roi["difference"],
                "roi_ci_low": None if v.roi is None else v.roi["ci_low"],
                "roi_ci_high": None if v.roi is None else v.roi["ci_high"],
                "runner_up": None if v.runner_up is None else v.runner_up["policy"],
                "lead": None if v.runner_up is None else v.runner_up["difference"],
                "lead_p": None if v.runner_up is None else v.runner_up["p"],
                "seeds_to_settle": max(v.seeds_to_settle.values(), default=None),
            }
        )
    return pd.DataFrame(rows)


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
            table = block.content.to_html(index=False, border=0, escape=True)
            body.append(f'<div class="table">{table}</div>')
        else:
            caption, path = block.content
            data = base64.b64encode(Path(path).read_bytes()).decode()
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
    title = html.escape(str(blocks[0].content))
    return HTML_PAGE.format(title=title, body="\n".join(body))


# Responsive: the page narrows with the window, a wide table scrolls inside its own box (its
# first column, the policy, stays in view) instead of pushing the page off screen.
HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 72rem; margin: 1.5rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }}
.table {{ overflow-x: auto; max-width: 100%; margin: 0.5rem 0 1.5rem; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }}
th, td {{ padding: 0.25rem 0.5rem; border-bottom: 1px solid #ddd; text-align: left;
         white-space: nowrap; }}
th {{ background: #f4f4f4; }}
td:first-child, th:first-child {{ position: sticky; left: 0; background: #fff;
         white-space: normal; min-width: 9rem; }}
th:first-child {{ background: #f4f4f4; }}
td:nth-child(n+2) {{ font-variant-numeric: tabular-nums; }}
img {{ max-width: 100%; height: auto; }}
figure {{ margin: 1rem 0; }}
figcaption {{ font-style: italic; color: #555; }}
@media (max-width: 40rem) {{ body {{ margin: 0.5rem auto; }} table {{ font-size: 0.75rem; }} }}
</style></head>
<body>
{body}
</body></html>
"""


def write(report: Report, report_dir: Path) -> tuple[Path, Path]:
    """Write `report.md`, `report.html` and the numeric tables as `tables/NAME.csv` into
    `report_dir`, each atomically."""
    (report_dir / "tables").mkdir(parents=True, exist_ok=True)
    for name, frame in report.tables.items():
        write_text(report_dir / "tables" / f"{name}.csv", frame.to_csv(index=False))
    blocks = [*report.blocks, *_csv_blocks(report)]
    written = []
    for name, text in (
        ("report.md", to_markdown(blocks, report_dir)),
        ("report.html", to_html(blocks)),
    ):
        write_text(report_dir / name, text)
        written.append(report_dir / name)
    return written[0], written[1]


def _csv_blocks(report: Report) -> list[Block]:
    names = ", ".join(f"tables/{name}.csv" for name in report.tables)
    return [
        Block("heading", "Tables for spreadsheets"),
        Block("text", f"The numbers behind this report, unrounded, one file a table: {names}."),
    ]
