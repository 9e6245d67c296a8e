"""`python -m sim` end to end: outputs on disk, a summary table, and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.metrics import DESIGN_METRICS

ROOT = Path(__file__).resolve().parent.parent


def run_sim(*args: str, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args, f"hydra.run.dir={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_run_writes_every_output_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = run_sim("population=classroom", "days=120", "warm_up_days=20", "seed=3", out=out)
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in (*DESIGN_METRICS, "seed", "days", "n_traders", "wall_seconds"):
        assert key in summary, key
    assert (summary["seed"], summary["days"], summary["n_traders"]) == (3, 120, 1000)
    orders = pd.read_parquet(out / "orders.parquet")
    assert {"buyer", "date", "amount", "currency", "seller", "rating"} <= set(orders.columns)
    assert len(pd.read_parquet(out / "timeseries.parquet")) == 120
    events = pd.read_parquet(out / "events.parquet")
    assert set(events["kind"].unique()) >= {"session", "abandonment"}
    assert (out / ".hydra" / "config.yaml").exists()
    assert "visit conversion" in done.stdout and "repeat purchase rate" in done.stdout


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("population.n_traders=-5", ["population.n_traders", "-5", ">= 2"]),
        ("strategy=foo", ["strategy/foo", "baseline"]),
        ("population.colour=red", ["population.colour", "red", "n_traders, type_shares"]),
        ("colour=red", ["colour", "red", "the keys of the top level are seed, days"]),
        ("+population.colour=red", ["population.colour", "red", "n_traders, type_shares"]),
        ("days=abc", ["days", "abc", "Integer"]),
    ],
)
# Each case starts a process (about 4 s): the range and rule checks behind them are covered
# in-process by tests/test_config.py.
def test_bad_input_stops_with_a_message_and_no_summary(
    tmp_path: Path, override: str, expected: list[str]
) -> None:
    out = tmp_path / "bad"
    done = run_sim(override, out=out)
    assert done.returncode != 0
    message = done.stderr + done.stdout
    for fragment in expected:
        assert fragment in message, (fragment, message)
    assert "Traceback" not in message
    assert not (out / "summary.json").exists()
