"""Fast gathers from the simulator's state tables.

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
