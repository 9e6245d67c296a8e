"""What each buyer remembers of the sellers it has dealt with: experience, tie and history.

A buyer has a fixed number of memory slots (bounded memory, like a real customer's short list),
each holding one seller: the buyer's own experience of it (Beta pseudo-counts), the tie strength,
and the order history that the seller also sees as its customer record (recency, frequency,
money). When the slots are full the weakest tie is forgotten. Ties decay lazily: a slot stores
the tie and the day it was last set, and `tie_now` applies the half-life on read, so idle pairs
cost nothing (docs/model.md section 3.3). Slots survive role flips: a seller who becomes a buyer
leaves its customers' ties dormant, and they wake when it sells again.
"""

from __future__ import annotations

import weakref

import numpy as np

from sim.state.arrays import scatter, take_pairs


def rounds(keys: np.ndarray) -> list[np.ndarray]:
    """Split positions into rounds in which no key repeats, so fancy-index writes never clash."""
    if len(keys) == 0:
        return []
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    if starts.all():  # no repeats, the usual case: one round
        return [np.arange(len(keys))]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(keys)), 0))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - group_start
    return [np.flatnonzero(rank == r) for r in range(int(rank.max()) + 1)]


class Relations:
    """Buyer-by-slot arrays of remembered sellers, and each seller's count of customers."""

    def __init__(self, n_traders: int, slots: int, half_life: float) -> None:
        shape = (n_traders, slots)
        self.half_life = half_life
        self.seller = np.full(shape, -1, dtype=np.int32)
        self.experience_a = np.zeros(shape, dtype=np.float32)
        self.experience_b = np.zeros(shape, dtype=np.float32)
        self.tie = np.zeros(shape, dtype=np.float32)
        self.tie_day = np.zeros(shape, dtype=np.int32)
        self.orders = np.zeros(shape, dtype=np.int32)
        self.first_day = np.full(shape, -1, dtype=np.int32)
        self.last_day = np.full(shape, -1, dtype=np.int32)
        self.spend = np.zeros(shape, dtype=np.float64)
        # what the seller's marketing knows of the pair
        self.contact_day = np.full(shape, -1, dtype=np.int32)  # last contact sent
        self.aware_day = np.full(shape, -1, dtype=np.int32)  # last contact that reached the buyer
        self.contact_channel = np.zeros(shape, dtype=np.int8)  # its vocabulary.CHANNELS code
        self.contact_segment = np.zeros(shape, dtype=np.int16)  # its vocabulary.SEGMENTS code
        self.contact_tool = np.zeros(shape, dtype=np.int8)  # its vocabulary.PROMOTIONS code
        self.period = np.full(shape, -1, dtype=np.int32)  # budget period of period_contacts
        self.period_contacts = np.zeros(shape, dtype=np.int16)
        self.unsubscribed = np.zeros(shape, dtype=bool)
        self.tool_tries = np.zeros((*shape, 3), dtype=np.int16)  # coupon, sample, trial
        self.tool_wins = np.zeros((*shape, 3), dtype=np.int16)
        self.customers = np.zeros(n_traders, dtype=np.int32)  # per seller: buyers with an order
        # the last day the pair's record changed (an order, a contact, a new seller in the slot):
        # what lets marketing re-read only the records that changed (sim.marketing.due)
        self.changed_day = np.full(shape, -1, dtype=np.int32)
        self._feeds: weakref.WeakSet[ChangeFeed] = weakref.WeakSet()

    def watch(self) -> ChangeFeed:
        """A feed of the records changed from now on, for a reader that must not scan them all."""
        feed = ChangeFeed()
        self._feeds.add(feed)
        return feed

    def _changed(self, buyers: np.ndarray, slots: np.ndarray, day: int) -> None:
        """Stamp these records as changed on `day`, and tell every feed."""
        self.changed_day[buyers, slots] = day
        if self._feeds:
            flat = np.ravel_multi_index((buyers, slots), self.seller.shape, mode="wrap")
            for feed in self._feeds:
                feed.add(day, flat)

    def find(self, buyers: np.ndarray, sellers: np.ndarray) -> np.ndarray:
        """Slot of each (buyer, seller) pair; -1 where the buyer does not remember the seller.

        `sellers` may be (M,) or (M, K) for K candidates per buyer. One slot column at a time:
        a few whole-array comparisons are several times faster than reducing an (M, K, S)
        match along its short last axis.
        """
        sellers = np.asarray(sellers)
        row = np.take(self.seller, buyers, axis=0)  # (M, S)
        column = (slice(None),) + (None,) * (sellers.ndim - 1)  # a slot's sellers, per buyer
        slots = np.full(sellers.shape, -1, dtype=np.int64)
        for slot in range(row.shape[1] - 1, -1, -1):  # downwards: the lowest matching slot wins
            slots[row[:, slot][column] == sellers] = slot
        slots[sellers < 0] = -1
        return slots

    def ensure(self, buyers: np.ndarray, sellers: np.ndarray, day: int) -> np.ndarray:
        """Slot of each pair, giving a slot to pairs the buyer does not yet remember.

        A buyer may appear several times (one row per delivered order). No slot used by this
        call is given away within it; a buyer with more distinct sellers in one call than it has
        slots gets -1 for the pairs that did not fit, and callers skip those.
        """
        slots = self.find(buyers, sellers)
        if slots.min(initial=0) >= 0:
            return slots
        # slots this call uses, for the buyers it touches only (never a whole-market array)
        touched, row = np.unique(buyers, return_inverse=True)
        in_use = np.zeros((len(touched), self.seller.shape[1]), dtype=bool)
        in_use[row[slots >= 0], slots[slots >= 0]] = True
        missing = np.flatnonzero(slots < 0)
        pairs = buyers[missing].astype(np.int64) * len(self.customers) + sellers[missing]
        _, first, same_pair = np.unique(pairs, return_index=True, return_inverse=True)
        new = missing[first]  # one row per distinct new pair
        for batch in rounds(buyers[new]):
            rows = new[batch]
            slots[rows] = self._insert(buyers[rows], sellers[rows], day, in_use[row[rows]])
            placed = rows[slots[rows] >= 0]
            in_use[row[placed], slots[placed]] = True
        slots[missing] = slots[new][same_pair.ravel()]
        return slots

    @staticmethod
    def at(array: np.ndarray, buyers: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """`array[buyers, slots]` (broadcast); where the slot is -1 the buyer's slot 0, for
        callers to mask."""
        return take_pairs(array, buyers, np.maximum(slots, 0))

    def tie_now(self, buyers: np.ndarray, slots: np.ndarray, day: int) -> np.ndarray:
        """Tie strength today after decay; 0 where there is no slot."""
        since = day - self.at(self.tie_day, buyers, slots)
        tie = self.at(self.tie, buyers, slots) * np.exp2(-since / self.half_life)
        return np.where(slots >= 0, tie, 0.0)

    def awareness_now(
        self, buyers: np.ndarray, slots: np.ndarray, day: int, half_life: float
    ) -> np.ndarray:
        """Awareness of the seller that the last contact to reach the buyer left: 1 that day,
        halving every `half_life` days; 0 where there was none or there is no slot."""
        reached = self.at(self.aware_day, buyers, slots)
        awareness = np.exp2(-(day - reached) / half_life)
        return np.where((slots >= 0) & (reached >= 0), awareness, 0.0)

    def record_order(
        self, buyers: np.ndarray, slots: np.ndarray, day: int, spend: np.ndarray
    ) -> None:
        """Count a paid order in the pair's history (each buyer at most once in a call)."""
        first = self.orders[buyers, slots] == 0
        self.orders[buyers, slots] += 1
        self.first_day[buyers, slots] = np.where(first, day, self.first_day[buyers, slots])
        self.last_day[buyers, slots] = day
        self.spend[buyers, slots] += spend
        self._changed(buyers, slots, day)
        scatter(np.add, self.customers, self.seller[buyers[first], slots[first]], 1)

    def record_experience(
        self,
        buyers: np.ndarray,
        slots: np.ndarray,
        day: int,
        quality: np.ndarray,
        satisfied: np.ndarray,
        weight: float,
        gain: float,
        loss: float,
    ) -> None:
        """Learn from a delivered order: experience counts, and a tie that grows or weakens."""
        self.add_experience(buyers, slots, weight * quality, weight * (1.0 - quality))
        for batch in rounds(buyers * self.seller.shape[1] + slots):
            b, s = buyers[batch], slots[batch]
            tie = self.tie_now(b, s, day)
            self.tie[b, s] = np.where(satisfied[batch], tie + gain * (1.0 - tie), tie * (1 - loss))
            self.tie_day[b, s] = day

    def record_touch(
        self,
        buyers: np.ndarray,
        slots: np.ndarray,
        day: int,
        channel: np.ndarray,
        segment: np.ndarray,
        tool: np.ndarray,
        reached: np.ndarray,
    ) -> None:
        """Remember a contact as the pair's last touch, for attributing later orders, and
        the last that reached the buyer, for its awareness."""
        self.contact_day[buyers, slots] = day
        self._changed(buyers, slots, day)
        self.aware_day[buyers[reached], slots[reached]] = day
        self.contact_channel[buyers, slots] = channel
        self.contact_segment[buyers, slots] = segment
        self.contact_tool[buyers, slots] = tool

    def last_touch(
        self, buyers: np.ndarray, slots: np.ndarray, day: int, window: int
    ) -> dict[str, np.ndarray]:
        """The pair's last contact if it was sent within `window` days (last-touch
        attribution); channel, segment and tool 0 and day -1 where there was none."""
        sent = self.contact_day[buyers, slots]
        recent = (sent >= 0) & (day - sent <= window)
        return {
            "day": np.where(recent, sent, -1),
            "channel": np.where(recent, self.contact_channel[buyers, slots], 0),
            "segment": np.where(recent, self.contact_segment[buyers, slots], 0),
            "tool": np.where(recent, self.contact_tool[buyers, slots], 0),
        }

    def add_experience(self, buyers: np.ndarray, slots: np.ndarray, a: np.ndarray, b: np.ndarray):
        """Add private pseudo-observations of quality (a sample, say) to the buyer's belief."""
        scatter(np.add, self.experience_a, (buyers, slots), a)
        scatter(np.add, self.experience_b, (buyers, slots), b)

    def _pair_arrays(self) -> tuple[np.ndarray, ...]:
        """The per-pair arrays that start at zero for a newly remembered seller."""
        return (
            self.experience_a,
            self.experience_b,
            self.tie,
            self.orders,
            self.spend,
            self.contact_channel,
            self.contact_segment,
            self.contact_tool,
            self.period_contacts,
            self.unsubscribed,
            self.tool_tries,
            self.tool_wins,
        )

    def _insert(
        self, buyers: np.ndarray, sellers: np.ndarray, day: int, in_use: np.ndarray
    ) -> np.ndarray:
        """Put each seller in its buyer's empty or weakest free slot (buyers are distinct;
        `in_use` is their rows of slots not to give away); -1 where every slot is in use."""
        decay = np.exp2(-(day - np.take(self.tie_day, buyers, axis=0)) / self.half_life)
        strength = np.take(self.tie, buyers, axis=0) * decay  # each slot's tie, as tie_now has it
        strength = strength + 1e-6 * np.take(self.last_day, buyers, axis=0)  # equal: forget older
        strength[np.take(self.seller, buyers, axis=0) < 0] = -np.inf  # empty slots first
        strength[in_use] = np.inf
        slots = strength.argmin(axis=1)
        full = np.isposinf(strength.min(axis=1))
        buyers, sellers, slots = buyers[~full], sellers[~full], slots[~full]
        evicted = self.seller[buyers, slots]
        remembered = (evicted >= 0) & (self.orders[buyers, slots] > 0)
        scatter(np.subtract, self.customers, evicted[remembered], 1)
        self.seller[buyers, slots] = sellers
        for array in self._pair_arrays():
            array[buyers, slots] = 0
        for array in (self.first_day, self.last_day, self.contact_day, self.aware_day, self.period):
            array[buyers, slots] = -1
        self.tie_day[buyers, slots] = day
        self._changed(buyers, slots, day)
        placed = np.full(len(full), -1, dtype=np.int64)
        placed[~full] = slots
        return placed


class ChangeFeed:
    """The flat positions (buyer * slots + slot) of records changed, by the day they changed,
    kept until the reader says which days it no longer needs: what lets a reader find the
    records changed since a day without scanning every record's `changed_day`."""

    def __init__(self) -> None:
        self._by_day: dict[int, list[np.ndarray]] = {}

    def add(self, day: int, flat: np.ndarray) -> None:
        self._by_day.setdefault(day, []).append(flat)

    def since(self, day: int) -> list[np.ndarray]:
        """Records changed on `day` or later (a record may appear more than once)."""
        return [flat for when, chunks in self._by_day.items() if when >= day for flat in chunks]

    def forget_before(self, day: int) -> None:
        for when in [when for when in self._by_day if when < day]:
            del self._by_day[when]
