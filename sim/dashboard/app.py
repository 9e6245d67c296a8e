"""The classroom dashboard: Mesa's SolaraViz page around a live market, one per browser session.

Served by `python -m sim dashboard` (see `__main__`). The knobs are
`sim.simulation.live.Controls`; Mesa's Reset builds a new market from them, Step runs
`render_interval` days (a week by default), Play runs until the year ends. Each browser session
creates its own model in `Page`: a model made at import time would be one market shared, and
stepped, by the whole class.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from sim.config import SimConfig
from sim.config.compose import CONFIG_DIR, load_config
from sim.dashboard import charts
from sim.simulation.live import KPIS, Controls, LiveMarket, format_kpi

TITLE = "Cross-border marketplace"
# Days a Step runs: a week. Mesa's "Render Interval" slider takes odd values only (1, 3, ...),
# and would turn 10 into 11 as the page loads.
DAYS_PER_STEP = 7
PLAY_INTERVAL_MS = 1  # Mesa's slider takes 1, 11, 21, ...: no pause between weeks when playing
DEFAULT = Controls()
STRATEGIES = sorted(
    (p.stem for p in Path(CONFIG_DIR, "strategy").glob("*.yaml")),
    key=lambda name: (name != "baseline", name),
)
_compose_lock = threading.Lock()  # Hydra's compose API keeps global state: one session at a time


@cache
def _composed(overrides: tuple[str, ...]) -> SimConfig:
    with _compose_lock:
        return load_config(list(overrides))


COUNTRIES = list(_composed(tuple(DEFAULT.overrides())).market.countries)


class ClassroomMarket(LiveMarket):
    """A live market built from the dashboard's knobs, given as keyword arguments (the way
    Mesa's Reset re-creates a model), e.g. `ClassroomMarket(strategy="rfm", seed=3)`.

    The knobs are spelled out, not taken as **kwargs: Mesa's Reset would then also pass its
    own `scenario`, with a random generator of its own in place of the seeded streams."""

    def __init__(
        self,
        *,
        strategy: str = DEFAULT.strategy,
        n_traders: int = DEFAULT.n_traders,
        signal_noise: float = DEFAULT.signal_noise,
        identity_verification: float = DEFAULT.identity_verification,
        shipping_fee_share: float = DEFAULT.shipping_fee_share,
        return_hassle: float = DEFAULT.return_hassle,
        logistics_speed: float = DEFAULT.logistics_speed,
        fx_shock: float = DEFAULT.fx_shock,
        fx_shock_country: str = DEFAULT.fx_shock_country,
        fx_shock_day: int = DEFAULT.fx_shock_day,
        seed: int = DEFAULT.seed,
    ) -> None:
        self.controls = Controls(
            strategy=strategy,
            n_traders=n_traders,
            signal_noise=signal_noise,
            identity_verification=identity_verification,
            shipping_fee_share=shipping_fee_share,
            return_hassle=return_hassle,
            logistics_speed=logistics_speed,
            fx_shock=fx_shock,
            fx_shock_country=fx_shock_country,
            fx_shock_day=fx_shock_day,
            seed=seed,
        )
        super().__init__(copy.deepcopy(_composed(tuple(self.controls.overrides()))))

    @property
    def command(self) -> str:
        """The command line that runs the same market for the same year."""
        quoted = (f"'{o}'" if "[" in o else o for o in self.controls.overrides())
        return "python -m sim " + " ".join(quoted)


def _slider(label: str, name: str, low: float, high: float, step: float) -> dict:
    kind = "SliderInt" if isinstance(getattr(DEFAULT, name), int) else "SliderFloat"
    value = getattr(DEFAULT, name)
    return {"type": kind, "label": label, "value": value, "min": low, "max": high, "step": step}


KNOBS = {
    "strategy": {
        "type": "Select",
        "label": "Marketing strategy",
        "value": DEFAULT.strategy,
        "values": STRATEGIES,
    },
    # labels stay short: a slider gets the sidebar's width less its label's
    "n_traders": _slider("Traders", "n_traders", 200, 5000, 100),
    "signal_noise": _slider("Uncertainty", "signal_noise", 0, 1, 0.05),
    "identity_verification": _slider("Verified sellers", "identity_verification", 0, 1, 0.1),
    "shipping_fee_share": _slider("Buyers pay shipping", "shipping_fee_share", 0, 1, 0.1),
    "return_hassle": _slider("Return hassle", "return_hassle", 0, 1, 0.1),
    "logistics_speed": _slider("Delivery time x", "logistics_speed", 0.25, 2, 0.05),
    "fx_shock": _slider("Currency shock", "fx_shock", 0, 0.6, 0.05),
    "fx_shock_country": {
        "type": "Select",
        "label": "Currency shocked",
        "value": DEFAULT.fx_shock_country,
        "values": COUNTRIES,
    },
    "fx_shock_day": _slider("Shock day", "fx_shock_day", 1, 360, 1),
    "seed": _slider("Seed", "seed", 0, 99, 1),
}


def describe(c: Controls) -> str:
    """The knobs of a running market in words (the sliders show their value only while
    dragged, and they may already hold the next market's settings)."""
    shock = (
        f"from day {c.fx_shock_day} a dollar buys {c.fx_shock:.0%} more {c.fx_shock_country} "
        "currency"
        if c.fx_shock
        else "no currency shock"
    )
    return (
        f"This market: strategy {c.strategy}, {c.n_traders:,} traders, uncertainty (noise of "
        f"listing signals) {c.signal_noise:g}, {c.identity_verification:.0%} of sellers "
        f"verified, buyers pay {c.shipping_fee_share:.0%} of shipping, return hassle "
        f"{c.return_hassle:g}, delivery time x{c.logistics_speed:g}, {shock}, seed {c.seed}."
    )


def Indicators(model: ClassroomMarket) -> None:
    """The day, the KPI tiles, and the command line for the same market."""
    with solara.Column(gap="8px"):
        solara.Text(
            f"Day {model.day} of {model.config.days}: {model.n_buyers:,} buyers, "
            f"{model.n_sellers:,} sellers",
            classes=["day"],
            style={"font-size": "1.3em", "font-weight": "bold"},
        )
        solara.Text(describe(model.controls), classes=["settings"], style={"font-size": "0.85em"})
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            for name, label, _ in KPIS:
                with solara.Card(margin=0, classes=["kpi"], style={"min-width": "150px"}):
                    solara.Text(label, style={"font-size": "0.85em", "color": "#555"})
                    solara.Text(
                        format_kpi(name, model.kpi[name]),
                        classes=[f"kpi-{name}"],
                        style={"font-size": "1.6em", "display": "block"},
                    )
        solara.Text(
            "Model parameters apply when you press Reset. This market on the command line:",
            style={"font-size": "0.85em"},
        )
        solara.Text(
            model.command,
            classes=["command"],
            style={"font-family": "monospace", "font-size": "0.85em", "word-break": "break-all"},
        )


def _figure_view(draw: Callable[[LiveMarket], Figure]) -> Callable[[LiveMarket], None]:
    def view(model: LiveMarket) -> None:
        solara.FigureMatplotlib(draw(model), format="png")

    view.__name__ = draw.__name__
    return view


VIEWS = [
    Indicators,
    _figure_view(charts.market_map),
    _figure_view(charts.conversion),
    _figure_view(charts.stickiness),
    _figure_view(charts.roles),
    _figure_view(charts.funnel),
]


@solara.component
def Page() -> None:
    """A market of this browser session's own, on classroom defaults."""
    model = solara.use_memo(ClassroomMarket, dependencies=[])
    solara.Title(TITLE)
    SolaraViz(
        model,
        components=VIEWS,
        model_params=KNOBS,
        name=TITLE,
        render_interval=DAYS_PER_STEP,
        play_interval=PLAY_INTERVAL_MS,
    )
