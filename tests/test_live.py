"""The live market behind the dashboard: its indicators are the run summary's, its knobs set
the config keys they name, and its pictures draw what the model holds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import ConfigError
from sim.config.compose import load_config
from sim.dashboard import charts
from sim.simulation.live import (
    CONTROL_KEYS,
    KPIS,
    Controls,
    LiveMarket,
    describe_shock,
    format_kpi,
    kpi_caveat,
)
from sim.simulation.run import simulate
from tests.helpers import assert_refused, run_module

SMALL = {"n_traders": 300}


def live(days: int, **knobs) -> LiveMarket:
    model = LiveMarket(load_config(Controls(**{**SMALL, **knobs}).overrides()))
    for _ in range(days):
        model.step()
    return model


def test_indicators_are_the_summary_of_a_run_as_long():
    """Day N's tiles equal `python -m sim days=N warm_up_days=0` with the same knobs."""
    knobs = {**SMALL, "strategy": "rfm", "shipping_fee_share": 0.0, "seed": 4}
    model = live(120, **knobs)
    config = load_config([*Controls(**knobs).overrides(), "days=120", "progress=false"])
    summary = simulate(config).summary
    for name, _, _ in KPIS:
        assert model.kpi[name] == pytest.approx(summary[name]), name
    assert model.kpi["retention_90d"] is not None  # day 120 is past the first 90-day follow-up


def test_day_zero_has_nothing_to_measure_and_tiles_say_so():
    model = live(0)
    assert model.kpi["gmv"] == 0.0
    assert model.kpi["visit_conversion"] is None
    assert format_kpi("visit_conversion", None) == "n/a"
    assert format_kpi("visit_conversion", 0.2345) == "23.4%"
    assert format_kpi("gmv", 12345.6) == "12,346"


def test_each_knob_sets_its_config_key():
    knobs = Controls(
        strategy="segmented",
        n_traders=700,
        signal_noise=0.6,
        identity_verification=0.5,
        shipping_fee_share=0.0,
        return_hassle=0.1,
        logistics_speed=0.5,
        scenario="fx_shock",
        seed=9,
    )
    config = load_config(knobs.overrides())
    for name, key in CONTROL_KEYS.items():
        value = config
        for part in key.split("."):
            value = getattr(value, part)
        assert value == getattr(knobs, name), key
    assert config.strategy.name == "segmented"
    (shock,) = config.market.shocks  # the scenario is a market preset, shocks and all
    assert (shock.day, shock.kind, shock.target, shock.size) == (120, "fx", "CN", 0.3)
    assert config.warm_up_days == 0  # the tiles measure from day 0


def test_slider_floats_are_written_as_typed():
    (override,) = Controls(signal_noise=0.1 * 3).overrides()[3:]
    assert override == "platform.signal_noise=0.3"
    assert load_config(Controls(signal_noise=0.1 * 3).overrides()).platform.signal_noise == 0.3


def test_default_knobs_are_the_classroom_market():
    assert Controls().overrides() == ["strategy=full", "population=classroom", "warm_up_days=0"]
    config = load_config(Controls().overrides())
    assert config.population.n_traders == Controls().n_traders
    assert config.market.shocks == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["signal_noise", "identity_verification", "return_hassle"]),
    value=st.one_of(st.floats(max_value=-0.01, min_value=-1e6), st.floats(1.01, 1e6)),
)
def test_knobs_out_of_range_are_refused_naming_the_key(name, value):
    if name == "signal_noise" and value > 0:
        value = -value  # noise has no upper bound
    with pytest.raises(ConfigError, match=CONTROL_KEYS[name].replace(".", r"\.")):
        load_config(Controls(**{name: value}).overrides())


def test_every_scenario_composes_and_says_what_it_does():
    from sim.dashboard.app import scenario_text
    from sim.dashboard.knobs import SCENARIOS

    assert SCENARIOS[0] == "default" and "fx_shock" in SCENARIOS and "de_minimis_end" in SCENARIOS
    for scenario in SCENARIOS:
        config = load_config(Controls(scenario=scenario).overrides())
        assert config.market.name == scenario
        text = scenario_text(scenario)
        assert all(f"Day {shock.day}" in text for shock in config.market.shocks), scenario


def test_indicators_say_when_they_become_meaningful():
    assert kpi_caveat("churn_rate", 21).startswith("not yet meaningful: from day 120")
    assert kpi_caveat("churn_rate", 120) is None
    assert kpi_caveat("retention_90d", 90) and kpi_caveat("retention_90d", 91) is None
    assert kpi_caveat("visit_conversion", 1) is None


def test_the_market_stops_at_the_end_of_its_year():
    model = LiveMarket(load_config([*Controls(**SMALL).overrides(), "days=5"]))
    for day in range(1, 6):
        assert model.running
        model.step()
        assert model.day == day
    assert not model.running
    model.step()  # as Mesa's Play does to finish a week that crosses the year's end
    assert model.day == 5 and len(model.kpi_history) == 5


