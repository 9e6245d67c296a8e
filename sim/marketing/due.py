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
The records of the group's sellers who are buying today are held on a list of their own in the
same way (`Listed`), until the seller sells again or the record changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.marketing.customers import CustomerBook
from sim.marketing.timing import NEVER
from sim.state.arrays import group_by, merge_positions, sorted_positions
from sim.state.relations import Relations


@dataclass
class Listed:
    """Records kept on a list of their own, in flat order, with their sellers."""

    flat: np.ndarray
    seller: np.ndarray

    @classmethod
    def none(cls) -> Listed:
        empty = np.zeros(0, dtype=np.int64)
        return cls(**{name: empty for name in cls.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.flat)

    def subset(self, rows: np.ndarray) -> Listed:
        return type(self)(**{name: values[rows] for name, values in vars(self).items()})

    def merge(self, other: Listed) -> tuple[Listed, np.ndarray]:
        """This list and `other` (no record in common) as one, in flat order, with the rows
        `other`'s records took."""
        mine, theirs = merge_positions(self.flat, other.flat)
        merged = {}
        for name, values in vars(self).items():
            more = getattr(other, name)
            merged[name] = np.empty(len(values) + len(more), np.result_type(values, more))
            merged[name][mine], merged[name][theirs] = values, more
        return type(self)(**merged), theirs


@dataclass
class Standing(Listed):
    """Records that passed the screens, with the last day each would pass them unread
    (`DueIndex.passes_until`)."""

    until: np.ndarray


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
        # the records that passed on the last read, and those of the group's sellers who were
        # buying then: kept here, not under a day in `waiting`, their `next_read` NEVER, so
        # that a day they once waited for does not read them
        self.standing = Standing.none()
        self.held = Listed.none()

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
        buying today are held until it sells again (`_hold`). Passing unread: the standing
        records unchanged since the last read, still due (`still_passing`), whose seller is
        selling and `affords(sellers)` a contact today; the other standing records are
        screened."""
        r = self.relations
        changes = np.concatenate([np.zeros(0, dtype=np.int64), *self.changes.since(self.last_read)])
        carried, reread = self._carry(day, changes, selling, affords)
        released = self._release(changes, selling)
        self.next_read[reread] = self.next_read[released] = day
        candidates = self._candidates(day, [changes, reread, released])
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
        self._hold(Listed(flat[~active], seller[~active]))
        return CustomerBook(flat[active], seller[active], r.seller.shape[1]), carried

    def _carry(
        self,
        day: int,
        changes: np.ndarray,
        selling: np.ndarray,
        affords: Callable[[np.ndarray], np.ndarray],
    ) -> tuple[Standing, np.ndarray]:
        """The standing records that pass again unread, and the flat positions of the others
        (to read afresh; any that changed come in the change feed too)."""
        standing = self.standing
        passes = self._unchanged(standing, changes) & (standing.until >= day)
        rows = np.flatnonzero(passes)
        seller = standing.seller[rows]
        passes[rows[~(selling[seller] & affords(seller))]] = False
        return standing.subset(passes), standing.flat[~passes]

    def _release(self, changes: np.ndarray, selling: np.ndarray) -> np.ndarray:
        """The held records to read today, unchanged since and their seller selling again
        (any that changed come in the change feed); those whose seller still buys stay held."""
        held = self.held
        unchanged = self._unchanged(held, changes)
        stays = unchanged & ~selling[held.seller]
        self.held = held.subset(stays)
        return held.flat[unchanged & ~stays]

    def _hold(self, records: Listed) -> None:
        """Hold these records of the group's sellers who are buying today until they sell
        again (or the record changes): read from the held list, not by their day."""
        self.next_read[records.flat] = NEVER
        self.held = self.held.merge(records)[0]

    @staticmethod
    def _unchanged(listed: Listed, changes: np.ndarray) -> np.ndarray:
        """Whether each record of `listed` is not among `changes` (flat positions, repeats
        allowed): a binary search per change, not a pass over the list."""
        unchanged = np.ones(len(listed), dtype=bool)
        unchanged[sorted_positions(listed.flat, changes)] = False
        return unchanged

    def stand(self, book: CustomerBook, carried: Standing) -> tuple[CustomerBook, np.ndarray]:
        """Today's passing records: `book` (screened today) merged with `carried`, in flat
        order, with which rows were carried. They stand until tomorrow's read."""
        screened = Standing(book.flat, book.seller, self.passes_until[book.flat])
        self.standing, kept = screened.merge(carried)
        self.next_read[book.flat] = NEVER  # read from the standing list, not by their day
        n = len(self.standing)
        was_carried = np.zeros(n, dtype=bool)
        was_carried[kept] = True
        return CustomerBook(self.standing.flat, self.standing.seller, book.n_slots), was_carried

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
        a day that has come, and the `extra` ones (changed since the last read, standing and
        held ones to read afresh)."""
        if self.waiting is None:  # the first read: every record's day (0) has come; an
            self.waiting = {}  # empty slot waits until it is filled, as a read would have it
            self.next_read[:] = NEVER
            return np.flatnonzero(self.relations.seller.ravel() >= 0)
        come = [when for when in self.waiting if when <= day]
        chunks = [flat for when in come for flat in self.waiting.pop(when)]
        chunks += [chunk for chunk in extra if len(chunk)]
        if not chunks:
            return np.zeros(0, dtype=np.int64)
        merged = np.sort(np.concatenate(chunks).astype(np.int64))
        first = np.ones(len(merged), dtype=bool)
        first[1:] = merged[1:] != merged[:-1]
        return merged[first]
