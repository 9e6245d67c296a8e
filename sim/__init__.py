"""xborder-sim: an agent-based simulation of a cross-border e-commerce marketplace.

The public API, for use from Python (everything else is internal and may change):

    from sim import load_config, simulate
    result = simulate(load_config(["population=classroom", "strategy=rfm"]))
    result.summary["repeat_rate"], result.orders.head()

- `SimConfig`, `ConfigError`, `validate`: a run's configuration, and checking it.
- `load_config(overrides)`: compose `configs/` with Hydra overrides, as `python -m sim` does.
- `MarketModel`: the Mesa model; `step()` is one day.
- `simulate(config)` -> `RunResult` (summary, timeseries, orders, events, traders);
  `run_to_directory(config, folder)` also writes the outputs as `python -m sim` does.
- `summarize(orders, events, ...)`: every metric of a run's logs; `metrics`: each on its own.
- `simulated_facts(overrides, seed, cohort_offset_days)` and `mean_facts(runs)`: the stylised
  facts a calibration aims at, measured on a run as `python -m sim calibrate` measures them.

Names are imported on first use, so `python -m sim` starts without loading the simulator.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "SimConfig": "sim.config",
    "ConfigError": "sim.config",
    "validate": "sim.config",
    "load_config": "sim.config.compose",
    "MarketModel": "sim.simulation.model",
    "RunResult": "sim.simulation.run",
    "simulate": "sim.simulation.run",
    "run_to_directory": "sim.simulation.run",
    "summarize": "sim.analysis.metrics",
    "simulated_facts": "sim.commands.calibrate",
    "mean_facts": "sim.commands.calibrate",
}
_MODULES = {"metrics": "sim.analysis.metrics"}
__all__ = sorted([*_WHERE, *_MODULES])


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
