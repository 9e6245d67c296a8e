"""When to contact a customer (docs/model.md section 7.11).

cadence: every `cadence_days`; lifecycle: a few days before the customer's expected repurchase
(its own mean gap between orders, or a default gap after a first order), and a win-back when it
is at risk; calendar: in the days before a festival of the customer's country or a platform sale
day; combined: lifecycle or calendar. Nobody is contacted twice in a day, and prospects get a
welcome contact once under every rule.
"""

from __future__ import annotations

import numpy as np

from sim.config import TimingConfig
from sim.marketing.customers import STAGE
from sim.state.world import DAYS_PER_YEAR

NEVER = np.iinfo(np.int32).max  # the day a record no rule will make due is due on


def event_starts(festival_boost: np.ndarray) -> np.ndarray:
    """(H, 365) bool: a festival or sale starts (the need multiplier rises) on that day."""
    previous = np.roll(festival_boost, 1, axis=1)
    return festival_boost > previous


def upcoming_events(festival_boost: np.ndarray, lead_days: int) -> np.ndarray:
    """(H, 365) bool: an event starts within the next `lead_days` days (not today)."""
    starts = event_starts(festival_boost)
    ahead = np.zeros_like(starts)
    for lead in range(1, lead_days + 1):
        ahead |= np.roll(starts, -lead, axis=1)
    return ahead


def days_to_upcoming(upcoming: np.ndarray) -> np.ndarray:
    """(H, 365) int64: days from each day of the year to the next day (that day included) on
    which `upcoming` holds for the country, wrapping into the next year; NEVER if it never does."""
    countries, days = upcoming.shape
    ahead = np.full(upcoming.shape, NEVER, dtype=np.int64)
    for country in range(countries):
        marked = np.flatnonzero(np.tile(upcoming[country], 2))
        if len(marked):
            following = marked[np.searchsorted(marked, np.arange(days))]
            ahead[country] = following - np.arange(days)
    return ahead


class Timing:
    """Decides which customer records are due for a contact today, and from when on a record
    not due today will next be (the due index, sim.marketing.due, waits until then)."""

    def __init__(self, config: TimingConfig, festival_boost: np.ndarray) -> None:
        self.config = config
        self.upcoming = upcoming_events(festival_boost, config.lead_days)
        self.to_upcoming = days_to_upcoming(self.upcoming)
        self.upcoming_run = days_to_upcoming(~self.upcoming)  # days it holds from each day on

    def due(
        self,
        day: int,
        stage: np.ndarray,
        orders: np.ndarray,
        first_day: np.ndarray,
        last_day: np.ndarray,
        last_contact: np.ndarray,
        country: np.ndarray,
    ) -> np.ndarray:
        """Whether each record is due today: some rule holds, so it stays due through today."""
        until = self.due_until(day, stage, orders, first_day, last_day, last_contact, country)
        return until >= day

    def due_until(
        self,
        day: int,
        stage: np.ndarray,
        orders: np.ndarray,
        first_day: np.ndarray,
        last_day: np.ndarray,
        last_contact: np.ndarray,
        country: np.ndarray,
    ) -> np.ndarray:
        """For each record, a day through which `due` holds on every day from `day` on, were
        the record to stay as it is (day - 1 where it is not due today): each rule that holds
        today holds on a run of days, so their union holds at least to the end of the longest
        (the due index lets a record pass unread until then, sim.marketing.due)."""
        rules = self._rules(day, stage, orders, first_day, last_day, last_contact, country)
        until = np.full(len(orders), day - 1, dtype=np.int64)
        for holds, last in rules:
            np.maximum(until, np.where(holds, last, day - 1), out=until)
        return until

    def _rules(self, day, stage, orders, first_day, last_day, last_contact, country) -> list:
        """(holds today, the last day of the run of days it holds on) for each rule."""
        c = self.config
        never = last_contact < 0
        since = np.where(never, np.iinfo(np.int32).max, day - last_contact)
        if c.kind == "cadence":
            return [(since >= c.cadence_days, NEVER)]
        rules = [((stage == STAGE["prospect"]) & never, NEVER)]  # the welcome: until changed
        if c.kind != "calendar":
            rules += self._lifecycle(day, stage, orders, first_day, last_day, since)
        if c.kind != "lifecycle":
            today = day % DAYS_PER_YEAR
            run = self.upcoming_run[country, today]
            last = np.where(run >= NEVER, NEVER, day + run - 1)
            rules.append((self.upcoming[country, today] & (since > c.lead_days), last))
        return rules

    def _lifecycle(self, day, stage, orders, first_day, last_day, since) -> list:
        """Near the expected repurchase (through the expected day) and the win-back (through
        the last day at risk)."""
        c = self.config
        gap = np.where(
            orders >= 2, (last_day - first_day) / np.maximum(orders - 1, 1), c.repurchase_days
        )
        expected = last_day + np.maximum(gap, 1.0)
        near = (orders >= 1) & (day >= expected - c.lead_days) & (day <= expected)
        win_back = (stage == STAGE["at_risk"]) & (since >= c.cadence_days)
        return [
            (near & (since > c.lead_days), np.floor(expected).astype(np.int64)),
            (win_back, last_day.astype(np.int64) + c.churned_days),
        ]

    def next_due(
        self,
        start: int,
        orders: np.ndarray,
        first_day: np.ndarray,
        last_day: np.ndarray,
        last_contact: np.ndarray,
        country: np.ndarray,
    ) -> np.ndarray:
        """The first day from `start` on which `due` holds for each record, were the record to
        stay as it is (NEVER if no such day): each rule's condition is a window of days, or a
        day of the calendar, read off the same numbers `due` compares."""
        c = self.config
        never = last_contact < 0
        start_day = np.full(len(orders), start, dtype=np.int64)

        def once_since(days: int) -> np.ndarray:
            """The first day from `start` at least `days` days after the last contact."""
            return np.where(never, start_day, np.maximum(start_day, last_contact + days))

        if c.kind == "cadence":
            return np.minimum(once_since(c.cadence_days), NEVER)
        first = np.where((orders == 0) & never, start_day, NEVER)  # the welcome
        if c.kind != "calendar":
            first = np.minimum(first, self._next_lifecycle(orders, first_day, last_day, once_since))
        if c.kind != "lifecycle":
            from_day = once_since(c.lead_days + 1)
            ahead = self.to_upcoming[country, from_day % DAYS_PER_YEAR]
            first = np.minimum(first, from_day + ahead)
        return np.minimum(first, NEVER)

    def _next_lifecycle(self, orders, first_day, last_day, once_since) -> np.ndarray:
        """The first day of the repurchase window or of the win-back window, as `_lifecycle`
        bounds them."""
        c = self.config
        gap = np.where(
            orders >= 2, (last_day - first_day) / np.maximum(orders - 1, 1), c.repurchase_days
        )
        expected = last_day + np.maximum(gap, 1.0)
        near = np.maximum(once_since(c.lead_days + 1), np.ceil(expected - c.lead_days))
        near = np.where((orders >= 1) & (near <= np.floor(expected)), near, NEVER)
        at_risk = last_day.astype(np.int64) + c.at_risk_days + 1  # the first day at risk
        win_back = np.maximum(once_since(c.cadence_days), at_risk)
        still_at_risk = win_back <= last_day.astype(np.int64) + c.churned_days
        win_back = np.where((orders >= 1) & still_at_risk, win_back, NEVER)
        return np.minimum(near, win_back).astype(np.int64)
