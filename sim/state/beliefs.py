"""Beliefs about sellers' hidden quality, formed from noisy signals (docs/model.md section 1.4).

A buyer's belief about a seller is Beta(a, b). Everyone starts from the same weak prior; every
signal is a reading of the seller's quality that adds pseudo-observations, as many as its
precision is worth (`pseudo_counts`): the listing's pictures and video, each review, the
platform's identity verification (an exact reading, for verified sellers only) and, kept in
the buyer's relation slot, its own orders, samples and conversations with the seller. Noisy
signals so leave a wide belief and precise ones a narrow one, and a risk-averse buyer shies
away from what it cannot tell apart (docs/model.md section 1.4).
"""

from __future__ import annotations

import numpy as np

from sim.config import PlatformConfig
from sim.state.relations import Relations
from sim.state.traders import TraderTable

PRIOR = 1.0  # Beta(1, 1): before any signal, every quality is equally plausible
# The variance of one pseudo-observation: a success-or-failure draw at quality 1/2. A reading
# of noise variance s2 is worth fewer of them the larger s2 is against it.
OBSERVATION_VARIANCE = 0.25
ITEM_NOISE = 0.1  # sd of one item's quality around its seller's: what an item in hand shows
STAR_STEP = 0.25  # a star on the 0-1 scale: rounding to whole stars adds STAR_STEP^2 / 12


def pseudo_counts(weight: float | np.ndarray, noise_sd: float | np.ndarray) -> np.ndarray:
    """Pseudo-observations a reading adds to a Beta belief: `weight` for an exact reading,
    fewer the noisier it is. A reading worth `weight` observations, blurred by noise of
    variance s2, has variance v / weight + s2; it is worth v over that, where v is one
    observation's variance: weight / (1 + weight * s2 / v)."""
    weight = np.asarray(weight, dtype=float)
    return weight / (1.0 + weight * np.square(noise_sd) / OBSERVATION_VARIANCE)


def review_noise_sd(review_noise: float) -> float:
    """The sd of one review's reading of quality: the reviewer's noise and the star rounding."""
    return float(np.sqrt(review_noise**2 + STAR_STEP**2 / 12.0))


def mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a / (a + b)


def variance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = a + b
    return a * b / (n * n * (n + 1.0))


def rating_from_satisfaction(satisfaction: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """A 1-5 star rating: satisfaction plus reviewer noise, on the star scale."""
    return np.clip(np.rint(1.0 + 4.0 * (satisfaction + noise)), 1, 5)


class Beliefs:
    """Computes buyers' beliefs about sellers from public signals and private experience."""

    def __init__(self, traders: TraderTable, relations: Relations, platform: PlatformConfig):
        self.traders = traders
        self.relations = relations
        self.platform = platform

    def public(self, sellers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Belief any buyer can form from the listing, the reviews and verification, each
        weighed by its precision (buyers see how good a listing's pictures are, and know how
        far reviews and listings can be trusted on this platform)."""
        t, p = self.traders, self.platform
        listing = pseudo_counts(p.listing_weight, t.listing_noise[sellers])
        signal = t.listing_signal[sellers]
        score = t.review_score[sellers]
        count = t.review_count[sellers]
        per_review = pseudo_counts(p.review_trust, review_noise_sd(p.review_noise))
        verified = p.verification_weight * t.verified[sellers]  # exact: no noise
        quality = t.quality[sellers]
        a = PRIOR + listing * signal + per_review * score + verified * quality
        b = PRIOR + listing * (1 - signal) + per_review * (count - score) + verified * (1 - quality)
        return a, b

    def of(
        self, buyers: np.ndarray, sellers: np.ndarray, slots: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Belief of each buyer about each seller (shapes of `sellers`; slot -1 = no experience)."""
        a, b = self.public(sellers)
        r = self.relations
        rows = buyers if sellers.ndim == 1 else buyers[:, None]
        known = slots >= 0
        a = a + np.where(known, r.at(r.experience_a, rows, slots), 0.0)
        b = b + np.where(known, r.at(r.experience_b, rows, slots), 0.0)
        return a, b
