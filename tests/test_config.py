"""Every shipped config composes and validates; bad values are rejected with their key."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import ConfigError, SimConfig, check_key, knobs, validate
from sim.config.compose import load_config

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
NOT_GROUPS = ("targets",)  # data for calibration, not options of a run
OPTIONS = sorted(
    f"{path.parent.relative_to(CONFIGS)}={path.stem}"
    for path in [*CONFIGS.glob("*/*.yaml"), *CONFIGS.glob("*/*/*.yaml")]
    if path.parent.name not in NOT_GROUPS
)


@pytest.mark.parametrize("option", OPTIONS)
def test_every_config_option_composes_and_validates(option: str) -> None:
    config = load_config([option] if option.count("/") < 1 else ["strategy=full", option])
    assert isinstance(config, SimConfig)


def test_a_strategy_component_can_be_swapped_on_its_own() -> None:
    config = load_config(
        ["strategy=rfm", "strategy/promotion=sample", "strategy.holdout_share=0.2"]
    )
    s = config.strategy
    assert (s.name, s.segmentation.kind, s.promotion.kind, s.holdout_share) == (
        "rfm",
        "rfm",
        "sample",
        0.2,
    )


BASE = load_config([])
# (key, bound, True for a lower bound) for every bound of every range-checked field
BOUNDS = [
    (knob.key, knob.meta[side], side == "lo")
    for knob in knobs(BASE)
    for side in ("lo", "hi")
    if knob.meta.get(side) is not None
]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(BOUNDS), st.floats(1e-6, 1e6))
def test_out_of_range_values_are_rejected_naming_the_key(
    bound_of: tuple[str, float, bool], excess: float
) -> None:
    key, bound, low = bound_of
    bad = bound - excess if low else bound + excess
    config = copy.deepcopy(BASE)
    knob = next(k for k in knobs(config) if k.key == key)
    if isinstance(knob.value, int):
        bad = math.floor(bad) if low else math.ceil(bad)  # stay outside the range
    setattr(knob.owner, knob.name, bad)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate(config)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["platform.commission=1.5"],
            r"platform\.commission=1\.5 is not allowed: a number in \[0, 1\]",
        ),
        (["warm_up_days=500"], r"warm_up_days=500 is not allowed: fewer days than days=365"),
        (["strategy.channel.fixed=fax"], r"strategy\.channel\.fixed='fax' .*one of onsite, edm"),
        (["strategy.timing.kind=never"], r"strategy\.timing\.kind='never' .*one of cadence"),
        (["strategy.channel.by_stage.loyal=pigeon"], r"by_stage\.loyal='pigeon'"),
        (["strategy.segmentation.frequency=[4,2]"], r"segmentation\.frequency=\[4, 2\]"),
        (["market.roles.entry_margin=0.1"], r"market\.roles\.entry_margin=0\.1 .*exit_margin"),
        (["population.type_shares.risky=0.5"], r"population\.type_shares=.*sum to 1"),
        (["market.shocks.0.target=XX"], r"market\.shocks\.0\.target='XX' .*a country"),
        (["market.shocks.0.kind=flood"], r"market\.shocks\.0\.kind='flood' .*one of fx"),
        (["market.shipping_cost.US.CN=-1"], r"market\.shipping_cost\.US\.CN=-1 .*in \[0, 100000\]"),
        (["mix=rfm_vs_personalized", "mix.personalized.share=0.7"], r"mix=.*summing to <= 1"),
        (["mix=rfm_vs_personalized", "mix.personalized.name=rfm"], r"mix=.*distinct strategy"),
        # accepted once, and wrong or crashing later (issue 19)
        (["population.price_sensitivity=inf"], r"price_sensitivity=inf .*a number in \[0, 50\]"),
        (["market.start_date="], r"market\.start_date='' .*YYYY-MM-DD"),
        (["market.start_date=2025-13-40"], r"market\.start_date='2025-13-40' .*YYYY-MM-DD"),
        (["strategy.name="], r"strategy\.name='' .*not empty"),
        (["strategy.name=' '"], r"strategy\.name=' ' .*not empty"),
        (["population.n_traders=99999999999999999999"], r"n_traders=99999999999999999999 .*1e\+09"),
        (
            ["market.countries.US.income=1e15"],
            r"countries\.US\.income=1000000000000000\.0 .*\[1, 1e\+06\]",
        ),
        (
            ["strategy=segmented", "strategy.segmentation.fit_sample=1"],
            r"segmentation\.fit_sample=1 .*at least strategy\.segmentation\.k=4",
        ),
        (["market.categories.toys.tags=[1,inf,0,0,0,0,0,0]"], r"categories\.toys\.tags="),
        (
            ["market.delivery_days.US.CN=1e9"],
            r"delivery_days\.US\.CN=1000000000\.0 .*\[0, 100000\]",
        ),
        # the import regime (issue 22)
        (["market.countries.US.duty=-0.1"], r"countries\.US\.duty=-0\.1 .*\[0, 5\]"),
        (["market.countries.DE.vat=1.2"], r"countries\.DE\.vat=1\.2 .*\[0, 1\]"),
        (["market.countries.US.duty_de_minimis=-800"], r"duty_de_minimis=-800\.0 .*\[0, 1e\+09\]"),
        (["market.countries.US.duty_de_minimis=800 USD"], r"duty_de_minimis.*800 USD"),
        (
            ["+market.countries.US.duty_by_category.shoes=0.1"],
            r"duty_by_category=\{.*'shoes'.* categories of market\.categories",
        ),
        (
            ["market.countries.US.duty_by_category.toys=-1"],
            r"duty_by_category\.toys=-1\.0 .*a duty rate in \[0, 5\]",
        ),
        (["market.shocks.0.size=-1"], r"market\.shocks\.0\.size=-1\.0 .*above -1 for kind=fx"),
        (
            ["market=de_minimis_end", "market.shocks.0.target=XX"],
            r"market\.shocks\.0\.target='XX' .*a country \(US, GB",
        ),
        (
            ["market=de_minimis_end", "market.shocks.0.target='CN>US'"],
            r"target='CN>US' .*a single country for kind=de_minimis",
        ),
    ],
)
def test_rules_across_fields_name_the_key_value_and_what_is_allowed(
    overrides: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(["market=currency_shock", *overrides])


def test_keys_outside_the_schema_are_named_with_the_keys_that_exist() -> None:
    check_key("market.roles.patience", "3")  # a real key passes
    check_key("market.countries.US.duty", "0.2")  # inside a table: checked after composing
    with pytest.raises(ConfigError, match=r"market\.roles\.patince='3' .*patience"):
        check_key("market.roles.patince", "3")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("+colour=red", r"colour='red' is not allowed: .*the keys of the top level are seed"),
        ("++market.roles.patince=3", r"market\.roles\.patince=3 is not allowed: .*patience"),
    ],
)
def test_keys_added_with_plus_must_be_in_the_schema(override: str, message: str) -> None:
    # Hydra adds them without complaint, and the run would ignore them
    with pytest.raises(ConfigError, match=message):
        load_config([override])


def sweep_options() -> list[str]:
    """Every value of every sweep parameter of every experiment, as `experiment=X key=value`;
    an experiment without a sweep of its own (sensitivity: its design is the command's) as
    `experiment=X` alone."""
    options = []
    for path in sorted((CONFIGS / "experiment").glob("*.yaml")):
        preset = yaml.safe_load(path.read_text())
        params = preset.get("hydra", {}).get("sweeper", {}).get("params") or {}
        if not params:
            options.append(f"experiment={path.stem}")
        for key, values in params.items():
            if key != "seed":
                options += [f"experiment={path.stem} {key}={v}" for v in str(values).split(",")]
    return options


@pytest.mark.parametrize("option", sweep_options())
def test_every_run_of_every_experiment_composes_and_validates(option: str) -> None:
    assert isinstance(load_config(option.split()), SimConfig)


def test_the_sourcing_walk_is_stable_for_every_half_life_allowed() -> None:
    from sim.simulation.run import simulate

    for half_life in (0.01, 0.1, 0.35, 1e5):
        config = load_config(
            [
                "population.n_traders=150",
                "days=60",
                "warm_up_days=5",
                "progress=false",
                f"market.sourcing_half_life={half_life}",
                "market.sourcing_volatility=0.5",
            ]
        )
        result = simulate(config)
        assert (result.timeseries["money_total"] == 0).all(), half_life
        assert np.isfinite(result.orders["price"]).all(), half_life
