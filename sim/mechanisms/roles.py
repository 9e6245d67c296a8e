"""Role flips: traders sell when reselling pays and buy when it does not (docs/model.md 7.3).

A trader's resale margin is what selling its specialty abroad would earn per unit at world
prices: the price it can get in each destination (the world price in that destination's
currency, scaled by its demand and less the import duty and VAT a parcel of the category's
world price pays there, against the VAT a domestic seller's pays), against its cost of goods
(fixed in its home currency, so a weak home currency makes it cheaper) and the shipping it
absorbs. Destinations are weighted by their share of buyers. Sellers whose margin stays below
`exit_margin` for `patience` days become buyers; buyers whose margin exceeds `entry_margin` and
who can pay the switching cost become sellers, each noticing the chance at `entry_rate` a day.
"""

from __future__ import annotations

import numpy as np

from sim.config.vocabulary import FLIP_DIRECTIONS
from sim.state.ledger import to_cents
from sim.state.market import MarketState
from sim.state.world import MarketConditions


def import_tax_factor(conditions: MarketConditions) -> np.ndarray:
    """(origin, destination, category): what a parcel of the category's world price pays in
    duty and VAT over what a domestic one pays in VAT (below 1 where it enters tax-free)."""
    w = conditions.world
    value_local = w.category_price[None, :] * conditions.rates[:, None]  # (destination, C)
    duty_free = value_local <= conditions.duty_de_minimis[:, None]
    vat_free = value_local <= conditions.vat_de_minimis[:, None]
    duty = np.where(duty_free[None], 0.0, conditions.duties)
    vat = np.where(vat_free, 0.0, w.vat[:, None])[None]
    factor = (1.0 + duty) * (1.0 + vat) / (1.0 + w.vat[None, :, None])
    h = np.arange(w.n_countries)
    factor[h, h] = 1.0
    return factor


def country_cost_factors(
    conditions: MarketConditions, fee_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per origin country and category: the multiplier on cost-of-goods share, and absorbed
    shipping.

    The margin of a trader from country h selling category c is then
    (1 - commission) - cost_share * cost_factor[h, c] - shipping[h, c] / price.
    """
    world = conditions.world
    rates, base = conditions.rates, world.base_rates
    home_cost = base / rates  # cost of goods in reference units, relative to day 0
    # price obtainable in destination d, relative to the world price on day 0: (H, H, C)
    local = (base / rates) * conditions.demand
    obtainable = local[None, :, None] / import_tax_factor(conditions)
    weights = world.population_share[None, :, None]
    cost_factor = home_cost[:, None] * (weights / obtainable).sum(axis=1)
    absorbed = (1.0 - fee_share) * conditions.shipping_cost[:, :, None]
    shipping = (weights * absorbed / obtainable).sum(axis=1)
    return cost_factor, shipping


class RoleDynamics:
    """Computes margins and flips roles, with hysteresis, patience and a switching cost."""

    def __init__(self, state: MarketState, rng: np.random.Generator) -> None:
        self.traders = state.traders
        self.conditions = state.conditions
        self.ledger = state.ledger
        self.relations = state.relations
        self.events = state.events
        self.config = state.config.market.roles
        self.commission = state.config.platform.commission
        self.fee_share = state.config.service.shipping_fee_share
        self.rng = rng
        world = state.world
        t = state.traders
        # a trader's (country, category) cell, fixed for the run, as a position in a table
        # of them: the margins read three such tables a day
        self.cell = t.country.astype(np.int64) * world.n_categories + t.specialty
        self.cost_share = self._of_cell(world.sourcing_cost) * t.cost_efficiency
        self.cost_share /= t.price_factor
        self.flips_today = {"to_seller": 0, "to_buyer": 0}
        self.flipped = np.zeros(len(t), dtype=bool)

    def margins(self) -> np.ndarray:
        """Every trader's resale margin under today's conditions."""
        cost_factor, shipping = country_cost_factors(self.conditions, self.fee_share)
        sourcing = self._of_cell(self.conditions.sourcing_index)
        return (
            (1.0 - self.commission)
            - self.cost_share * self._of_cell(cost_factor) * sourcing
            - (self._of_cell(shipping) / self.traders.list_price)
        )

    def _of_cell(self, table: np.ndarray) -> np.ndarray:
        """Each trader's value of a (country, category) table."""
        return np.take(table.reshape(-1), self.cell)

    def assign_initial(self) -> None:
        """Day-0 roles: sellers above the band, buyers below it, and inside the band a trader
        sells with a chance that rises across the band (traders got there from either side)."""
        c = self.config
        position = (self.margins() - c.exit_margin) / (c.entry_margin - c.exit_margin)
        self.traders.is_seller[:] = self.rng.random(len(position)) < np.clip(position, 0.0, 1.0)

    def update(self, day: int) -> None:
        """Let sellers exit and buyers enter according to today's margins."""
        t, c = self.traders, self.config
        margin = self.margins()
        low = t.is_seller & (margin < c.exit_margin)
        t.low_margin_since[low & (t.low_margin_since < 0)] = day
        t.low_margin_since[~low] = -1
        leaving = np.flatnonzero(low & (day - t.low_margin_since >= c.patience))
        fee = int(to_cents(c.switching_cost))
        eligible = np.flatnonzero(
            ~t.is_seller & (margin > c.entry_margin) & (self.ledger.cash >= fee)
        )
        entering = eligible[self.rng.random(len(eligible)) < c.entry_rate]
        self._flip(day, leaving, to_seller=False)
        self._flip(day, entering, to_seller=True)
        self.ledger.pay_out(entering, "platform", np.full(len(entering), fee, dtype=np.int64))

    def _flip(self, day: int, traders: np.ndarray, to_seller: bool) -> None:
        """Switch roles; the event records the customer ties made dormant or woken."""
        direction = "to_seller" if to_seller else "to_buyer"
        self.flips_today[direction] = len(traders)
        self.traders.is_seller[traders] = to_seller
        self.flipped[traders] = True
        self.traders.low_margin_since[traders] = -1
        self.events.record(
            day,
            "flip",
            traders,
            detail=FLIP_DIRECTIONS.index(direction),
            value=self.relations.customers[traders].astype(float),
        )
