"""The world traders live in: countries, categories, routes, the calendar and moving conditions.

`World` is static geography read from the market config. `MarketConditions` is what moves each
day (docs/model.md section 7.1): exchange rates (a log random walk with scheduled and random
jumps), sourcing costs by country and category (mean-reverting, so suppliers' prices wander but
do not drift away), import duties, de minimis thresholds and who collects VAT, shipping, demand,
and the calendar of festivals and sale days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import FestivalConfig, MarketConfig

DAYS_PER_YEAR = 365
# The country fields that become (H,) arrays under the same name
COUNTRY_ARRAYS = (
    "vat",
    "prices_include_vat",
    "vat_at_checkout",
    "duty_de_minimis",
    "vat_de_minimis",
    "customs_days",
    "customs_hold_chance",
    "customs_hold_days",
    "collection_fee",
)


@dataclass(frozen=True)
class World:
    """Static facts of the market, as arrays indexed by country (H) and category (C)."""

    countries: tuple[str, ...]
    currencies: tuple[str, ...]
    categories: tuple[str, ...]
    base_rates: np.ndarray  # (H,) local units per reference unit on day 0
    fx_volatility: np.ndarray  # (H,) daily sd of the log rate; 0 for the reference currency
    base_duties: np.ndarray  # (H, H, C) duty on goods of a category from origin into destination
    vat: np.ndarray  # (H,) VAT or sales tax rate of the destination
    prices_include_vat: np.ndarray  # (H,) bool: domestic listings show VAT
    vat_at_checkout: np.ndarray  # (H,) bool on day 0: the platform collects import VAT
    duty_de_minimis: np.ndarray  # (H,) local currency: goods value entering duty-free
    vat_de_minimis: np.ndarray  # (H,) local currency: goods value entering VAT-free
    customs_days: np.ndarray  # (H,) mean clearance days of an imported parcel
    customs_hold_chance: np.ndarray  # (H,)
    customs_hold_days: np.ndarray  # (H,)
    collection_fee: np.ndarray  # (H,) reference units a carrier charges to collect at the door
    shipping_cost: np.ndarray  # (H, H) reference units per parcel
    delivery_days: np.ndarray  # (H, H)
    population_share: np.ndarray  # (H,) sums to 1
    income: np.ndarray  # (H,) mean monthly income, reference units
    local_payment_preference: np.ndarray  # (H,)
    category_price: np.ndarray  # (C,)
    category_tags: np.ndarray  # (C, T) unit vectors
    sourcing_cost: np.ndarray  # (H, C) cost of goods as a share of the category price
    festival_boost: np.ndarray  # (H, 365) need multiplier by country and day of year
    reference: int  # index of the country whose currency is the reference (rate 1)

    @property
    def n_countries(self) -> int:
        return len(self.countries)

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    @classmethod
    def from_config(cls, market: MarketConfig) -> World:
        names = tuple(market.countries)
        specs = [market.countries[n] for n in names]
        cats = tuple(market.categories)
        duty = np.array([[s.duty_by_category.get(c, s.duty) for c in cats] for s in specs])
        base_duties = np.tile(duty, (len(names), 1, 1))  # (origin, destination, category)
        base_duties[np.arange(len(names)), np.arange(len(names))] = 0.0  # domestic: none
        country = {key: np.array([getattr(s, key) for s in specs]) for key in COUNTRY_ARRAYS}
        share = np.array([s.population_share for s in specs])
        tags = np.array([market.categories[c].tags for c in cats], dtype=float)
        ref = market.reference_currency
        return cls(
            countries=names,
            currencies=tuple(s.currency for s in specs),
            categories=cats,
            base_rates=np.array([1.0 if s.currency == ref else s.fx_rate for s in specs]),
            fx_volatility=np.array([0.0 if s.currency == ref else s.fx_volatility for s in specs]),
            base_duties=base_duties,
            **country,
            shipping_cost=_matrix(market.shipping_cost, names),
            delivery_days=_matrix(market.delivery_days, names),
            population_share=share / share.sum(),
            income=np.array([s.income for s in specs]),
            local_payment_preference=np.array([s.local_payment_preference for s in specs]),
            category_price=np.array([market.categories[c].price for c in cats], dtype=float),
            category_tags=tags / np.linalg.norm(tags, axis=1, keepdims=True),
            sourcing_cost=np.array(
                [[market.categories[c].sourcing_cost[n] for c in cats] for n in names]
            ),
            festival_boost=np.stack(
                [_calendar(s.festivals) * _calendar(market.sale_days) for s in specs]
            ),
            reference=next(i for i, s in enumerate(specs) if s.currency == ref),
        )


def _matrix(table: dict[str, dict[str, float]], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[table[a][b] for b in names] for a in names], dtype=float)


def _calendar(events: list[FestivalConfig]) -> np.ndarray:
    """Need multiplier for each day of the year; overlapping events multiply."""
    boost = np.ones(DAYS_PER_YEAR)
    for event in events:
        days = (event.day + np.arange(event.length)) % DAYS_PER_YEAR
        boost[days] *= event.boost
    return boost


class MarketConditions:
    """Exchange rates, duties and their thresholds, shipping and demand on the current day.

    Draws only from its own generator (the market stream), so a different strategy or service
    lever sees exactly the same exchange-rate path for the same seed.
    """

    def __init__(self, world: World, market: MarketConfig, rng: np.random.Generator) -> None:
        self.world = world
        self.rng = rng
        self.shocks = sorted(market.shocks, key=lambda s: s.day)
        self.jump_probability = market.fx_jump_probability
        self.jump_size = market.fx_jump_size
        self.sourcing_volatility = market.sourcing_volatility
        # the share of a deviation left after a day: exactly half after `sourcing_half_life`
        # days, and in (0, 1) for every half-life, so the walk is stable at any allowed value
        self.sourcing_persistence = 0.5 ** (1.0 / market.sourcing_half_life)
        self.log_sourcing = np.zeros((world.n_countries, world.n_categories))
        self.log_rates = np.log(world.base_rates)
        self.duties = world.base_duties.copy()
        self.de_minimis_factor = np.ones(world.n_countries)
        self.vat_at_checkout = world.vat_at_checkout.copy()
        self.shipping_factor = np.ones_like(world.shipping_cost)
        self.demand = np.ones(world.n_countries)
        self.day = -1

    @property
    def rates(self) -> np.ndarray:
        """Local currency units per reference unit, by country."""
        return np.exp(self.log_rates)

    @property
    def sourcing_index(self) -> np.ndarray:
        """Sourcing cost by country and category relative to day 0."""
        return np.exp(self.log_sourcing)

    @property
    def duty_de_minimis(self) -> np.ndarray:
        """Goods value (local currency) up to which an import enters duty-free, by country."""
        return self.world.duty_de_minimis * self.de_minimis_factor

    @property
    def vat_de_minimis(self) -> np.ndarray:
        """Goods value (local currency) up to which an import enters VAT-free, by country."""
        return self.world.vat_de_minimis * self.de_minimis_factor

    @property
    def shipping_cost(self) -> np.ndarray:
        return self.world.shipping_cost * self.shipping_factor

    @property
    def delivery_days(self) -> np.ndarray:
        return self.world.delivery_days * self.shipping_factor

    def advance(self, day: int) -> None:
        """Move conditions to `day`: one random-walk step, then random and scheduled shocks."""
        self.day = day
        n = self.world.n_countries
        if day > 0:
            self.log_rates += self.world.fx_volatility * self.rng.standard_normal(n)
            shock = self.sourcing_volatility * self.rng.standard_normal(self.log_sourcing.shape)
            self.log_sourcing = self.sourcing_persistence * self.log_sourcing + shock
        if self.jump_probability > 0:
            jumps = self.rng.random(n) < self.jump_probability
            sizes = self.jump_size * self.rng.standard_normal(n)
            self.log_rates += np.where(jumps & (self.world.fx_volatility > 0), sizes, 0.0)
        for shock in self.shocks:
            if shock.day == day:
                self._apply(shock.kind, shock.target, shock.size)

    def need_multiplier(self, day: int) -> np.ndarray:
        """Shopping-need multiplier by country: festivals, sale days and demand shocks."""
        return self.world.festival_boost[:, day % DAYS_PER_YEAR] * self.demand

    def _apply(self, kind: str, target: str, size: float) -> None:
        index = {name: i for i, name in enumerate(self.world.countries)}
        parts = [index[p] for p in target.split(">")]
        is_reference = (
            self.world.currencies[parts[0]] == self.world.currencies[self.world.reference]
        )
        if kind == "fx" and is_reference:
            # The reference currency's rate is 1 by definition: every other currency moves.
            others = np.array(self.world.currencies) != self.world.currencies[self.world.reference]
            self.log_rates[others] -= np.log1p(size)
        elif kind == "fx":
            self.log_rates[parts[0]] += np.log1p(size)
        elif kind == "demand":
            self.demand[parts[0]] *= 1.0 + size
        elif kind == "duty":
            origins = [parts[0]] if len(parts) == 2 else list(range(self.world.n_countries))
            dest = parts[-1]
            for origin in origins:
                if origin != dest:
                    self.duties[origin, dest] = np.maximum(0.0, self.duties[origin, dest] + size)
        elif kind == "de_minimis":
            self.de_minimis_factor[parts[0]] *= 1.0 + size
        elif kind == "vat_at_checkout":
            self.vat_at_checkout[parts[0]] = size >= 0
        elif kind == "shipping":
            if len(parts) == 2:
                self.shipping_factor[parts[0], parts[1]] *= 1.0 + size
            else:
                self.shipping_factor[parts[0], :] *= 1.0 + size
                self.shipping_factor[:, parts[0]] *= 1.0 + size
                self.shipping_factor[parts[0], parts[0]] /= 1.0 + size
