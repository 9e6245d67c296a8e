"""The classroom dashboard: a live Mesa market on a page a class can read, one per browser
session.

Served by `python -m sim dashboard` (see `__main__`). The sidebar holds the next market's
settings (a scenario of configs/market/, the strategy, the knobs, each showing its value and
unit) and the controls in days: Reset builds a new market from the settings, Step runs a week,
Play runs week after week and pauses by itself on a shock's day with a banner saying what
happened. The page shows the day, indicator tiles that say when a number is not yet meaningful,
the command line of the same market, and the charts in three tabs (the market, its customers,
trust and ties with one buyer's story), with the run's days as CSV and the charts as PNG one
click away. Each browser session creates its own market in `Page`: a model made at import time
would be one market shared, and stepped, by the whole class.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Callable
from functools import cache

import solara
import solara.lab
from matplotlib.figure import Figure

from sim.config import SimConfig
from sim.config.compose import load_config
from sim.dashboard import charts, export
from sim.dashboard.knobs import SCENARIOS, SLIDERS, STRATEGIES, Slider
from sim.simulation.live import (
    KPIS,
    MEANINGFUL_FROM,
    Controls,
    LiveMarket,
    describe_shock,
    format_kpi,
    kpi_caveat,
)

TITLE = "Cross-border marketplace"
DAYS_PER_STEP = 7  # a Step is a week
_compose_lock = threading.Lock()  # Hydra's compose API keeps global state: one session at a time


@cache
def _composed(overrides: tuple[str, ...]) -> SimConfig:
    with _compose_lock:
        return load_config(list(overrides))


class ClassroomMarket(LiveMarket):
    """A live market built from the dashboard's settings, with a lock that keeps the page from
    drawing a market while a week of it runs."""

    def __init__(self, controls: Controls) -> None:
        self.controls = controls
        self.lock = threading.RLock()
        super().__init__(copy.deepcopy(_composed(tuple(controls.overrides()))))

    @property
    def command(self) -> str:
        """The command line that runs the same market for the same year."""
        quoted = (f"'{o}'" if "[" in o else o for o in self.controls.overrides())
        return "python -m sim " + " ".join(quoted)

    def run_week(self) -> list[str]:
        """Run up to a week, stopping early at the year's end or after a shock's day; returns
        what the shocks of that day did, in words (empty without one)."""
        with self.lock:
            for _ in range(DAYS_PER_STEP):
                if not self.running:
                    break
                self.step()
                if happened := self.shocks_today():
                    return [describe_shock(shock) for shock in happened]
        return []


def scenario_text(scenario: str) -> str:
    """What a scenario does, from its preset's shocks."""
    shocks = _composed(tuple(Controls(scenario=scenario).overrides())).market.shocks
    if not shocks:
        return "No shock: a calm year."
    return " ".join(f"Day {s.day}: {describe_shock(s)}." for s in shocks)


def describe(c: Controls) -> str:
    """The settings of a running market in words."""
    return (
        f"This market: scenario {c.scenario}, strategy {c.strategy}, {c.n_traders:,} traders, "
        f"listings' noise {c.signal_noise:g}, {c.identity_verification:.0%} of sellers "
        f"verified, buyers pay {c.shipping_fee_share:.0%} of shipping, return hassle "
        f"{c.return_hassle:g}, delivery time x{c.logistics_speed:g}, seed {c.seed}."
    )


@solara.component
def SliderKnob(slider: Slider, settings: solara.Reactive[Controls]) -> None:
    value = getattr(settings.value, slider.name)

    def set_value(new: float) -> None:
        settings.set(dataclasses.replace(settings.value, **{slider.name: new}))

    kind = solara.SliderInt if slider.integer else solara.SliderFloat
    kind(
        label=slider.text(value),
        value=value,
        min=slider.low,
        max=slider.high,
        step=slider.step,
        on_value=set_value,
        thumb_label=False,
    )


