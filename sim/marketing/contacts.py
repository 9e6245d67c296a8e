"""A day's marketing contacts, as the strategy hands them to the market."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Contacts:
    """Parallel arrays, one entry a contact. Codes index sim.logs.CHANNELS, PROMOTIONS,
    SEGMENTS and CONTACT_OUTCOMES, and sim.traders.PRODUCTS."""

    seller: np.ndarray
    buyer: np.ndarray
    channel: np.ndarray
    promotion: np.ndarray
    product: np.ndarray
    segment: np.ndarray
    discount_share: np.ndarray  # coupon discount on the offered product, else 0
    cost: np.ndarray  # cents: the contact, plus a sample's cost
    outcome: np.ndarray
    landed: np.ndarray  # bool: the customer took it up and shops the offer today

    @classmethod
    def none(cls) -> Contacts:
        ints = np.empty(0, dtype=np.int64)
        return cls(ints, ints, ints, ints, ints, ints, np.empty(0), ints, ints, np.empty(0, bool))

    @classmethod
    def concatenate(cls, parts: list[Contacts]) -> Contacts:
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
