"""The platform's search: which active sellers a shopper sees for a category.

Each day the index groups the active sellers by category with a ranking weight from their
reputation (reviews) and listing quality. A shopper's results are a pool drawn by that weight,
of which the most relevant to the shopper's tastes are shown: ranked by relevance and reputation
(docs/model.md section 7.6). New sellers have no reviews but still get seen on their listing.
"""

from __future__ import annotations

import numpy as np

from sim.state.arrays import CumulativeSearch, take_pairs
from sim.state.traders import STANDARD, TraderTable

POOL_FACTOR = 3  # results are the most relevant of a pool this many times larger
PAIRWISE_COLUMNS = 32  # beyond this, drop_repeats' column pairs cost more than a sort per row


class SearchIndex:
    """Active sellers by category, with cumulative ranking weights for sampling."""

    def __init__(self, traders: TraderTable, n_categories: int, reputation_weight: float):
        self.traders = traders
        self.n_categories = n_categories
        self.reputation_weight = reputation_weight
        self.sellers = np.empty(0, dtype=np.int64)
        self.tags = np.empty((0, traders.product_tags.shape[2]), dtype=traders.product_tags.dtype)
        self.cumulative = np.empty(0)
        self.draw = CumulativeSearch(self.cumulative)
        self.bounds = np.zeros(n_categories + 1, dtype=np.int64)

    def rebuild(self) -> None:
        """Re-rank today's active sellers (roles and reviews change daily)."""
        t = self.traders
        sellers = np.flatnonzero(t.is_seller)
        category = t.specialty[sellers]
        order = np.argsort(category, kind="stable")
        self.sellers = sellers[order]
        # their standard products' tags in the same order: a category's block of them stays in
        # cache for the relevance of its pool, where the whole table would not
        self.tags = take_pairs(t.product_tags, self.sellers, STANDARD)
        count = t.review_count[self.sellers]
        stars = (t.review_score[self.sellers] + 1.0) / (count + 2.0)  # shrunk mean rating
        score = self.reputation_weight * np.log1p(count) * (stars - 0.5) * 4.0
        score = score + t.picture_quality[self.sellers]
        self.cumulative = np.cumsum(np.exp(score))
        self.draw = CumulativeSearch(self.cumulative)
        self.bounds = np.searchsorted(category[order], np.arange(self.n_categories + 1))

    def results(
        self, categories: np.ndarray, preferences: np.ndarray, k: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Top-k sellers per shopper (M, k); -1 pads categories with too few sellers."""
        m = len(categories)
        if len(self.sellers) == 0:
            return np.full((m, k), -1, dtype=np.int64)
        pool = k * POOL_FACTOR
        lo_idx, hi_idx = self.bounds[categories], self.bounds[categories + 1]
        has = hi_idx > lo_idx
        cum = np.r_[0.0, self.cumulative]
        lo, hi = cum[lo_idx], cum[hi_idx]
        u = lo[:, None] + rng.random((m, pool)) * (hi - lo)[:, None]
        picks = self.draw(u)
        picks = np.clip(picks, lo_idx[:, None], np.maximum(hi_idx - 1, lo_idx)[:, None])
        picks = np.minimum(picks, len(self.sellers) - 1)
        candidates = drop_repeats(np.where(has[:, None], self.sellers[picks], -1))
        relevance = np.einsum("mt,mpt->mp", preferences, np.take(self.tags, picks, axis=0))
        relevance = np.where(candidates >= 0, relevance, -np.inf)
        top = np.argsort(-relevance, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(candidates, top, axis=1)


def drop_repeats(candidates: np.ndarray) -> np.ndarray:
    """Replace repeats of a seller within a row by -1, keeping its first occurrence."""
    if candidates.shape[1] > PAIRWISE_COLUMNS:
        return _drop_repeats_by_sorting(candidates)
    # column against earlier columns, rows contiguous: for the usual 15 to 20 columns a few
    # whole-row comparisons cost less than a short sort per row
    columns = np.ascontiguousarray(candidates.T)
    repeat = np.zeros(columns.shape, dtype=bool)
    for j in range(1, len(columns)):
        repeat[j] = (columns[:j] == columns[j]).any(axis=0)
    return np.where(repeat.T & (candidates >= 0), -1, candidates)


def _drop_repeats_by_sorting(candidates: np.ndarray) -> np.ndarray:
    order = np.argsort(candidates, axis=1, kind="stable")
    ordered = np.take_along_axis(candidates, order, axis=1)
    repeat_sorted = np.zeros(candidates.shape, dtype=bool)
    repeat_sorted[:, 1:] = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
    repeat = np.empty_like(repeat_sorted)
    np.put_along_axis(repeat, order, repeat_sorted, axis=1)
    return np.where(repeat, -1, candidates)
