"""The dashboard's pictures of a live market, each a matplotlib `Figure` drawn from the model.

Figures are built without pyplot: the dashboard serves many browser sessions from threads of
one process, and pyplot's global state is not safe there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.simulation.live import KPIS, LiveMarket

ROLE_COLOURS = {"buyer": "#1f77b4", "seller": "#ff7f0e"}
SAMPLE = 400  # traders drawn on the map: enough to see the mix, few enough to see each one
FLOW_DAYS = 30  # the map's arrows: cross-border orders of the last 30 days
ROLLING_DAYS = 7
WEEK = 7
LABELS = {name: label for name, label, _ in KPIS}


def _figure(width: float = 6.0, height: float = 3.2, left: float = 0.09) -> tuple[Figure, Axes]:
    """A figure with fixed margins: a constrained layout would cost a fifth of the redraw."""
    fig = Figure(figsize=(width, height), dpi=80)
    fig.subplots_adjust(left=left, right=0.97, top=0.9, bottom=0.15)
    return fig, fig.subplots()


def _shock_line(ax: Axes, model: LiveMarket) -> None:
    """A dashed line on the days of scheduled shocks that have happened."""
    for shock in model.config.market.shocks:
        if shock.day < model.day:
            ax.axvline(shock.day, color="grey", linestyle="--", linewidth=1)
            ax.annotate(
                f"{shock.kind} shock {shock.target}",
                (shock.day, 1.0),
                xycoords=("data", "axes fraction"),
                fontsize="x-small",
                color="grey",
                va="top",
                ha="left",
            )


def _over_time(ax: Axes, model: LiveMarket, title: str) -> None:
    """Title, days axis and the shock lines of a chart over time."""
    ax.set_title(title, fontsize="medium")
    _shock_line(ax, model)
    ax.set_xlim(0, max(model.day, 10))
    ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))  # tick labels are most of a redraw
    ax.set_xlabel("day")
    ax.grid(alpha=0.3)


def _rate_lines(ax: Axes, history: pd.DataFrame, names: list[str]) -> None:
    for name in names:
        ax.plot(history["day"], history[name], label=LABELS[name], linewidth=1.5)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    highest = np.nanmax(history[names].to_numpy(float), initial=0.0)
    ax.set_ylim(0, min(1.0, np.ceil(10 * highest + 0.5) / 10))  # no empty band above the lines
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.legend(fontsize="x-small", loc="upper left", ncols=2)


def conversion(model: LiveMarket) -> Figure:
    """Visit and contact conversion to date, and the visit conversion of the last week."""
    fig, ax = _figure()
    h = model.history()
    week = h[["orders", "sessions"]].rolling(ROLLING_DAYS, min_periods=1).sum()
    weekly = week["orders"] / week["sessions"].where(week["sessions"] > 0)
    ax.plot(h["day"], weekly, color="#bbbbbb", linewidth=1, label="visit conversion, 7 days")
    _rate_lines(ax, h, ["visit_conversion", "contact_conversion"])
    _over_time(ax, model, "Conversion to date")
    return fig


def stickiness(model: LiveMarket) -> Figure:
    """Repeat purchase, retention, share of wallet and churn to date."""
    fig, ax = _figure()
    _rate_lines(
        ax, model.history(), ["repeat_rate", "retention_90d", "share_of_wallet", "churn_rate"]
    )
    _over_time(ax, model, "Stickiness to date")
    return fig


def roles(model: LiveMarket) -> Figure:
    """Sellers and buyers each on an axis of its own that spans at least a tenth of its level,
    so a shock's 120 -> 133 sellers shows as the jump it is; role flips per week as bars."""
    fig = Figure(figsize=(6.0, 3.4), dpi=80)
    fig.subplots_adjust(left=0.1, right=0.88, top=0.9, bottom=0.13, hspace=0.15)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    h = model.history()
    top.plot(h["day"], h["sellers"], color=ROLE_COLOURS["seller"], label="sellers")
    top.set_ylabel("sellers", color=ROLE_COLOURS["seller"], fontsize="small")
    _level_axis(top, h["sellers"])
    other = top.twinx()
    other.plot(h["day"], h["buyers"], color=ROLE_COLOURS["buyer"], label="buyers")
    other.set_ylabel("buyers", color=ROLE_COLOURS["buyer"], fontsize="small")
    _level_axis(other, h["buyers"])
    weeks = h["day"] // WEEK
    weekly = h.groupby(weeks)[["flips_to_seller", "flips_to_buyer"]].sum()
    middle = weekly.index * WEEK + WEEK / 2
    bottom.bar(
        middle,
        weekly["flips_to_seller"],
        WEEK * 0.8,
        color=ROLE_COLOURS["seller"],
        label="became sellers",
    )
    bottom.bar(
        middle,
        weekly["flips_to_buyer"],
        WEEK * 0.8,
        bottom=weekly["flips_to_seller"],
        color=ROLE_COLOURS["buyer"],
        label="became buyers",
    )
    bottom.set_ylim(0, max(1.0, 1.15 * float(weekly.sum(axis=1).max() if len(weekly) else 0.0)))
    bottom.set_ylabel("flips a week", fontsize="small")
    bottom.yaxis.set_major_locator(MaxNLocator(3, integer=True))
    bottom.legend(fontsize="x-small", loc="upper left", ncols=2)
    top.set_title("Sellers and buyers; role flips each week", fontsize="medium")
    _shock_line(top, model)
    for ax in (top, bottom):
        ax.set_xlim(0, max(model.day, 10))
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize="small")
    bottom.xaxis.set_major_locator(MaxNLocator(6, integer=True))
    bottom.set_xlabel("day")
    return fig


