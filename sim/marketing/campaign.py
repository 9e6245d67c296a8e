"""A marketing strategy composed of its components, run for one group of sellers.

Each day: read the group's customer records; find who is due, under the frequency cap, and
reachable (not in the holdout, not unsubscribed); label their segments and rank them by what
each segment has returned so far; keep the best-ranked each seller could afford; pick channel,
product and promotion for those; cut at the budgets; send, and learn from the responses.

The screens run before the dear steps (segments, offers), the most selective first, so the
daily cost follows the records a seller can contact, not the whole customer base (docs/model.md
section 3.3).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sim.config import StrategyConfig
from sim.config.vocabulary import CONTACT_OUTCOMES, channel_code
from sim.marketing.budget import Budget
from sim.marketing.channels import ChannelChoice, ChannelTable, ThompsonChannels, deliver
from sim.marketing.contacts import Contacts
from sim.marketing.customers import CustomerBook, stages
from sim.marketing.due import DueIndex
from sim.marketing.products import choose_products
from sim.marketing.promotions import (
    SAMPLE,
    choose_promotions,
    discount_share,
    promotion_cost,
)
from sim.marketing.segmentation import KeptLabels, Observed, make_segmentation
from sim.marketing.timing import NEVER, Timing
from sim.state.arrays import scatter
from sim.state.beliefs import ITEM_NOISE, pseudo_counts
from sim.state.market import MarketState
from sim.state.world import DAYS_PER_YEAR

OUTCOME = {name: i for i, name in enumerate(CONTACT_OUTCOMES)}


class Strategy(Protocol):
    """What the market asks of a strategy group's marketing (`sim.marketing.outreach`): a user's
    own strategy is any object with these two methods (tests/test_strategy_interface.py)."""

    def plan(self, day: int) -> Contacts:
        """This day's contacts: whom, by which channel, with what offer, at what cost, and
        whether each landed. Planning only; the market pays, logs and remembers them."""
        ...

    def accuracy(self) -> float | None:
        """Agreement of the strategy's latest segmentation with the buyers' hidden types
        (adjusted Rand index), or None when it learns no segments."""
        ...


class NoMarketing:
    """The baseline: customers find sellers through search and their own ties."""

    def plan(self, day: int) -> Contacts:
        return Contacts.none()

    def accuracy(self) -> float | None:
        return None


class Campaign:
    """Runs a composed strategy for the sellers of one group."""

    def __init__(
        self, config: StrategyConfig, group: int, state: MarketState, rng: np.random.Generator
    ) -> None:
        self.config = config
        self.group = group
        self.state = state
        self.rng = rng
        n = len(state.traders)
        self.segmentation = make_segmentation(
            config.segmentation, state.world.n_countries, int(rng.integers(2**31))
        )
        self.table = ChannelTable.from_config(state.config.platform.channels)
        bandit = (
            ThompsonChannels(n, self.segmentation.n_segments)
            if config.channel.kind == "learned"
            else None
        )
        self.channels = ChannelChoice(config.channel, self.table, bandit)
        self.timing = Timing(config.timing, state.world.festival_boost)
        self.budget = Budget(config.budget, n)
        self.due = DueIndex(state.relations)
        self.kept = KeptLabels(self.segmentation, state.relations.seller.size)
        self.dearest = self._dearest()  # bounds any contact's cost: lets spend skip ranking
        # contacts and responses per segment, pooled over the group: the ranking signal
        self.segment_tries = np.zeros(self.segmentation.n_segments)
        self.segment_wins = np.zeros(self.segmentation.n_segments)
        # the same per segment and promotion tool: what promotion.kind by_segment learns from
        self.segment_tool_tries = np.zeros((self.segmentation.n_segments, 3))
        self.segment_tool_wins = np.zeros((self.segmentation.n_segments, 3))

    def plan(self, day: int) -> Contacts:
        t, r = self.state.traders, self.state.relations
        self.budget.start(day)
        in_group = t.group == self.group
        if self.segmentation.wants_refit(day):
            book = CustomerBook.of(r, t.is_seller & in_group)
            everyone = book.subset(self._reachable(book))
            sample = everyone.subset(self.segmentation.fit_rows(len(everyone), day))
            self.segmentation.fit(self._observe(sample, day), day)
        cheapest = int(np.round(self.table.cost.min() * 100))
        period = self.budget.period_of(day)
        book, carried = self._passing(day, in_group, cheapest, period)
        segment = self.kept.of(book, r.changed_day.ravel(), day, self._observe, carried)
        # best segments first, equally ranked customers in a random order
        shuffled = self.rng.permutation(len(book))
        channel = np.zeros(len(book), dtype=np.int64)
        promotion = np.zeros(len(book), dtype=np.int64)

        def price(rows: np.ndarray) -> np.ndarray:
            """Draw the channel and promotion of `rows`; their costs in cents."""
            records, segments = book.subset(rows), segment[rows]
            stage = self._stages(records, day)
            channel[rows] = self.channels.choose(records.seller, segments, stage, self.rng)
            promotion[rows] = choose_promotions(
                self.config.promotion,
                records.read(r.orders),
                *self._tool_history(records, segments),
                self.rng,
            )
            return self._cost(channel[rows], promotion[rows])

        spent = self.budget.spend(
            book.seller[shuffled],
            self._level(segment)[shuffled],
            self.dearest,
            lambda rows: price(shuffled[rows]),
        )
        rows = np.argsort(shuffled[spent.rows])
        keep, cost = shuffled[spent.rows][rows], spent.cost[rows]
        book = book.subset(keep)
        stage = self._stages(book, day)
        product = choose_products(self.config.product.kind, t, book.buyer, book.seller, stage)
        return self._send(
            day,
            book,
            segment[keep],
            channel[keep],
            product,
            promotion[keep],
            cost,
            self._this_period(book, period),
            period,
        )

    def _cost(self, channel: np.ndarray, promotion: np.ndarray) -> np.ndarray:
        """Cents each contact costs when sent: its channel and any sample sent with it."""
        cost = self.table.cost[channel] + promotion_cost(self.config.promotion, promotion)
        return np.round(cost * 100).astype(np.int64)

    def _dearest(self) -> int:
        """Cents the dearest contact could cost: the dearest channel with a sample."""
        return int(self._cost(np.array([self.table.cost.argmax()]), np.array([SAMPLE]))[0])

    def _passing(
        self, day: int, in_group: np.ndarray, cheapest: int, period: int
    ) -> tuple[CustomerBook, np.ndarray]:
        """Today's records that pass the screens, in flat order, and which of them passed the
        last read and pass again unread (`DueIndex.today`); the others are screened. All of
        them stand until tomorrow's read, contacted or not."""
        selling = self.state.traders.is_seller
        book, carried = self.due.today(
            day, in_group, selling, lambda sellers: self.budget.can_pay(sellers, cheapest)
        )
        return self.due.stand(self._screen(book, day, cheapest, period), carried)

    def _screen(self, book: CustomerBook, day: int, cheapest: int, period: int) -> CustomerBook:
        """The records a seller could contact today: the seller can pay, the customer is due,
        under the frequency cap, reachable.
        A record that passed on a day since which it has not changed, and is still due, passes
        unread (`DueIndex.still_passing`). Each record screened out waits in the due index
        until it could pass again."""
        next_period = (period + 1) * self.budget.config.period_days
        pays = self.budget.can_pay(book.seller, cheapest)
        self.due.wait(book.subset(np.flatnonzero(~pays)), next_period)
        book = book.subset(np.flatnonzero(pays))
        passes = self.due.still_passing(book, day)
        fresh = np.flatnonzero(~passes)
        passes[fresh[self._screen_afresh(book.subset(fresh), day, period, next_period)]] = True
        return book.subset(np.flatnonzero(passes))

    def _screen_afresh(
        self, book: CustomerBook, day: int, period: int, next_period: int
    ) -> np.ndarray:
        """The rows of `book` that are due, under the frequency cap and reachable, each
        remembered in the due index until when it would pass unchanged; the others wait
        there until they could pass."""
        r = self.state.relations
        orders, last_day = book.read(r.orders), book.read(r.last_day)
        stage = stages(orders, self._recency(orders, last_day, day), self.config.timing)
        record = (
            orders,
            book.read(r.first_day),
            last_day,
            book.read(r.contact_day),
            self.state.traders.country[book.buyer],
        )
        rows = np.arange(len(book))
        until = self.timing.due_until(day, stage, *record)  # day - 1 where not due
        due = until >= day
        later = rows[~due]
        self.due.wait(
            book.subset(later), self.timing.next_due(day + 1, *(a[later] for a in record))
        )
        rows = rows[due]
        under_cap = self.budget.under_frequency_cap(self._this_period(book.subset(rows), period))
        self.due.wait(book.subset(rows[~under_cap]), next_period)
        rows = rows[under_cap]
        reachable = self._reachable(book.subset(rows))
        self.due.wait(book.subset(rows[~reachable]), NEVER)  # until the slot changes
        rows = rows[reachable]
        self.due.passed(book.subset(rows), until[rows])
        return rows

    def _stages(self, book: CustomerBook, day: int) -> np.ndarray:
        """Each record's life-cycle stage today."""
        r = self.state.relations
        orders, last_day = book.read(r.orders), book.read(r.last_day)
        return stages(orders, self._recency(orders, last_day, day), self.config.timing)

    def _this_period(self, book: CustomerBook, period: int) -> np.ndarray:
        """Each record's contacts in this budget period."""
        r = self.state.relations
        return np.where(book.read(r.period) == period, book.read(r.period_contacts), 0)

    def _reachable(self, book: CustomerBook) -> np.ndarray:
        """Not unsubscribed and not in the seller's holdout."""
        holdout = self.state.holdout(book.buyer, book.seller)  # decided in one place
        return ~book.read(self.state.relations.unsubscribed) & ~holdout

    @staticmethod
    def _recency(orders: np.ndarray, last_day: np.ndarray, day: int) -> np.ndarray:
        """Days since the last order; a customer who never ordered counts from day -1."""
        return np.where(orders > 0, day - last_day, day + 1)

    def accuracy(self) -> float | None:
        return self.segmentation.accuracy()

    def _observe(self, book: CustomerBook, day: int) -> Observed:
        r, t = self.state.relations, self.state.traders
        orders = book.read(r.orders)
        tries, wins = tool_total(book.read(r.tool_tries)), tool_total(book.read(r.tool_wins))
        return Observed(
            orders=orders,
            recency=self._recency(orders, book.read(r.last_day), day),
            spend=book.read(r.spend),
            behaviour=np.take(t.behaviour_tags, book.buyer, axis=0),
            country=t.country[book.buyer],
            response_rate=(wins + 1.0) / (tries + 2.0),
            hidden_type=t.buyer_type[book.buyer],
        )

    def _tool_history(
        self, book: CustomerBook, segment: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Tries and responses by promotion tool that the promotion choice learns from: the
        segment's for by_segment, else the customer's own."""
        if self.config.promotion.kind == "by_segment":
            return self.segment_tool_tries[segment], self.segment_tool_wins[segment]
        r = self.state.relations
        return book.read(r.tool_tries), book.read(r.tool_wins)

    def _level(self, segment: np.ndarray) -> np.ndarray:
        """Each customer's rank by its segment's expected response so far (Beta mean), as
        whole numbers, higher first: equal means share a level."""
        mean = (self.segment_wins + 1.0) / (self.segment_tries + 2.0)
        return np.unique(mean, return_inverse=True)[1].ravel()[segment]

    def _send(self, day, book, segment, channel, product, promotion, cost, this_period, period):
        t, r = self.state.traders, self.state.relations
        tool = np.clip(promotion - 1, 0, 2)
        has_tool = promotion > 0
        appeal = np.where(has_tool, t.promotion_affinity[book.buyer, tool], 0.0)
        delivery = deliver(
            self.table,
            channel,
            t.channel_affinity[book.buyer, channel],
            appeal,
            this_period,
            self.state.world.festival_boost[t.country[book.buyer], day % DAYS_PER_YEAR],
            self.state.config.platform.awareness_half_life,
            self.rng,
        )
        book.write(r.period, period)
        book.write(r.period_contacts, this_period + 1)
        book.write(r.unsubscribed, book.read(r.unsubscribed) | delivery.unsubscribed)
        tried = np.flatnonzero(has_tool)
        scatter(np.add, r.tool_tries, (book.buyer[tried], book.slot[tried], tool[tried]), 1)
        scatter(
            np.add,
            r.tool_wins,
            (book.buyer[tried], book.slot[tried], tool[tried]),
            delivery.landed[tried].astype(np.int16),
        )
        scatter(np.add, self.segment_tool_tries, (segment[tried], tool[tried]), 1.0)
        scatter(
            np.add, self.segment_tool_wins, (segment[tried], tool[tried]), delivery.landed[tried]
        )
        scatter(np.add, self.segment_tries, segment, 1.0)
        scatter(np.add, self.segment_wins, segment, delivery.landed.astype(float))
        if self.channels.bandit is not None:
            self.channels.bandit.update(book.seller, segment, channel, delivery.landed)
        self._send_samples(book, promotion == SAMPLE, delivery.reached)
        outcome = np.select(
            [delivery.unsubscribed, delivery.landed, delivery.reached],
            [OUTCOME["unsubscribed"], OUTCOME["landed"], OUTCOME["ignored"]],
            OUTCOME["unreached"],
        )
        return Contacts(
            seller=book.seller,
            buyer=book.buyer,
            channel=channel_code(channel),
            promotion=promotion,
            product=product,
            segment=self.segmentation.codes(segment),
            discount_share=discount_share(self.config.promotion, promotion),
            cost=cost,
            outcome=outcome,
            landed=delivery.landed,
            response_day=day + delivery.delay,
        )

    def _send_samples(self, book: CustomerBook, sample: np.ndarray, reached: np.ndarray) -> None:
        """A sample that arrives is an item in hand: a private reading of the seller's
        quality, as noisy as one item is (not as noisy as the platform's listings)."""
        s = self.state
        got = np.flatnonzero(sample & reached)
        noise = ITEM_NOISE * self.rng.standard_normal(len(got))
        reading = np.clip(s.traders.quality[book.seller[got]] + noise, 0.01, 0.99)
        weight = pseudo_counts(self.config.promotion.sample_weight, ITEM_NOISE)
        s.relations.add_experience(
            book.buyer[got], book.slot[got], weight * reading, weight * (1.0 - reading)
        )


def tool_total(counts: np.ndarray) -> np.ndarray:
    """Per-record totals of (records, tools) counts, as int64. Column by column: numpy sums
    along a short last axis many times slower, and this runs over the day's records."""
    total = counts[:, 0].astype(np.int64)
    for column in counts.T[1:]:
        total += column
    return total


def make_strategy(
    config: StrategyConfig, group: int, state: MarketState, rng: np.random.Generator
) -> Strategy:
    """The campaign a strategy config describes, or no marketing for the baseline."""
    return Campaign(config, group, state, rng) if config.active else NoMarketing()
