"""The Mesa model: it wires the market's mechanisms and runs them as a day's schedule.

`step` reads as what happens in a day (docs/model.md section 3.1). The rules live in the mechanisms
and in the traders' table; the model holds no business rule of its own.
"""

from __future__ import annotations

import logging

import mesa
import numpy as np

from sim.config import SimConfig
from sim.marketing.outreach import Outreach
from sim.mechanisms.checkout import Checkout
from sim.mechanisms.choice import LinearUtility, MultinomialLogit
from sim.mechanisms.fulfilment import Fulfilment
from sim.mechanisms.needs import Needs
from sim.mechanisms.roles import RoleDynamics
from sim.mechanisms.search import SearchIndex
from sim.mechanisms.shopping import Shopping, no_purchase_utility
from sim.mechanisms.trade_terms import TermsAdaptation
from sim.state.beliefs import Beliefs
from sim.state.ledger import Ledger
from sim.state.market import MarketState
from sim.state.population import draw_traders
from sim.state.relations import Relations
from sim.state.streams import RandomStreams
from sim.state.traders import Trader
from sim.state.world import MarketConditions, World

logging.getLogger("MESA").setLevel(logging.WARNING)

DAYS_PER_MONTH = 30
# timeseries.parquet, a row a day, as the data collector writes it; then `fx_<currency>`
# (float64) for each currency, then `money_total` (int64, cents: 0 while money is conserved)
TIMESERIES_TABLE = {
    **dict.fromkeys(
        ("day", "buyers", "sellers", "ddp_sellers", "flips_to_seller", "flips_to_buyer"), "int64"
    ),
    **dict.fromkeys(
        ("contacts", "sessions", "carts", "abandoned", "orders", "delivered", "returns", "reviews"),
        "int64",
    ),
    "gmv": "float64",
}


class MarketModel(mesa.Model):
    """A cross-border marketplace whose traders buy, sell, and switch between the two."""

    def __init__(self, config: SimConfig) -> None:
        streams = RandomStreams.from_seed(config.seed)
        super().__init__(rng=streams.mesa_seed)
        self.config = config
        self.day = 0
        world = World.from_config(config.market)
        n = config.population.n_traders
        traders = draw_traders(
            n, world, config.population, config.platform, config.service, streams.population
        )
        relations = Relations(n, config.platform.memory_slots, config.platform.tie_half_life)
        months = config.population.initial_cash_months
        self.state = MarketState(
            config=config,
            world=world,
            conditions=MarketConditions(world, config.market, streams.market),
            traders=traders,
            relations=relations,
            beliefs=Beliefs(traders, relations, config.platform),
            ledger=Ledger(np.round(traders.monthly_income * months).astype(np.int64)),
        )
        Trader.populate(self, n)
        self.roles = RoleDynamics(self.state, streams.roles)
        self.roles.assign_initial()
        self.terms = TermsAdaptation(self.state, streams.roles)
        self.initial_is_seller = traders.is_seller.copy()
        self.marketing = Outreach(self.state, config.strategy_groups(), streams)
        self.search = SearchIndex(traders, world.n_categories, config.platform.search_reputation)
        self.needs = Needs(self.state, streams.needs)
        utility = LinearUtility(config.population.utility)
        rule = MultinomialLogit(
            no_purchase_utility(config.population.utility.no_purchase, config.service.ux)
        )
        self.shopping = Shopping(self.state, self.search, utility, rule, streams.choice)
        self.checkout = Checkout(self.state, streams.checkout)
        self.fulfilment = Fulfilment(self.state, streams.fulfilment)
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())

    # --- the day ---------------------------------------------------------------------------

    def step(self) -> None:
        """One day of the market."""
        day, t = self.day, self.state.traders
        self.state.today.clear()
        self.state.conditions.advance(day)  # 1. exchange rates, shocks, calendar
        self._pay_incomes(day)
        self.roles.update(day)  # 2. sellers exit, buyers enter
        self.terms.review(day)  # sellers review their terms of delivery (monthly)
        contacts = self.marketing.contact(day)  # 3. marketing contacts
        responses = self.marketing.responses(day, contacts)  # those that bring buyers today
        buyers, categories = self.needs.draw(  # 4. needs (and responding contacts)
            day, responses.buyer, responses.landed_categories(t.specialty)
        )
        self.search.rebuild()
        offered = responses.offers_for(buyers)
        carts = self.shopping.visit(day, buyers, categories, offered)  # 5. shopping
        orders = self.checkout.pay(day, carts)  # 6. checkout
        self.fulfilment.ship(day, orders)  # 7. fulfilment and aftermath
        self.fulfilment.deliver(day)
        self.datacollector.collect(self)
        self.day += 1

    def _pay_incomes(self, day: int) -> None:
        if day > 0 and day % DAYS_PER_MONTH == 0:
            t = self.state.traders
            self.state.ledger.pay_in("income", np.arange(len(t)), t.monthly_income)

    # --- views for people, tests and the data collector -------------------------------------

    @property
    def traders(self):
        return self.state.traders

    @property
    def world(self) -> World:
        return self.state.world

    @property
    def ledger(self) -> Ledger:
        return self.state.ledger

    def traders_by_role(self, role: str) -> mesa.agent.AgentSet:
        """The traders holding `role` today, selected through Mesa's AgentSet."""
        return self.agents_by_type[Trader].select(lambda a: a.role == role)

    @property
    def flipped(self) -> np.ndarray:
        """Whether each trader has changed role at least once."""
        return self.roles.flipped

    @property
    def ddp_sellers(self) -> int:
        """Sellers shipping cross-border parcels duties paid (not from a local warehouse)."""
        t = self.state.traders
        return int((t.is_seller & t.ddp & ~t.warehouse).sum())

    @property
    def n_sellers(self) -> int:
        return int(self.state.traders.is_seller.sum())

    @property
    def n_buyers(self) -> int:
        return len(self.state.traders) - self.n_sellers

    def _reporters(self) -> dict:
        today = {
            name: (lambda m, k=name: m.state.today[k])
            for name in (
                "contacts",
                "sessions",
                "carts",
                "abandoned",
                "orders",
                "delivered",
                "returns",
                "reviews",
            )
        }
        rates = {
            f"fx_{cur}": (lambda m, i=i: float(m.state.conditions.rates[i]))
            for i, cur in enumerate(self.state.world.currencies)
        }
        return {
            "day": lambda m: m.day,
            "buyers": lambda m: m.n_buyers,
            "sellers": lambda m: m.n_sellers,
            "ddp_sellers": lambda m: m.ddp_sellers,
            "flips_to_seller": lambda m: m.roles.flips_today["to_seller"],
            "flips_to_buyer": lambda m: m.roles.flips_today["to_buyer"],
            **today,
            "gmv": lambda m: m.state.today["gmv"] / 100.0,
            **rates,
            "money_total": lambda m: m.state.ledger.total(),
        }
