"""Customers who lapse and come back, contacts whose effect lasts, value for money, festival
responsiveness and promotion tools learned per segment (docs/model.md sections 7.5, 7.10, 7.11).

Hand-worked numbers beside their assertions; whole-market behaviour on small markets.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import PopulationConfig, PromotionConfig
from sim.config.schema import default_channels
from sim.config.vocabulary import COUPON, SAMPLE, TRIAL
from sim.marketing.channels import ChannelTable, deliver, response_delay
from sim.marketing.promotions import choose_promotions
from sim.mechanisms.fulfilment import satisfaction
from sim.simulation.run import simulate
from sim.state.population import lapse_chances
from sim.state.relations import Relations
from tests.helpers import small_config

# --- contacts whose effect lasts ----------------------------------------------------------------


def test_response_delay_computed_by_hand():
    # chance 0.5, half-life 1 day: the lifetime hazard is ln 2; by the end of day 0 half of it
    # is spent, so 1 - exp(-ln2 / 2) = 0.2929 of customers have responded: 0.5858 of responders
    chance = np.array([0.5, 0.5])
    u = np.array([0.5, 0.7])
    # u 0.5: share ln(1 - 0.25) / ln(0.5) = 0.4150, t = -log2(0.5850) = 0.774: day 0
    # u 0.7: share ln(1 - 0.35) / ln(0.5) = 0.6215, t = -log2(0.3785) = 1.402: day 1
    assert response_delay(chance, 1.0, u).tolist() == [0, 1]
    day0 = (1 - math.exp(-math.log(2) / 2)) / 0.5
    assert day0 == pytest.approx(0.5858, abs=1e-4)
    assert response_delay(np.array([0.5]), 1.0, np.array([day0 - 1e-9])).tolist() == [0]
    assert response_delay(np.array([0.5]), 1.0, np.array([day0 + 1e-9])).tolist() == [1]


def test_a_short_awareness_brings_every_response_the_same_day():
    u = np.linspace(0.0, 0.999, 50)
    assert (response_delay(np.full(50, 0.3), 0.01, u) == 0).all()


@settings(max_examples=200, deadline=None)
@given(
    chance=st.floats(0.0, 1.0),
    half_life=st.floats(0.01, 1000.0),
    u=st.floats(0.0, 1.0, exclude_max=True),
    more=st.floats(0.0, 1.0),
)
def test_response_delays_are_whole_days_and_longer_the_longer_awareness_lasts(
    chance, half_life, u, more
):
    short = response_delay(np.array([chance]), half_life, np.array([u]))[0]
    long = response_delay(np.array([chance]), half_life * (1 + more), np.array([u]))[0]
    assert 0 <= short <= long


def test_delays_follow_the_decaying_awareness_on_average():
    rng = np.random.default_rng(0)
    # a small chance: the delay is nearly exponential with mean half_life / ln 2
    delay = response_delay(np.full(200_000, 1e-4), 5.0, rng.random(200_000))
    continuous_mean = 5.0 / math.log(2)  # 7.21 days; flooring takes about half a day off
    assert delay.mean() == pytest.approx(continuous_mean - 0.5, abs=0.1)


def test_awareness_halves_every_half_life_and_is_zero_without_a_reaching_contact():
    r = Relations(3, 2, half_life=90.0)
    buyers, sellers = np.array([0, 1]), np.array([2, 2])
    slots = r.ensure(buyers, sellers, day=10)
    r.record_touch(
        buyers, slots, 10, np.array([2, 2]), np.zeros(2), np.zeros(2), np.array([True, False])
    )
    aware = r.awareness_now(buyers, slots, 13, half_life=3.0)
    assert aware.tolist() == pytest.approx([0.5, 0.0])  # reached 3 days ago; never reached
    assert r.awareness_now(buyers, slots, 10, 3.0)[0] == pytest.approx(1.0)
    assert r.awareness_now(np.array([2]), np.array([-1]), 13, 3.0).tolist() == [0.0]


def test_contacts_bring_visits_on_later_days_too():
    config = small_config("strategy=email", n_traders=1500, days=120)
    config.platform.awareness_half_life = 5.0
    result = simulate(config)
    contacts = result.events[result.events["kind"] == "contact"]
    assert len(contacts) > 0
    landed = contacts[contacts["outcome"] == "landed"]
    sessions = result.events[result.events["kind"] == "session"]
    # some landed contacts' buyers shop with their seller on a later day, not the day sent
    same_day = landed.merge(sessions, left_on=["day", "other"], right_on=["day", "trader"])
    assert len(same_day) < len(landed)


# --- festival responsiveness --------------------------------------------------------------------


def test_customers_respond_more_readily_on_festival_days():
    table = ChannelTable.from_config(default_channels())
    n = 100_000
    channel = np.ones(n, dtype=np.int64)  # EDM
    ones, zeros = np.ones(n), np.zeros(n)
    args = (table, channel, ones, zeros, zeros)
    quiet = deliver(*args, ones, 3.0, np.random.default_rng(1))
    festive = deliver(*args, 2.0 * ones, 3.0, np.random.default_rng(1))
    # the same draws: every response of a quiet day also comes on a festival day, and more
    assert (festive.landed >= quiet.landed).all()
    rate = festive.landed.mean() / quiet.landed.mean()
    assert rate == pytest.approx(2.0, rel=0.05)  # EDM's response (0.03) doubled, unclipped


# --- value for money ------------------------------------------------------------------------------


def test_satisfaction_rises_with_value_for_money():
    q, e, late = np.array([0.6, 0.6, 0.6]), np.array([0.6, 0.6, 0.6]), np.zeros(3)
    value = np.array([1.0, math.exp(0.5), math.exp(-0.5)])  # at, below, above the going price
    # 0.6 + 0.2 * ln(value): 0.6, 0.6 + 0.1, 0.6 - 0.1
    assert satisfaction(q, e, late, value).tolist() == pytest.approx([0.6, 0.7, 0.5])


# --- customers who lapse and come back ------------------------------------------------------------


def testlapse_chances_average_their_mean_and_keep_their_order():
    u = np.random.default_rng(0).random(100_000)
    low = lapse_chances(PopulationConfig(lapse_chance=0.05, lapse_concentration=2.0), u)
    high = lapse_chances(PopulationConfig(lapse_chance=0.2, lapse_concentration=2.0), u)
    assert low.mean() == pytest.approx(0.05, abs=0.003)
    assert high.mean() == pytest.approx(0.2, abs=0.005)
    assert (high >= low).all()  # by quantile: the same buyers are the most lapse-prone
    alike = lapse_chances(PopulationConfig(lapse_chance=0.05, lapse_concentration=1000.0), u)
    assert alike.std() < low.std()  # a high concentration makes buyers alike
    never = lapse_chances(PopulationConfig(lapse_chance=0.0), u)
    assert (never == 0.0).all()


def _lapse_run(*overrides: str):
    config = small_config(*overrides, n_traders=1200, days=150)
    return simulate(config)


def test_a_buyer_that_lapses_for_good_never_shops_again():
    result = _lapse_run("population.lapse_chance=1.0", "population.winback_chance=0.0")
    events = result.events
    lapses = events[events["kind"] == "lapse"].groupby("trader")["day"].min()
    assert len(lapses) > 0
    sessions = events[events["kind"] == "session"]
    after = sessions.merge(lapses.rename("lapsed_on"), left_on="trader", right_index=True)
    assert (after["day"] <= after["lapsed_on"]).all()  # no session after the lapse
    assert not (events["kind"] == "comeback").any()  # no marketing, no win-back: none return


def test_no_buyer_lapses_when_the_chance_is_zero():
    result = _lapse_run("population.lapse_chance=0.0")
    assert not result.events["kind"].isin(["lapse", "comeback"]).any()


def test_lapsed_buyers_come_back_and_a_contact_wins_some_back():
    result = _lapse_run(
        "population.lapse_chance=0.5", "population.winback_chance=0.2", "strategy=rfm"
    )
    comebacks = result.events[result.events["kind"] == "comeback"]
    assert set(comebacks["detail"]) == {"", "contact"}  # on their own, and by a contact


def test_disappointed_buyers_lapse_more_often():
    result = _lapse_run("population.lapse_chance=0.1", "population.bad_experience_lapse=5")
    orders = result.orders[result.orders["delivered"]]
    lapses = result.events[result.events["kind"] == "lapse"]
    disappointed = (orders["satisfaction"] < 0.5) | orders["returned"]
    share = lapses["detail"].eq("disappointed").mean()
    assert share > disappointed.mean()  # over-represented among lapses


def test_lapse_lowers_repeat_purchase():
    kept = _lapse_run("population.lapse_chance=0.0").summary["repeat_rate"]
    lapsing = _lapse_run("population.lapse_chance=0.6").summary["repeat_rate"]
    assert lapsing < kept


# --- promotion tools learned per segment -------------------------------------------------------


def test_by_segment_gives_each_segment_the_tool_it_responds_to():
    # segment 0 answered coupons, segment 1 samples, 200 tries each of every tool
    tries = np.full((2, 3), 200.0)
    wins = np.array([[150.0, 10.0, 10.0], [10.0, 150.0, 10.0]])
    segment = np.array([0, 1, 0, 1])
    choice = choose_promotions(
        PromotionConfig(kind="by_segment"),
        np.array([3, 3, 0, 0]),
        tries[segment],
        wins[segment],
        np.random.default_rng(0),
    )
    assert choice.tolist() == [COUPON, SAMPLE, COUPON, SAMPLE]
    assert TRIAL not in choice


def test_segmented_and_mass_marketing_differ_even_when_no_budget_binds():
    unbounded = ("strategy.budget.spend_cap=10000", "strategy.budget.frequency_cap=50")
    mass = simulate(small_config("strategy=mass", *unbounded, n_traders=1500, days=120))
    segmented = simulate(small_config("strategy=segmented", *unbounded, n_traders=1500, days=120))
    tools = [
        r.events.loc[r.events["kind"] == "contact", "tool"].value_counts(normalize=True)
        for r in (mass, segmented)
    ]
    assert not pd.Series(tools[0]).equals(pd.Series(tools[1]))
    assert mass.summary["orders"] != segmented.summary["orders"]
