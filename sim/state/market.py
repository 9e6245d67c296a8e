"""The shared state of one market that the day's mechanisms read and change."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from sim.config import SimConfig
from sim.state.beliefs import Beliefs
from sim.state.holdout import in_holdout
from sim.state.ledger import Ledger
from sim.state.logs import EventLog, OrderLog
from sim.state.relations import Relations
from sim.state.traders import TraderTable
from sim.state.world import MarketConditions, World


@dataclass
class MarketState:
    """Everything the mechanisms share; the model wires it, each mechanism owns its rules."""

    config: SimConfig
    world: World
    conditions: MarketConditions
    traders: TraderTable
    relations: Relations
    beliefs: Beliefs
    ledger: Ledger
    orders: OrderLog = field(default_factory=OrderLog)
    events: EventLog = field(default_factory=EventLog)
    today: Counter = field(default_factory=Counter)  # the day's counts, for the time series
    holdout_salt: int = 0
    holdout_shares: np.ndarray = field(default_factory=lambda: np.zeros(1))  # by group

    def holdout(self, buyers: np.ndarray, sellers: np.ndarray) -> np.ndarray:
        """Whether each pair is in its seller's holdout (only marketing sellers have one)."""
        share = self.holdout_shares[self.traders.group[sellers]]
        return in_holdout(buyers, sellers, share, self.holdout_salt)
