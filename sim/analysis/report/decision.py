"""The report's decision: the verdict of each context in plain words, the numbers behind it, and
the replication plan."""

from __future__ import annotations

import pandas as pd

from sim.analysis import replication, verdict
from sim.analysis.report.document import Block
from sim.analysis.report.values import amount, fmt, header, interval, p_text


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
            f"{amount(m, gap['difference'], currency)} "
            f"{interval(m, gap['ci_low'], gap['ci_high'])} "
            f"(paired p {p_text(gap['p'])}, {gap['seeds']} seeds): {sure}."
        )
    if v.profit is not None and v.profit["ci_high"] < 0:
        parts.append(
            f"Mind the money: {name(v.pick)} changes sellers' profit by "
            f"{amount('seller_profit', v.profit['difference'], currency)} "
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
        f"it changes {metric} by {amount(metric, row['difference'], currency)} a run, 95% CI "
        f"{interval(metric, row['ci_low'], row['ci_high'])} (Holm p {p_text(row['p_holm'])}, "
        f"{int(row['seeds'])} seeds)"
    )


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
