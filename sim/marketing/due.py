"""The due index: which customer records a campaign reads today (docs/model.md section 3.3).

Each record carries the first day it could next pass the campaign's screens: the day its timing
rule next makes it due, the next budget period for one whose seller ran out of budget or that
met the frequency cap, never for one in the holdout or unsubscribed. A day reads the records
whose day has come and those that changed since the last read (an order, a contact, a new
seller in the slot, as `Relations.changed_day` stamps them), so its cost follows the records
that could be contacted, not the whole book a seller has built up over the run.
"""

from __future__ import annotations

import numpy as np

from sim.marketing.customers import CustomerBook
from sim.marketing.timing import NEVER
from sim.state.relations import Relations


class DueIndex:
    """Per customer record (flat buyer-by-slot position), the day to read it next."""

    def __init__(self, relations: Relations) -> None:
        self.relations = relations
        self.next_read = np.zeros(relations.seller.size, dtype=np.int32)
        self.last_read = 0  # records changed on or after this day are read again

    def today(self, day: int, in_group: np.ndarray, selling: np.ndarray) -> CustomerBook:
        """Records to screen today: those whose day has come or that changed, of the sellers
        flagged in `in_group` (a campaign's, for good) that are `selling` today. Records of
        other groups' sellers and empty slots wait until they change; those of a seller of the
        group who is buying today are read again tomorrow."""
        r = self.relations
        changed = r.changed_day.ravel() >= self.last_read
        flat = np.flatnonzero((self.next_read <= day) | changed)
        self.last_read = day
        seller = r.seller.ravel()[flat].astype(np.int64)
        ours = (seller >= 0) & in_group[np.maximum(seller, 0)]
        self.next_read[flat[~ours]] = NEVER
        flat, seller = flat[ours], seller[ours]
        active = selling[seller]
        self.next_read[flat[~active]] = day + 1
        return CustomerBook(flat[active], seller[active], r.seller.shape[1])

    def wait(self, book: CustomerBook, until: np.ndarray | int) -> None:
        """Read these records again on the day `until` (per record, or one day for all)."""
        self.next_read[book.flat] = until