def _level_axis(ax: Axes, values: pd.Series) -> None:
    """Limits that span at least a tenth of the level: noise looks flat, a jump shows."""
    if values.empty:
        return
    low, high = float(values.min()), float(values.max())
    span = max(high - low, 0.1 * max(abs(high), 10.0))
    middle = (low + high) / 2
    ax.set_ylim(max(0.0, middle - 0.6 * span), middle + 0.6 * span)
    ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))


def trust(model: LiveMarket) -> Figure:
    """What buyers believed when they bought: each week's mean belief error about the seller's
    quality and mean tie to the seller at purchase, both on a 0-1 scale."""
    fig, ax = _figure()
    orders = model.orders()
    if len(orders):
        weekly = orders.groupby(orders["day"] // WEEK)[["belief_error", "tie"]].mean()
        middle = weekly.index * WEEK + WEEK / 2
        ax.plot(middle, weekly["belief_error"], color="#d62728", label="belief error")
        ax.plot(middle, weekly["tie"], color="#9467bd", label="tie to the seller")
        highest = float(weekly.to_numpy().max())
        ax.set_ylim(0, min(1.0, np.ceil(10 * highest + 0.5) / 10))
        ax.legend(fontsize="x-small", loc="upper right")
    else:
        ax.set_ylim(0, 1)
    _over_time(ax, model, "Trust and ties at purchase (weekly means)")
    return fig


def funnel(model: LiveMarket) -> Figure:
    """Shopping sessions to carts to paid orders to orders not returned, to date, as shares of
    the sessions."""
    fig, ax = _figure(height=2.6, left=0.22)
    h = model.history()
    stages = {
        "sessions": h["sessions"].sum(),
        "carts": h["carts"].sum(),
        "paid orders": h["orders"].sum(),
        "not returned": max(h["orders"].sum() - h["returns"].sum(), 0),
    }
    first = max(stages["sessions"], 1)
    names = list(stages)[::-1]
    shares = [stages[n] / first for n in names]
    ax.barh(names, shares, color="#2ca02c", alpha=0.8)
    for y, name in enumerate(names):
        ax.text(shares[y], y, f" {stages[name]:,} ({shares[y]:.0%})", va="center", fontsize="small")
    ax.set_xlim(0, 1.35)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    contacts = int(h["contacts"].sum())
    ax.set_title(f"Funnel to date ({contacts:,} marketing contacts sent)", fontsize="medium")
    return fig


def market_map(model: LiveMarket) -> Figure:
    """The countries on a ring with a sample of their traders coloured by role (ringed in
    black if they have flipped), arrows for the last 30 days' cross-border orders, and each
    currency's change in dollar value since day 0 (CNY -23%: a yuan buys 23% fewer dollars)."""
    fig, ax = _figure(width=5.2, height=4.6, left=0.0)
    world, traders = model.world, model.traders
    n = world.n_countries
    angle = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    centre = np.column_stack([np.cos(angle), np.sin(angle)])
    _flows(ax, model.trade_flows(FLOW_DAYS), centre)
    layout = np.random.default_rng(0)  # a fixed layout, apart from the model's streams
    shown = np.sort(layout.permutation(len(traders))[:SAMPLE])
    radius = 0.22 * np.sqrt(layout.random(len(shown)))
    theta = 2 * np.pi * layout.random(len(shown))
    xy = centre[traders.country[shown]] + np.column_stack(
        [radius * np.cos(theta), radius * np.sin(theta)]
    )
    seller = traders.is_seller[shown]
    flipped = model.flipped[shown]
    for role, mask in (("buyer", ~seller), ("seller", seller)):
        ax.scatter(
            *xy[mask].T,
            s=14,
            color=ROLE_COLOURS[role],
            edgecolor=np.where(flipped[mask], "black", "none").tolist(),
            linewidth=0.8,
            label=f"{role}s",
        )
    value = 1 / model.fx_change() - 1  # each currency's value in dollars, against day 0
    for i, country in enumerate(world.countries):
        tag = f"\n{world.currencies[i]} {value[i]:+.0%}" if abs(value[i]) >= 0.005 else ""
        ax.annotate(
            f"{country}{tag}",
            1.42 * centre[i],
            ha="center",
            va="center",
            fontsize="small",
            fontweight="bold",
        )
    ax.set_xlim(-1.7, 1.7)
    ax.set_ylim(-1.7, 1.7)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(fontsize="x-small", loc="lower left")
    ax.text(
        1.0,
        0.0,
        "currencies: value in USD\nagainst day 0",
        transform=ax.transAxes,
        fontsize="x-small",
        ha="right",
        va="bottom",
        color="grey",
    )
    title = f"Day {model.day}: {model.n_buyers:,} buyers, {model.n_sellers:,} sellers"
    ax.set_title(title, fontsize="medium")
    return fig


def _flows(ax: Axes, flows: np.ndarray, centre: np.ndarray) -> None:
    """Arrows from sellers' to buyers' countries, width by orders; labels show the count."""
    cross = flows * (1 - np.eye(len(flows), dtype=flows.dtype))
    if cross.max() == 0:
        return
    for origin, dest in zip(*np.nonzero(cross), strict=True):
        width = 0.5 + 4.0 * cross[origin, dest] / cross.max()
        ax.annotate(
            "",
            xy=0.8 * centre[dest],
            xytext=0.8 * centre[origin],
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#7f7f7f",
                "alpha": 0.5,
                "linewidth": width,
                "connectionstyle": "arc3,rad=0.15",
            },
        )
