"""The public API: every name `sim` declares resolves, and importing `sim` alone loads neither
the simulator nor Hydra (so `python -m sim` and its tools start fast)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sim


@pytest.mark.parametrize("name", sim.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(sim, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="nope"):
        sim.nope  # noqa: B018


def test_importing_sim_loads_nothing_heavy() -> None:
    probe = (
        "import sys, sim; print(sorted(m for m in ('mesa', 'hydra', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_a_run_through_the_public_api() -> None:
    config = sim.load_config(["population.n_traders=80", "days=12", "warm_up_days=2"])
    result = sim.simulate(config)
    assert result.summary["orders"] == len(sim.metrics.in_window(result.orders, 2, 12))
