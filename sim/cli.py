"""Command line: `python -m sim [hydra overrides]` runs one simulation with Hydra configs;
`python -m sim -m ...` runs a sweep on the configured launcher.

This module is where Hydra meets the library. It registers the schema so Hydra checks types and
keys while composing, converts the composed config to a `SimConfig`, validates ranges, runs,
and writes the outputs into Hydra's run directory. In a sweep a run never raises: a failure is
recorded in its folder so that the other runs go on, and when the sweep ends `SweepTable`
gathers every run into one table.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim import memory, sweep
from sim.config import ConfigError, SimConfig, check_key, validate

# `configs/` beside the package in a clone; inside it in an installed wheel (pyproject.toml)
_PACKAGED_CONFIGS = Path(__file__).resolve().parent / "configs"
CONFIG_DIR = str(
    _PACKAGED_CONFIGS if _PACKAGED_CONFIGS.is_dir() else _PACKAGED_CONFIGS.parent.parent / "configs"
)
MAX_RUN_NAME = 120

ConfigStore.instance().store(name="sim_schema", node=SimConfig)
# Ray (for hydra/launcher=ray_local) would otherwise write an auth token under the home
# folder and try to send usage statistics, which machines without internet wait on.
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def run_name(override_dirname: str) -> str:
    """A sweep run's folder name from its sorted overrides (`seed=3,strategy=rfm`), so that the
    same run lands in the same folder however the sweep is ordered, and a rerun can skip it."""
    name = override_dirname.replace("/", ".") or "defaults"
    if len(name) > MAX_RUN_NAME:
        name = name[:MAX_RUN_NAME] + "-" + hashlib.sha256(name.encode()).hexdigest()[:12]
    return name


OmegaConf.register_new_resolver("run_name", run_name, replace=True)


def check_overrides(arguments: list[str]) -> None:
    """Reject `key=value` overrides of keys the schema does not have, naming the keys that
    exist (Hydra's own message names the key only), and numbers outside a key's range, each
    value of a sweep (`seed=0,1,2`, `range(...)`) included, so a sweep is refused before its
    first run. Group choices (`strategy=rfm`, `strategy/promotion=sample`,
    `experiment=...`), Hydra's own keys and +/~ edits are left to Hydra, and a value Hydra
    cannot parse to Hydra's message."""
    for argument in arguments:
        key, sep, value = argument.partition("=")
        if not sep or key.startswith(("hydra", "+", "~", "-")) or "/" in key:
            continue
        if (Path(CONFIG_DIR) / key).is_dir():
            continue
        check_key(key, value)
        for number in _numbers(argument):
            check_key(key, number)


def _numbers(argument: str) -> list[float]:
    """The numbers an override gives its key: its value, or each value of its sweep."""
    try:
        override = OverridesParser.create().parse_override(argument)
        values = override.sweep_iterator() if override.is_sweep_override() else [override.value()]
        values = list(values)
    except Exception:  # Hydra's grammar errors: Hydra reports them as it composes
        return []
    return [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def to_sim_config(cfg: DictConfig) -> SimConfig:
    """A validated SimConfig from a composed Hydra config (raises ConfigError)."""
    check_composed_keys(OmegaConf.to_container(cfg))
    config = OmegaConf.to_object(cfg)
    assert isinstance(config, SimConfig)
    return validate(config)


def check_composed_keys(node: dict, path: str = "") -> None:
    """Reject keys the schema does not have anywhere in a composed config: Hydra lets
    `+key=value` (and a preset) add them, and the run would silently ignore them. Keys inside
    tables (countries, mixes, ...) are the tables' own."""
    for name, value in node.items():
        key = f"{path}{name}"
        if isinstance(value, dict) and value:
            check_composed_keys(value, key + ".")  # named by its leaves: `+foo.bar=1`
        else:
            check_key(key, value)


def load_config(overrides: list[str] | tuple[str, ...] = ()) -> SimConfig:
    """Compose `configs/` with overrides, as the command line would, into a SimConfig; any
    override Hydra cannot apply (a wrong type, an unknown group option, bad grammar) is a
    ConfigError too."""
    try:
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(config_name="config", overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as error:
        raise ConfigError(hydra_message(error)) from error
    return to_sim_config(cfg)


def hydra_message(error: BaseException) -> str:
    """Hydra's message on one line, with its cause's (where the wrong value is named)."""
    parts = [str(error), str(error.__cause__ or "")]
    return ": ".join(" ".join(part.split()) for part in parts if part.strip())


def sweep_size(overrides: list[str]) -> int:
    """How many runs `python -m sim -m OVERRIDES` launches: the product of the values of the
    experiment's sweep parameters (`hydra.sweeper.params`) and of the command line's."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=fixed, return_hydra_config=True)
    params = [f"{k}={v}" for k, v in (cfg.hydra.sweeper.params or {}).items()]
    values = {}  # as Hydra's basic sweeper: a later value of a key replaces an earlier one
    for override in OverridesParser.create().parse_overrides([*params, *overrides]):
        sweep_values = override.sweep_string_iterator() if override.is_sweep_override() else [0]
        values[override.get_key_element()] = len(list(sweep_values))
    return math.prod(values.values())


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
    from sim.run import format_summary, run_to_directory

    announce(config)
    result = run_to_directory(config, out_dir, progress=config.progress)
    print(
        f"Simulated {config.days} days of {config.population.n_traders:,} traders "
        f"(seed {config.seed}, strategy {config.strategy.name}); outputs in {out_dir}"
    )
    print(format_summary(result.summary))


def announce(config: SimConfig) -> None:
    """Check the run fits in memory (ConfigError if not) and, for a large one, say first
    what it will take."""
    estimate = memory.check_fits(config)
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
    from sim.run import config_hash  # see run_and_report

    start = time.perf_counter()
    try:
        config = to_sim_config(cfg)
        if sweep.is_complete(out_dir, config_hash(config)):
            sweep.mark_reused(out_dir)
            print(f"Skipped: {out_dir} already holds this run's outputs")
            return
        sweep.clear_outputs(out_dir)
        run_and_report(config, out_dir)
    except Exception as error:
        sweep.clear_outputs(out_dir)  # an earlier run's summary must not stand for this one
        sweep.write_error(out_dir, error, time.perf_counter() - start)
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
        sweep.clear_outputs(checked_dir(config, "run.dir"))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        checked_dir(config, "sweep.dir")
        check_launcher(config)


class SweepTable(Callback):
    """When a sweep ends, gather its runs into `sweep.parquet`; exit 1 if any run failed."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        Stage.composed = True
        sweep_dir = Path(config.hydra.sweep.dir)
        table = sweep.write_table(sweep_dir)
        counts = table["status"].value_counts()
        print(
            f"Sweep table: {sweep_dir / sweep.SWEEP_TABLE} "
            f"({len(table)} runs: {', '.join(f'{n} {s}' for s, n in counts.items())})"
        )
        if counts.get("failed", 0):
            for row in table[table["status"] == "failed"].itertuples():
                print(f"  failed: {row.run_dir}: {row.error}", file=sys.stderr)
            sys.exit(1)
