"""A joblib sweep's workers end with their driver, the `python -m sim -m` process.

loky starts the workers as children of the driver, in its process group, but nothing else ties
them to it: a SIGTERM to the driver alone (`kill PID`) ends it at once, and its workers would
go on finishing their runs, then idle for minutes. So, while a sweep's runs are out, SIGINT or
SIGTERM to the driver first kills its workers, then ends the driver by the same signal (exit
status 130 or 143); and a worker whose driver died without a word (SIGKILL, a crash) starts no
run, and stops the run it is in within a second. Runs write their files atomically, so a
stopped run is `incomplete`, and running the sweep again reruns it.

The sweeper (hydra_plugins/sim_sweeper) applies this to the joblib launcher only: the basic
launcher runs in the driver, and Ray's and Slurm's workers are not the driver's children.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any, NoReturn

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
POLL_SECONDS = 1.0  # how often a worker checks that its driver lives
ORPHAN_EXIT = 1  # a worker's status when it stops because its driver is gone


@dataclass(frozen=True)
class DriverBound:
    """A sweep's task function that runs a job only while the driver that launched it lives.

    A worker's parent is the driver; once the driver dies the worker gets a new parent, which
    `os.getppid()` shows at once, with no pid that could be reused meanwhile."""

    task_function: Callable[[Any], Any]
    driver_pid: int

    def __call__(self, cfg: Any) -> Any:
        if os.getpid() != self.driver_pid:  # not in the driver (joblib runs n_jobs=1 there)
            if os.getppid() != self.driver_pid:
                exit_orphan(self.driver_pid)
            watch_driver(self.driver_pid)
        return self.task_function(cfg)


@functools.cache  # one watcher a worker, however many runs it takes
def watch_driver(driver_pid: int) -> None:
    """Start a thread that stops this worker, mid-run if need be, once its driver is gone."""

    def watch() -> None:
        while os.getppid() == driver_pid:
            time.sleep(POLL_SECONDS)
        exit_orphan(driver_pid)

    threading.Thread(target=watch, name="sweep-driver-watch", daemon=True).start()


def exit_orphan(driver_pid: int) -> NoReturn:
    """End this worker at once: nothing of an unfinished run is final, so nothing is lost."""
    say(f"Sweep worker {os.getpid()}: driver {driver_pid} is gone, stopping")
    os._exit(ORPHAN_EXIT)


@contextlib.contextmanager
def workers_end_with_driver() -> Iterator[None]:
    """While the block runs, SIGINT or SIGTERM to this process (a sweep's driver) kills its
    worker processes before ending it. Signals ignored on entry (a job started in the
    background, `nohup`) stay ignored; the handlers on entry come back on exit."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(signum, stop_sweep)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler or signal.SIG_DFL)  # None: set outside Python


def stop_sweep(signum: int, frame: FrameType | None) -> None:
    """Kill the driver's workers, then end the driver by the signal it got, as it would have
    ended without this handler (a shell shows status 128 + the signal's number)."""
    signal.signal(signum, signal.SIG_DFL)  # a second Ctrl-C now ends the driver at once
    # loky's workers are multiprocessing's children; a run's files are final only once
    # complete, so a run has nothing to save
    workers = [child.pid for child in multiprocessing.active_children() if child.pid]
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(Exception):  # the main thread may be mid-write: leave it
        sys.stdout.flush()
        sys.stderr.flush()
    say(
        f"Sweep stopped by {signal.Signals(signum).name}: {len(workers)} worker(s) killed; "
        "its unfinished runs are incomplete, and running the same sweep again resumes it"
    )
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # not reached: the signal ends the process


def say(message: str) -> None:
    """A line on stderr, unbuffered: safe in a signal handler and beside other threads."""
    os.write(2, f"{message}\n".encode())
