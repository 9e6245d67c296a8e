"""Logs that stream to Parquet in chunks give the same tables as logs kept whole."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.simulation.model import MarketModel
from sim.simulation.run import LOGS, TABLES, run_to_directory, simulate
from sim.state.logs import ColumnBuffer
from tests.helpers import small_config


@pytest.mark.parametrize("strategy", ["baseline", "full"])
def test_streamed_tables_equal_the_tables_kept_in_memory(tmp_path: Path, strategy: str) -> None:
    config = small_config(f"strategy={strategy}", n_traders=500, days=60)
    kept = simulate(config)
    config.chunk_rows = 23  # many chunks, some of them cut before orders still on their way
    streamed = run_to_directory(config, tmp_path)
    for name in LOGS:
        on_disk = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert pq_row_groups(tmp_path / f"{name}.parquet") > 1
        pd.testing.assert_frame_equal(on_disk, getattr(kept, name))
    summary = json.loads((tmp_path / "summary.json").read_text())
    for result in (summary, streamed.summary, kept.summary):
        result.pop("wall_seconds")
    assert summary == streamed.summary == json.loads(json.dumps(kept.summary))


def pq_row_groups(path: Path) -> int:
    return pq.ParquetFile(path).num_row_groups


def test_a_run_that_dies_leaves_no_file_that_looks_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = small_config(n_traders=500, days=60)
    config.chunk_rows = 50
    step = MarketModel.step

    def dies_on_day_30(model: MarketModel) -> None:
        if model.day == 30:
            raise KeyboardInterrupt
        step(model)

    monkeypatch.setattr(MarketModel, "step", dies_on_day_30)
    with pytest.raises(KeyboardInterrupt):
        run_to_directory(config, tmp_path)
    assert not (tmp_path / "summary.json").exists()
    assert not any((tmp_path / f"{name}.parquet").exists() for name in TABLES)
    assert (tmp_path / "events.parquet.partial").exists()  # chunks were on their way out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 60)), min_size=1, max_size=20))
def test_draining_keeps_every_row_once_in_order(steps: list[tuple[int, int]]) -> None:
    """Append batches, drain some rows from the front after each: the drained chunks and the
    rows left are every appended row once, in order, and row ids keep pointing at their rows;
    a chunk keeps its rows whatever the log takes in after it (a whole drain hands over the
    log's columns)."""
    log = ColumnBuffer({"value": "int64"}, capacity=4)
    appended, chunks = [], []
    for batch, drain in steps:
        values = np.arange(len(appended), len(appended) + batch)
        ids = log.append(value=values) if batch else np.zeros(0, dtype=np.int64)
        assert np.array_equal(log.view("value")[ids - log.offset], values)
        appended.extend(values)
        chunk = log.drain(min(drain, log.size))
        assert np.array_equal(
            chunk.view("value"), np.arange(chunk.offset, chunk.offset + chunk.size)
        )
        chunks.append(chunk)
    drained = [value for chunk in chunks for value in chunk.view("value")]
    assert [*drained, *log.view("value")] == appended
    assert log.offset == len(drained)


def test_a_log_keeps_its_rows_and_in_place_writes_as_it_grows() -> None:
    # columns live in memory maps of their own, grown by doubling: every dtype keeps its rows,
    # a column left out of a batch is zero, writes through a view stay, and a log pickles
    # (as a worker's would) into the same rows
    log = ColumnBuffer({"day": "int32", "kind": "int8", "value": "float64"}, capacity=1)
    for day in range(40):
        log.append(day=np.full(day % 5 + 1, day), value=0.5 * day)
    log.view("kind")[::3] = 7
    days = np.repeat(np.arange(40), [day % 5 + 1 for day in range(40)])
    assert np.array_equal(log.view("day"), days)
    assert np.array_equal(log.view("value"), 0.5 * days)
    assert np.array_equal(log.view("kind"), np.where(np.arange(log.size) % 3 == 0, 7, 0))
    copy = pickle.loads(pickle.dumps(log))
    for name in log.dtypes:
        assert np.array_equal(copy.view(name), log.view(name))
        assert copy.view(name).dtype == np.dtype(log.dtypes[name])
