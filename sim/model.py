"""The Mesa model: it wires the market's mechanisms and runs them as a day's schedule.

`step` reads as what happens in a day (DESIGN section 4). The rules live in the mechanisms and
in the traders' table; the model holds no business rule of its own.
"""

from __future__ import annotations

import logging

import mesa
import numpy as np

from sim.checkout import Checkout
from sim.choice import LinearUtility, MultinomialLogit
from sim.config import SimConfig
from sim.fulfilment import Fulfilment
from sim.ledger import Ledger
from sim.marketing.campaign import make_strategy
from sim.marketing.contacts import Contacts
from sim.needs import Needs
from sim.population import draw_traders
from sim.relations import Relations
from sim.roles import RoleDynamics
from sim.search import SearchIndex
from sim.shopping import Offered, Shopping, no_purchase_utility
from sim.state import MarketState
from sim.streams import RandomStreams
from sim.traders import Trader
from sim.trust import Beliefs
from sim.world import MarketConditions, World

logging.getLogger("MESA").setLevel(logging.WARNING)

DAYS_PER_MONTH = 30


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
        Trader.create_agents(self, n, index=np.arange(n))
        self.roles = RoleDynamics(self.state, streams.roles)
        self.roles.assign_initial()
        self.initial_is_seller = traders.is_seller.copy()
        groups = config.strategy_groups()
        self._assign_strategy_groups(groups, streams.marketing)
        self.strategies = [
            make_strategy(group, i + 1, self.state, streams.marketing_of(i + 1))
            for i, group in enumerate(groups)
        ]
        self.segmentation_accuracy: list[float | None] = [None] * len(groups)
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
        day = self.day
        self.state.today.clear()
        self.state.conditions.advance(day)  # 1. exchange rates, shocks, calendar
        self._pay_incomes(day)
        self.roles.update(day)  # 2. sellers exit, buyers enter
        contacts = self._market(day)  # 3. marketing contacts
        buyers, categories = self.needs.draw(  # 4. needs (and landed contacts)
            day, contacts.buyer[contacts.landed], self._offered_categories(contacts)
        )
        self.search.rebuild()
        offered = self._offers_for(buyers, contacts)
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

    def _assign_strategy_groups(self, groups: list, rng: np.random.Generator) -> None:
        """Each active strategy gets its `share` of the traders, who market with it whenever
        they sell; the traders left over (group 0) never market. Drawn from the marketing
        stream, so the population and the market's shocks stay those of the baseline."""
        shares = np.array([g.share if g.active else 0.0 for g in groups])
        u = rng.random(len(self.state.traders))
        group = np.searchsorted(np.cumsum(shares), u, side="right") + 1
        self.state.traders.group[:] = np.where(group <= len(groups), group, 0)
        self.state.holdout_shares = np.array([0.0, *(g.holdout_share for g in groups)])
        self.state.holdout_salt = int(rng.integers(2**32))

    def _market(self, day: int) -> Contacts:
        """Every strategy plans its contacts; the market books, logs and remembers them."""
        contacts = Contacts.concatenate([strategy.plan(day) for strategy in self.strategies])
        if not len(contacts):
            return contacts
        state = self.state
        state.ledger.pay_out(contacts.seller, "marketing", contacts.cost)
        state.events.record(
            day,
            "contact",
            contacts.seller,
            other=contacts.buyer,
            detail=contacts.channel,
            tool=contacts.promotion,
            segment=contacts.segment,
            outcome=contacts.outcome,
            value=contacts.cost / 100.0,
        )
        state.today["contacts"] += len(contacts)
        slots = state.relations.ensure(contacts.buyer, contacts.seller, day)  # now they know it
        known = slots >= 0
        state.relations.record_touch(
            contacts.buyer[known],
            slots[known],
            day,
            contacts.channel[known],
            contacts.segment[known],
            contacts.promotion[known],
        )
        self._record_segmentation_accuracy(day)
        return contacts

    def _record_segmentation_accuracy(self, day: int) -> None:
        """Log each new k-means refit's agreement with hidden types (event `other` = group)."""
        for i, strategy in enumerate(self.strategies):
            accuracy = strategy.accuracy()
            if accuracy is not None and accuracy != self.segmentation_accuracy[i]:
                self.state.events.record(
                    day, "segmentation", np.array([-1]), other=i + 1, value=accuracy
                )
            self.segmentation_accuracy[i] = accuracy

    def _offered_categories(self, contacts: Contacts) -> np.ndarray:
        return self.state.traders.specialty[contacts.seller[contacts.landed]].astype(np.int64)

    def _offers_for(self, buyers: np.ndarray, contacts: Contacts) -> Offered:
        """Line up each shopper with the first offer that reached it today, if any."""
        offered = Offered.nothing(len(buyers))
        landed = np.flatnonzero(contacts.landed)
        if not len(landed) or not len(buyers):
            return offered
        _, first = np.unique(contacts.buyer[landed], return_index=True)
        landed = landed[first]  # a buyer reached by several sellers sees the first offer
        order = np.argsort(buyers)
        position = np.minimum(
            np.searchsorted(buyers[order], contacts.buyer[landed]), len(order) - 1
        )
        hit = buyers[order][position] == contacts.buyer[landed]
        rows, j = order[position[hit]], landed[hit]
        offered.seller[rows] = contacts.seller[j]
        offered.product[rows] = contacts.product[j]
        offered.promotion[rows] = contacts.promotion[j]
        offered.discount_share[rows] = contacts.discount_share[j]
        return offered

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
            "flips_to_seller": lambda m: m.roles.flips_today["to_seller"],
            "flips_to_buyer": lambda m: m.roles.flips_today["to_buyer"],
            **today,
            "gmv": lambda m: m.state.today["gmv"] / 100.0,
            **rates,
            "money_total": lambda m: m.state.ledger.total(),
        }
