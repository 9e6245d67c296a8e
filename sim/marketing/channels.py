"""Contact channels (on-site message, EDM, Skype, WhatsApp) and how a strategy picks one.

Each channel has a cost per contact, a reach, a response rate and fatigue: the more contacts a
customer got this period, the less it responds and the likelier it unsubscribes. Instant
messengers need a prior relationship (an order). A strategy uses one fixed channel, a map from
life-cycle stage to channel, or learns per segment by Thompson sampling from the responses the
seller observes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import CHANNEL_NAMES, STAGES, ChannelConfig, ChannelSpec
from sim.marketing.bandit import thompson_scores
from sim.marketing.customers import STAGE
from sim.state.arrays import scatter, take_pairs

EDM = CHANNEL_NAMES.index("edm")
PROMOTION_PULL = 0.5  # how much a promotion the customer likes lifts its response


@dataclass(frozen=True)
class ChannelTable:
    """The channels' parameters as arrays in CHANNEL_NAMES order."""

    cost: np.ndarray
    reach: np.ndarray
    response: np.ndarray
    fatigue: np.ndarray
    unsubscribe: np.ndarray
    needs_relationship: np.ndarray

    @classmethod
    def from_config(cls, channels: dict[str, ChannelSpec]) -> ChannelTable:
        specs = [channels[name] for name in CHANNEL_NAMES]
        return cls(
            **{
                field: np.array([getattr(spec, field) for spec in specs])
                for field in cls.__dataclass_fields__
            }
        )


@dataclass
class Delivery:
    """What became of each contact."""

    reached: np.ndarray
    landed: np.ndarray  # reached and taken up, today or later
    unsubscribed: np.ndarray
    delay: np.ndarray  # days from the contact to the visit it brings (0 where not landed)


def response_delay(chance: np.ndarray, half_life: float, u: np.ndarray) -> np.ndarray:
    """Days until a contact that will be taken up brings the customer, given the `chance` it
    is taken up at all while its awareness lasts. The response's hazard falls with the
    awareness, by half every `half_life` days; its integral to infinity is -ln(1 - chance).
    Inverting that hazard's distribution at the uniform `u`, given a response, gives
    t = -half_life * log2(1 - ln(1 - u * chance) / ln(1 - chance)); the visit is on day floor(t)."""
    p = np.clip(chance, 1e-12, 1.0 - 1e-12)
    share = np.log1p(-u * p) / np.log1p(-p)  # of the awareness' lifetime response, by then
    return np.floor(-half_life * np.log2(np.maximum(1.0 - share, 1e-300))).astype(np.int64)


def deliver(
    table: ChannelTable,
    channel: np.ndarray,
    affinity: np.ndarray,
    promotion_appeal: np.ndarray,
    recent_contacts: np.ndarray,
    occasion: np.ndarray,
    half_life: float,
    rng: np.random.Generator,
) -> Delivery:
    """Draw reach, response and unsubscribes. `affinity` is the buyer's hidden liking of the
    channel, `promotion_appeal` its liking of the promotion attached (0 for none), `occasion`
    the calendar's lift of the day in the buyer's country: customers respond more readily on
    festival and sale days, as they shop more then (DESIGN section 2). The response is the
    chance the contact brings the customer while its awareness lasts (`half_life`), and
    when it does is drawn too: an e-mail opened days later still works."""
    u = rng.random((len(channel), 4))
    reached = u[:, 0] < table.reach[channel]
    response = (
        table.response[channel]
        * affinity
        * occasion
        * (1.0 + PROMOTION_PULL * promotion_appeal)
        * np.exp(-table.fatigue[channel] * recent_contacts)
    )
    response = np.clip(response, 0.0, 1.0)
    landed = reached & (u[:, 1] < response)
    quit_chance = table.unsubscribe[channel] * (1.0 + recent_contacts)
    unsubscribed = reached & ~landed & (u[:, 2] < quit_chance)
    delay = np.where(landed, response_delay(response, half_life, u[:, 3]), 0)
    return Delivery(reached, landed, unsubscribed, delay)


class ThompsonChannels:
    """Per seller and segment, a Beta-Bernoulli bandit over the channels."""

    def __init__(self, n_traders: int, n_segments: int) -> None:
        shape = (n_traders, n_segments, len(CHANNEL_NAMES))
        self.wins = np.zeros(shape, dtype=np.int32)
        self.tries = np.zeros(shape, dtype=np.int32)

    def choose(
        self,
        sellers: np.ndarray,
        segments: np.ndarray,
        allowed: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        wins = take_pairs(self.wins, sellers, segments)
        tries = take_pairs(self.tries, sellers, segments)
        draw = thompson_scores(wins, tries, rng)
        return np.where(allowed, draw, -np.inf).argmax(axis=1)

    def update(
        self, sellers: np.ndarray, segments: np.ndarray, channels: np.ndarray, success: np.ndarray
    ) -> None:
        scatter(np.add, self.tries, (sellers, segments, channels), 1)
        scatter(np.add, self.wins, (sellers, segments, channels), success.astype(np.int32))


class ChannelChoice:
    """Picks each contact's channel as the strategy's channel component says."""

    def __init__(self, config: ChannelConfig, table: ChannelTable, bandit: ThompsonChannels | None):
        self.config = config
        self.table = table
        self.bandit = bandit
        self.by_stage = np.array([CHANNEL_NAMES.index(config.by_stage[s]) for s in STAGES])

    def choose(
        self,
        sellers: np.ndarray,
        segments: np.ndarray,
        stage: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Channel index per contact; IM channels only for customers who have ordered."""
        related = stage != STAGE["prospect"]
        allowed = ~self.table.needs_relationship[None, :] | related[:, None]
        if self.config.kind == "learned":
            return self.bandit.choose(sellers, segments, allowed, rng)
        if self.config.kind == "by_stage":
            channel = self.by_stage[stage]
        else:
            channel = np.full(len(sellers), CHANNEL_NAMES.index(self.config.fixed))
        ok = allowed[np.arange(len(channel)), channel]
        return np.where(ok, channel, EDM)
