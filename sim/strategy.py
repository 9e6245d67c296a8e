"""Sellers' marketing strategies (DESIGN section 5, step 3 of the day).

A strategy looks at what sellers can observe and returns the day's contacts: which seller
reaches which customer, by which channel, with which promotion, at what cost. The model books
the cost, logs every contact, and lets the contacts that land raise needs and put the seller's
offer in front of the customer. The baseline does no targeted marketing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.config import StrategyConfig


@dataclass
class Contacts:
    """A day's contacts as parallel arrays; `landed` marks those the customer noticed."""

    seller: np.ndarray
    buyer: np.ndarray
    channel: np.ndarray  # index into sim.logs.CHANNELS
    promotion: np.ndarray  # index into sim.logs.PROMOTIONS
    cost: np.ndarray  # cents
    landed: np.ndarray  # bool

    @classmethod
    def none(cls) -> Contacts:
        empty = np.empty(0, dtype=np.int64)
        return cls(empty, empty, empty, empty, empty, np.empty(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.seller)


class Strategy(Protocol):
    def plan(self, day: int) -> Contacts: ...


class Baseline:
    """No targeted marketing: customers find sellers through search and their own ties."""

    def plan(self, day: int) -> Contacts:
        return Contacts.none()


def make_strategy(config: StrategyConfig) -> Strategy:
    """The strategy a config names (validated against sim.config.STRATEGIES)."""
    if config.name == "baseline":
        return Baseline()
    raise ValueError(f"strategy.name={config.name!r} has no implementation")