@solara.component
def Settings(settings: solara.Reactive[Controls], running: Controls) -> None:
    """The next market's settings; they apply on Reset."""
    c = settings.value

    def pick(name: str) -> Callable[[str], None]:
        return lambda value: settings.set(dataclasses.replace(settings.value, **{name: value}))

    solara.Select("Scenario", values=SCENARIOS, value=c.scenario, on_value=pick("scenario"))
    solara.Text(scenario_text(c.scenario), classes=["scenario"], style={"font-size": "0.8em"})
    solara.Select(
        "Marketing strategy", values=STRATEGIES, value=c.strategy, on_value=pick("strategy")
    )
    for slider in SLIDERS:
        SliderKnob(slider, settings)
    if c != running:
        solara.Text(
            "Changed settings start a new market when you press Reset.",
            classes=["pending"],
            style={"font-size": "0.8em", "color": "#b35c00"},
        )


# A narrower sidebar than Solara's 400 px, so that at 1,280 x 720 (a projector) two charts fit
# side by side and the tiles, the command line and the first charts show without scrolling.
SIDEBAR_PX = 310
CSS = f"""
.v-navigation-drawer.solara-content-main {{
    min-width: {SIDEBAR_PX}px !important; max-width: {SIDEBAR_PX}px !important;
}}
.v-main {{ padding-left: {SIDEBAR_PX}px !important; }}
.v-slider__thumb-container {{ cursor: pointer; }}
table.dataframe td, table.dataframe th {{ padding: 1px 8px; text-align: right; }}
"""
TILE = {"border": "1px solid #ddd", "border-radius": "4px", "padding": "4px 10px"}


@solara.component
def Tile(name: str, label: str, model: LiveMarket, week: int) -> None:
    """An indicator, or "not yet" with the day it becomes meaningful (why: on hover). `week`
    is the page's redraw counter."""
    caveat = kpi_caveat(name, model.day)
    value = model.kpi[name]
    shown = "not yet" if caveat and value is not None else format_kpi(name, value)
    with solara.Div(classes=["kpi"], style=TILE):
        solara.Text(label, style={"font-size": "0.78em", "color": "#555", "display": "block"})
        solara.Text(shown, classes=[f"kpi-{name}"], style={"font-size": "1.25em"})
        if caveat:
            with solara.Tooltip(caveat):
                solara.Text(
                    f"  from day {MEANINGFUL_FROM[name][0]}",
                    classes=["caveat"],
                    style={"font-size": "0.75em", "color": "#777"},
                )


def Figure_(draw: Callable[[LiveMarket], Figure], model: ClassroomMarket) -> None:
    with model.lock:
        figure = draw(model)
    solara.FigureMatplotlib(figure, format="png")


@solara.component
def BuyerStory(model: ClassroomMarket, week: int) -> None:
    """One buyer's beliefs about the sellers it remembers, its ties and its orders (`week`:
    the page's redraw counter)."""
    chosen = solara.use_reactive(None)
    busiest = model.storyteller()
    buyer = chosen.value if chosen.value is not None else busiest
    with solara.Row(style={"align-items": "center"}):
        solara.InputInt(
            "Buyer to follow",
            value=buyer or 0,
            on_value=chosen.set,
            style={"max-width": "11em"},
            dense=True,
        )
        solara.Button("The busiest buyer", on_click=lambda: chosen.set(None), text=True)
    if buyer is None or not 0 <= buyer < len(model.traders):
        solara.Text("No orders yet: step the market to follow a buyer.")
        return
    with model.lock:
        story = model.buyer_story(buyer)
        orders = model.orders()
    mine = orders[orders["buyer"] == buyer].tail(8)
    role = "seller" if model.traders.is_seller[buyer] else "buyer"
    solara.Text(
        f"Buyer {buyer} ({model.world.countries[model.traders.country[buyer]]}, a {role} "
        f"today) remembers {len(story)} seller(s). Belief: what it expects of the seller's "
        "quality (0-1), from listings, reviews and its own orders; true quality: what it "
        "cannot see; tie: how bound it is to the seller today.",
        classes=["story"],
        style={"font-size": "0.85em"},
    )
    if len(story):
        _table(story.round(2), "beliefs")
    if len(mine):
        cols = ["day", "seller", "seller_country", "amount", "satisfaction", "rating", "returned"]
        solara.Text("Its last orders:", style={"font-size": "0.85em"})
        _table(mine[cols].round(2), "orders")


