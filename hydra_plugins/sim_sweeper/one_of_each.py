"""A sweeper that checks one job of each kind before a sweep starts, rather than every job.

Hydra's basic sweeper composes every job's config in the driver before it launches any, so
that a bad override fails before the sweep starts; each job then composes its own again. A
compose takes about a third of a second here, so a sweep of 300 runs would wait about two
minutes before its first run. Jobs that differ only in the numbers or booleans given to plain
keys, of the same type (seed=0 ... seed=299), compose alike: a config node takes every value of
a type or none (ranges are checked by the run, not the compose). So this sweeper checks the
first job of each kind and otherwise sweeps exactly as Hydra's basic sweeper does (same jobs,
same order, same batches). Group choices (strategy=rfm), +/~ edits, packages, strings (`'5'`
fits an int, `abc` does not; `${seed}` is an interpolation) and lists, dicts and nulls are
matched as written, so each of them is still checked before any run starts.

With the joblib launcher the sweeper also ties the workers to the sweep (`sim.worker_guard`):
a sweep stopped by Ctrl-C or SIGTERM leaves no worker, and an orphaned worker starts no run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

import yaml
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from sim.commands.run import Stage
from sim.commands.worker_guard import DriverBound, workers_end_with_driver

ALIKE_BY_TYPE = (bool, int, float)  # a node takes all values of such a type, or none

log = logging.getLogger(__name__)


def is_plain(override: Override, is_group: Callable[[str], bool]) -> bool:
    """A `key=value` change of a config key (not a group choice) to a number or boolean."""
    return (
        override.type == OverrideType.CHANGE
        and override.package is None
        and isinstance(override.value(), ALIKE_BY_TYPE)
        and not is_group(override.key_or_group)
    )


def job_kind(overrides: Sequence[Override], is_group: Callable[[str], bool]) -> tuple:
    """What decides whether a job's config composes: each plain override's key and value type,
    and every other override as written."""
    return tuple(
        (o.key_or_group, type(o.value()).__name__) if is_plain(o, is_group) else o.input_line
        for o in overrides
    )


def one_of_each(
    batch: Sequence[Sequence[str]], is_group: Callable[[str], bool]
) -> list[Sequence[str]]:
    """The first job of each kind in a batch of jobs' overrides, in batch order."""
    parser = OverridesParser.create()
    kinds, chosen = set(), []
    for job in batch:
        kind = job_kind(parser.parse_overrides(list(job)), is_group)
        if kind not in kinds:
            kinds.add(kind)
            chosen.append(job)
    return chosen


class OneOfEachSweeper(BasicSweeper):
    """Hydra's basic sweeper, checking one job of each kind before it launches a batch, and
    ending the joblib launcher's workers with the sweep. Given `jobs_file` (a YAML list of
    each job's overrides, as `python -m sim sensitivity` writes its design points), it
    launches exactly those jobs, each with the command line's overrides first, instead of the
    grid of the command line's sweeps."""

    guarded = False  # whether the launcher's workers are this process's children (joblib)

    def __init__(
        self,
        max_batch_size: int | None,
        params: dict[str, str] | None = None,
        jobs_file: str | None = None,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.jobs_file = jobs_file

    def split_arguments(  # type: ignore[override]  # Hydra calls it on the instance
        self, overrides: list[Override], max_batch_size: int | None
    ) -> list[list[list[str]]]:
        if self.jobs_file is None:
            return BasicSweeper.split_arguments(overrides, max_batch_size)
        with open(self.jobs_file) as listed:
            jobs = yaml.safe_load(listed) or []
        common = [o.input_line for o in overrides]
        runs = [[*common, *job] for job in jobs]
        size = max_batch_size or len(runs) or 1
        return [runs[i : i + size] for i in range(0, len(runs), size)]

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        # imported here: Hydra's plugin scan runs each plugin module again, defining its
        # classes anew, so a class imported before the scan is not the launcher's
        from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher

        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)
        # other launchers run jobs in this process (basic) or on machines of their own
        if isinstance(self.launcher, JoblibLauncher):
            self.launcher.task_function = DriverBound(task_function, os.getpid())
            self.guarded = True

    def sweep(self, arguments: list[str]) -> Any:
        with workers_end_with_driver() if self.guarded else nullcontext():
            return super().sweep(arguments)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        groups = self.config.hydra.runtime.choices  # every config group of the sweep's config

        def is_group(key: str) -> bool:
            return "/" in key or key in groups  # config keys are dotted, group paths slashed

        checked = one_of_each(batch, is_group)
        log.info(
            "Checking the configs of %d of %d runs (one of each kind)", len(checked), len(batch)
        )
        super().validate_batch_is_legal(checked)
        Stage.composed = True  # from here on, a failure is a run's, not the config's
