"""The day's marketing, as the market carries it out: which traders market with which
strategy, and booking every strategy's contacts (paid, logged, remembered by the customer).

Strategies only plan (`Strategy.plan`); this is where their plans meet the market's money, logs
and ties, the same way for every strategy, the project's own or a user's.
"""

from __future__ import annotations

import numpy as np

from sim.config import StrategyConfig
from sim.marketing.campaign import Strategy, make_strategy
from sim.marketing.contacts import Contacts
from sim.state.arrays import group_by
from sim.state.market import MarketState
from sim.state.streams import RandomStreams


class Outreach:
    """Every strategy group's contacts, booked day by day."""

    def __init__(
        self, state: MarketState, groups: list[StrategyConfig], streams: RandomStreams
    ) -> None:
        self.state = state
        assign_strategy_groups(state, groups, streams.marketing)
        self.strategies: list[Strategy] = [
            make_strategy(group, i + 1, state, streams.marketing_of(i + 1))
            for i, group in enumerate(groups)
        ]
        self.segmentation_accuracy: list[float | None] = [None] * len(groups)
        self.waiting: dict[int, list[Contacts]] = {}  # landed contacts by their response day

    def contact(self, day: int) -> Contacts:
        """Every strategy plans its contacts; the market books, logs and remembers them."""
        contacts = Contacts.concatenate([self._planned(s, day) for s in self.strategies])
        if not len(contacts):
            return contacts
        self._wait(day, contacts)
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
            contacts.reached()[known],
        )
        self._record_segmentation_accuracy(day)
        return contacts

    def _wait(self, day: int, contacts: Contacts) -> None:
        """Book the landed contacts whose response comes on a later day under that day."""
        later = np.flatnonzero(contacts.landed & (contacts.response_day > day))
        if not len(later):
            return
        for when, rows in group_by(contacts.response_day[later]):
            self.waiting.setdefault(when, []).append(contacts.subset(later[rows]))

    @staticmethod
    def _planned(strategy: Strategy, day: int) -> Contacts:
        """A strategy's contacts; those it gives no response day respond the day they land."""
        contacts = strategy.plan(day)
        if contacts.response_day is None:
            contacts.response_day = np.full(len(contacts), day, dtype=np.int64)
        return contacts

    def responses(self, day: int, contacts: Contacts) -> Contacts:
        """The contacts whose customers come to shop today: those sent today that landed at
        once, and earlier ones whose response was due today."""
        now = contacts.subset(np.flatnonzero(contacts.landed & (contacts.response_day == day)))
        return Contacts.concatenate([*self.waiting.pop(day, []), now])

    def _record_segmentation_accuracy(self, day: int) -> None:
        """Log each new k-means refit's agreement with hidden types (event `other` = group)."""
        for i, strategy in enumerate(self.strategies):
            accuracy = strategy.accuracy()
            if accuracy is not None and accuracy != self.segmentation_accuracy[i]:
                self.state.events.record(
                    day, "segmentation", np.array([-1]), other=i + 1, value=accuracy
                )
            self.segmentation_accuracy[i] = accuracy


def assign_strategy_groups(
    state: MarketState, groups: list[StrategyConfig], rng: np.random.Generator
) -> None:
    """Each active strategy gets its `share` of the traders, who market with it whenever they
    sell; the traders left over (group 0) never market. Each group's holdout share, and the
    salt that decides which pairs are held out (`MarketState.holdout`), are set here, once.
    Drawn from the marketing stream, so the population and the market's shocks stay those of
    the baseline."""
    shares = np.array([g.share if g.active else 0.0 for g in groups])
    u = rng.random(len(state.traders))
    group = np.searchsorted(np.cumsum(shares), u, side="right") + 1
    state.traders.group[:] = np.where(group <= len(groups), group, 0)
    state.holdout_shares = np.array([0.0, *(g.holdout_share for g in groups)])
    state.holdout_salt = int(rng.integers(2**32))