def _table(frame, name: str) -> None:
    """A small table as plain HTML (Solara's Markdown would fetch a maths renderer online)."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=frame.to_html(index=False, border=0, classes=[f"story-{name}"]),
        style={"font-size": "0.8em", "overflow-x": "auto"},
    )


TABS = {
    "Market": [charts.market_map, charts.roles],
    "Customers": [charts.conversion, charts.stickiness, charts.funnel],
    "Trust and ties": [charts.trust],
}
CHARTS = [draw for draws in TABS.values() for draw in draws]
CHART_ROW = {"display": "flex", "flex-wrap": "wrap", "gap": "6px"}


@solara.component
def Page() -> None:
    """A market of this browser session's own, on classroom defaults."""
    first = solara.use_memo(lambda: ClassroomMarket(Controls()), dependencies=[])
    market = solara.use_reactive(first)
    settings = solara.use_reactive(Controls())
    playing = solara.use_reactive(False)
    banner = solara.use_reactive("")
    tick = solara.use_reactive(0)  # bumped after every week: the views redraw
    model, week = market.value, tick.value  # read here, so that a bump re-renders the page

    def after_week(happened: list[str]) -> None:
        if happened:
            banner.set(
                f"Day {model.day - 1}: " + "; ".join(happened) + ". Paused: press Play to go on."
            )
            playing.set(False)
        if not model.running:
            playing.set(False)
        tick.set(tick.value + 1)

    def play() -> None:
        while playing.value and model.running:
            after_week(model.run_week())

    solara.lab.use_task(play, dependencies=[playing.value, model], prefer_threaded=True)

    def reset() -> None:
        playing.set(False)
        banner.set("")
        market.set(ClassroomMarket(settings.value))

    def step() -> None:
        banner.set("")
        after_week(model.run_week())

    def toggle() -> None:
        banner.set("")
        playing.set(not playing.value)

    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button("Reset", on_click=reset, color="primary", small=True)
            solara.Button(
                "Pause" if playing.value else "Play",
                on_click=toggle,
                color="primary",
                disabled=not model.running,
                small=True,
            )
            solara.Button(
                "Step a week",
                on_click=step,
                color="primary",
                disabled=playing.value or not model.running,
                small=True,
            )
        Settings(settings, model.controls)
    with solara.Column(gap="4px", style={"padding": "0 8px"}):
        if banner.value:
            solara.Warning(banner.value, classes=["banner"])
        solara.Text(
            f"Day {model.day} of {model.config.days}: {model.n_buyers:,} buyers, "
            f"{model.n_sellers:,} sellers",
            classes=["day"],
            style={"font-size": "1.2em", "font-weight": "bold"},
        )
        solara.Text(describe(model.controls), classes=["settings"], style={"font-size": "0.8em"})
        with solara.Div(
            classes=["tiles"],
            style={
                "display": "grid",
                "gap": "6px",
                "grid-template-columns": "repeat(auto-fill, minmax(170px, 1fr))",
            },
        ):
            for name, label, _ in KPIS:
                Tile(name, label, model, week)
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Text(
                model.command,
                classes=["command"],
                style={
                    "font-family": "monospace",
                    "font-size": "0.8em",
                    "overflow-wrap": "anywhere",
                    "flex": "1 1 20em",
                },
            )
            solara.FileDownload(
                lambda: export.run_csv(model),
                filename="market_days.csv",
                label="Days as CSV",
                mime_type="text/csv",
            )
            solara.FileDownload(
                lambda: export.charts_png(model, CHARTS),
                filename="charts.png",
                label="Charts as PNG",
                mime_type="image/png",
            )
        with solara.lab.Tabs():
            for tab, draws in TABS.items():
                with solara.lab.Tab(tab), solara.Div(style=CHART_ROW):
                    for draw in draws:
                        Figure_(draw, model)
                    if tab == "Trust and ties":
                        with solara.Div(style={"flex": "1 1 24em"}):
                            BuyerStory(model, week)