def test_same_knobs_same_market_and_models_are_independent():
    a, b = live(30), live(10)
    for _ in range(20):
        b.step()
    assert a.kpi_history == b.kpi_history
    other = live(30, seed=1)
    assert other.kpi_history != a.kpi_history


def test_history_has_a_row_a_day_with_counts_and_indicators():
    model = live(25)
    h = model.history()
    assert list(h["day"]) == list(range(25))
    assert h["gmv"].iloc[-1] == pytest.approx(model.kpi["gmv"])
    assert h["gmv_today"].sum() == pytest.approx(model.kpi["gmv"])
    orders = model.orders()
    assert h["orders"].sum() == len(orders)


def test_trade_flows_count_recent_orders_by_country_pair():
    model = live(40)
    orders = model.orders()
    recent = orders[orders["day"] >= model.day - 30]
    flows = model.trade_flows(30)
    countries = list(model.world.countries)
    expected = recent.groupby(["seller_country", "buyer_country"], observed=True).size()
    for (seller, buyer), n in expected.items():
        assert flows[countries.index(seller), countries.index(buyer)] == n
    assert flows.sum() == len(recent)


def test_a_currency_shock_shows_in_the_rate_change():
    calm, shocked = live(125), live(125, scenario="fx_shock")
    cn = list(calm.world.countries).index("CN")
    # same seed, same random walk: the shock multiplies CN's rate by 1.3 on day 120
    assert shocked.fx_change()[cn] == pytest.approx(1.3 * calm.fx_change()[cn])
    assert np.delete(shocked.fx_change(), cn) == pytest.approx(np.delete(calm.fx_change(), cn))


def test_the_market_names_the_shock_of_the_day_just_run():
    model = live(120, scenario="fx_shock")
    assert model.shocks_today() == []
    model.step()
    (shock,) = model.shocks_today()
    assert "30% more of CN's currency" in describe_shock(shock)
    model.step()
    assert model.shocks_today() == []


def test_a_buyers_story_is_what_it_remembers():
    model = live(40)
    buyer = model.storyteller()
    orders = model.orders()
    assert buyer == orders["buyer"].value_counts().sort_index(kind="stable").idxmax()
    story = model.buyer_story(buyer)
    slots = model.state.relations.seller[buyer]
    assert sorted(story["seller"]) == sorted(slots[slots >= 0])
    mine = orders[orders["buyer"] == buyer].groupby("seller").size()
    for row in story.itertuples():
        assert row.orders == mine.get(row.seller, 0)
        assert 0 < row.belief < 1 and 0 <= row.tie <= 1
    assert live(0).storyteller() is None


@pytest.mark.parametrize("days", [0, 30])
def test_every_chart_draws_the_model(days):
    model = live(days, scenario="fx_shock")
    top = charts.roles(model).axes[0]
    (sellers,) = top.lines
    assert list(sellers.get_ydata()) == list(model.history()["sellers"])
    low, high = top.get_ylim()
    if days:
        assert high - low >= 0.1 * model.n_sellers  # a flat line looks flat
    points = sum(len(c.get_offsets()) for c in charts.market_map(model).axes[0].collections)
    assert points == min(charts.SAMPLE, model.config.population.n_traders)
    bars = charts.funnel(model).axes[0].patches
    widths = [bar.get_width() for bar in bars]
    assert widths == sorted(widths)  # each stage keeps at most the one before it
    for draw in (charts.conversion, charts.stickiness, charts.trust):
        assert draw(model).axes[0].get_title()


def test_the_exports_are_the_days_and_every_chart():
    from sim.dashboard import export
    from sim.dashboard.app import CHARTS

    model = live(10)
    lines = export.run_csv(model).decode().splitlines()
    assert lines[0].split(",")[0] == "day" and len(lines) == 11
    assert export.charts_png(model, CHARTS)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("port", "fragment"),
    [("70000", "--port=70000: allowed are 1 to 65535"), ("web", "--port='web'")],
)
def test_a_bad_port_is_refused_before_any_server_starts(port, fragment):
    assert_refused(run_module("sim.dashboard", "--port", port, timeout=60), fragment)


def test_controls_are_all_knobs():
    """Every setting the dashboard offers is a field, and every field a setting."""
    from sim.dashboard.knobs import SLIDERS

    names = {f.name for f in dataclasses.fields(Controls)}
    assert {s.name for s in SLIDERS} | {"strategy", "scenario"} == names
    for slider in SLIDERS:
        assert slider.low <= getattr(Controls(), slider.name) <= slider.high, slider.name
        assert any(c.isdigit() for c in slider.text(getattr(Controls(), slider.name)))
