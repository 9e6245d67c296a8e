"""Shared helpers: small configs composed from `configs/`, and running a model day by day."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from sim.cli import load_config
from sim.config import SimConfig
from sim.model import MarketModel

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


@pytest.fixture
def config_factory():
    return small_config
