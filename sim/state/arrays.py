"""Fast gathers from and scatters into the simulator's state tables, grouping by key, searching
and merging sorted positions, and a fast search of cumulative weights.

numpy's fancy indexing is slow for the two gathers the daily mechanisms do most: whole rows
(`table[rows]`) and one cell per (row, column) pair (`table[rows, cols]`). `np.take` along the
first axis copies rows several times faster, and a pair read as one position in the table
flattened over its first two axes is about twice as fast. Same values either way. Adding
into a table at many positions (`np.add.at`) has a fast path too, which `scatter` takes.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np


def take_pairs(table: np.ndarray, rows: np.ndarray, cols: np.ndarray | int) -> np.ndarray:
    """`table[rows, cols]` (rows and cols broadcast; any trailing axes of the table kept)."""
    n, m = table.shape[:2]
    flat = np.asarray(rows).astype(np.int64, copy=False) * m + cols
    return np.take(table.reshape(n * m, *table.shape[2:]), flat, axis=0)


class CumulativeSearch:
    """`np.searchsorted(cumulative, u, side="right")` for many finite `u`, several times faster.

    Weighted draws search a cumulative sum of non-negative weights at random points, and a
    binary search over the whole array is a chain of cache misses. The total is cut into equal
    slices, and a guide counts the entries in the slices below each one; a point's answer then
    lies among the entries of its own slice, which a vectorised binary search finds in a pass
    or two. Entries and points are put in slices by the same rounded product, which never
    orders two values the other way round, so the answers are exactly `np.searchsorted`'s.
    """

    def __init__(self, cumulative: np.ndarray, slices_per_entry: int = 2) -> None:
        self.cumulative = cumulative
        n = len(cumulative)
        total = float(cumulative[-1]) if n else 0.0
        self.slices = max(slices_per_entry * n, 1)
        with np.errstate(divide="ignore", over="ignore"):
            scale = self.slices / total if total > 0 else 0.0
        self.scale = scale if np.isfinite(scale) else 0.0  # one slice holds all: still exact
        below = np.cumsum(np.bincount(self._slice(cumulative), minlength=self.slices))
        # guide[j]: entries in the slices below j; the last slice's points may reach n
        guide = np.r_[0, below[: self.slices - 1], n]
        self.guide = guide.astype(np.int32 if n < 2**31 else np.int64)

    def _slice(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # far beyond the total: the last slice
            return np.clip(values * self.scale, 0, self.slices - 1).astype(np.int64)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        n = len(self.cumulative)
        if n == 0:
            return np.zeros(np.shape(u), dtype=np.int64)
        where = self._slice(u)
        answer = self.guide[where].astype(np.int64)
        width = self.guide[where + 1] - self.guide[where]
        # only points whose slice holds entries are searched, fewer with each pass (most
        # slices hold none or one entry: at most a pass or two, over a shrinking few)
        flat = answer.reshape(-1)
        active = np.flatnonzero(width)
        low, width = flat[active], width.reshape(-1)[active].astype(np.int64)
        points = np.asarray(u).reshape(-1)[active]
        while len(active):
            half = width >> 1
            mid = low + half  # below low + width, so within the entries
            above = self.cumulative[mid] <= points
            low = np.where(above, mid + 1, low)
            width = np.where(above, width - half - 1, half)
            flat[active] = low
            going = width > 0
            active, low, width, points = active[going], low[going], width[going], points[going]
        return answer


def stable_order(keys: np.ndarray) -> np.ndarray:
    """`np.argsort(keys, kind="stable")` for whole numbers, several times faster: numpy
    radix-sorts keys of 16 bits or fewer, and merge-sorts wider ones (at a day's hundreds of
    thousands of records, 50 ms). Keys within 2**15 of the least take one radix sort; wider
    ones are made unique by their position, `key * n + position`, and sorted as values
    (numpy's vectorised sort), the positions then read off in order."""
    keys = np.asarray(keys)
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    low = int(keys.min())
    top = int(keys.max()) - low
    if top < 2**15:
        return np.argsort((keys - low).astype(np.int16), kind="stable")
    if (top + 1) * n >= 2**63:
        return np.argsort(keys, kind="stable")
    return np.sort((keys.astype(np.int64) - low) * n + np.arange(n)) % n


def group_by(keys: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Each distinct key, in increasing order, with the positions holding it (in order): one
    stable sort, no `np.unique`, which would sort the sorted keys again."""
    order = stable_order(keys)
    ordered = np.asarray(keys)[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(order) else []
    bounds = [*starts, len(order)]
    return [(int(ordered[a]), order[a:b]) for a, b in pairwise(bounds)]


def scatter(ufunc: np.ufunc, table: np.ndarray, index, values) -> None:
    """`ufunc.at(table, index, values)` (`np.add.at`, say), at numpy's fast path where it can:
    one flat index into the contiguous table and a contiguous array of values of the table's
    dtype. numpy takes a path 10 to 20 times slower for a tuple of indices, a scalar or broadcast
    value, or values of another dtype. Values are converted only when the operation would give
    the table's dtype anyway (a float32 table plus float64 values adds in float64, and stays on
    the slow path): the same operations in the same order, the same result. Indices into a
    table of two or more axes must lie within it (`np.ravel_multi_index` checks them), as every
    caller's do; negative ones are refused rather than counted from the end."""
    indices = index if isinstance(index, tuple) else (index,)
    if not table.flags.c_contiguous or len(indices) != table.ndim:
        ufunc.at(table, index, values)
        return
    flat = np.asarray(np.ravel_multi_index(indices, table.shape) if table.ndim > 1 else index)
    if np.result_type(table.dtype, values) != table.dtype:
        ufunc.at(table.reshape(-1), flat, values)
        return
    same = np.broadcast_to(np.asarray(values, dtype=table.dtype), flat.shape)
    ufunc.at(table.reshape(-1), flat, np.ascontiguousarray(same))


def sorted_positions(ordered: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The positions in the increasing array `ordered` of those of `values` it holds (in the
    order of `values`, repeats repeated): a binary search per value, so the cost follows the
    values looked up, not the array searched."""
    where = np.searchsorted(ordered, values)
    inside = np.flatnonzero(where < len(ordered))
    return where[inside[ordered[where[inside]] == values[inside]]]


def merge_positions(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the items of two increasing arrays with no value in common fall in their merge
    (increasing): positions for `first`, positions for `second`. A binary search per item of
    `first` and no sort, so merging a few items into many costs little more than a copy."""
    into_first = np.searchsorted(second, first) + np.arange(len(first))
    from_second = np.ones(len(first) + len(second), dtype=bool)
    from_second[into_first] = False
    return into_first, np.flatnonzero(from_second)
