"""The dashboard's knobs as a student reads them: a label that always shows the value and its
unit, the range a slider offers, and the choices of the pickers (strategies and scenarios)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.config.compose import CONFIG_DIR
from sim.simulation.live import NO_SCENARIO, Controls


@dataclass(frozen=True)
class Slider:
    """A numeric knob: its range and step, and how its value reads with its unit."""

    name: str
    low: float
    high: float
    step: float
    text: Callable[[float], str]

    @property
    def integer(self) -> bool:
        return isinstance(getattr(Controls(), self.name), int)


SLIDERS = (
    Slider("n_traders", 200, 5000, 100, lambda v: f"Traders: {v:,.0f}"),
    Slider(
        "signal_noise",
        0,
        1,
        0.05,
        lambda v: f"Listings' noise: {v:.2f} (0 tells all)",
    ),
    Slider("identity_verification", 0, 1, 0.1, lambda v: f"Verified sellers: {v:.0%}"),
    Slider("shipping_fee_share", 0, 1, 0.1, lambda v: f"Buyers pay {v:.0%} of shipping"),
    Slider("return_hassle", 0, 1, 0.1, lambda v: f"Return hassle: {v:.1f} of 1"),
    Slider("logistics_speed", 0.25, 2, 0.05, lambda v: f"Delivery time: x{v:.2f}"),
    Slider("seed", 0, 99, 1, lambda v: f"Seed (luck): {v:.0f}"),
)


def _presets(group: str) -> list[str]:
    return sorted(p.stem for p in Path(CONFIG_DIR, group).glob("*.yaml"))


STRATEGIES = sorted(_presets("strategy"), key=lambda name: (name != "baseline", name))
SCENARIOS = sorted(_presets("market"), key=lambda name: (name != NO_SCENARIO, name))
