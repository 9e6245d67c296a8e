"""What a seller knows of its customers: records, life-cycle stages and RFM tiers.

A record is a (buyer, seller) pair the seller has dealt with: an order, or a conversation. It
holds only what the seller observes (recency, frequency, money, its own contacts and the
responses to them, the platform's behaviour tags of the buyer), never the buyer's hidden type.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.config import STAGES, SegmentationConfig, TimingConfig
from sim.config.vocabulary import RFM_TIERS
from sim.state.relations import Relations

STAGE = {name: i for i, name in enumerate(STAGES)}
TIER = {name: i for i, name in enumerate(RFM_TIERS)}
LOYAL_ORDERS = 4  # orders after which a recent customer counts as loyal
# stage by frequency class (rows: no order, one, two to three, loyal) and lateness (columns:
# recent, past at_risk_days, past churned_days); a prospect has no order to be late on
_STAGE_BY_CLASS = np.array(
    [
        [STAGE[name] for name in row]
        for row in (
            ("prospect", "prospect", "prospect"),
            ("new", "at_risk", "churned"),
            ("active", "at_risk", "churned"),
            ("loyal", "at_risk", "churned"),
        )
    ]
).ravel()
# row offset by min(orders, LOYAL_ORDERS): 0, 1, 2 .. LOYAL_ORDERS - 1, LOYAL_ORDERS
_FREQUENCY_CLASS = 3 * np.array([0, 1, *[2] * (LOYAL_ORDERS - 2), 3])


@dataclass
class CustomerBook:
    """Customer records of a set of sellers today, one row a (buyer, slot) of a seller.

    Records are kept as flat positions in the buyer-by-slot arrays: one 1-D gather per read is
    several times cheaper than a 2-D fancy index, and reads run over every record daily. Arrays
    with trailing axes are read with `np.take` along the first axis, which copies whole rows and
    is several times faster than fancy indexing (see sim.arrays).
    """

    flat: np.ndarray  # buyer * slots + slot
    seller: np.ndarray
    n_slots: int

    @classmethod
    def of(cls, relations: Relations, sellers: np.ndarray) -> CustomerBook:
        """Records of the sellers flagged True in the boolean array `sellers`, by buyer."""
        remembered = relations.seller.ravel()
        flat = np.flatnonzero(remembered >= 0)
        seller = remembered[flat].astype(np.int64)
        keep = sellers[seller]
        return cls(flat[keep], seller[keep], relations.seller.shape[1])

    def __len__(self) -> int:
        return len(self.flat)

    @cached_property
    def buyer(self) -> np.ndarray:  # read many times a day: kept once computed
        return self.flat // self.n_slots

    @cached_property
    def slot(self) -> np.ndarray:
        return self.flat % self.n_slots

    def subset(self, rows: np.ndarray) -> CustomerBook:
        return CustomerBook(self.flat[rows], self.seller[rows], self.n_slots)

    def read(self, array: np.ndarray) -> np.ndarray:
        """A relations array (buyer by slot, maybe with trailing axes) at these records."""
        return np.take(array.reshape(-1, *array.shape[2:]), self.flat, axis=0)

    def write(self, array: np.ndarray, values: np.ndarray | int | bool) -> None:
        """Set a relations array at these records (each record at most once)."""
        array.reshape(-1, *array.shape[2:])[self.flat] = values


def stages(orders: np.ndarray, recency: np.ndarray, timing: TimingConfig) -> np.ndarray:
    """Life-cycle stage codes (sim.config.STAGES) from frequency and days since last order.

    A look-up by frequency class and lateness (one gather instead of six masked writes: stages
    are computed for every customer record daily)."""
    at_risk = (recency > timing.at_risk_days).view(np.int8)
    late = at_risk + (recency > timing.churned_days).view(np.int8)  # 0, 1 or 2
    return _STAGE_BY_CLASS[_FREQUENCY_CLASS[np.minimum(orders, LOYAL_ORDERS)] + late]


def rfm_tiers(
    orders: np.ndarray, recency: np.ndarray, spend: np.ndarray, cuts: SegmentationConfig
) -> np.ndarray:
    """RFM tier codes (vocabulary.RFM_TIERS) by the configured cut points.

    champions: recent, frequent and big spenders; loyal: frequent; new: one recent order;
    at_risk: repeat buyers gone quiet; hibernating: long gone; potential: everyone else.
    """
    recent, lapsing, lost = cuts.recency_days
    repeat, frequent = cuts.frequency
    tier = np.full(len(orders), TIER["potential"])
    tier[(orders == 1) & (recency <= recent)] = TIER["new"]
    tier[orders >= frequent] = TIER["loyal"]
    tier[(orders >= frequent) & (recency <= recent) & (spend >= cuts.monetary)] = TIER["champions"]
    tier[(orders >= repeat) & (recency > lapsing)] = TIER["at_risk"]
    tier[recency > lost] = TIER["hibernating"]
    tier[orders == 0] = TIER["prospect"]
    return tier
