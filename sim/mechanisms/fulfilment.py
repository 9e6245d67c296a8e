"""Fulfilment and aftermath: delivery, customs, satisfaction, returns, reviews, learning (step 7).

A paid order ships along its route and arrives after the route's delay, scaled by the logistics
lever and a random factor; a parcel crossing a border waits for customs clearance, drawn per
parcel, and is sometimes held. A parcel shipped duties unpaid owes duty and VAT at the door
with the carrier's collection fee: the buyer may refuse it, the likelier the more of the charge
it did not expect (or cannot pay), and the parcel goes back at the seller's cost. On arrival the
quality is realised; satisfaction compares it with the quality the buyer expected, with the
promised delivery time and with the going price, and counts a charge at the door the buyer did
not expect against it. A dissatisfied buyer may return the item (less often when returns are a
hassle; risky buyers return abusively), and some buyers leave a review. The buyer learns from
the experience, the tie grows or weakens, and the buyer may lapse (more likely after a
disappointing order).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.config.vocabulary import TRIAL, WAREHOUSE
from sim.mechanisms import service_cost
from sim.mechanisms.landed_cost import crossing
from sim.state.arrays import scatter
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
    quality: np.ndarray,
    expected: np.ndarray,
    days_late: np.ndarray,
    value: np.ndarray,
    cost_surprise: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Satisfaction in [0, 1]: what came, how it compares with what was expected, lateness,
    value for money (`value`: the going price of the goods over what the buyer paid for them,
    shipping fee, taxes and fees included, so a bargain pleases and a dear order does not),
    and the share of what it paid that it did not expect to (`cost_surprise`)."""
    raw = (
        quality
        + SURPRISE_WEIGHT * (quality - expected - cost_surprise)
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
        """Give each new order its delivery day: the route's days, then customs if it
        crosses a border (the estimate holds the mean clearance; each parcel draws its own)."""
        log, w = self.state.orders, self.state.world
        rows = orders - log.offset
        home = log.view("buyer_country")[rows]
        crosses = crossing(log.view("terms")[rows])
        mean_customs = np.where(crosses, w.customs_days[home], 0.0)
        route_days = log.view("promised_days")[rows] - mean_customs
        n = len(orders)
        actual = route_days * np.exp(DELAY_SPREAD * self.rng.standard_normal(n))
        held = self.rng.random(n) < w.customs_hold_chance[home]
        customs = self.rng.exponential(1.0, n) * w.customs_days[home]
        actual += np.where(crosses, customs + held * w.customs_hold_days[home], 0.0)
        arrival = day + np.maximum(1, np.ceil(actual)).astype(np.int64)
        log.view("delivery_day")[rows] = arrival
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
        paid = self._paid(rows)
        refused = self._collect_at_door(day, rows, buyer, seller, paid)
        quality = np.clip(
            log.view("true_quality")[rows] + ITEM_NOISE * self.rng.standard_normal(n), 0, 1
        )
        late = np.maximum(0.0, day - log.view("day")[rows] - log.view("promised_days")[rows])
        surprise = log.view("door_surprise")[rows] / np.maximum(paid, 1)
        sat = satisfaction(
            quality, log.view("expected_quality")[rows], late, self._value(rows, paid), surprise
        )
        sat = np.where(refused, 0.0, sat)  # nothing came but a bill
        # a trial's return costs the buyer nothing; a refused parcel goes back at the seller's
        exempt = (log.view("promotion")[rows] == TRIAL) | refused
        hassle = np.where(exempt, 0.0, s.config.service.return_hassle)
        returned = self._returns(buyer, sat, hassle) | refused
        self._refund(
            rows[returned], buyer[returned], seller[returned], hassle[returned], exempt[returned]
        )
        log.view("delivered")[rows] = True
        log.view("satisfaction")[rows] = sat
        log.view("returned")[rows] = returned
        log.view("refused")[rows] = refused
        self._review(rows, seller, sat)
        self._learn(day, buyer, seller, quality, (sat >= SATISFIED) & ~returned, refused)
        self._lapse(day, buyer, seller, (sat < SATISFIED) | returned)
        s.today["delivered"] += n
        s.today["returns"] += int(returned.sum())

    def _learn(self, day, buyer, seller, quality, satisfied, refused) -> None:
        """The buyer learns the quality of what it opened (not of a refused parcel), and the
        tie grows or weakens."""
        s, p = self.state, self.state.config.platform
        slots = s.relations.ensure(buyer, seller, day)
        kept = slots >= 0  # a buyer with more deliveries today than memory forgets some
        weight = float(pseudo_counts(p.experience_weight, ITEM_NOISE))  # one item, a noisy reading
        for opened, w in ((kept & ~refused, weight), (kept & refused, 0.0)):
            s.relations.record_experience(
                buyer[opened],
                slots[opened],
                day,
                quality[opened],
                satisfied[opened],
                w,
                p.tie_gain,
                p.tie_loss,
            )

    def _collect_at_door(
        self, day: int, rows: np.ndarray, buyer: np.ndarray, seller: np.ndarray, paid: np.ndarray
    ) -> np.ndarray:
        """Charges owed at the door: a buyer refuses the parcel with a chance that grows with
        the share of them it did not expect against what it paid at checkout (`paid` is the
        whole, door included), and when it cannot pay; the others pay duty and VAT to customs
        and the collection fee to the carrier. Returns who refused."""
        s, log = self.state, self.state.orders
        door = log.view("door_charges")[rows]
        unforeseen = log.view("door_surprise")[rows] / np.maximum(paid - door, 1)
        chance = 1.0 - np.exp(-s.config.platform.door_refusal * unforeseen)
        draw = self.rng.random(len(rows))
        refused = (door > 0) & ((draw < chance) | (s.ledger.cash[buyer] < door))
        paying = (door > 0) & ~refused
        collection = log.view("collection_fee")[rows][paying]
        s.ledger.pay_out(buyer[paying], "customs", door[paying] - collection)
        s.ledger.pay_out(buyer[paying], "shipping", collection)
        s.events.record(
            day, "refusal", buyer[refused], other=seller[refused], value=door[refused] / 100.0
        )
        return refused

    def _paid(self, rows: np.ndarray) -> np.ndarray:
        """Cents the buyer pays for each order in all: goods, fee, duty, VAT and fees."""
        log = self.state.orders
        return (
            log.view("price")[rows]
            + log.view("shipping_fee")[rows]
            + log.view("duty")[rows]
            + log.view("vat")[rows]
            + log.view("conversion_fee")[rows]
            + log.view("collection_fee")[rows]
        )

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

    def _value(self, rows: np.ndarray, paid: np.ndarray) -> np.ndarray:
        """Going price of each order's goods (the category's world price for that product
        and number of units) over what the buyer `paid` for them."""
        log, w = self.state.orders, self.state.world
        going = to_cents(
            w.category_price[log.view("category")[rows]]
            * PRODUCT_PRICE[log.view("product")[rows]]
            * log.view("units")[rows]
        )
        return np.maximum(going, 1) / np.maximum(paid, 1)

    def _returns(self, buyer: np.ndarray, sat: np.ndarray, hassle: np.ndarray) -> np.ndarray:
        honest = (sat < RETURN_BELOW) * RETURN_PROPENSITY * (1.0 - hassle)
        abusive = TYPE_ABUSIVE_RETURNS[self.state.traders.buyer_type[buyer]] * (1 - 0.5 * hassle)
        return self.rng.random(len(buyer)) < np.maximum(honest, abusive)

    def _refund(
        self,
        rows: np.ndarray,
        buyer: np.ndarray,
        seller: np.ndarray,
        hassle: np.ndarray,
        exempt: np.ndarray,
    ) -> None:
        """Refund the goods; return shipping is split by the return policy's hassle (`exempt`:
        returns free whatever the policy, which cost the service lever nothing)."""
        s, log, t = self.state, self.state.orders, self.state.traders
        refund = log.view("price")[rows]
        home = t.country[buyer]
        route = np.where(log.view("terms")[rows] == WAREHOUSE, home, t.country[seller])
        shipping = to_cents(s.conditions.shipping_cost[home, route])
        buyer_share = np.round(shipping * hassle).astype(np.int64)
        s.ledger.transfer(seller, buyer, refund)
        s.ledger.pay_out(seller, "shipping", shipping - buyer_share)
        s.ledger.pay_out(buyer, "shipping", buyer_share)
        log.view("refund")[rows] = refund
        log.view("return_cost")[rows] = shipping - buyer_share
        log.view("service_cost")[rows] += to_cents(
            service_cost.return_cost(hassle, exempt, shipping / 100.0)
        )
        scatter(np.add, t.period_profit, seller, -(refund + shipping - buyer_share))

    def _review(self, rows: np.ndarray, seller: np.ndarray, sat: np.ndarray) -> None:
        """Some buyers rate the seller; extreme experiences are rated more often."""
        s, t = self.state, self.state.traders
        p = s.config.platform
        chance = np.clip(p.review_probability * (0.5 + 2.0 * np.abs(sat - 0.5)), 0.0, 1.0)
        leaves = self.rng.random(len(rows)) < chance
        noise = p.review_noise * self.rng.standard_normal(int(leaves.sum()))
        stars = rating_from_satisfaction(sat[leaves], noise)
        s.orders.view("rating")[rows[leaves]] = stars
        scatter(np.add, t.review_count, seller[leaves], 1)
        scatter(np.add, t.review_score, seller[leaves], (stars - 1.0) / 4.0)
        s.today["reviews"] += int(leaves.sum())
