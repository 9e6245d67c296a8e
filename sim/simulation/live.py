"""The market run live, a day at a time, for people watching it (the classroom dashboard).

`LiveMarket` is the Mesa model with its key indicators measured at the end of every day over
everything since day 0, by the same metric functions as a run's summary: the indicators on day
N are those `python -m sim days=N warm_up_days=0 ...` reports for the same settings.
`Controls` are the dashboard's knobs; each sets one config key, and `overrides` gives the
command line that runs the same market.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from sim.analysis import metrics
from sim.config import NO_MARKETING, PlatformConfig, ServiceConfig, ShockConfig, SimConfig
from sim.simulation.model import MarketModel
from sim.simulation.run import HEADLINE
from sim.state.logs import events_frame, orders_frame

# the indicator tiles, in the order people read them: (name, label, format) as the CLI prints
KPI_NAMES = (
    "visit_conversion",
    "contact_conversion",
    "repeat_rate",
    "retention_90d",
    "share_of_wallet",
    "churn_rate",
    "belief_error",
    "gmv",
)
KPIS = tuple(next(h for h in HEADLINE if h[0] == name) for name in KPI_NAMES)


def format_kpi(name: str, value: float | None) -> str:
    """An indicator as people read it; "n/a" while it is undefined (no buyer can be counted
    yet, e.g. 90-day retention before day 91)."""
    fmt = next(f for n, _, f in KPIS if n == name)
    return "n/a" if value is None else fmt.format(value)


# The day from which an indicator measured over days [0, today) means what its name says, and
# why: churn compares the first half of the days so far with the second, so on day 21 a buyer
# who ordered in the first ten days and not the next ten "churned"; repeat purchase and share
# of wallet need time for second orders to happen; 90-day retention needs a buyer's 90 days.
MEANINGFUL_FROM = {
    "churn_rate": (120, "it compares two halves of the days so far: each needs two months"),
    "repeat_rate": (60, "buyers need time for a second order"),
    "share_of_wallet": (60, "it counts buyers with a second order"),
    "retention_90d": (91, "it follows each buyer for 90 days after its first order"),
}


def kpi_caveat(name: str, day: int) -> str | None:
    """Why an indicator is not yet meaningful on `day`, or None when it is."""
    start, why = MEANINGFUL_FROM.get(name, (0, ""))
    return f"not yet meaningful: from day {start}, as {why}" if day < start else None


# the config key each knob sets (strategy and scenario are config groups, see `overrides`)
CONTROL_KEYS = {
    "n_traders": "population.n_traders",
    "signal_noise": "platform.signal_noise",
    "identity_verification": "platform.identity_verification",
    "shipping_fee_share": "service.shipping_fee_share",
    "return_hassle": "service.return_hassle",
    "logistics_speed": "service.logistics_speed",
    "seed": "seed",
}
NO_SCENARIO = "default"  # the market preset without shocks


@dataclass(frozen=True)
class Controls:
    """The dashboard's knobs. Defaults are the default market's, with the `full` strategy;
    `scenario` is a market preset of configs/market/ (its shocks: currency, duties, policy)."""

    scenario: str = NO_SCENARIO
    strategy: str = "full"
    n_traders: int = 1000
    signal_noise: float = PlatformConfig.signal_noise  # uncertainty: noise of what listings show
    identity_verification: float = PlatformConfig.identity_verification
    shipping_fee_share: float = ServiceConfig.shipping_fee_share  # 0 is free shipping
    return_hassle: float = ServiceConfig.return_hassle
    logistics_speed: float = ServiceConfig.logistics_speed  # delivery time, times the usual
    seed: int = 0

    def overrides(self) -> list[str]:
        """Hydra overrides for the same market on the command line: a classroom year measured
        from day 0, with the knobs that differ from their defaults."""
        default = Controls()
        changed = [
            f"{CONTROL_KEYS[f.name]}={_short(getattr(self, f.name))}"
            for f in fields(self)
            if f.name in CONTROL_KEYS and getattr(self, f.name) != getattr(default, f.name)
        ]
        scenario = [f"market={self.scenario}"] if self.scenario != NO_SCENARIO else []
        return [f"strategy={self.strategy}", "population=classroom", "warm_up_days=0"] + (
            scenario + changed
        )


def _short(value: float) -> str:
    """A knob's value as people would type it: sliders step in binary floats (0.1 * 3 is
    0.30000000000000004); the market is composed from this text, so it is the one that runs."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_shock(shock: ShockConfig) -> str:
    """A shock in a student's words: what changes, where, from its day."""
    target, size = shock.target, shock.size
    if shock.kind == "fx":
        loss = 1 - 1 / (1 + size)
        return (
            f"a dollar buys {size:.0%} more of {target}'s currency, which loses {loss:.0%} of "
            "its dollar value: its goods get cheaper abroad, imports dearer at home"
        )
    if shock.kind == "duty":
        return f"import duties on {target.replace('>', ' to ')} rise by {100 * size:.0f} points"
    if shock.kind == "shipping":
        return f"shipping on {target.replace('>', ' to ')} costs {size:+.0%}"
    if shock.kind == "demand":
        return f"demand in {target} moves {size:+.0%}"
    if shock.kind == "de_minimis":
        return (
            f"{target} ends its de minimis: every imported parcel now owes duty and VAT"
            if size <= -1
            else f"{target}'s de minimis thresholds move {size:+.0%}"
        )
    return f"{target} now collects VAT at checkout on imports, shown before the buyer pays"


