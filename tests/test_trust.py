"""Tests of sim.trust: Beta beliefs from public signals and private experience, and ratings.

A real TraderTable is drawn for a tiny market, then the fields a test cares about are set by
hand, so every expected number can be worked out beside its assertion.
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
from sim.state.beliefs import PRIOR, Beliefs, mean, rating_from_satisfaction, variance
from sim.state.population import draw_traders
from sim.state.relations import Relations
from sim.state.traders import TraderTable
from sim.state.world import World
from tests.helpers import two_country_world

# listing weight 2, review trust 1, verification weight 6 (the defaults, spelled out)
PLATFORM = PlatformConfig(listing_weight=2.0, review_trust=1.0, verification_weight=6.0)
SELLER, OTHER, BUYER = 0, 1, 2


def tiny_world() -> World:
    return two_country_world({"toys": [1.0, 0.0]})


def table() -> TraderTable:
    """Four traders; seller 0 has a hand-set listing, 8 reviews and true quality 0.9."""
    t = draw_traders(
        4, tiny_world(), PopulationConfig(), PLATFORM, ServiceConfig(), np.random.default_rng(0)
    )
    t.is_seller[:] = [True, True, False, False]
    t.picture_quality[:] = [0.5, 0.0, 0.0, 0.0]
    t.has_video[:] = [True, False, False, False]
    t.listing_signal[:] = [0.7, 0.5, 0.5, 0.5]
    t.review_count[:] = [8, 0, 0, 0]
    t.review_score[:] = [6.0, 0.0, 0.0, 0.0]  # 8 reviews worth 6 "good" of 8
    t.verified[:] = False
    t.quality[:] = [0.9, 0.2, 0.5, 0.5]
    return t


def beliefs(t: TraderTable | None = None, platform: PlatformConfig = PLATFORM) -> Beliefs:
    t = table() if t is None else t
    return Beliefs(t, Relations(len(t), 2, half_life=90.0), platform)


# --- mean, variance, ratings -----------------------------------------------------------------


def test_mean_and_variance_of_beta_distributions():
    assert mean(np.array(2.0), np.array(6.0)) == pytest.approx(0.25)  # 2 / 8
    assert variance(np.array(2.0), np.array(2.0)) == pytest.approx(0.05)  # 4 / (16 * 5)
    assert variance(np.array(1.0), np.array(1.0)) == pytest.approx(1 / 12)  # uniform: 1/(4*3)
    # more pseudo-observations, same mean: less variance, 100 / (400 * 21) = 0.0119
    assert variance(np.array(10.0), np.array(10.0)) == pytest.approx(0.0119, abs=1e-4)


def test_rating_maps_satisfaction_onto_one_to_five_stars():
    sat = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    stars = rating_from_satisfaction(sat, np.zeros(5))
    assert stars.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]  # 1 + 4 * s


def test_rating_noise_is_clipped_to_the_star_scale():
    stars = rating_from_satisfaction(np.array([1.0, 0.0, 0.5]), np.array([0.3, -0.2, 0.1]))
    # 1 + 4 * 1.3 = 6.2 -> 5; 1 + 4 * -0.2 = 0.2 -> 1; 1 + 4 * 0.6 = 3.4 -> 3
    assert stars.tolist() == [5.0, 1.0, 3.0]


# --- public beliefs --------------------------------------------------------------------------


def test_public_belief_of_a_seller_computed_by_hand():
    a, b = beliefs().public(np.array([SELLER]))
    # listing weight: 2 * (0.5 + picture 0.5 + 0.5 * video 1) = 3.0
    # a = prior 1 + 3.0 * signal 0.7 + trust 1 * score 6 = 1 + 2.1 + 6 = 9.1
    # b = prior 1 + 3.0 * (1 - 0.7) + trust 1 * (8 - 6) = 1 + 0.9 + 2 = 3.9
    assert (a[0], b[0]) == pytest.approx((9.1, 3.9))
    assert mean(a, b)[0] == pytest.approx(0.7)  # 9.1 / 13
    assert variance(a, b)[0] == pytest.approx(0.0150, abs=1e-4)  # 9.1*3.9 / (169*14) = 35.49/2366


def test_a_seller_without_reviews_or_pictures_is_judged_near_the_prior():
    a, b = beliefs().public(np.array([OTHER]))
    # listing weight 2 * (0.5 + 0 + 0) = 1.0; signal 0.5: a = b = 1 + 0.5 = 1.5
    assert (a[0], b[0]) == pytest.approx((1.5, 1.5))
    assert mean(a, b)[0] == pytest.approx(0.5)


def test_without_any_signal_weight_the_belief_is_the_prior():
    platform = PlatformConfig(listing_weight=0.0, review_trust=0.0, verification_weight=0.0)
    a, b = beliefs(platform=platform).public(np.array([SELLER, OTHER]))
    assert a.tolist() == [PRIOR, PRIOR]
    assert b.tolist() == [PRIOR, PRIOR]


def test_review_trust_scales_the_weight_of_reviews():
    half = PlatformConfig(listing_weight=2.0, review_trust=0.5, verification_weight=6.0)
    a, b = beliefs(platform=half).public(np.array([SELLER]))
    # a = 1 + 2.1 + 0.5 * 6 = 6.1; b = 1 + 0.9 + 0.5 * 2 = 2.9
    assert (a[0], b[0]) == pytest.approx((6.1, 2.9))


def test_verification_pulls_the_belief_toward_the_true_quality():
    t = table()
    before = mean(*beliefs(t).public(np.array([SELLER, OTHER])))
    t.verified[[SELLER, OTHER]] = True
    a, b = beliefs(t).public(np.array([SELLER, OTHER]))
    # seller 0 (quality 0.9): a = 9.1 + 6 * 0.9 = 14.5, b = 3.9 + 6 * 0.1 = 4.5
    assert (a[0], b[0]) == pytest.approx((14.5, 4.5))
    after = mean(a, b)
    assert after[0] == pytest.approx(0.7632, abs=1e-4)  # 14.5 / 19, up from 0.7 toward 0.9
    # seller 1 (quality 0.2): a = 1.5 + 6 * 0.2 = 2.7, b = 1.5 + 6 * 0.8 = 6.3
    assert after[1] == pytest.approx(0.3)  # 2.7 / 9, down from 0.5 toward 0.2
    assert (np.abs(after - [0.9, 0.2]) < np.abs(before - [0.9, 0.2])).all()


@settings(max_examples=100, deadline=None)
@given(
    quality=st.floats(0.0, 1.0),
    signal=st.floats(0.01, 0.99),
    picture=st.floats(0.0, 1.0),
    count=st.integers(0, 50),
    good=st.floats(0.0, 1.0),
)
def test_verification_never_moves_the_belief_away_from_the_true_quality(
    quality, signal, picture, count, good
):
    t = table()
    t.quality[SELLER] = quality
    t.listing_signal[SELLER] = signal
    t.picture_quality[SELLER] = picture
    t.review_count[SELLER], t.review_score[SELLER] = count, good * count
    before = mean(*beliefs(t).public(np.array([SELLER])))[0]
    t.verified[SELLER] = True
    after = mean(*beliefs(t).public(np.array([SELLER])))[0]
    # adding 6 * (q, 1 - q) makes the new mean a weighted average of the old mean and q
    assert abs(after - quality) <= abs(before - quality) + 1e-12


# --- beliefs with experience -----------------------------------------------------------------


def test_experience_adds_to_the_public_belief():
    bel = beliefs()
    slot = bel.relations.ensure(np.array([BUYER]), np.array([SELLER]), day=0)
    bel.relations.add_experience(np.array([BUYER]), slot, np.array([3.0]), np.array([0.0]))
    a, b = bel.of(np.array([BUYER]), np.array([SELLER]), slot)
    # public (9.1, 3.9) plus experience (3, 0)
    assert (a[0], b[0]) == pytest.approx((12.1, 3.9))
    assert mean(a, b)[0] == pytest.approx(0.75625)  # 12.1 / 16


def test_a_buyer_without_a_slot_sees_only_the_public_belief():
    bel = beliefs()
    slot = bel.relations.ensure(np.array([BUYER]), np.array([SELLER]), day=0)
    bel.relations.add_experience(np.array([BUYER]), slot, np.array([3.0]), np.array([0.0]))
    # buyer 3 has no slot for the seller (-1): its belief is the public one
    a, b = bel.of(np.array([3]), np.array([SELLER]), np.array([-1]))
    assert (a[0], b[0]) == pytest.approx((9.1, 3.9))


def test_beliefs_of_several_candidates_per_buyer():
    bel = beliefs()
    r = bel.relations
    slot = r.ensure(np.array([BUYER]), np.array([SELLER]), day=0)
    r.record_experience(
        np.array([BUYER]), slot, 0, np.array([0.0]), np.array([False]), 3.0, 0.3, 0.5
    )
    buyers = np.array([BUYER, 3])
    sellers = np.array([[SELLER, OTHER], [SELLER, OTHER]])
    slots = r.find(buyers, sellers)
    a, b = bel.of(buyers, sellers, slots)
    assert a.shape == (2, 2)
    # buyer 2 got a bad order (quality 0, weight 3): b of seller 0 = 3.9 + 3 = 6.9
    assert a[0] == pytest.approx([9.1, 1.5])
    assert b[0] == pytest.approx([6.9, 1.5])
    # buyer 3 has no experience: public beliefs only
    assert a[1] == pytest.approx([9.1, 1.5])
    assert b[1] == pytest.approx([3.9, 1.5])
