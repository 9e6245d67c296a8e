"""The due index: which customer records a campaign reads today (docs/model.md section 3.3).

Each record carries the first day it could next pass the campaign's screens: the day its timing
rule next makes it due, the next budget period for one whose seller ran out of budget or that
met the frequency cap, never for one in the holdout or unsubscribed. A day reads the records
whose day has come and those that changed since the last read (an order, a contact, a new
seller in the slot, as `Relations.changed_day` stamps them). Records are also kept by the day
they wait for, and the changed ones come from the relations' change feed, so a day gathers its
records from those lists instead of scanning every record of the market: its cost follows the
records that could be contacted, not the whole book the sellers have built up over the run.
"""

from __future__ import annotations

import numpy as np

from sim.marketing.customers import CustomerBook
from sim.marketing.timing import NEVER
from sim.state.arrays import group_by
from sim.state.relations import Relations


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

    def today(self, day: int, in_group: np.ndarray, selling: np.ndarray) -> CustomerBook:
        """Records to screen today: those whose day has come or that changed, of the sellers
        flagged in `in_group` (a campaign's, for good) that are `selling` today. Records of
        other groups' sellers and empty slots wait until they change; those of a seller of the
        group who is buying today are read again tomorrow."""
        r = self.relations
        candidates = self._candidates(day)
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
        return CustomerBook(flat[active], seller[active], r.seller.shape[1])

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

    def _candidates(self, day: int) -> np.ndarray:
        """Every record that could be read today, each once, in flat order: those kept under
        a day that has come, and those changed since the last read."""
        if self.waiting is None:  # the first read: every record's day (0) has come; an
            self.waiting = {}  # empty slot waits until it is filled, as a read would have it
            self.next_read[:] = NEVER
            return np.flatnonzero(self.relations.seller.ravel() >= 0)
        come = [when for when in self.waiting if when <= day]
        chunks = [flat for when in come for flat in self.waiting.pop(when)]
        chunks += self.changes.since(self.last_read)
        if not chunks:
            return np.zeros(0, dtype=np.int64)
        # runs of sorted records: a stable sort merges them
        merged = np.sort(np.concatenate(chunks).astype(np.int64), kind="stable")
        first = np.ones(len(merged), dtype=bool)
        first[1:] = merged[1:] != merged[:-1]
        return merged[first]
