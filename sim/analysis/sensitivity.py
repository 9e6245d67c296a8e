"""Global sensitivity analysis: which knobs drive a metric, by SALib's Morris elementary effects
(screening many knobs cheaply) and Sobol indices (first-order and total, for the few that
matter), with bootstrap confidence intervals.

A `Problem` names the knobs and their ranges. `sample` draws the design (a point a row, a knob
a column) from a seed; each point is run on the same seeds (common random numbers) and a
metric's value at a point is its mean over those seeds; `analyze` turns the design and the
values into a tidy table of indices, a row per (metric, knob). The functions take any values:
the simulator's (`sim.commands.sensitivity`) or a test function's with known indices
(`ishigami`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

METHODS = ("morris", "sobol")
MORRIS_LEVELS = 4  # grid levels of a Morris trajectory: Saltelli et al.'s usual choice
RESAMPLES = 1000  # bootstrap resamples of the confidence intervals
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Problem:
    """The knobs varied, by dotted config key, with their ranges [lo, hi]."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    def salib(self) -> dict:
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": self.bounds}


def points(method: str, n: int, knobs: int) -> int:
    """Sample points a design has: Morris r (k + 1) for r trajectories of k knobs; Sobol
    (without second-order indices) N (k + 2) for a base sample of N."""
    return n * (knobs + 1) if method == "morris" else n * (knobs + 2)


def sample(problem: Problem, method: str, n: int, seed: int) -> np.ndarray:
    """The design: `n` Morris trajectories, or a Sobol base sample of `n` (a power of 2)."""
    if method == "morris":
        return morris_sample.sample(problem.salib(), n, num_levels=MORRIS_LEVELS, seed=seed)
    return sobol_sample.sample(problem.salib(), n, calc_second_order=False, seed=seed)


def analyze(
    problem: Problem, method: str, design: np.ndarray, values: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """Indices of each metric (a column of `values`, a row a design point) for each knob.

    Morris: `mu_star` (mean absolute elementary effect: overall influence) with its 95%
    interval, `mu` (mean effect: its sign) and `sigma` (spread: non-linearity or
    interactions). Sobol: `S1` (the share of the metric's variance the knob explains alone)
    and `ST` (alone and in interactions), each with its 95% interval."""
    frames = []
    for metric in values.columns:
        y = values[metric].to_numpy(float)
        if np.isnan(y).any():
            raise ValueError(
                f"{metric} is undefined (n/a) at {int(np.isnan(y).sum())} of {len(y)} sample "
                "points: choose a metric every run defines"
            )
        frames.append(_indices(problem, method, design, y, seed).assign(metric=metric))
    table = pd.concat(frames, ignore_index=True)
    return table[["metric", "parameter", *[c for c in table if c not in ("metric", "parameter")]]]


def _indices(
    problem: Problem, method: str, design: np.ndarray, y: np.ndarray, seed: int
) -> pd.DataFrame:
    common = dict(num_resamples=RESAMPLES, conf_level=CONFIDENCE, seed=seed)
    if method == "morris":
        found = morris_analysis.analyze(
            problem.salib(), design, y, num_levels=MORRIS_LEVELS, **common
        )
        columns = {**_with_interval(found, "mu_star"), "mu": found["mu"], "sigma": found["sigma"]}
    else:
        found = sobol_analysis.analyze(problem.salib(), y, calc_second_order=False, **common)
        columns = {**_with_interval(found, "S1"), **_with_interval(found, "ST")}
    return pd.DataFrame({"parameter": problem.names, **columns})


def _with_interval(found: dict, name: str) -> dict[str, np.ndarray]:
    """An index and the ends of its 95% interval (SALib gives the half-width, `NAME_conf`)."""
    value, half = np.asarray(found[name]), np.asarray(found[f"{name}_conf"])
    return {name: value, f"{name}_low": value - half, f"{name}_high": value + half}


def ishigami(design: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on [-pi, pi]^3, whose Sobol indices are known in closed form
    (a = 7, b = 0.1: S1 0.314, 0.442, 0; ST 0.558, 0.442, 0.244): the test of the pipeline."""
    x1, x2, x3 = design.T
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    """The Ishigami function's first-order and total Sobol indices, analytically."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return pd.DataFrame(
        {
            "parameter": ["x1", "x2", "x3"],
            "S1": [v1 / total, v2 / total, 0.0],
            "ST": [(v1 + v13) / total, v2 / total, v13 / total],
        }
    )
