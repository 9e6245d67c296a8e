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
from sim.state.beliefs import (
    PRIOR,
    Beliefs,
    mean,
    pseudo_counts,
    rating_from_satisfaction,
    review_noise_sd,
    variance,
)
from sim.state.population import draw_traders
from sim.state.relations import Relations
from sim.state.traders import TraderTable
from sim.state.world import World
from tests.helpers import two_country_world

# listing weight 2, review trust 1, review noise 0.15, verification weight 6 (the defaults)
PLATFORM = PlatformConfig(
    listing_weight=2.0, review_trust=1.0, review_noise=0.15, verification_weight=6.0
)
# one review at noise 0.15 and star rounding (0.25^2 / 12) is worth 1 / (1 + 0.027708 / 0.25)
PER_REVIEW = 1.0 / (1.0 + (0.15**2 + 0.25**2 / 12) / 0.25)  # 0.900225
# seller 0: an exact listing (weight 2, signal 0.7) and 8 reviews scoring 6
A0 = 1 + 2 * 0.7 + PER_REVIEW * 6  # 7.80135
B0 = 1 + 2 * 0.3 + PER_REVIEW * 2  # 3.40045
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
    t.listing_noise[:] = [0.0, 0.5, 0.5, 0.5]  # seller 0's listing is exact, seller 1's noisy
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


def test_a_reading_is_worth_fewer_pseudo_counts_the_noisier_it_is():
    assert pseudo_counts(2.0, 0.0) == pytest.approx(2.0)  # exact: its full weight
    assert pseudo_counts(2.0, 0.5) == pytest.approx(2 / 3)  # 2 / (1 + 2 * 0.25 / 0.25)
    assert pseudo_counts(1.0, 0.5) == pytest.approx(0.5)  # 1 / (1 + 1 * 0.25 / 0.25)
    # however heavy its weight, a reading of noise sd s is worth at most 0.25 / s^2
    assert pseudo_counts(1e9, 0.5) == pytest.approx(1.0)
    assert review_noise_sd(0.0) == pytest.approx(0.25 / np.sqrt(12))  # the stars' rounding


@settings(max_examples=200, deadline=None)
@given(
    weight=st.floats(0.0, 1000.0),
    low=st.floats(0.0, 10.0),
    extra=st.floats(0.0, 10.0),
)
def test_more_noise_never_adds_pseudo_counts(weight, low, extra):
    counts = pseudo_counts(weight, np.array([low, low + extra]))
    assert 0.0 <= counts[1] <= counts[0] <= weight + 1e-9


def test_public_belief_of_a_seller_computed_by_hand():
    a, b = beliefs().public(np.array([SELLER]))
    # a = prior 1 + listing 2 * signal 0.7 + per review 0.900225 * score 6 = 7.80135
    # b = prior 1 + 2 * (1 - 0.7) + 0.900225 * (8 - 6) = 3.40045
    assert (a[0], b[0]) == pytest.approx((A0, B0))
    assert (a[0], b[0]) == pytest.approx((7.80135, 3.40045), abs=1e-5)
    assert mean(a, b)[0] == pytest.approx(0.69644, abs=1e-5)  # 7.80135 / 11.2018
    assert variance(a, b)[0] == pytest.approx(0.017326, abs=1e-6)  # a b / (n^2 (n + 1))


def test_a_seller_without_reviews_and_a_noisy_listing_is_judged_near_the_prior():
    a, b = beliefs().public(np.array([OTHER]))
    # listing noise 0.5: weight 2 is worth 2 / 3; signal 0.5: a = b = 1 + 1/3
    assert (a[0], b[0]) == pytest.approx((4 / 3, 4 / 3))
    assert mean(a, b)[0] == pytest.approx(0.5)


def test_noisier_reviews_and_listings_leave_a_wider_belief():
    t = table()
    precise = PlatformConfig(review_noise=0.05)
    noisy = PlatformConfig(review_noise=0.45)
    t.listing_noise[SELLER] = 0.05
    wide_listing = table()
    wide_listing.listing_noise[SELLER] = 0.8
    sellers = np.array([SELLER])
    narrow = variance(*beliefs(t, precise).public(sellers))[0]
    assert variance(*beliefs(t, noisy).public(sellers))[0] > narrow  # noisier reviews
    assert variance(*beliefs(wide_listing, precise).public(sellers))[0] > narrow  # listing


