"""Global sensitivity analysis: the pipeline recovers known indices (Ishigami's Sobol indices, a
linear function's elementary effects), bad input is refused before any run, and a small study
runs on the simulator as a sweep and resumes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import sensitivity
from sim.analysis.sensitivity import Problem
from tests.helpers import assert_refused, run_module

ISHIGAMI = Problem(("x1", "x2", "x3"), ((-np.pi, np.pi),) * 3)


def test_sobol_recovers_the_ishigami_indices() -> None:
    design = sensitivity.sample(ISHIGAMI, "sobol", 1024, seed=1)
    assert design.shape == (sensitivity.points("sobol", 1024, 3), 3)
    values = pd.DataFrame({"y": sensitivity.ishigami(design)})
    found = sensitivity.analyze(ISHIGAMI, "sobol", design, values, seed=1).set_index("parameter")
    exact = sensitivity.ishigami_indices().set_index("parameter")
    # analytic: S1 0.314, 0.442, 0; ST 0.558, 0.442, 0.244
    assert exact["S1"].round(3).tolist() == [0.314, 0.442, 0.0]
    assert exact["ST"].round(3).tolist() == [0.558, 0.442, 0.244]
    assert np.allclose(found["S1"], exact["S1"], atol=0.05)
    assert np.allclose(found["ST"], exact["ST"], atol=0.05)
    # each interval covers the exact index
    for name in ("S1", "ST"):
        assert (
            (found[f"{name}_low"] <= exact[name] + 0.02)
            & (exact[name] - 0.02 <= found[f"{name}_high"])
        ).all()


def test_morris_measures_a_linear_effect_exactly_and_flags_curvature() -> None:
    # f = 2 x1 + 0 x2 + x3^2 on [0, 1]^3: every step of x1 changes f by 2 x its size
    problem = Problem(("x1", "x2", "x3"), ((0.0, 1.0),) * 3)
    design = sensitivity.sample(problem, "morris", 20, seed=3)
    assert design.shape == (sensitivity.points("morris", 20, 3), 3)
    y = 2 * design[:, 0] + design[:, 2] ** 2
    found = sensitivity.analyze(problem, "morris", design, pd.DataFrame({"f": y}), seed=3)
    found = found.set_index("parameter")
    assert found.loc["x1", "mu_star"] == pytest.approx(2.0)  # effects are scaled by the step
    assert found.loc["x1", "sigma"] == pytest.approx(0.0, abs=1e-9)  # linear: no spread
    assert found.loc["x2", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert found.loc["x3", "sigma"] > 0  # curved: its effect depends on where it steps


def test_an_undefined_metric_at_some_points_is_a_clear_error() -> None:
    design = sensitivity.sample(ISHIGAMI, "morris", 2, seed=0)
    values = pd.DataFrame({"retention_90d": np.r_[np.nan, np.ones(len(design) - 1)]})
    with pytest.raises(ValueError, match="retention_90d is undefined"):
        sensitivity.analyze(ISHIGAMI, "morris", design, values, seed=0)


def test_a_knob_without_a_range_takes_the_schemas() -> None:
    from sim.commands.sensitivity import problem_of

    problem, integers = problem_of(["service.ux", "platform.attribution_days=1:14"], [])
    assert problem.names == ("service.ux", "platform.attribution_days")
    assert problem.bounds == ((0.0, 1.0), (1.0, 14.0))
    assert integers == {"platform.attribution_days"}  # a whole number of days: rounded


@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        (["--param", "platform.colour=0:1"], ["--param platform.colour", "numeric knob"]),
        (
            ["--param", "platform.signal_noise=0.5:0.2"],
            ["signal_noise=0.5:0.2", "LO must be below HI"],
        ),
        (["--param", "platform.signal_noise=a:b"], ["KEY=LO:HI"]),
        (["--param", "service.ux=0:2"], ["service.ux", "range end 2", "[0, 1]"]),
        (["--param", "strategy.channel.kind=0:1"], ["strategy.channel.kind", "numeric knob"]),
        (["--param", "service.ux", "--metrics", "happiness"], ["--metrics happiness"]),
        (["--param", "service.ux", "--method", "sobol", "--samples", "12"], ["power of 2"]),
        (["--param", "service.ux", "--seeds", "0"], ["--seeds 0"]),
        (["--param", "service.ux", "population=nowhere"], ["nowhere"]),
    ],
)
def test_bad_input_is_refused_before_any_run(arguments, fragments, tmp_path: Path) -> None:
    done = run_module("sim", "sensitivity", "--out", str(tmp_path / "runs"), *arguments)
    assert_refused(done, *fragments)
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_a_small_study_runs_on_the_simulator_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    arguments = [
        "sensitivity",
        "--param",
        "service.ux=0:1",
        "--param",
        "platform.signal_noise=0:1",
        "--metrics",
        "visit_conversion,seller_profit",
        "--samples",
        "2",
        "--seeds",
        "2",
        "--out",
        str(out),
        "population=classroom",
        "population.n_traders=120",
        "days=40",
        "warm_up_days=10",
        "hydra/launcher=basic",
    ]
    done = run_module("sim", *arguments)
    assert done.returncode == 0, done.stderr[-3000:]
    indices = pd.read_parquet(out / "indices.parquet")
    assert len(indices) == 4 and set(indices["metric"]) == {"visit_conversion", "seller_profit"}
    assert indices["mu_star"].ge(0).all()
    points = pd.read_csv(out / "tables" / "design.csv")
    assert len(points) == sensitivity.points("morris", 2, 2)
    report = (out / "report.md").read_text()
    assert "figures/morris.png" in report and "service.ux" in report
    # the same command again reuses every run and writes the same indices
    again = run_module("sim", *arguments)
    assert again.returncode == 0, again.stderr[-3000:]
    assert pd.read_parquet(out / "indices.parquet").equals(indices)
    # python -m sim.sensitivity is the same command
    help_text = run_module("sim.sensitivity", "--help")
    assert help_text.returncode == 0 and "--param" in help_text.stdout
