"""`python -m sim` end to end: outputs on disk, a summary table, and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.metrics import MODEL_METRICS
from tests.helpers import ROOT


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
    for key in (*MODEL_METRICS, "seed", "days", "n_traders", "wall_seconds"):
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
        ("population.n_traders=-5", ["population.n_traders", "-5", "[2, 1e+09]"]),
        ("strategy=foo", ["strategy/foo", "baseline"]),
        ("population.colour=red", ["population.colour", "red", "n_traders, type_shares"]),
        ("colour=red", ["colour", "red", "the keys of the top level are seed, days"]),
        ("+population.colour=red", ["population.colour", "red", "n_traders, type_shares"]),
        ("days=abc", ["days", "abc", "Integer"]),  # Hydra's type check: a config error too
        ("market.start_date=notadate", ["market.start_date", "YYYY-MM-DD"]),
        ("population.n_traders=100000000", ["population.n_traders", "GiB", "available"]),
    ],
)
# Each case starts a process (about 4 s): the range and rule checks behind them are covered
# in-process by tests/test_config.py.
def test_bad_input_stops_with_a_message_and_no_summary(
    tmp_path: Path, override: str, expected: list[str]
) -> None:
    out = tmp_path / "bad"
    done = run_sim(override, out=out)
    assert done.returncode == 2  # a config error, told apart from a crash (1)
    message = done.stderr + done.stdout
    for fragment in expected:
        assert fragment in message, (fragment, message)
    assert "Traceback" not in message
    assert not (out / "summary.json").exists()


def test_an_empty_run_folder_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sim", "population=classroom", "days=5", "hydra.run.dir="],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2 and "hydra.run.dir=''" in done.stderr
    assert not list(tmp_path.iterdir())


def test_a_rerun_killed_early_never_leaves_the_old_summary_beside_its_config(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    small = ("population=classroom", "warm_up_days=5", "progress=false")
    assert run_sim(*small, "days=20", "seed=0", out=out).returncode == 0
    assert (out / "summary.json").exists()
    rerun = subprocess.Popen(
        [sys.executable, "-m", "sim", *small, "days=2000", "seed=1", f"hydra.run.dir={out}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        config = out / ".hydra" / "config.yaml"
        deadline = time.monotonic() + 120
        while "seed: 1" not in config.read_text() and time.monotonic() < deadline:
            time.sleep(0.005)
        rerun.kill()  # the moment the new config is there
    finally:
        rerun.kill()
        rerun.wait()
    assert "seed: 1" in config.read_text()
    for name in ("summary.json", "orders.parquet", "traders.parquet"):
        assert not (out / name).exists(), name
