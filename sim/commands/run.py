"""`python -m sim [hydra overrides]` runs one simulation with Hydra configs;
`python -m sim -m ...` runs a sweep on the configured launcher.

It composes the config (`sim.config.compose`), runs, and writes the outputs into Hydra's run
directory. Bad input exits 2 before any work, a crash 1. In a sweep a run never raises: a
failure is recorded in its folder so that the other runs go on, and when the sweep ends
`SweepTable` gathers every run into one table.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.analysis import sweep_table
from sim.config import ConfigError, SimConfig
from sim.config.compose import CONFIG_DIR, check_overrides, to_sim_config
from sim.recording import run_folder
from sim.simulation import memory

# Ray (for hydra/launcher=ray_local) would otherwise write an auth token under the home
# folder and try to send usage statistics, which machines without internet wait on.
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


class Stage:
    """Whether the command got past composing its configs (a run's, or a sweep's first batch,
    which the sweeper marks): Hydra exits 1 both for a config it cannot compose (a wrong type,
    an unknown group option) and for a crash, and only this tells them apart."""

    composed = False


def entry(arguments: list[str]) -> None:
    """`python -m sim`: check the overrides, then run Hydra. A config error exits 2, before
    any work; a failed run or sweep exits 1."""
    try:
        check_overrides(arguments)
    except ConfigError as error:
        refuse(str(error))
    try:
        main()
    except SystemExit as stop:
        if stop.code == 1 and not Stage.composed:
            sys.exit(2)
        raise


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def main(cfg: DictConfig) -> None:
    Stage.composed = True
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        run_in_sweep(cfg, out_dir)
        return
    try:
        config = to_sim_config(cfg)
        memory.check_fits(config)
    except ConfigError as error:
        refuse(str(error))
    run_and_report(config, out_dir)


def run_and_report(config: SimConfig, out_dir: Path) -> None:
    # imported here, not at the top: a sweep's driver only composes and dispatches runs, and
    # the simulator's imports (Mesa, pyarrow, ...) would add about a second to its start
    from sim.simulation.run import format_summary, run_to_directory

    announce(config)
    result = run_to_directory(config, out_dir, progress=config.progress)
    print(
        f"Simulated {config.days} days of {config.population.n_traders:,} traders "
        f"(seed {config.seed}, strategy {config.strategy.name}); outputs in {out_dir}"
    )
    print(format_summary(result.summary))


def announce(config: SimConfig) -> None:
    """For a large run, say first what memory it will take (whether it fits is checked before,
    by `main`, and by `simulate` itself)."""
    estimate = memory.estimate_peak_bytes(config)
    if config.population.n_traders >= memory.LARGE_RUN_TRADERS:
        available = memory.available_bytes()
        of = f" of {memory.gib(available)} available" if available is not None else ""
        print(
            f"Simulating {config.days} days of {config.population.n_traders:,} traders; "
            f"estimated peak memory {memory.gib(estimate)}{of}",
            flush=True,
        )


def run_in_sweep(cfg: DictConfig, out_dir: Path) -> None:
    """One run of a sweep: skipped when its folder already holds it, and on failure recorded
    in `error.json` instead of raised, so that one bad run costs no other run its results."""
    from sim.simulation.run import config_hash  # see run_and_report

    start = time.perf_counter()
    try:
        config = to_sim_config(cfg)
        if run_folder.is_complete(out_dir, config_hash(config)):
            run_folder.mark_reused(out_dir)
            print(f"Skipped: {out_dir} already holds this run's outputs")
            return
        run_folder.clear_outputs(out_dir)
        run_and_report(config, out_dir)
    except Exception as error:
        run_folder.clear_outputs(out_dir)  # an earlier run's summary must not stand for this one
        run_folder.write_error(out_dir, error, time.perf_counter() - start)
        print(f"Run failed ({out_dir}): {type(error).__name__}: {error}", file=sys.stderr)


def refuse(message: str) -> None:
    """Stop on bad input before any work, with the project's exit status for it (2)."""
    print(f"Configuration error: {message}", file=sys.stderr)
    sys.exit(2)


def checked_dir(config: DictConfig, key: str) -> Path:
    """The output folder `hydra.<key>`, refused when empty: outputs would land in the current
    folder among whatever else is there."""
    value = OmegaConf.select(config, f"hydra.{key}")
    if value is None or not str(value).strip():
        refuse(f"hydra.{key}={value!r} is not allowed: a folder name (outputs go there)")
    return Path(str(value))


def check_launcher(config: DictConfig) -> None:
    """A launcher's worker count, where it has one (joblib's `n_jobs`: -1 for every core, -2
    for all but one, or a count; 0 means nothing)."""
    n_jobs = OmegaConf.select(config, "hydra.launcher.n_jobs")
    if n_jobs is not None and (not isinstance(n_jobs, int) or n_jobs == 0):
        refuse(
            f"hydra.launcher.n_jobs={n_jobs!r} is not allowed: a number of workers >= 1, or "
            "-1 for every core (-2 for all but one, ...)"
        )


class StartChecks(Callback):
    """Checks before Hydra writes anything. A single run's folder must be named, and an
    earlier run's outputs there are removed before the new config lands: a run killed early
    must not leave the old summary beside it, looking complete for a config it did not run.
    A sweep's folder must be named and its launcher's worker count make sense."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        run_folder.clear_outputs(checked_dir(config, "run.dir"))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        checked_dir(config, "sweep.dir")
        check_launcher(config)


class SweepTable(Callback):
    """When a sweep ends, gather its runs into `sweep.parquet`; exit 1 if any run failed."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        Stage.composed = True
        sweep_dir = Path(config.hydra.sweep.dir)
        table = sweep_table.write_table(sweep_dir)
        counts = table["status"].value_counts()
        print(
            f"Sweep table: {sweep_dir / sweep_table.SWEEP_TABLE} "
            f"({len(table)} runs: {', '.join(f'{n} {s}' for s, n in counts.items())})"
        )
        if counts.get("failed", 0):
            for row in table[table["status"] == "failed"].itertuples():
                print(f"  failed: {row.run_dir}: {row.error}", file=sys.stderr)
            sys.exit(1)
