"""Budgets: a spend cap per seller and period, a contact cap per customer and period.

Due contacts are ranked by priority within each seller and kept while the seller's spend this
period stays within its cap: a prefix of the ranking, since a contact that does not fit ends
the seller's list. A customer already contacted `frequency_cap` times this period is skipped.
Neither cap is ever exceeded.

Most days most sellers can pay for everything due: their records are kept whole, and only the
sellers whose budget binds are ranked (a sort over their records alone), which keeps the daily
cost near a linear pass over the due records.
"""

from __future__ import annotations

import math

import numpy as np

from sim.config import BudgetConfig


class Budget:
    """Tracks each seller's spend in the current period."""

    def __init__(self, config: BudgetConfig, n_traders: int) -> None:
        self.config = config
        # whole cents, never above the cap set: rounding let a cap of 4.515625 spend 4.52
        # (the inner round only removes float noise, as in 0.29 * 100 = 28.999999999999996)
        self.cap = math.floor(round(config.spend_cap * 100, 6))
        self.spent = np.zeros(n_traders, dtype=np.int64)  # cents, this period
        self.period = 0

    def period_of(self, day: int) -> int:
        return day // self.config.period_days

    def start(self, day: int) -> None:
        """Reset spending when a new period begins."""
        if self.period_of(day) != self.period:
            self.period = self.period_of(day)
            self.spent[:] = 0

    def can_pay(self, sellers: np.ndarray, cheapest: int) -> np.ndarray:
        """Whether each seller can still afford the cheapest contact this period."""
        return self.spent[sellers] + cheapest <= self.cap

    def under_frequency_cap(self, contacts_this_period: np.ndarray) -> np.ndarray:
        return contacts_this_period < self.config.frequency_cap

    def affordable(self, sellers: np.ndarray, priority: np.ndarray, cheapest: int) -> np.ndarray:
        """Rows that `select` could still choose whatever their offers cost: each seller's
        best-ranked records, as many as its remaining budget pays at the cheapest contact.
        Screening here lets a campaign draw channels and promotions for these rows only."""
        room = (self.cap - self.spent) // max(cheapest, 1)
        whole = self._fits(sellers, np.ones(len(sellers)), room)
        bound = np.flatnonzero(~whole)
        order = bound[by_seller_best_first(sellers[bound], priority[bound])]
        s = sellers[order]
        rank = np.arange(len(s)) - np.searchsorted(s, s)  # position within the seller
        return np.sort(np.concatenate([np.flatnonzero(whole), order[rank < room[s]]]))

    def _fits(self, sellers: np.ndarray, amount: np.ndarray, room: np.ndarray) -> np.ndarray:
        """Per row: whether its seller's rows together stay within the seller's `room`."""
        total = np.bincount(sellers, weights=amount, minlength=len(room))
        return total[sellers] <= room[sellers]

    def select(
        self,
        sellers: np.ndarray,
        cost: np.ndarray,
        priority: np.ndarray,
        contacts_this_period: np.ndarray,
    ) -> np.ndarray:
        """Rows to contact: under the frequency cap, best first until the spend cap."""
        eligible = np.flatnonzero(contacts_this_period < self.config.frequency_cap)
        room = self.cap - self.spent
        whole = self._fits(sellers[eligible], cost[eligible], room)
        bound = eligible[~whole]
        order = bound[by_seller_best_first(sellers[bound], priority[bound])]
        s, c = sellers[order], cost[order]
        total = np.cumsum(c)
        first = np.r_[True, s[1:] != s[:-1]] if len(s) else np.zeros(0, dtype=bool)
        start = np.maximum.accumulate(np.where(first, np.arange(len(s)), 0))
        running = total - np.where(start > 0, total[start - 1], 0)  # spend within the seller
        chosen = np.sort(np.concatenate([eligible[whole], order[running <= room[s]]]))
        self.spent += np.bincount(
            sellers[chosen], weights=cost[chosen], minlength=len(self.spent)
        ).astype(np.int64)
        return chosen


def by_seller_best_first(sellers: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """The order `np.lexsort((-priority, sellers))` gives (by seller, then highest priority
    first, equal priorities in row order), in about half its time: an unstable sort of the
    priorities, exact when no two are equal (checked; a stable sort otherwise), then a stable
    radix sort of the sellers numbered 0, 1, ... (16-bit while there are few of them)."""
    order = np.argsort(-priority)
    ranked = priority[order]
    if np.any(ranked[1:] == ranked[:-1]):
        order = np.argsort(-priority, kind="stable")
    present = np.flatnonzero(np.bincount(sellers))
    number = np.searchsorted(present, sellers[order])
    if len(present) < 2**15:
        number = number.astype(np.int16)
    return order[np.argsort(number, kind="stable")]
