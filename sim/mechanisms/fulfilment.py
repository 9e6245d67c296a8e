"""Fulfilment and aftermath: delivery, satisfaction, returns, reviews, learning (step 7).

A paid order ships along its route and arrives after the route's delay, scaled by the logistics
lever and a random factor. On arrival the quality is realised; satisfaction compares it with the
quality the buyer expected, with the promised delivery time and with the going price. A
dissatisfied buyer may return the item (less often when returns are a hassle; risky buyers
return abusively), and some buyers leave a review. The buyer learns from the experience, the
tie grows or weakens, and the buyer may lapse (more likely after a disappointing order).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.config.vocabulary import TRIAL
from sim.state.beliefs import ITEM_NOISE, pseudo_counts, rating_from_satisfaction
from sim.state.ledger import to_cents
from sim.state.market import MarketState
from sim.state.traders import PRODUCT_PRICE, TYPE_ABUSIVE_RETURNS

SURPRISE_WEIGHT = 0.5  # how much beating or missing expectations moves satisfaction
LATE_PENALTY = 0.05  # satisfaction lost per day late
VALUE_WEIGHT = 0.2  # satisfaction gained per unit log of going price over price paid
DELAY_SPREAD = 0.25  # log-sd of actual over promised delivery time
SATISFIED = 0.5
RETURN_BELOW = 0.4  # satisfaction under which a buyer considers returning
RETURN_PROPENSITY = 0.6


def satisfaction(
    quality: np.ndarray, expected: np.ndarray, days_late: np.ndarray, value: np.ndarray
) -> np.ndarray:
    """Satisfaction in [0, 1]: what came, how it compares with what was expected, lateness,
    and value for money: `value` is the going price of the goods over what the buyer paid
    for them (goods, shipping fee and duty), so a bargain pleases and a dear order does not."""
    raw = (
        quality
        + SURPRISE_WEIGHT * (quality - expected)
        - LATE_PENALTY * days_late
        + VALUE_WEIGHT * np.log(value)
    )
    return np.clip(raw, 0.0, 1.0)


class Fulfilment:
    """Schedules deliveries and resolves what happens when they arrive."""

    def __init__(self, state: MarketState, rng: np.random.Generator) -> None:
        self.state = state
        self.rng = rng
        self.pending: dict[int, list[np.ndarray]] = defaultdict(list)

    def ship(self, day: int, orders: np.ndarray) -> None:
        """Give each new order its delivery day."""
        log = self.state.orders
        promised = log.view("promised_days")[orders - log.offset]
        actual = promised * np.exp(DELAY_SPREAD * self.rng.standard_normal(len(orders)))
        arrival = day + np.maximum(1, np.ceil(actual)).astype(np.int64)
        log.view("delivery_day")[orders - log.offset] = arrival
        for when in np.unique(arrival):
            self.pending[int(when)].append(orders[arrival == when])

    def deliver(self, day: int) -> None:
        """Resolve every order arriving today (until then its row stays in memory)."""
        batches = self.pending.pop(day, [])
        if not batches:
            return
        s, log = self.state, self.state.orders
        rows = np.concatenate(batches) - log.offset  # positions in memory of the order ids
        n = len(rows)
        buyer, seller = log.view("buyer")[rows], log.view("seller")[rows]
        quality = np.clip(
            log.view("true_quality")[rows] + ITEM_NOISE * self.rng.standard_normal(n), 0, 1
        )
        late = np.maximum(0.0, day - log.view("day")[rows] - log.view("promised_days")[rows])
        sat = satisfaction(quality, log.view("expected_quality")[rows], late, self._value(rows))
        hassle = np.where(
            log.view("promotion")[rows] == TRIAL, 0.0, s.config.service.return_hassle
        )  # a trial's return costs the buyer nothing
        returned = self._returns(buyer, sat, hassle)
        self._refund(rows[returned], buyer[returned], seller[returned], hassle[returned])
        log.view("delivered")[rows] = True
        log.view("satisfaction")[rows] = sat
        log.view("returned")[rows] = returned
        self._review(rows, seller, sat)
        slots = s.relations.ensure(buyer, seller, day)
        kept = slots >= 0  # a buyer with more deliveries today than memory forgets some
        p = s.config.platform
        s.relations.record_experience(
            buyer[kept],
            slots[kept],
            day,
            quality[kept],
            ((sat >= SATISFIED) & ~returned)[kept],
            float(pseudo_counts(p.experience_weight, ITEM_NOISE)),  # one item is a noisy reading
            p.tie_gain,
            p.tie_loss,
        )
        self._lapse(day, buyer, seller, (sat < SATISFIED) | returned)
        s.today["delivered"] += n
        s.today["returns"] += int(returned.sum())

    def _lapse(
        self, day: int, buyer: np.ndarray, seller: np.ndarray, disappointed: np.ndarray
    ) -> None:
        """After an order a buyer may lapse, the more likely if the order disappointed it."""
        t, p = self.state.traders, self.state.config.population
        chance = t.lapse_chance[buyer] * np.where(disappointed, p.bad_experience_lapse, 1.0)
        lapses = ~t.lapsed[buyer] & (self.rng.random(len(buyer)) < chance)
        first = np.unique(buyer[lapses], return_index=True)[1]  # one lapse per buyer a day
        lapsing = np.flatnonzero(lapses)[first]
        t.lapsed[buyer[lapsing]] = True
        self.state.events.record(
            day,
            "lapse",
            buyer[lapsing],
            other=seller[lapsing],
            detail=disappointed[lapsing].astype(np.int64),
        )

    def _value(self, rows: np.ndarray) -> np.ndarray:
        """Going price of each order's goods (the category's world price for that product
        and number of units) over what the buyer paid for them, fee and duty included."""
        log, w = self.state.orders, self.state.world
        going = to_cents(
            w.category_price[log.view("category")[rows]]
            * PRODUCT_PRICE[log.view("product")[rows]]
            * log.view("units")[rows]
        )
        paid = log.view("price")[rows] + log.view("shipping_fee")[rows] + log.view("tariff")[rows]
        return np.maximum(going, 1) / np.maximum(paid, 1)

    def _returns(self, buyer: np.ndarray, sat: np.ndarray, hassle: np.ndarray) -> np.ndarray:
        honest = (sat < RETURN_BELOW) * RETURN_PROPENSITY * (1.0 - hassle)
        abusive = TYPE_ABUSIVE_RETURNS[self.state.traders.buyer_type[buyer]] * (1 - 0.5 * hassle)
        return self.rng.random(len(buyer)) < np.maximum(honest, abusive)

    def _refund(
        self, rows: np.ndarray, buyer: np.ndarray, seller: np.ndarray, hassle: np.ndarray
    ) -> None:
        """Refund the goods; return shipping is split by the return policy's hassle."""
        s, log, t = self.state, self.state.orders, self.state.traders
        refund = log.view("price")[rows]
        shipping = to_cents(s.conditions.shipping_cost[t.country[buyer], t.country[seller]])
        buyer_share = np.round(shipping * hassle).astype(np.int64)
        s.ledger.transfer(seller, buyer, refund)
        s.ledger.pay_out(seller, "shipping", shipping - buyer_share)
        s.ledger.pay_out(buyer, "shipping", buyer_share)
        log.view("refund")[rows] = refund
        log.view("return_cost")[rows] = shipping - buyer_share

    def _review(self, rows: np.ndarray, seller: np.ndarray, sat: np.ndarray) -> None:
        """Some buyers rate the seller; extreme experiences are rated more often."""
        s, t = self.state, self.state.traders
        p = s.config.platform
        chance = np.clip(p.review_probability * (0.5 + 2.0 * np.abs(sat - 0.5)), 0.0, 1.0)
        leaves = self.rng.random(len(rows)) < chance
        noise = p.review_noise * self.rng.standard_normal(int(leaves.sum()))
        stars = rating_from_satisfaction(sat[leaves], noise)
        s.orders.view("rating")[rows[leaves]] = stars
        np.add.at(t.review_count, seller[leaves], 1)
        np.add.at(t.review_score, seller[leaves], (stars - 1.0) / 4.0)
        s.today["reviews"] += int(leaves.sum())