def test_without_any_signal_weight_the_belief_is_the_prior():
    platform = PlatformConfig(listing_weight=0.0, review_trust=0.0, verification_weight=0.0)
    a, b = beliefs(platform=platform).public(np.array([SELLER, OTHER]))
    assert a.tolist() == [PRIOR, PRIOR]
    assert b.tolist() == [PRIOR, PRIOR]


def test_review_trust_scales_the_weight_of_reviews():
    half = PlatformConfig(
        listing_weight=2.0, review_trust=0.5, review_noise=0.15, verification_weight=6.0
    )
    a, b = beliefs(platform=half).public(np.array([SELLER]))
    # a review of weight 0.5 at noise variance 0.027708: 0.5 / (1 + 0.5 * 0.027708 / 0.25)
    per_review = 0.5 / (1 + 0.5 * (0.15**2 + 0.25**2 / 12) / 0.25)  # 0.473747
    assert (a[0], b[0]) == pytest.approx((2.4 + 6 * per_review, 1.6 + 2 * per_review))
    assert (a[0], b[0]) == pytest.approx((5.24248, 2.54749), abs=1e-5)


def test_verification_pulls_the_belief_toward_the_true_quality():
    t = table()
    before = mean(*beliefs(t).public(np.array([SELLER, OTHER])))
    t.verified[[SELLER, OTHER]] = True
    a, b = beliefs(t).public(np.array([SELLER, OTHER]))
    # seller 0 (quality 0.9): an exact reading of weight 6 adds (5.4, 0.6)
    assert (a[0], b[0]) == pytest.approx((A0 + 5.4, B0 + 0.6))
    after = mean(a, b)
    assert after[0] == pytest.approx(0.76744, abs=1e-5)  # 13.2014 / 17.2018, up from 0.696
    # seller 1 (quality 0.2): a = 4/3 + 6 * 0.2, b = 4/3 + 6 * 0.8
    assert after[1] == pytest.approx((4 / 3 + 1.2) / (8 / 3 + 6))  # 0.2923, down from 0.5
    assert (np.abs(after - [0.9, 0.2]) < np.abs(before - [0.9, 0.2])).all()


@settings(max_examples=100, deadline=None)
@given(
    quality=st.floats(0.0, 1.0),
    signal=st.floats(0.01, 0.99),
    noise=st.floats(0.0, 10.0),
    count=st.integers(0, 50),
    good=st.floats(0.0, 1.0),
)
def test_verification_never_moves_the_belief_away_from_the_true_quality(
    quality, signal, noise, count, good
):
    t = table()
    t.quality[SELLER] = quality
    t.listing_signal[SELLER] = signal
    t.listing_noise[SELLER] = noise
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
    # public (7.80135, 3.40045) plus experience (3, 0)
    assert (a[0], b[0]) == pytest.approx((A0 + 3.0, B0))
    assert mean(a, b)[0] == pytest.approx(0.76056, abs=1e-5)  # 10.80135 / 14.2018


def test_a_buyer_without_a_slot_sees_only_the_public_belief():
    bel = beliefs()
    slot = bel.relations.ensure(np.array([BUYER]), np.array([SELLER]), day=0)
    bel.relations.add_experience(np.array([BUYER]), slot, np.array([3.0]), np.array([0.0]))
    # buyer 3 has no slot for the seller (-1): its belief is the public one
    a, b = bel.of(np.array([3]), np.array([SELLER]), np.array([-1]))
    assert (a[0], b[0]) == pytest.approx((A0, B0))


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
    # buyer 2 got a bad order (quality 0, weight 3): b of seller 0 = 3.40045 + 3
    assert a[0] == pytest.approx([A0, 4 / 3])
    assert b[0] == pytest.approx([B0 + 3.0, 4 / 3])
    # buyer 3 has no experience: public beliefs only
    assert a[1] == pytest.approx([A0, 4 / 3])
    assert b[1] == pytest.approx([B0, 4 / 3])
