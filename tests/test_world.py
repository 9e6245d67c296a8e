"""Tests of sim.world: the static World read from config, and the daily MarketConditions.

A tiny three-country market is built by hand so every expected number can be worked out beside
its assertion. Countries are indexed in config order: US = 0 (reference), CN = 1, DE = 2.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config import (
    CategoryConfig,
    CountryConfig,
    FestivalConfig,
    MarketConfig,
    ShockConfig,
)
from sim.state.world import MarketConditions, World

US, CN, DE = 0, 1, 2
NAMES = ("US", "CN", "DE")
DEFAULT_MARKET = Path(__file__).resolve().parents[1] / "configs" / "market" / "default.yaml"


def tiny_market(shocks=(), sale_days=(), festivals=None, volatility=0.01, **kw) -> MarketConfig:
    """US (USD, the reference), CN (CNY 7.0) and DE (EUR 0.9); two categories."""
    festivals = festivals or {}
    rates = {"US": ("USD", 1.0, 0.05), "CN": ("CNY", 7.0, 0.10), "DE": ("EUR", 0.9, 0.04)}
    countries = {
        name: CountryConfig(
            currency=currency,
            fx_rate=rate,
            fx_volatility=0.0 if name == "US" else volatility,
            duty=tariff,
            population_share=share,
            festivals=list(festivals.get(name, [])),
        )
        for (name, (currency, rate, tariff)), share in zip(rates.items(), (2, 1, 1), strict=True)
    }
    cost = {"US": 0.7, "CN": 0.5, "DE": 0.6}
    return MarketConfig(
        reference_currency="USD",
        tag_names=["a", "b"],
        countries=countries,
        categories={
            "toys": CategoryConfig(price=30.0, tags=[3.0, 4.0], sourcing_cost=cost),
            "tech": CategoryConfig(price=100.0, tags=[0.0, 2.0], sourcing_cost=cost),
        },
        shipping_cost={
            "US": {"US": 3.0, "CN": 6.0, "DE": 7.0},
            "CN": {"US": 6.0, "CN": 1.5, "DE": 7.0},
            "DE": {"US": 7.0, "CN": 7.0, "DE": 2.5},
        },
        delivery_days={
            "US": {"US": 3.0, "CN": 10.0, "DE": 7.0},
            "CN": {"US": 10.0, "CN": 3.0, "DE": 10.0},
            "DE": {"US": 7.0, "CN": 10.0, "DE": 2.0},
        },
        sale_days=list(sale_days),
        shocks=list(shocks),
        **kw,
    )


def conditions(market: MarketConfig, seed: int = 0) -> MarketConditions:
    return MarketConditions(World.from_config(market), market, np.random.default_rng(seed))


def rate_path(market: MarketConfig, days: int, seed: int = 0) -> np.ndarray:
    """Rates by day (days x countries), advancing one day at a time from day 0."""
    c = conditions(market, seed)
    path = []
    for day in range(days):
        c.advance(day)
        path.append(c.rates.copy())
    return np.array(path)


# --- World.from_config -----------------------------------------------------------------------


def test_world_reads_the_static_facts_of_the_market():
    w = World.from_config(tiny_market())
    assert w.countries == NAMES
    assert w.currencies == ("USD", "CNY", "EUR")
    assert w.reference == US
    assert w.base_rates.tolist() == [1.0, 7.0, 0.9]
    assert w.fx_volatility.tolist() == [0.0, 0.01, 0.01]
    assert w.population_share == pytest.approx([0.5, 0.25, 0.25])  # 2, 1, 1 over 4
    # tags are unit vectors: [3, 4] / 5 and [0, 2] / 2
    assert w.category_tags == pytest.approx(np.array([[0.6, 0.8], [0.0, 1.0]]))
    assert w.shipping_cost[CN, US] == 6.0  # row = origin, column = destination
    assert w.delivery_days[US, CN] == 10.0


def test_a_tariff_is_paid_on_imports_into_its_country_and_not_on_domestic_trade():
    t = World.from_config(tiny_market()).base_duties[:, :, 0]
    # column = destination: imports into US pay 5%, into CN 10%, into DE 4%; diagonal is 0
    assert t.tolist() == [[0.0, 0.10, 0.04], [0.05, 0.0, 0.04], [0.05, 0.10, 0.0]]


def test_the_default_market_has_the_reference_currency_at_rate_one():
    market = OmegaConf.to_object(
        OmegaConf.merge(OmegaConf.structured(MarketConfig), OmegaConf.load(DEFAULT_MARKET))
    )
    w = World.from_config(market)
    assert w.currencies[w.reference] == "USD"
    assert w.base_rates[w.reference] == 1.0
    assert w.fx_volatility[w.reference] == 0.0
    assert w.population_share.sum() == pytest.approx(1.0)
    # CN: singles_day (day 313, 2 days, x3) overlaps double_eleven (day 314, x2): 3 * 2 = 6
    cn = w.countries.index("CN")
    assert w.festival_boost[cn, 313] == pytest.approx(3.0)
    assert w.festival_boost[cn, 314] == pytest.approx(6.0)


# --- calendar and demand ---------------------------------------------------------------------


def calendar_market(**kw) -> MarketConfig:
    return tiny_market(
        festivals={"CN": [FestivalConfig(day=10, length=2, boost=3.0)]},
        sale_days=[FestivalConfig(day=11, length=1, boost=2.0)],
        **kw,
    )


def test_festival_and_sale_days_multiply_needs():
    c = conditions(calendar_market())
    assert c.need_multiplier(9).tolist() == [1.0, 1.0, 1.0]  # an ordinary day
    assert c.need_multiplier(10).tolist() == [1.0, 3.0, 1.0]  # CN festival only
    # day 11: CN festival x3 and platform sale x2 -> 6; US and DE only the sale -> 2
    assert c.need_multiplier(11).tolist() == [2.0, 6.0, 2.0]
    assert c.need_multiplier(12).tolist() == [1.0, 1.0, 1.0]  # the 2-day festival is over
    # the calendar repeats every year: day 365 + 11 is day 11
    assert c.need_multiplier(376).tolist() == [2.0, 6.0, 2.0]


def test_an_event_at_the_end_of_the_year_wraps_into_january():
    c = conditions(tiny_market(sale_days=[FestivalConfig(day=364, length=3, boost=1.5)]))
    # days 364, 365 = 0 and 366 = 1 of the year
    assert [c.need_multiplier(d)[US] for d in (363, 364, 0, 1, 2)] == [1.0, 1.5, 1.5, 1.5, 1.0]


def test_a_demand_shock_scales_the_need_multiplier_from_its_day_on():
    shock = ShockConfig(day=3, kind="demand", target="CN", size=0.2)
    c = conditions(calendar_market(shocks=[shock]))
    for day in range(3):
        c.advance(day)
    assert c.need_multiplier(2).tolist() == [1.0, 1.0, 1.0]  # before the shock
    c.advance(3)
    assert c.need_multiplier(3) == pytest.approx([1.0, 1.2, 1.0])  # 1 + 0.2 in CN only
    # and it stacks with the calendar: day 11 in CN is 3 * 2 * 1.2 = 7.2
    assert c.need_multiplier(11) == pytest.approx([2.0, 7.2, 2.0])


# --- exchange rates --------------------------------------------------------------------------


def test_an_fx_shock_multiplies_the_targets_rate_by_one_plus_size_on_its_day():
    shock = ShockConfig(day=5, kind="fx", target="CN", size=0.3)
    shocked = rate_path(tiny_market(shocks=[shock]), days=10)
    calm = rate_path(tiny_market(), days=10)  # same seed: the same random walk
    ratio = shocked / calm
    assert ratio[:5] == pytest.approx(np.ones((5, 3)))  # days 0-4: no change yet
    # from day 5 on CNY is 30% weaker: 7.0 CNY per USD becomes about 9.1; others unchanged
    assert ratio[5:, CN] == pytest.approx(np.full(5, 1.3))
    assert ratio[5:, [US, DE]] == pytest.approx(np.ones((5, 2)))


def test_an_fx_shock_on_a_calm_market_is_exact():
    market = tiny_market(shocks=[ShockConfig(day=0, kind="fx", target="DE", size=-0.1)])
    c = conditions(market)
    c.advance(0)  # no random-walk step on day 0
    assert c.rates == pytest.approx([1.0, 7.0, 0.81])  # 0.9 * (1 - 0.1) = 0.81


def test_an_fx_shock_on_the_reference_currency_moves_all_others_by_one_over_one_plus_size():
    shock = ShockConfig(day=5, kind="fx", target="US", size=0.3)
    shocked = rate_path(tiny_market(shocks=[shock]), days=8)
    calm = rate_path(tiny_market(), days=8)
    assert shocked[:, US].tolist() == [1.0] * 8  # the reference stays exactly 1
    ratio = shocked / calm
    assert ratio[:5, [CN, DE]] == pytest.approx(np.ones((5, 2)))
    # a weaker USD buys fewer of every other currency: 1 / 1.3 = 0.769
    assert ratio[5:, [CN, DE]] == pytest.approx(np.full((3, 2), 1 / 1.3))


def test_the_reference_rate_stays_exactly_one_while_others_walk():
    path = rate_path(tiny_market(volatility=0.05, fx_jump_probability=0.2), days=100)
    assert (path[:, US] == 1.0).all()  # exact, not approximately
    # the others walk: every day's log rate moves by a step of sd 0.05 (plus rare jumps)
    steps = np.diff(np.log(path[:, [CN, DE]]), axis=0)
    assert (steps != 0).all()
    # sd of a step: sqrt(0.05**2 + 0.2 * 0.1**2) = sqrt(0.0045) = 0.067 (walk plus jumps of
    # sd 0.1 on 20% of days); with 198 heavy-tailed steps the sample sd is within 20% of that
    assert steps.std() == pytest.approx(0.067, rel=0.2)


def test_the_same_seed_gives_the_same_rate_path_and_another_seed_another():
    market = tiny_market(volatility=0.02, fx_jump_probability=0.1)
    first, again = rate_path(market, days=60, seed=7), rate_path(market, days=60, seed=7)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, rate_path(market, days=60, seed=8))


def test_shocks_do_not_change_the_random_path_of_other_days():
    # a demand shock draws no random numbers: the rate path is the same with or without it
    demand = ShockConfig(day=2, kind="demand", target="DE", size=0.5)
    market = tiny_market(volatility=0.02)
    assert np.array_equal(
        rate_path(tiny_market(volatility=0.02, shocks=[demand]), 20), rate_path(market, 20)
    )


# --- tariffs ---------------------------------------------------------------------------------


def shocked_on_day_zero(kind: str, target: str, size: float) -> MarketConditions:
    c = conditions(tiny_market(shocks=[ShockConfig(day=0, kind=kind, target=target, size=size)]))
    c.advance(0)
    return c


def test_a_tariff_shock_on_a_route_changes_only_that_route():
    c = shocked_on_day_zero("duty", "CN>US", 0.15)
    expected = World.from_config(tiny_market()).base_duties[:, :, 0].copy()
    expected[CN, US] = 0.20  # 0.05 + 0.15
    assert c.duties[:, :, 0] == pytest.approx(expected)
    assert c.duties[DE, US, 0] == pytest.approx(0.05)  # other imports into US unchanged


def test_a_tariff_shock_on_a_country_changes_all_its_imports_but_not_domestic_trade():
    c = shocked_on_day_zero("duty", "US", 0.15)
    # column US: CN -> US and DE -> US rise from 0.05 to 0.20; US -> US stays 0
    assert c.duties[:, US, 0] == pytest.approx([0.0, 0.20, 0.20])
    # imports into CN and DE are unchanged
    assert c.duties[:, CN, 0] == pytest.approx([0.10, 0.0, 0.10])
    assert c.duties[:, DE, 0] == pytest.approx([0.04, 0.04, 0.0])


def test_a_tariff_cut_never_makes_a_tariff_negative():
    c = shocked_on_day_zero("duty", "US", -0.5)
    assert c.duties[:, US, 0] == pytest.approx([0.0, 0.0, 0.0])  # max(0, 0.05 - 0.5) = 0


def test_a_scheduled_tariff_shock_applies_on_its_day_and_persists():
    c = conditions(tiny_market(shocks=[ShockConfig(day=3, kind="duty", target="CN>DE", size=0.1)]))
    seen = []
    for day in range(6):
        c.advance(day)
        seen.append(c.duties[CN, DE, 0])
    assert seen == pytest.approx([0.04, 0.04, 0.04, 0.14, 0.14, 0.14])  # 0.04 + 0.1 from day 3


# --- shipping --------------------------------------------------------------------------------


def test_a_shipping_shock_on_a_country_scales_routes_touching_it_and_its_domestic_route_once():
    c = shocked_on_day_zero("shipping", "CN", 0.5)
    base = World.from_config(tiny_market()).shipping_cost
    factor = c.shipping_cost / base
    # every route into or out of CN costs 1.5 times as much, CN -> CN too (1.5, not 1.5 * 1.5)
    expected = np.array(
        [
            [1.0, 1.5, 1.0],
            [1.5, 1.5, 1.5],
            [1.0, 1.5, 1.0],
        ]
    )
    assert factor == pytest.approx(expected)
    assert c.shipping_cost[CN, CN] == pytest.approx(2.25)  # 1.5 * 1.5 (base 1.5 USD)
    assert c.delivery_days[CN, US] == pytest.approx(15.0)  # days scale too: 10 * 1.5


def test_a_shipping_shock_on_a_route_scales_only_that_direction():
    c = shocked_on_day_zero("shipping", "CN>US", 0.5)
    assert c.shipping_cost[CN, US] == pytest.approx(9.0)  # 6 * 1.5
    assert c.shipping_cost[US, CN] == pytest.approx(6.0)  # the way back is unchanged
    assert c.delivery_days[CN, US] == pytest.approx(15.0)  # 10 * 1.5
    assert c.shipping_cost[CN, CN] == pytest.approx(1.5)


def test_market_conditions_do_not_change_the_static_world():
    market = tiny_market(shocks=[ShockConfig(day=0, kind="duty", target="US", size=0.3)])
    world = World.from_config(market)
    c = MarketConditions(world, market, np.random.default_rng(0))
    c.advance(0)
    assert world.base_duties[CN, US, 0] == pytest.approx(0.05)  # conditions copy, never mutate
    assert math.isclose(c.duties[CN, US, 0], 0.35)  # 0.05 + 0.3
