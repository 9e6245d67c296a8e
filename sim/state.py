"""The shared state of one market that the day's mechanisms read and change."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sim.config import SimConfig
from sim.ledger import Ledger
from sim.logs import EventLog, OrderLog
from sim.relations import Relations
from sim.traders import TraderTable
from sim.trust import Beliefs
from sim.world import MarketConditions, World


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
