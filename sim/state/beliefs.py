"""Beliefs about sellers' hidden quality, formed from noisy signals (docs/model.md section 1.4).

A buyer's belief about a seller is Beta(a, b). Everyone starts from the same weak prior; public
signals add pseudo-observations: the listing's pictures and video (a noisy reading of quality,
weighted by how good they are), the reviews (ratings, weighted by how much buyers trust them),
and the platform's identity verification (a reliable reading, for verified sellers only). The
buyer's own experience, kept in its relation slot, is added on top.
"""

from __future__ import annotations

import numpy as np

from sim.config import PlatformConfig
from sim.state.relations import Relations
from sim.state.traders import TraderTable

PRIOR = 1.0  # Beta(1, 1): before any signal, every quality is equally plausible


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
        """Belief any buyer can form from the listing, the reviews and verification."""
        t, p = self.traders, self.platform
        listing = p.listing_weight * (0.5 + t.picture_quality[sellers] + 0.5 * t.has_video[sellers])
        signal = t.listing_signal[sellers]
        score = t.review_score[sellers]
        count = t.review_count[sellers]
        verified = p.verification_weight * t.verified[sellers]
        quality = t.quality[sellers]
        a = PRIOR + listing * signal + p.review_trust * score + verified * quality
        b = (
            PRIOR
            + listing * (1 - signal)
            + p.review_trust * (count - score)
            + verified * (1 - quality)
        )
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