class LiveMarket(MarketModel):
    """A market that measures itself every day, and stops (`running` False) after
    `config.days` days."""

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        self.groups = (NO_MARKETING, *(g.name for g in config.strategy_groups()))
        self.start_rates = self.state.conditions.rates.copy()
        self.kpi = self.measure()
        self.kpi_history: list[dict[str, float | None]] = []

    def step(self) -> None:
        if not self.running:
            return  # Mesa finishes a render's days after the year ends: the market stays put
        super().step()
        self.kpi = self.measure()
        self.kpi_history.append(self.kpi)
        self.running = self.day < self.config.days

    def orders(self) -> pd.DataFrame:
        """Every order so far, as the run's orders table."""
        w, start = self.world, self.config.market.start_date
        log = self.state.orders
        return orders_frame(log, w.countries, w.currencies, w.categories, start, self.groups)

    def events(self) -> pd.DataFrame:
        return events_frame(self.state.events)

    def measure(self) -> dict[str, float | None]:
        """The indicators over days [0, today): `metrics` functions, as in the run summary."""
        day = self.day
        if day == 0:
            return {"day": 0, **{name: None for name, _, _ in KPIS}, "gmv": 0.0}
        orders, events = self.orders(), self.events()
        return {
            "day": day,
            "visit_conversion": metrics.visit_conversion(orders, events),
            "contact_conversion": metrics.contact_conversion(orders, events),
            "repeat_rate": metrics.repeat_rate(orders),
            "retention_90d": metrics.retention_90d(orders, day),
            "share_of_wallet": metrics.share_of_wallet(orders),
            "churn_rate": metrics.churn_rate(orders, 0, day),
            "belief_error": metrics.belief_error(orders),
            "gmv": metrics.gmv(orders),
        }

    def history(self) -> pd.DataFrame:
        """One row a day (`day` from 0): the data collector's counts of the day, and the
        indicators at its end (`gmv` to date; `gmv_today` the day's)."""
        daily = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        kpis = pd.DataFrame(self.kpi_history, columns=["day", *(n for n, _, _ in KPIS)])
        daily = daily.rename(columns={"gmv": "gmv_today"})
        return pd.concat([daily, kpis.drop(columns="day")], axis=1)

    def shocks_today(self) -> list[ShockConfig]:
        """The shocks of the day just simulated: the dashboard pauses on them."""
        return [shock for shock in self.config.market.shocks if shock.day == self.day - 1]

    def storyteller(self) -> int | None:
        """A buyer worth following: the one with the most orders so far (the lowest id among
        equals), None before any order."""
        buyers = self.state.orders.view("buyer")
        return int(np.bincount(buyers).argmax()) if len(buyers) else None

    def buyer_story(self, buyer: int) -> pd.DataFrame:
        """What `buyer` holds about each seller it remembers: its belief of the seller's
        quality (mean of its Beta belief, public signals and its own experience), the quality
        it cannot see, the tie today, and its orders with the seller."""
        r, t = self.state.relations, self.traders
        slots = np.flatnonzero(r.seller[buyer] >= 0)
        sellers = r.seller[buyer, slots]
        rows = np.full(len(slots), buyer)
        a, b = self.state.beliefs.of(rows, sellers, slots)
        return pd.DataFrame(
            {
                "seller": sellers,
                "country": [self.world.countries[c] for c in t.country[sellers]],
                "belief": a / (a + b),
                "true quality": t.quality[sellers],
                "tie": r.tie_now(rows, slots, self.day),
                "orders": r.orders[buyer, slots],
                "last order day": r.last_day[buyer, slots],
            }
        ).sort_values(["orders", "tie"], ascending=False, ignore_index=True)

    def trade_flows(self, days: int) -> np.ndarray:
        """Paid orders of the last `days` days, by seller's country (rows) and buyer's."""
        log = self.state.orders
        recent = log.view("day") >= self.day - days
        n = self.world.n_countries
        flows = np.zeros((n, n), dtype=np.int64)
        np.add.at(flows, (log.view("seller_country")[recent], log.view("buyer_country")[recent]), 1)
        return flows

    def fx_change(self) -> np.ndarray:
        """Each country's exchange rate against the reference currency, relative to day 0
        (above 1: the currency has lost value)."""
        return self.state.conditions.rates / self.start_rates
