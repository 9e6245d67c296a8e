"""Tests of sim.choice: the linear utility and the multinomial logit with a no-purchase option.

Every expected number is worked out by hand in the comment beside its assertion.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config import UtilityConfig
from sim.mechanisms.choice import NO_PURCHASE, BuyerTraits, LinearUtility, MultinomialLogit, Offers

LN2, LN3 = math.log(2.0), math.log(3.0)


def offers(**columns: list[list[float]]) -> Offers:
    """Offers of shape (M, K) from the given columns; features not given are 0, all valid."""
    shape = np.asarray(next(iter(columns.values())), dtype=float).shape
    full = {
        name: np.asarray(columns[name], dtype=float) if name in columns else np.zeros(shape)
        for name in Offers.__dataclass_fields__
    }
    full["valid"] = (
        np.asarray(columns["valid"], bool) if "valid" in columns else np.ones(shape, bool)
    )
    return Offers(**full)


def traits(**columns: list[float]) -> BuyerTraits:
    """Traits of shape (M,) from the given columns; traits not given are 0."""
    m = len(next(iter(columns.values())))
    return BuyerTraits(
        **{
            name: np.asarray(columns.get(name, [0.0] * m), dtype=float)
            for name in BuyerTraits.__dataclass_fields__
        }
    )


# --- MultinomialLogit.probabilities ----------------------------------------------------------


def test_probabilities_on_a_hand_made_matrix_include_the_no_purchase_column():
    rule = MultinomialLogit(no_purchase_utility=0.0)
    p = rule.probabilities(np.array([[LN3, LN2], [1.0, 0.0]]))
    assert p.shape == (2, 3)  # two offers and the outside option per row
    # row 0: exp(ln3), exp(ln2), exp(0) = 3, 2, 1 over 6
    assert p[0] == pytest.approx([3 / 6, 2 / 6, 1 / 6])  # 0.500, 0.333, 0.167
    # row 1: e, 1, 1 over e + 2 = 4.718
    assert p[1] == pytest.approx([math.e / (math.e + 2), 1 / (math.e + 2), 1 / (math.e + 2)])
    assert p[1, 0] == pytest.approx(0.5761, abs=1e-4)  # 2.718 / 4.718
    assert p.sum(axis=1) == pytest.approx([1.0, 1.0])


def test_the_no_purchase_utility_shifts_share_to_the_outside_option():
    p = MultinomialLogit(no_purchase_utility=LN2).probabilities(np.array([[0.0, 0.0]]))
    # exp(0), exp(0), exp(ln2) = 1, 1, 2 over 4
    assert p[0] == pytest.approx([0.25, 0.25, 0.5])


def test_offers_of_minus_infinity_get_probability_zero():
    p = MultinomialLogit(0.0).probabilities(np.array([[LN3, -np.inf], [-np.inf, -np.inf]]))
    # row 0: 3, 0, 1 over 4
    assert p[0] == pytest.approx([0.75, 0.0, 0.25])
    # row 1: no real offer, so the outside option is certain
    assert p[1] == pytest.approx([0.0, 0.0, 1.0])


def test_probabilities_are_finite_for_large_utilities():
    p = MultinomialLogit(0.0).probabilities(np.array([[1000.0, 999.0]]))
    # shift by the max: exp(0), exp(-1), exp(-1000) -> 1, 0.368, ~0 over 1.368
    assert np.isfinite(p).all()
    assert p[0] == pytest.approx([1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1)), 0.0])
    assert p[0, 0] == pytest.approx(0.7311, abs=1e-4)  # 1 / 1.368


# --- MultinomialLogit.choose -----------------------------------------------------------------


def test_choose_frequencies_match_the_probabilities():
    n = 20_000
    utilities = np.tile([LN3, LN2, -np.inf], (n, 1))
    picks = MultinomialLogit(0.0).choose(utilities, np.random.default_rng(0))
    assert picks.shape == (n,)
    share = {c: np.mean(picks == c) for c in (0, 1, 2, NO_PURCHASE)}
    # probabilities 3/6, 2/6, 0, 1/6 (see the hand-made matrix above); the largest standard
    # error of a share is sqrt(0.5 * 0.5 / 20000) = 0.0035, so 0.015 is more than 4 of them
    assert share[0] == pytest.approx(0.5, abs=0.015)
    assert share[1] == pytest.approx(1 / 3, abs=0.015)
    assert share[NO_PURCHASE] == pytest.approx(1 / 6, abs=0.015)
    assert share[2] == 0.0  # a -inf offer is never chosen


def test_choose_returns_no_purchase_when_there_is_no_real_offer():
    picks = MultinomialLogit(0.0).choose(np.full((50, 2), -np.inf), np.random.default_rng(1))
    assert (picks == NO_PURCHASE).all()


def test_choose_is_reproducible_with_the_same_seed():
    utilities = np.random.default_rng(5).normal(size=(200, 4))
    rule = MultinomialLogit(0.5)
    first = rule.choose(utilities, np.random.default_rng(9))
    second = rule.choose(utilities, np.random.default_rng(9))
    assert np.array_equal(first, second)


# --- LinearUtility ---------------------------------------------------------------------------

ONE_OFFER = {
    "match": [[0.8]],
    "quality_mean": [[0.6]],
    "quality_variance": [[0.01]],
    "signals": [[0.4]],
    "tie": [[0.5]],
    "promotion": [[0.2]],
    "price": [[0.5]],
    "fee": [[0.1]],
    "delivery_days": [[10.0]],
    "return_hassle": [[0.5]],
    "payment_friction": [[1.0]],
}
ONE_BUYER = {
    "price": [2.0],
    "fee": [2.0],
    "delay": [0.08],
    "returns": [1.0],
    "payment": [1.0],
    "risk_aversion": [20.0],
    "tie_weight": [1.6],
}
WEIGHTS = UtilityConfig(match=1.5, quality=3.0, signals=0.5, tie=2.0, promotion=1.0)


def test_linear_utility_of_one_offer_computed_by_hand():
    u = LinearUtility(WEIGHTS).score(offers(**ONE_OFFER), traits(**ONE_BUYER))
    # gains: 1.5*0.8 + 3*0.6 + 0.5*0.4 + 1*0.2 + 2*1.6*0.5 = 1.2 + 1.8 + 0.2 + 0.2 + 1.6 = 5.0
    # costs: 2*0.5 + 2*0.1 + 0.08*10 + 1*0.5 + 1*1.0 + 20*0.01 = 1 + .2 + .8 + .5 + 1 + .2 = 3.7
    assert u.shape == (1, 1)
    assert u[0, 0] == pytest.approx(1.3)  # 5.0 - 3.7


def test_linear_utility_applies_each_buyers_own_traits_to_its_row():
    two_rows = {name: column * 2 for name, column in ONE_OFFER.items()}
    buyers = {name: column * 2 for name, column in ONE_BUYER.items()}
    buyers["price"] = [2.0, 0.0]  # the second buyer ignores price
    buyers["tie_weight"] = [1.6, 0.0]  # and ties
    u = LinearUtility(WEIGHTS).score(offers(**two_rows), traits(**buyers))
    assert u[0, 0] == pytest.approx(1.3)  # as above
    # second row: gains 5.0 - 1.6 (no tie) = 3.4; costs 3.7 - 1.0 (no price) = 2.7
    assert u[1, 0] == pytest.approx(0.7)  # 3.4 - 2.7


@pytest.mark.parametrize(
    ("feature", "direction"),
    [
        ("match", +1),
        ("quality_mean", +1),
        ("signals", +1),
        ("promotion", +1),
        ("tie", +1),
        ("price", -1),
        ("fee", -1),
        ("delivery_days", -1),
        ("return_hassle", -1),
        ("payment_friction", -1),
        ("quality_variance", -1),
    ],
)
def test_linear_utility_rises_with_gains_and_falls_with_costs(feature, direction):
    base = offers(**ONE_OFFER)
    more = offers(**{**ONE_OFFER, feature: [[ONE_OFFER[feature][0][0] + 0.1]]})
    model = LinearUtility(WEIGHTS)
    delta = model.score(more, traits(**ONE_BUYER)) - model.score(base, traits(**ONE_BUYER))
    assert np.sign(delta[0, 0]) == direction  # every weight and trait above is positive


def test_invalid_offers_score_minus_infinity_whatever_their_features():
    columns = {name: [[value[0][0], np.nan]] for name, value in ONE_OFFER.items()}
    columns["valid"] = [[True, False]]  # the second column is padding, with NaN features
    u = LinearUtility(WEIGHTS).score(offers(**columns), traits(**ONE_BUYER))
    assert u[0, 0] == pytest.approx(1.3)  # the real offer, as computed by hand above
    assert u[0, 1] == -np.inf
    # and the padding never wins: 0 probability under the logit
    assert MultinomialLogit(0.0).probabilities(u)[0, 1] == 0.0
