"""The due index: which customer records a campaign reads today (docs/model.md section 3.3).

Each record carries the first day it could next pass the campaign's screens: the day its timing
rule next makes it due, the next budget period for one whose seller ran out of budget or that
met the frequency cap, never for one in the holdout or unsubscribed. A day reads the records
whose day has come and those that changed since the last read (an order, a contact, a new
seller in the slot, as `Relations.changed_day` stamps them). Records are also kept by the day
they wait for, and the changed ones come from the relations' change feed, so a day gathers its
records from those lists instead of scanning every record of the market: its cost follows the
records that could be contacted, not the whole book the sellers have built up over the run.

The records that passed the screens on the last read stand apart (`Standing`): most of them
pass again unread, unchanged, still due, their sellers still selling and able to pay, and a
seller that cannot afford all its due customers keeps many of them standing day after day. A
day checks those few conditions on the standing list itself, which it keeps with each record's
seller and pass, and reads afresh only the records that changed or fail one of them; the
day's book is the merge of the two, in flat order, as one read of every record would give it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.marketing.customers import CustomerBook
from sim.marketing.timing import NEVER
from sim.state.arrays import group_by, merge_positions, sorted_contains
from sim.state.relations import Relations


@dataclass
class Standing:
    """Records that passed the screens, in flat order, with their sellers and the last day
    each would pass them unread (`DueIndex.passes_until`)."""

    flat: np.ndarray
    seller: np.ndarray
    until: np.ndarray

    @classmethod
    def none(cls) -> Standing:
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, empty.astype(np.int32))

    def __len__(self) -> int:
        return len(self.flat)

    def subset(self, rows: np.ndarray) -> Standing:
        return Standing(self.flat[rows], self.seller[rows], self.until[rows])


class DueIndex:
    """Per customer record (flat buyer-by-slot position), the day to read it next."""

    def __init__(self, relations: Relations) -> None:
        self.relations = relations
        self.next_read = np.zeros(relations.seller.size, dtype=np.int32)
        self.last_read = 0  # records changed on or after this day are read again
        self.changes = relations.watch()
        # records by the day they wait for (a record may also sit under a day it no longer
        # waits for: `next_read` decides); None until the first read, which reads every record
        self.waiting: dict[int, list[np.ndarray]] | None = None
        self.stored = np.int32 if relations.seller.size < 2**31 else np.int64
        # per record: the last day it would pass the screens read afresh (due, under the
        # frequency cap, reachable) again, were it to stay as it was when it last passed them;
        # -1 once it changes
        self.passes_until = np.full(relations.seller.size, -1, dtype=np.int32)
        # the records that passed on the last read: kept here, not under a day in `waiting`,
        # their `next_read` NEVER, so that a day they once waited for does not read them
        self.standing = Standing.none()

    def today(
        self,
        day: int,
        in_group: np.ndarray,
        selling: np.ndarray,
        affords: Callable[[np.ndarray], np.ndarray],
    ) -> tuple[CustomerBook, Standing]:
        """Records to screen today, and the standing records that pass again unread.

        To screen: those whose day has come or that changed, of the sellers flagged in
        `in_group` (a campaign's, for good) that are `selling` today. Records of other groups'
        sellers and empty slots wait until they change; those of a seller of the group who is
        buying today are read again tomorrow. Passing unread: the standing records unchanged
        since the last read, still due (`still_passing`), whose seller is selling and
        `affords(sellers)` a contact today; the other standing records are screened."""
        r = self.relations
        changed_chunks = self.changes.since(self.last_read)
        carried, reread = self._carry(day, changed_chunks, selling, affords)
        self.next_read[reread] = day
        candidates = self._candidates(day, [*changed_chunks, reread])
        changed = r.changed_day.ravel()[candidates] >= self.last_read
        self.passes_until[candidates[changed]] = -1
        flat = candidates[(self.next_read[candidates] <= day) | changed]
        self.changes.forget_before(day)
        self.last_read = day
        seller = r.seller.ravel()[flat].astype(np.int64)
        ours = (seller >= 0) & in_group[np.maximum(seller, 0)]
        self.next_read[flat[~ours]] = NEVER
        flat, seller = flat[ours], seller[ours]
        active = selling[seller]
        self._wait(flat[~active], day + 1)
        return CustomerBook(flat[active], seller[active], r.seller.shape[1]), carried

    def _carry(
        self,
        day: int,
        changed_chunks: list[np.ndarray],
        selling: np.ndarray,
        affords: Callable[[np.ndarray], np.ndarray],
    ) -> tuple[Standing, np.ndarray]:
        """The standing records that pass again unread, and the flat positions of the others
        (to read afresh; any that changed come in the change feed too)."""
        standing = self.standing
        changes = np.concatenate([np.zeros(0, dtype=np.int64), *changed_chunks])
        changes = changes[sorted_contains(standing.flat, changes)]
        changed = np.zeros(len(standing), dtype=bool)
        changed[np.searchsorted(standing.flat, changes)] = True
        passes = ~changed & (standing.until >= day)
        rows = np.flatnonzero(passes)
        seller = standing.seller[rows]
        passes[rows[~(selling[seller] & affords(seller))]] = False
        return standing.subset(passes), standing.flat[~passes]

    def stand(
        self, day: int, book: CustomerBook, carried: Standing
    ) -> tuple[CustomerBook, np.ndarray]:
        """Today's passing records: `book` (screened today) merged with `carried`, in flat
        order, with which rows were carried. They stand until tomorrow's read."""
        screened, kept = merge_positions(book.flat, carried.flat)
        n = len(book) + len(carried)
        flat = np.empty(n, dtype=np.int64)
        seller = np.empty(n, dtype=np.int64)
        until = np.empty(n, dtype=np.int32)
        flat[screened], flat[kept] = book.flat, carried.flat
        seller[screened], seller[kept] = book.seller, carried.seller
        until[screened], until[kept] = self.passes_until[book.flat], carried.until
        self.next_read[book.flat] = NEVER  # read from the standing list, not by their day
        self.standing = Standing(flat, seller, until)
        was_carried = np.zeros(n, dtype=bool)
        was_carried[kept] = True
        return CustomerBook(flat, seller, book.n_slots), was_carried

    def still_passing(self, book: CustomerBook, day: int) -> np.ndarray:
        """Whether each of today's records passed the screens on a day since which it has not
        changed and would pass them today: due through today (`Timing.due_until`), its
        contacts this period and its subscription as they were (a contact changes the
        record), the holdout fixed. Such a record needs no reading afresh."""
        return self.passes_until[book.flat] >= day

    def passed(self, book: CustomerBook, until: np.ndarray) -> None:
        """These records passed the screens read afresh today, and would through `until`."""
        self.passes_until[book.flat] = np.minimum(until, NEVER)

    def wait(self, book: CustomerBook, until: np.ndarray | int) -> None:
        """Read these records again on the day `until` (per record, or one day for all)."""
        self._wait(book.flat, until)

    def _wait(self, flat: np.ndarray, until: np.ndarray | int) -> None:
        self.next_read[flat] = until
        if self.waiting is None or not len(flat):
            return
        if np.ndim(until) == 0:
            self._keep(int(until), flat)
            return
        for when, rows in group_by(np.asarray(until)):
            self._keep(when, flat[rows])

    def _keep(self, day: int, flat: np.ndarray) -> None:
        """Keep records under the day they wait for; one due before the next read is kept
        under the next read's earliest day."""
        if day != NEVER:
            day = max(day, self.last_read + 1)
            self.waiting.setdefault(day, []).append(flat.astype(self.stored))

    def _candidates(self, day: int, extra: list[np.ndarray]) -> np.ndarray:
        """Every record that could be read today, each once, in flat order: those kept under
        a day that has come, and the `extra` ones (changed since the last read, standing
        ones to read afresh)."""
        if self.waiting is None:  # the first read: every record's day (0) has come; an
            self.waiting = {}  # empty slot waits until it is filled, as a read would have it
            self.next_read[:] = NEVER
            return np.flatnonzero(self.relations.seller.ravel() >= 0)
        come = [when for when in self.waiting if when <= day]
        chunks = [flat for when in come for flat in self.waiting.pop(when)]
        chunks += [chunk for chunk in extra if len(chunk)]
        if not chunks:
            return np.zeros(0, dtype=np.int64)
        # runs of sorted records: a stable sort merges them
        merged = np.sort(np.concatenate(chunks).astype(np.int64), kind="stable")
        first = np.ones(len(merged), dtype=bool)
        first[1:] = merged[1:] != merged[:-1]
        return merged[first]
