"""A stopped sweep leaves no worker: SIGINT or SIGTERM to a joblib sweep's driver kills its
workers at once, and the workers of a driver killed outright stop and start no run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from sim.analysis import sweep_table
from sim.commands.worker_guard import ORPHAN_EXIT, DriverBound, stop_sweep, workers_end_with_driver
from sim.recording import run_folder
from tests.helpers import ROOT

psutil = pytest.importorskip("psutil")

# Six runs of a few seconds each on two workers: a signal sent just after both workers started
# their first runs finds them mid-run, with four runs still to go.
LONG_RUNS = ("population=classroom", "days=1200", "warm_up_days=10", "progress=false")
SWEEP = (*LONG_RUNS, "seed=0,1,2,3,4,5", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
STOPPED_WITHIN = 15.0  # seconds


@contextmanager
def sweep_in_background(out: Path) -> Iterator[subprocess.Popen]:
    """A joblib sweep into `out`, started in a session of its own: every process it starts
    stays in its process group, where the test finds them and, whatever happens, kills them."""
    with (out.parent / "sweep.log").open("w") as log:
        driver = subprocess.Popen(
            [sys.executable, "-m", "sim", "-m", *SWEEP, f"hydra.sweep.dir={out}"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield driver
    finally:
        with suppress(ProcessLookupError):
            os.killpg(driver.pid, signal.SIGKILL)
        driver.wait(timeout=STOPPED_WITHIN)


def group_processes(pgid: int) -> list[psutil.Process]:
    """The processes of a process group that still run (a zombie has ended)."""
    found = []
    for process in psutil.process_iter():
        with suppress(psutil.Error, OSError):
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def started(out: Path) -> list[Path]:
    return sweep_table.run_dirs(out) if out.is_dir() else []


def finished(out: Path) -> list[Path]:
    return sorted(out.glob(f"*/{run_folder.SUMMARY}"))


def start_and_wait_for_two_runs(out: Path, driver: subprocess.Popen) -> None:
    both = wait_for(lambda: len(started(out)) >= 2 or driver.poll() is not None, 180)
    log = (out.parent / "sweep.log").read_text()[-3000:]
    assert both and driver.poll() is None, log


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "to_group"),
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGINT, True)],
    ids=["SIGTERM", "SIGINT", "Ctrl-C"],  # a terminal's Ctrl-C signals the whole group
)
def test_a_sweep_stopped_by_a_signal_leaves_no_worker(
    tmp_path: Path, signum: signal.Signals, to_group: bool
) -> None:
    out = tmp_path / "sweep"
    with sweep_in_background(out) as driver:
        start_and_wait_for_two_runs(out, driver)
        done = finished(out)
        (os.killpg if to_group else os.kill)(driver.pid, signum)
        assert driver.wait(timeout=STOPPED_WITHIN) == -signum  # a shell shows 128 + signum
        assert wait_for(lambda: not group_processes(driver.pid), STOPPED_WITHIN)
        assert finished(out) == done  # the runs cut off stay incomplete
        assert "Sweep stopped by" in (tmp_path / "sweep.log").read_text()


@pytest.mark.slow
def test_the_workers_of_a_killed_driver_stop_and_start_no_run(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    with sweep_in_background(out) as driver:
        start_and_wait_for_two_runs(out, driver)
        runs, done = started(out), finished(out)
        driver.kill()  # no handler runs: the workers notice that their parent is gone
        driver.wait(timeout=STOPPED_WITHIN)
        assert wait_for(lambda: not group_processes(driver.pid), STOPPED_WITHIN)
        assert started(out) == runs and finished(out) == done
        assert "is gone, stopping" in (tmp_path / "sweep.log").read_text()


def test_a_worker_whose_driver_has_ended_runs_nothing() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a driver that has ended: the worker below is not its child
    code = (
        f"from sim.commands.worker_guard import DriverBound; DriverBound(print, {gone.pid})('ran')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == ORPHAN_EXIT and "ran" not in done.stdout
    assert f"driver {gone.pid} is gone" in done.stderr


def test_a_job_run_in_the_driver_itself_is_not_watched() -> None:
    # joblib runs a sweep with n_jobs=1 in the driver, whose parent is the shell
    assert DriverBound(lambda cfg: cfg * 2, os.getpid())(21) == 42
    assert "sweep-driver-watch" not in {thread.name for thread in threading.enumerate()}


def test_the_signal_handlers_are_the_sweeps_only_while_it_runs() -> None:
    before = signal.getsignal(signal.SIGTERM)
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a job started in the background
    try:
        with workers_end_with_driver():
            assert signal.getsignal(signal.SIGTERM) is stop_sweep
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # still ignored
        assert signal.getsignal(signal.SIGTERM) is before
    finally:
        signal.signal(signal.SIGINT, interrupt)
