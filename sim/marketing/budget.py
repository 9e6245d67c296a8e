"""Budgets: a spend cap per seller and period, a contact cap per customer and period.

Due contacts are ranked by priority within each seller and kept while the seller's spend this
period stays within its cap: a prefix of the ranking, since a contact that does not fit ends
the seller's list. A customer already contacted `frequency_cap` times this period is skipped.
Neither cap is ever exceeded.

Most days most sellers can pay for everything due at the dearest contact: their records are
kept whole, and only the others are ranked (a sort over their records alone). Their offers are
drawn in rounds down the ranking until the budget cuts it, so the daily cost follows the
contacts made, not the records a seller could afford at the cheapest channel.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from sim.config import BudgetConfig
from sim.state.arrays import stable_order

Price = Callable[[np.ndarray], np.ndarray]  # rows -> their contacts' costs in cents


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

    def spend(self, sellers: np.ndarray, priority: np.ndarray, dearest: int, price: Price) -> Spent:
        """Rows to contact: each seller's best-ranked rows while its spend this period stays
        within the cap, a prefix of its ranking (the first contact that does not fit ends its
        list). `price(rows)` draws the offers of `rows` and gives their costs in cents; it is
        asked once per row, in rounds over the next-ranked rows of the sellers whose lists go
        on, so offers are drawn for the rows contacted and a few past each cut, not for every
        row a seller could afford at the cheapest contact (docs/model.md section 3.3).
        `dearest` bounds any contact's cost: a seller that could pay all its rows at it is
        kept whole without a ranking."""
        room = self.cap - self.spent
        count = np.bincount(sellers, minlength=len(room))
        surely = count[sellers] * dearest <= room[sellers]
        whole, bound = np.flatnonzero(surely), np.flatnonzero(~surely)
        chosen, costs = [whole], [np.asarray(price(whole), dtype=np.int64)]
        order = bound[by_seller_best_first(sellers[bound], priority[bound])]
        picked, picked_cost = self._walk(order, sellers[order], room, dearest, price)
        chosen, costs = np.concatenate([*chosen, picked]), np.concatenate([*costs, picked_cost])
        self.spent += np.bincount(sellers[chosen], weights=costs, minlength=len(room)).astype(
            np.int64
        )
        rows = np.argsort(chosen)
        return Spent(chosen[rows], costs[rows])

    @staticmethod
    def _walk(
        order: np.ndarray, sellers: np.ndarray, room: np.ndarray, dearest: int, price: Price
    ) -> tuple[np.ndarray, np.ndarray]:
        """Walk each seller's ranking (`order`, grouped by seller, best first) in rounds: a
        round prices about as many next rows as the seller's room left would pay at the mean
        cost seen so far (at `dearest` in the first, so those surely fit), and at least twice
        as many as the round before (so free contacts cannot make it crawl), and keeps those
        that fit; a row that does not fit ends the seller's list."""
        first = np.flatnonzero(np.r_[True, sellers[1:] != sellers[:-1]]) if len(order) else []
        start = np.asarray(first, dtype=np.int64)
        end = np.r_[start[1:], len(order)].astype(np.int64)
        left = room[sellers[start]].astype(np.int64)
        going = np.ones(len(start), dtype=bool)
        unit, least, picked, picked_cost, priced, paid = max(dearest, 1), 1, [], [], 0, 0
        while going.any():
            group = np.flatnonzero(going)
            length = np.minimum(np.maximum(left[group] // unit, least), end[group] - start[group])
            rows = ranges(start[group], length)
            cost = np.asarray(price(order[rows]), dtype=np.int64)
            owner = np.repeat(np.arange(len(group)), length)
            fits = within_seller_running_sum(cost, owner, length) <= left[group][owner]
            picked += [order[rows[fits]]]
            picked_cost += [cost[fits]]
            paid_now = np.bincount(owner[fits], weights=cost[fits], minlength=len(group))
            left[group] -= paid_now.astype(np.int64)
            start[group] += length
            cut = np.bincount(owner[~fits], minlength=len(group)) > 0
            going[group] = ~cut & (start[group] < end[group])
            priced, paid = priced + len(cost), paid + int(cost.sum())
            unit, least = max(paid // max(priced, 1), 1), least * 2
        empty = np.zeros(0, dtype=np.int64)
        return np.concatenate([empty, *picked]), np.concatenate([empty, *picked_cost])


class Spent(NamedTuple):
    """The rows a budget lets a campaign contact, in row order, with their costs in cents."""

    rows: np.ndarray
    cost: np.ndarray


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The integers starts[i], ..., starts[i] + lengths[i] - 1 for each i, concatenated."""
    exclusive = np.cumsum(lengths) - lengths
    return np.repeat(starts - exclusive, lengths) + np.arange(int(lengths.sum()))


def within_seller_running_sum(
    values: np.ndarray, owner: np.ndarray, length: np.ndarray
) -> np.ndarray:
    """Running sums of `values` restarting at each owner's first row (rows grouped by owner,
    `length` rows each)."""
    total = np.cumsum(values)
    before = np.cumsum(length) - length  # each owner's first row
    offset = np.where(before > 0, total[np.maximum(before - 1, 0)], 0)
    return total - np.repeat(offset, length)


def by_seller_best_first(sellers: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """The order `np.lexsort((-priority, sellers))` gives (by seller, then highest priority
    first, equal priorities in row order), in a fraction of its time. Priorities that are
    small whole numbers (a campaign's segment levels) join the seller in one key, sorted once
    (`stable_order`); other priorities are sorted first, by an unstable sort, exact when no
    two are equal (checked; a stable sort otherwise), and then the sellers, stably."""
    if np.issubdtype(priority.dtype, np.integer) and len(priority):
        low, high = int(priority.min()), int(priority.max())
        if high - low < 2**15:
            return stable_order(sellers.astype(np.int64) * (high - low + 1) + (high - priority))
        order = np.argsort(-priority, kind="stable")
    else:
        order = np.argsort(-priority)
        ranked = priority[order]
        if np.any(ranked[1:] == ranked[:-1]):
            order = np.argsort(-priority, kind="stable")
    return order[stable_order(sellers[order])]
