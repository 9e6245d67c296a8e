"""Thompson sampling: a draw from each arm's Beta posterior of its response rate."""

from __future__ import annotations

import numpy as np


def thompson_scores(wins: np.ndarray, tries: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One posterior draw per arm, Beta(wins + 1, misses + 1); the pick is the argmax.

    Arms never tried have a Beta(1, 1), a uniform draw, which is much cheaper to sample, and
    most arms of most customers have never been tried.
    """
    scores = rng.random(wins.shape)
    seen = tries > 0
    scores[seen] = rng.beta(wins[seen] + 1.0, tries[seen] - wins[seen] + 1.0)
    return scores
