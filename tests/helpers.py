"""Helpers the tests share: small configs composed from `configs/`, running a model day by
day, a hand-made two-country world, and running the commands as a user would."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sim.config import CategoryConfig, CountryConfig, MarketConfig, SimConfig
from sim.config.compose import load_config
from sim.simulation.model import MarketModel
from sim.state.world import World

_BASE: dict[tuple[str, ...], SimConfig] = {}


def small_config(*overrides: str, n_traders: int = 400, days: int = 40) -> SimConfig:
    """A small market composed like the command line would, cached per override list."""
    key = (*overrides, f"population.n_traders={n_traders}", f"days={days}")
    if key not in _BASE:
        warm = min(10, days - 1)
        _BASE[key] = load_config([*key, f"warm_up_days={warm}", "progress=false"])
    return copy.deepcopy(_BASE[key])


def run_model(config: SimConfig, each_day: Callable[[MarketModel], None] | None = None):
    """Run a model for config.days days, calling `each_day(model)` after every step."""
    model = MarketModel(config)
    for _ in range(config.days):
        model.step()
        if each_day is not None:
            each_day(model)
    return model


def two_country_world(categories: dict[str, list[float]]) -> World:
    """A US-China world with the given categories' tag vectors (two tags), for unit tests."""
    cost = {"US": 0.7, "CN": 0.5}
    return World.from_config(
        MarketConfig(
            countries={
                "US": CountryConfig(currency="USD"),
                "CN": CountryConfig(currency="CNY", fx_rate=7.0),
            },
            tag_names=["a", "b"],
            categories={
                name: CategoryConfig(tags=tags, sourcing_cost=cost)
                for name, tags in categories.items()
            },
            shipping_cost={"US": {"US": 3, "CN": 6}, "CN": {"US": 6, "CN": 1.5}},
            delivery_days={"US": {"US": 3, "CN": 10}, "CN": {"US": 10, "CN": 3}},
        )
    )


ROOT = Path(__file__).resolve().parent.parent


def run_module(module: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m MODULE ARGS` from the project's root, as a user would type it."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_refused(done: subprocess.CompletedProcess, *fragments: str) -> None:
    """The command stopped with exit 2 and a message naming `fragments`, not a traceback."""
    assert done.returncode == 2, done.stderr[-2000:]
    for fragment in fragments:
        assert fragment in done.stderr, (fragment, done.stderr)
    assert "Traceback" not in done.stderr
