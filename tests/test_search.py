"""Tests of sim.search: the platform's search index and the de-duplication of candidates.

A real TraderTable is drawn for a tiny market with three categories, then roles, specialties,
reviews and tags are set by hand. Expected numbers are worked out beside each assertion.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import (
    PlatformConfig,
    PopulationConfig,
    ServiceConfig,
)
from sim.mechanisms.search import SearchIndex, drop_repeats
from sim.state.arrays import CumulativeSearch
from sim.state.population import draw_traders
from sim.state.traders import TraderTable
from sim.state.world import World
from tests.helpers import two_country_world

TOYS, TECH, HOME = 0, 1, 2
N = 12
# traders 0-3 sell toys, 4-5 sell tech, nobody sells home; 6-11 are buyers, some of whom could
# source toys (specialty is not a role: a buyer must never appear in results)
IS_SELLER = [True] * 6 + [False] * 6
SPECIALTY = [TOYS, TOYS, TOYS, TOYS, TECH, TECH, TOYS, TOYS, TECH, HOME, HOME, TOYS]
TOY_SELLERS, TECH_SELLERS = {0, 1, 2, 3}, {4, 5}


def tiny_world() -> World:
    return two_country_world({"toys": [1.0, 0.0], "tech": [0.0, 1.0], "home": [1, 1]})


def table() -> TraderTable:
    t = draw_traders(
        N,
        tiny_world(),
        PopulationConfig(),
        PlatformConfig(),
        ServiceConfig(),
        np.random.default_rng(0),
    )
    t.is_seller[:] = IS_SELLER
    t.specialty[:] = SPECIALTY
    return t


def index(t: TraderTable, reputation_weight: float = 0.5) -> SearchIndex:
    search = SearchIndex(t, n_categories=3, reputation_weight=reputation_weight)
    search.rebuild()
    return search


def shoppers(categories: list[int] | np.ndarray, t: TraderTable) -> tuple[np.ndarray, np.ndarray]:
    categories = np.asarray(categories, dtype=np.int64)
    buyers = 6 + np.arange(len(categories)) % 6
    return categories, t.preferences[buyers]


# --- drop_repeats ----------------------------------------------------------------------------


def test_drop_repeats_keeps_the_first_occurrence_and_blanks_later_ones():
    rows = np.array([[3, 5, 3, -1, 5, 7], [9, 9, 9, 2, -1, -1]])
    assert drop_repeats(rows).tolist() == [[3, 5, -1, -1, -1, 7], [9, -1, -1, 2, -1, -1]]


def test_drop_repeats_treats_each_row_on_its_own():
    rows = np.array([[1, 2], [2, 1]])
    assert drop_repeats(rows).tolist() == [[1, 2], [2, 1]]  # no repeat within a row


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 40).flatmap(  # both sides of the width where a sort per row takes over
        lambda width: st.lists(
            st.lists(st.integers(-1, 12), min_size=width, max_size=width),
            min_size=1,
            max_size=6,
        )
    )
)
def test_drop_repeats_property(rows):
    rows = np.array(rows, dtype=np.int64)
    out = drop_repeats(rows)
    for before, after in zip(rows, out, strict=True):
        kept = after[after >= 0]
        assert len(set(kept.tolist())) == len(kept)  # no seller twice
        assert set(kept.tolist()) == set(before[before >= 0].tolist())  # none lost
        for j, seller in enumerate(before):
            first = seller >= 0 and j == int(np.argmax(before == seller))
            assert after[j] == (seller if first else -1)  # first occurrence kept, others -1


# --- results ---------------------------------------------------------------------------------


def test_results_only_return_active_sellers_of_the_requested_category():
    t = table()
    search = index(t)
    categories, prefs = shoppers(np.resize([TOYS, TECH], 300), t)
    found = search.results(categories, prefs, k=3, rng=np.random.default_rng(0))
    assert found.shape == (300, 3)
    for category, row in zip(categories, found, strict=True):
        allowed = TOY_SELLERS if category == TOYS else TECH_SELLERS
        real = row[row >= 0].tolist()
        assert set(real) <= allowed  # never a buyer, never another category
        assert len(set(real)) == len(real)  # no seller shown twice
        assert len(real) >= 1  # the first draw of the pool is always a real seller
    # tech has 2 sellers: a row of 3 results has at least one -1
    assert ((found[categories == TECH] == -1).sum(axis=1) >= 1).all()
    # toys have 4 sellers: with a pool of 9 draws, some rows show 3 different ones
    assert ((found[categories == TOYS] >= 0).sum(axis=1) == 3).any()


def test_a_category_without_sellers_gives_all_minus_one():
    t = table()
    categories, prefs = shoppers([HOME, HOME, TOYS], t)
    found = index(t).results(categories, prefs, k=4, rng=np.random.default_rng(1))
    assert found[:2].tolist() == [[-1, -1, -1, -1], [-1, -1, -1, -1]]
    assert (found[2] >= 0).any()


def test_a_market_without_sellers_gives_all_minus_one():
    t = table()
    t.is_seller[:] = False
    categories, prefs = shoppers([TOYS, TECH], t)
    found = index(t).results(categories, prefs, k=2, rng=np.random.default_rng(0))
    assert found.tolist() == [[-1, -1], [-1, -1]]


def test_a_seller_who_became_a_buyer_is_gone_after_the_rebuild():
    t = table()
    search = index(t)
    t.is_seller[[0, 1, 2]] = False  # three toy sellers become buyers; only seller 3 is left
    search.rebuild()
    categories, prefs = shoppers([TOYS] * 50, t)
    found = search.results(categories, prefs, k=3, rng=np.random.default_rng(2))
    assert set(found[found >= 0].tolist()) == {3}


def test_a_buyer_who_became_a_seller_is_found_after_the_rebuild():
    t = table()
    search = index(t)
    t.is_seller[:] = False
    t.is_seller[9] = True  # a buyer with specialty home starts selling
    search.rebuild()
    categories, prefs = shoppers([HOME] * 5, t)
    found = search.results(categories, prefs, k=2, rng=np.random.default_rng(3))
    assert found[:, 0].tolist() == [9] * 5
    assert (found[:, 1] == -1).all()  # one seller, one result


# --- ranking (statistical, seeded) -----------------------------------------------------------

DRAWS = 20_000


def two_toy_sellers(reviews: int, good: float) -> TraderTable:
    """Only sellers 0 and 1, both toys, with the same picture and tags; seller 0 has reviews."""
    t = table()
    t.is_seller[:] = False
    t.is_seller[[0, 1]] = True
    t.picture_quality[[0, 1]] = 0.5
    t.product_tags[[0, 1]] = [1.0, 0.0]  # equally relevant to every shopper
    t.review_count[0], t.review_score[0] = reviews, good
    t.review_count[1], t.review_score[1] = 0, 0.0
    return t


def share_of_seller_0(t: TraderTable, reputation_weight: float, seed: int = 0) -> float:
    categories, prefs = shoppers([TOYS] * DRAWS, t)
    found = index(t, reputation_weight).results(categories, prefs, 1, np.random.default_rng(seed))
    assert set(found[:, 0].tolist()) <= {0, 1}
    return float(np.mean(found[:, 0] == 0))


def test_higher_reputation_sellers_are_drawn_more_often():
    t = two_toy_sellers(reviews=3, good=3.0)  # three 5-star reviews
    # seller 0: shrunk rating (3 + 1) / (3 + 2) = 0.8; score = 1 * ln(1 + 3) * (0.8 - 0.5) * 4
    #   = 1.2 ln 4, so its weight is exp(1.2 ln 4 + 0.5) against exp(0 + 0.5) for seller 1:
    #   4**1.2 = 5.278 to 1. With equal relevance the one shown (k = 1) is the first draw of
    #   the pool, so seller 0 is shown with probability 5.278 / 6.278 = 0.841.
    # standard error sqrt(0.841 * 0.159 / 20000) = 0.0026; 0.01 is almost 4 of them
    assert share_of_seller_0(t, reputation_weight=1.0) == pytest.approx(0.841, abs=0.01)


def test_bad_reviews_push_a_seller_down():
    t = two_toy_sellers(reviews=3, good=0.0)  # three 1-star reviews
    # shrunk rating (0 + 1) / (3 + 2) = 0.2; score = 1 * ln 4 * (0.2 - 0.5) * 4 = -1.2 ln 4,
    # weight 4**-1.2 = 0.189 to 1: shown with probability 0.189 / 1.189 = 0.159 (se 0.0026)
    assert share_of_seller_0(t, reputation_weight=1.0) == pytest.approx(0.159, abs=0.01)


def test_without_reputation_weight_reviews_do_not_matter():
    t = two_toy_sellers(reviews=3, good=3.0)
    # equal weights exp(0.5) each: 1/2 (se 0.0035; 0.015 is over 4 of them)
    assert share_of_seller_0(t, reputation_weight=0.0) == pytest.approx(0.5, abs=0.015)


def test_the_more_relevant_seller_of_the_pool_is_shown():
    t = two_toy_sellers(reviews=0, good=0.0)  # equal weights: each draw is 0 or 1 at 1/2
    t.product_tags[0] = [1.0, 0.0]
    t.product_tags[1] = [0.0, 1.0]
    categories = np.full(DRAWS, TOYS)
    prefs = np.tile(np.array([[1.0, 0.0]], dtype=np.float32), (DRAWS, 1))  # all like tag a
    found = index(t).results(categories, prefs, 1, np.random.default_rng(4))
    # seller 0 matches (relevance 1 vs 0) and is shown unless the pool of 3 draws misses it:
    # 1 - (1/2)**3 = 0.875 (se sqrt(0.875 * 0.125 / 20000) = 0.0023; 0.01 is 4 of them)
    assert np.mean(found[:, 0] == 0) == pytest.approx(0.875, abs=0.01)


# --- the guided search of cumulative weights ---------------------------------------------------

WEIGHTS = st.lists(
    st.one_of(
        st.just(0.0),
        st.just(5e-324),  # a total so small that slices / total overflows
        st.floats(min_value=1e-300, max_value=1e-12),
        st.floats(min_value=1e-12, max_value=1e12),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    weights=WEIGHTS, points=st.lists(st.floats(-0.2, 3.0), max_size=30), slices=st.integers(1, 4)
)
def test_the_guided_search_answers_as_searchsorted(weights, points, slices) -> None:
    """Same index as np.searchsorted(side="right") anywhere: at, just either side of and
    between the cumulative values (ties and zero weights included), and outside the total."""
    cumulative = np.cumsum(weights)
    u = np.concatenate(
        [
            np.asarray(points, dtype=float) * cumulative[-1],
            cumulative,
            np.nextafter(cumulative, np.inf),
            np.nextafter(cumulative, -np.inf),
        ]
    )
    search = CumulativeSearch(cumulative, slices)
    np.testing.assert_array_equal(search(u), np.searchsorted(cumulative, u, side="right"))
    shaped = u[: len(u) // 2 * 2].reshape(-1, 2)
    np.testing.assert_array_equal(search(shaped), np.searchsorted(cumulative, shaped, "right"))


def test_the_guided_search_of_nothing_is_index_zero() -> None:
    assert CumulativeSearch(np.empty(0))(np.array([0.5, 2.0])).tolist() == [0, 0]
