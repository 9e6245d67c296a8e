"""A sweep's runs as one tidy table (docs/model.md, Outputs).

The table has a row a run: its overrides as columns, then its seed, every metric (nested ones
flattened to dotted names), its wall time and its status, `ok`, `failed` or `incomplete`
(killed or still running).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.recording.atomic import atomic
from sim.recording.run_folder import ERROR, OVERRIDES, SUMMARY, read_overrides, run_status

SWEEP_TABLE = "sweep.parquet"
STATUS_COLUMNS = ("wall_seconds", "status", "error", "run_dir")


def run_dirs(sweep_dir: Path) -> list[Path]:
    """The folders of a sweep's runs (those Hydra wrote overrides into), in a stable order."""
    return sorted(path.parent.parent for path in sweep_dir.rglob(str(OVERRIDES)))


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
