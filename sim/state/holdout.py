"""Holdout groups: a fixed random share of each seller's customers is never contacted.

Membership is a hash of the (buyer, seller) pair and a per-run salt, so it needs no state, draws
nothing from any random stream, and is the same every day: the holdout is the run's own
control group for measuring what marketing adds.
"""

from __future__ import annotations

import numpy as np


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a well-spread 64-bit hash."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def in_holdout(
    buyers: np.ndarray, sellers: np.ndarray, share: float | np.ndarray, salt: int
) -> np.ndarray:
    """Whether each (buyer, seller) pair is in the seller's holdout of `share` (one share, or
    one per pair)."""
    key = (np.asarray(buyers).astype(np.uint64) << np.uint64(32)) | np.asarray(sellers).astype(
        np.uint64
    )
    with np.errstate(over="ignore"):
        hashed = _mix(key + np.uint64(salt) * np.uint64(0x9E3779B97F4A7C15))
    return (hashed >> np.uint64(11)).astype(np.float64) / float(1 << 53) < share
