"""A sweep's runs as one tidy table (DESIGN section 9), and the bookkeeping that makes it safe.

Each run of a sweep has its own folder holding Hydra's `.hydra/overrides.yaml` and, once it
ends, either `summary.json` (it finished) or `error.json` (it failed, with the message). The
table has a row a run: its overrides as columns, then its seed, every metric (nested ones
flattened to dotted names), its wall time and its status, `ok`, `failed` or `incomplete` (killed
or still running). A run whose folder already holds a complete summary of the same config is
skipped when the sweep runs again.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.atomic import atomic, write_text

SWEEP_TABLE = "sweep.parquet"
SUMMARY = "summary.json"  # a run's last file (sim.run writes it): the run finished
ERROR = "error.json"
TABLES = ("timeseries", "orders", "events", "traders")  # a run's tables, `<name>.parquet`
OVERRIDES = Path(".hydra") / "overrides.yaml"
STATUS_COLUMNS = ("wall_seconds", "status", "error", "run_dir")


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


def run_dirs(sweep_dir: Path) -> list[Path]:
    """The folders of a sweep's runs (those Hydra wrote overrides into), in a stable order."""
    return sorted(path.parent.parent for path in sweep_dir.rglob(str(OVERRIDES)))


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


def run_row(run_dir: Path) -> dict[str, Any]:
    """One row of the sweep table."""
    row = read_overrides(run_dir)
    status = run_status(run_dir)
    if status == "ok":
        summary = json.loads((run_dir / SUMMARY).read_text())
        summary["mix"] = ",".join(summary.get("mix", []))
        row.update({"seed": summary.pop("seed"), **_flatten(summary)})
    elif status == "failed":
        failure = json.loads((run_dir / ERROR).read_text())
        row.update(wall_seconds=failure["wall_seconds"], error=failure["error"])
    return {**row, "status": status, "error": row.get("error"), "run_dir": str(run_dir)}


def override_columns(table: pd.DataFrame) -> list[str]:
    """The columns of a sweep table that hold overrides: those before `seed`."""
    return list(table.columns[: table.columns.get_loc("seed")])


def collect(sweep_dir: Path) -> pd.DataFrame:
    """The sweep table of `sweep_dir`: overrides, seed, metrics, then wall time and status."""
    runs = run_dirs(sweep_dir)
    if not runs:
        raise FileNotFoundError(f"no runs under {sweep_dir} (no {OVERRIDES} in any folder)")
    overrides = [read_overrides(run_dir) for run_dir in runs]
    first = list(dict.fromkeys(k for keys in overrides for k in keys if k != "seed"))
    table = pd.DataFrame([run_row(run_dir) for run_dir in runs])
    last = [k for k in STATUS_COLUMNS if k in table]
    middle = [k for k in table.columns if k not in first and k not in last and k != "seed"]
    table = table[[*first, *(["seed"] if "seed" in table else []), *middle, *last]]
    return _uniform_types(table)


def write_table(sweep_dir: Path) -> pd.DataFrame:
    """Collect the sweep table and write it to `sweep_dir/sweep.parquet`, atomically."""
    table = collect(sweep_dir)
    with atomic(sweep_dir / SWEEP_TABLE) as partial:
        table.to_parquet(partial, index=False)
    return table


def _flatten(summary: dict[str, Any]) -> dict[str, Any]:
    """Nested metrics (`groups`, `..._by_channel`) as dotted column names."""
    flat = pd.json_normalize(summary, sep=".").iloc[0].to_dict()
    return {key: None if _is_missing(value) else value for key, value in flat.items()}


def _is_missing(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _uniform_types(table: pd.DataFrame) -> pd.DataFrame:
    """Columns holding values of several Python types (an override that is `0.5` in one run
    and `none` in another) become text, which Parquet can store."""
    for column in [c for c in table.columns if table[c].dtype == "object"]:
        kinds = {type(v) for v in table[column] if v is not None and not _is_missing(v)}
        if len(kinds) > 1 or kinds & {list, dict}:
            table[column] = table[column].map(lambda v: None if v is None else str(v))
    return table
