"""Sweeps: the same numbers on every launcher, one tidy table, failed runs as rows, reruns that
skip finished work, and killed runs that never look complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.analysis import paired, sweep_table
from sim.config.compose import MAX_RUN_NAME, run_name
from sim.recording import run_folder
from tests.helpers import ROOT

SMALL = ("population=classroom", "days=30", "warm_up_days=10", "progress=false")
# Columns that may differ between two sweeps of the same runs.
CIRCUMSTANCES = ["wall_seconds", "run_dir"]


def run_sweep(*args: str, out: Path | str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *SMALL, *args, f"hydra.sweep.dir={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=CIRCUMSTANCES).sort_values(["strategy", "seed"], ignore_index=True)


@pytest.mark.slow
def test_every_launcher_gives_the_same_runs(tmp_path: Path) -> None:
    tables = {}
    for launcher in ("basic", "joblib", "ray_local", "submitit_local"):
        out = tmp_path / launcher
        done = run_sweep("strategy=baseline,rfm", "seed=0,1", f"hydra/launcher={launcher}", out=out)
        assert done.returncode == 0, (launcher, done.stderr[-3000:])
        tables[launcher] = comparable(pd.read_parquet(out / sweep_table.SWEEP_TABLE))
    basic = tables.pop("basic")
    assert len(basic) == 4 and (basic["status"] == "ok").all()
    assert basic["orders"].gt(0).all()
    for launcher, table in tables.items():
        pd.testing.assert_frame_equal(table, basic, obj=launcher)


def test_a_failed_run_is_a_row_and_a_rerun_skips_finished_runs(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    # 500 is in at_risk_days' range but breaks a rule across fields (churned_days is 180),
    # which only the run's whole config can tell
    args = ("strategy.timing.at_risk_days=30,500", "seed=4", "hydra/launcher=basic")
    done = run_sweep(*args, out=out)
    assert done.returncode == 1  # a sweep with a failed run says so
    # 30 and 500 are both ints, so one config is checked up front: the rule is the run's
    assert "Checking the configs of 1 of 2 runs" in done.stdout
    table = pd.read_parquet(out / sweep_table.SWEEP_TABLE)
    overrides = [*(s.split("=")[0] for s in SMALL), "strategy.timing.at_risk_days"]
    assert [*table.columns[:6]] == [*overrides, "seed"]
    assert list(table.columns[-4:]) == ["wall_seconds", "status", "error", "run_dir"]
    by_share = table.set_index("strategy.timing.at_risk_days")
    assert by_share.loc[30, "status"] == "ok" and by_share.loc[30, "orders"] > 0
    assert by_share.loc[500, "status"] == "failed"
    assert "strategy.timing.at_risk_days=500" in by_share.loc[500, "error"]
    assert pd.isna(by_share.loc[500, "orders"])

    finished = Path(by_share.loc[30, "run_dir"]) / "summary.json"
    before = finished.read_text()
    start = time.time() - 1.0
    again = run_sweep(*args, out=out)
    assert again.returncode == 1
    assert again.stdout.count("Skipped") == 1
    assert finished.read_text() == before  # reused, not run again
    # both runs count as done in the second sweep: one reused, one failed again
    assert sum(run_folder.done_since(Path(d), start) for d in table["run_dir"]) == 2
    rerun = pd.read_parquet(out / sweep_table.SWEEP_TABLE)
    unchanged = ["wall_seconds"]
    pd.testing.assert_frame_equal(rerun.drop(columns=unchanged), table.drop(columns=unchanged))


@pytest.mark.parametrize(
    ("bad", "other"), [("strategy=rfm,no_such", "seed=0,1"), ("seed=0,1,abc", "strategy=rfm")]
)
def test_a_bad_override_in_a_later_job_stops_the_sweep_before_any_run(
    tmp_path: Path, bad: str, other: str
) -> None:
    done = run_sweep(other, bad, out=tmp_path)
    assert done.returncode == 2 and bad.split(",")[-1] in done.stderr  # a config error
    assert not [path for path in tmp_path.iterdir() if path.is_dir()]  # no run started


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("population.n_traders=100,1",), "population.n_traders=1 is not allowed"),
        (("seed=range(0,2)", "hydra.launcher.n_jobs=0"), "hydra.launcher.n_jobs=0"),
    ],
)
def test_a_sweep_value_out_of_range_is_refused_before_any_run(
    tmp_path: Path, args: tuple[str, ...], fragment: str
) -> None:
    done = run_sweep(*args, out=tmp_path / "sweep")
    assert done.returncode == 2, done.stderr
    assert fragment in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_a_sweep_without_a_folder_name_is_refused() -> None:
    done = run_sweep("seed=0,1", out="")  # outputs would land among the project's files
    assert done.returncode == 2 and "hydra.sweep.dir=''" in done.stderr


def fake_run(sweep_dir: Path, overrides: list[str], files: dict[str, str]) -> Path:
    """A run folder as a launcher leaves it: Hydra's overrides, then whatever the run wrote."""
    run_dir = sweep_dir / run_name(",".join(sorted(overrides)))
    (run_dir / ".hydra").mkdir(parents=True)
    (run_dir / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    for name, text in files.items():
        (run_dir / name).write_text(text)
    return run_dir


def test_list_and_dict_overrides_are_kept_as_written(tmp_path: Path) -> None:
    """Hydra reads `{day:120}` as a dict, YAML as a key "day:120": the table keeps such values
    as their text, which --baseline matches."""
    shock = "[{day:120,kind:fx,target:CN,size:0.3}]"
    for shocks in ("[]", shock):
        run_dir = fake_run(tmp_path, [f"market.shocks={shocks}", "seed=0"], {})
        assert run_folder.read_overrides(run_dir) == {"market.shocks": shocks, "seed": 0}
    assert run_folder.override_value("0.25") == 0.25 and run_folder.override_value("rfm") == "rfm"
    assert paired.parse_baseline([f"market.shocks={shock}"]) == {"market.shocks": shock}


def test_the_table_has_a_row_a_run_with_its_status(tmp_path: Path) -> None:
    summary = {"seed": 1, "mix": ["a", "b"], "orders": 12, "groups": {"rfm": {"orders": 5}}}
    fake_run(tmp_path, ["strategy=rfm", "seed=1"], {"summary.json": json.dumps(summary)})
    error = {"error": "ValueError: boom", "traceback": "...", "wall_seconds": 0.5}
    fake_run(tmp_path, ["strategy=full", "seed=1"], {"error.json": json.dumps(error)})
    # Killed mid-run: only temporary files, which must not count as a finished run.
    fake_run(tmp_path, ["strategy=none", "seed=1"], {"orders.parquet.partial": "x"})
    table = sweep_table.collect(tmp_path).set_index("strategy")
    assert table.loc["rfm", "status"] == "ok"
    assert table.loc["rfm", "orders"] == 12 and table.loc["rfm", "groups.rfm.orders"] == 5
    assert table.loc["rfm", "mix"] == "a,b"
    assert table.loc["full", "status"] == "failed"
    assert table.loc["full", "error"] == "ValueError: boom"
    assert table.loc["none", "status"] == "incomplete"
    assert (table["seed"] == 1).all()


def test_an_empty_folder_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        sweep_table.collect(tmp_path)


def test_a_run_is_complete_only_with_a_summary_of_the_same_config(tmp_path: Path) -> None:
    assert not run_folder.is_complete(tmp_path, "abc")
    (tmp_path / "summary.json").write_text(json.dumps({"config_hash": "abc"}))
    assert run_folder.is_complete(tmp_path, "abc")
    assert not run_folder.is_complete(tmp_path, "abd")
    (tmp_path / "summary.json").write_text("{trunc")
    assert not run_folder.is_complete(tmp_path, "abc")


@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=12))
def test_run_names_are_one_short_folder_name(overrides: list[str]) -> None:
    name = run_name(",".join(overrides))
    assert "/" not in name and name
    assert len(name) <= MAX_RUN_NAME + 13


def test_stale_outputs_of_an_earlier_sweep_do_not_count_as_done(tmp_path: Path) -> None:
    run_dir = fake_run(tmp_path, ["seed=1"], {"summary.json": "{}"})
    overrides = run_dir / ".hydra" / "overrides.yaml"
    os.utime(run_dir / "summary.json", (100.0, 100.0))  # from an earlier sweep
    os.utime(overrides, (200.0, 200.0))  # this sweep started the run again at 200
    assert not run_folder.done_since(run_dir, start=150.0)  # running: its summary is stale
    os.utime(run_dir / "summary.json", (250.0, 250.0))  # finished (or reused) at 250
    assert run_folder.done_since(run_dir, start=150.0)
    assert not run_folder.done_since(run_dir, start=300.0)  # not started by a sweep from 300
