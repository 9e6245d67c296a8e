"""A run's folder: the files a run leaves there, and the bookkeeping that makes reruns safe.

Hydra writes `.hydra/overrides.yaml` (and the config) when a run starts; the run writes its
tables and then `summary.json` (it finished) or `error.json` (it failed, with the message).
A folder whose summary matches a config's hash holds that run, and a sweep run again skips it.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import Any

import yaml

from sim.recording.atomic import write_text

SUMMARY = "summary.json"  # a run's last file (sim.simulation.run writes it): the run finished
ERROR = "error.json"
TABLES = ("timeseries", "orders", "events", "traders")  # a run's tables, `<name>.parquet`
OVERRIDES = Path(".hydra") / "overrides.yaml"


def is_complete(run_dir: Path, config_hash: str) -> bool:
    """Whether `run_dir` holds a finished run of the config with this hash."""
    try:
        summary = json.loads((run_dir / SUMMARY).read_text())
    except (OSError, ValueError):
        return False
    return summary.get("config_hash") == config_hash


def mark_reused(run_dir: Path) -> None:
    """Touch a finished run's summary when a rerun of the sweep reuses it, so that progress
    counts it as done in this sweep (see `done_since`)."""
    (run_dir / SUMMARY).touch()


def done_since(run_dir: Path, start: float) -> bool:
    """Whether the run was started after `start` (a time.time()) and has finished since,
    with a summary or an error record; stale outputs of an earlier sweep do not count."""
    try:
        started = (run_dir / OVERRIDES).stat().st_mtime
    except OSError:
        return False
    ends = [run_dir / SUMMARY, run_dir / ERROR]
    return started >= start and any(e.exists() and e.stat().st_mtime >= started for e in ends)


def write_error(run_dir: Path, error: BaseException, wall_seconds: float) -> None:
    """Record why a run failed, atomically, so that the sweep table can show it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "error": f"{type(error).__name__}: {error}",
        "traceback": "".join(traceback.format_exception(error)),
        "wall_seconds": round(wall_seconds, 3),
    }
    write_text(run_dir / ERROR, json.dumps(record, indent=2) + "\n")


def clear_outputs(run_dir: Path) -> None:
    """Remove an earlier run's outputs from a folder a new run starts in, summary first: Hydra
    has just written the new run's config there, and the old summary and tables beside it would
    make the folder look complete for a config it did not run."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in (SUMMARY, ERROR, *(f"{table}.parquet" for table in TABLES)):
        (run_dir / name).unlink(missing_ok=True)


def override_value(text: str) -> Any:
    """An override's value as a table cell: a YAML scalar (`3` -> 3, `0.5` -> 0.5), else the
    text as written. Lists and dicts stay text: Hydra's grammar is not YAML (`{day:120}` is a
    dict to Hydra, a string key to YAML), and text is the label a reader knows them by."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if isinstance(value, list | dict) else value


def read_overrides(run_dir: Path) -> dict[str, Any]:
    """A run's command-line overrides as {key: value}, values as `override_value` reads them."""
    overrides = yaml.safe_load((run_dir / OVERRIDES).read_text()) or []
    parsed = {}
    for override in overrides:
        key, _, value = override.partition("=")
        parsed[key] = override_value(value)
    return parsed


def run_status(run_dir: Path) -> str:
    """`ok` (a summary), `failed` (an error record) or `incomplete` (killed or still running)."""
    if (run_dir / SUMMARY).exists():
        return "ok"
    return "failed" if (run_dir / ERROR).exists() else "incomplete"
