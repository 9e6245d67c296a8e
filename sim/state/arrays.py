"""Fast gathers from the simulator's state tables, and a fast search of cumulative weights.

numpy's fancy indexing is slow for the two gathers the daily mechanisms do most: whole rows
(`table[rows]`) and one cell per (row, column) pair (`table[rows, cols]`). `np.take` along the
first axis copies rows several times faster, and a pair read as one position in the table
flattened over its first two axes is about twice as fast. Same values either way.
"""

from __future__ import annotations

import numpy as np


def take_pairs(table: np.ndarray, rows: np.ndarray, cols: np.ndarray | int) -> np.ndarray:
    """`table[rows, cols]` (rows and cols broadcast; any trailing axes of the table kept)."""
    n, m = table.shape[:2]
    flat = np.asarray(rows).astype(np.int64, copy=False) * m + cols
    return np.take(table.reshape(n * m, *table.shape[2:]), flat, axis=0)


class CumulativeSearch:
    """`np.searchsorted(cumulative, u, side="right")` for many `u`, several times faster.

    Weighted draws search a cumulative sum at random points, and a binary search over the whole
    array is a chain of cache misses. A guide over equal slices of the total gives each point
    the few entries around its slice; a vectorised binary search within them, a pass per
    halving, finishes. The slices reach one further each way, so rounding in which slice a
    point falls cannot leave its answer outside. Same answers as `np.searchsorted`.
    """

    def __init__(self, cumulative: np.ndarray, slices_per_entry: int = 2) -> None:
        self.cumulative = cumulative
        n = len(cumulative)
        total = cumulative[-1] if n else 0.0
        slices = max(slices_per_entry * n, 1)
        self.scale = slices / total if total > 0 else 0.0
        edges = np.arange(slices + 1) / self.scale if total > 0 else np.zeros(slices + 1)
        guide = np.searchsorted(cumulative, edges, side="right")
        # slice j searches from guide[j - 1] to guide[j + 2]: from 0 below the first, to n above
        self.guide = np.r_[0, guide, n, n].astype(np.int32 if n < 2**31 else np.int64)
        self.slices = slices

    def __call__(self, u: np.ndarray) -> np.ndarray:
        n = len(self.cumulative)
        if n == 0:
            return np.zeros(np.shape(u), dtype=np.int64)
        where = np.clip(u * self.scale, 0, self.slices - 1).astype(np.int64)
        low, high = self.guide[where].astype(np.int64), self.guide[where + 3].astype(np.int64)
        width = high - low
        while width.any():
            mid = low + (width >> 1)
            above = (width > 0) & (self.cumulative[np.minimum(mid, n - 1)] <= u)
            low = np.where(above, mid + 1, low)
            high = np.where(above | (width == 0), high, mid)
            width = high - low
        return low
