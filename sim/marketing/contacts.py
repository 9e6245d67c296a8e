"""A day's marketing contacts, as the strategy hands them to the market."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.vocabulary import CONTACT_OUTCOMES
from sim.mechanisms.shopping import Offered


@dataclass
class Contacts:
    """Parallel arrays, one entry a contact. Codes index vocabulary.CHANNELS, PROMOTIONS,
    SEGMENTS and CONTACT_OUTCOMES, and vocabulary.PRODUCTS."""

    seller: np.ndarray
    buyer: np.ndarray
    channel: np.ndarray
    promotion: np.ndarray
    product: np.ndarray
    segment: np.ndarray
    discount_share: np.ndarray  # coupon discount on the offered product, else 0
    cost: np.ndarray  # cents: the contact, plus a sample's cost
    outcome: np.ndarray
    landed: np.ndarray  # bool: the customer took it up and shops the offer on response_day
    # the day a landed contact brings the customer; None (a strategy that does not say): today
    response_day: np.ndarray | None = None

    @classmethod
    def none(cls) -> Contacts:
        ints = np.empty(0, dtype=np.int64)
        return cls(
            ints, ints, ints, ints, ints, ints, np.empty(0), ints, ints, np.empty(0, bool), ints
        )

    @classmethod
    def concatenate(cls, parts: list[Contacts]) -> Contacts:
        if not parts:
            return cls.none()
        if len(parts) == 1:
            return parts[0]
        return cls(
            **{
                name: np.concatenate([getattr(p, name) for p in parts])
                for name in cls.__dataclass_fields__
            }
        )

    def __len__(self) -> int:
        return len(self.seller)

    def subset(self, rows: np.ndarray) -> Contacts:
        return Contacts(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})

    def reached(self) -> np.ndarray:
        """Whether each contact reached the customer (landed, ignored or unsubscribed)."""
        return self.outcome != CONTACT_OUTCOMES.index("unreached")

    def landed_categories(self, specialty: np.ndarray) -> np.ndarray:
        """The category of each landed contact's seller: the need it raises."""
        return specialty[self.seller[self.landed]].astype(np.int64)

    def offers_for(self, buyers: np.ndarray) -> Offered:
        """Line up each shopper with the first offer that reached it today, if any."""
        offered = Offered.nothing(len(buyers))
        landed = np.flatnonzero(self.landed)
        if not len(landed) or not len(buyers):
            return offered
        _, first = np.unique(self.buyer[landed], return_index=True)
        landed = landed[first]  # a buyer reached by several sellers sees the first offer
        order = np.argsort(buyers)
        position = np.minimum(np.searchsorted(buyers[order], self.buyer[landed]), len(order) - 1)
        hit = buyers[order][position] == self.buyer[landed]
        rows, j = order[position[hit]], landed[hit]
        offered.seller[rows] = self.seller[j]
        offered.product[rows] = self.product[j]
        offered.promotion[rows] = self.promotion[j]
        offered.discount_share[rows] = self.discount_share[j]
        return offered
