"""The report's view of marketing: profit measured two ways (against the baseline run and
against the holdout), and where the marketing goes (by segment, by channel, by stage)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import paired
from sim.analysis.paired import Design
from sim.analysis.report.document import Block
from sim.analysis.report.values import fmt, interval


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
