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
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType

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
    """Hydra's basic sweeper, checking one job of each kind before it launches a batch."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        groups = self.config.hydra.runtime.choices  # every config group of the sweep's config

        def is_group(key: str) -> bool:
            return "/" in key or key in groups  # config keys are dotted, group paths slashed

        checked = one_of_each(batch, is_group)
        log.info(
            "Checking the configs of %d of %d runs (one of each kind)", len(checked), len(batch)
        )
        super().validate_batch_is_legal(checked)
