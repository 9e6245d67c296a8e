"""Independent random streams for one run (docs/model.md section 7.12).

One seed is split with `SeedSequence` into a stream per purpose, and one more per strategy
group after the first in a market that mixes strategies. Each component draws only from its own
stream, so changing the strategy or a service lever does not change the population or
the market's shocks drawn from the same seed: comparisons are paired (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PURPOSES = (
    "population",
    "market",
    "roles",
    "needs",
    "choice",
    "checkout",
    "fulfilment",
    "marketing",
)


@dataclass(frozen=True)
class RandomStreams:
    """A generator per purpose, all derived from one seed."""

    population: np.random.Generator
    market: np.random.Generator
    roles: np.random.Generator
    needs: np.random.Generator
    choice: np.random.Generator
    checkout: np.random.Generator
    fulfilment: np.random.Generator
    marketing: np.random.Generator
    mesa_seed: int
    seed: int

    @classmethod
    def from_seed(cls, seed: int) -> RandomStreams:
        root = np.random.SeedSequence(seed)
        children = root.spawn(len(PURPOSES) + 1)
        generators = {p: np.random.default_rng(s) for p, s in zip(PURPOSES, children, strict=False)}
        mesa_seed = int(children[-1].generate_state(1)[0])
        return cls(**generators, mesa_seed=mesa_seed, seed=seed)

    def marketing_of(self, group: int) -> np.random.Generator:
        """The marketing stream of strategy group `group` (counted from 1). The first group
        draws from `marketing` (after the groups are drawn), as a market with one strategy
        always has; each further group has a stream of its own, the seed's next child after
        Mesa's, so no group's draws depend on another's and a mix stays paired when one of its
        strategies changes. A generator per seller, as the domain reference first asked, would
        not scale to a million traders (docs/model.md section 7.12)."""
        if group == 1:
            return self.marketing
        child = len(PURPOSES) + group - 1  # the purposes' children are 0..7, Mesa's 8
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(child,)))
