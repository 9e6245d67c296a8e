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


class Timing:
    """Decides which customer records are due for a contact today."""

    def __init__(self, config: TimingConfig, festival_boost: np.ndarray) -> None:
        self.config = config
        self.upcoming = upcoming_events(festival_boost, config.lead_days)

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
        c = self.config
        never = last_contact < 0
        since = np.where(never, np.iinfo(np.int32).max, day - last_contact)
        welcome = (stage == STAGE["prospect"]) & never
        if c.kind == "cadence":
            return since >= c.cadence_days
        lifecycle = self._lifecycle(day, stage, orders, first_day, last_day, since)
        calendar = self.upcoming[country, day % DAYS_PER_YEAR] & (since > c.lead_days)
        if c.kind == "lifecycle":
            return welcome | lifecycle
        if c.kind == "calendar":
            return welcome | calendar
        return welcome | lifecycle | calendar

    def _lifecycle(self, day, stage, orders, first_day, last_day, since) -> np.ndarray:
        c = self.config
        gap = np.where(
            orders >= 2, (last_day - first_day) / np.maximum(orders - 1, 1), c.repurchase_days
        )
        expected = last_day + np.maximum(gap, 1.0)
        near = (orders >= 1) & (day >= expected - c.lead_days) & (day <= expected)
        win_back = (stage == STAGE["at_risk"]) & (since >= c.cadence_days)
        return (near & (since > c.lead_days)) | win_back
