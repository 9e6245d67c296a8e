"""Moving the order and event logs out of memory in chunks while a run goes on.

A year of a million traders logs millions of orders and tens of millions of events; held whole,
the logs and their tables would dominate the run's memory. Once a log holds `chunk_rows` rows,
its finished rows (every event; orders once delivered, as delivery fills in their outcome) go
to a sink as a table chunk: a Parquet file written row group by row group, or a list in memory
for runs that keep their results in Python.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.recording.atomic import partial_path
from sim.state.logs import ColumnBuffer


class TableSink(Protocol):
    def write(self, frame: pd.DataFrame) -> None: ...

    def read(self) -> pd.DataFrame: ...


class MemorySink:
    """Keeps the chunks in memory."""

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []

    def write(self, frame: pd.DataFrame) -> None:
        self.frames.append(frame)

    def read(self) -> pd.DataFrame:
        if len(self.frames) == 1:
            return self.frames[0]
        return pd.concat(self.frames, ignore_index=True)


class ParquetSink:
    """Writes the chunks as row groups of `<path>.partial`; `commit` gives it its name, so an
    interrupted run never leaves a file that looks complete."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = partial_path(path)
        self.writer: pq.ParquetWriter | None = None

    def write(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.partial, table.schema)
        self.writer.write_table(table.cast(self.writer.schema))

    def read(self) -> pd.DataFrame:
        """The whole table, once every chunk is written."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        # each column converted on its own and freed from Arrow as it goes: the table is not
        # held twice while it becomes a frame
        return pd.read_parquet(
            self.partial, to_pandas_kwargs={"split_blocks": True, "self_destruct": True}
        )

    def commit(self) -> None:
        os.replace(self.partial, self.path)


class LogStream:
    """Drains a log into its sink, as table chunks, whenever it holds `chunk_rows` rows."""

    def __init__(
        self,
        log: ColumnBuffer,
        to_frame: Callable[[ColumnBuffer], pd.DataFrame],
        sink: TableSink,
        chunk_rows: int | None,
        done_column: str | None = None,
    ) -> None:
        """`chunk_rows` None keeps the log whole until `close`; `done_column` names a bool
        column that marks rows nothing will change any more (every row is, without one)."""
        self.log = log
        self.to_frame = to_frame
        self.sink = sink
        self.chunk_rows = chunk_rows
        self.done_column = done_column

    def after_day(self) -> None:
        if self.chunk_rows is not None and self.log.size >= self.chunk_rows:
            finished = self._finished_rows()
            if finished:
                self.sink.write(self.to_frame(self.log.drain(finished)))

    def close(self) -> None:
        """Drain what is left (the first chunk, possibly empty, fixes the table's columns);
        the sink then holds the whole table."""
        if self.log.size or not self._written_any():
            self.sink.write(self.to_frame(self.log.drain(self.log.size)))

    def _finished_rows(self) -> int:
        """Rows from the front up to the first one not done."""
        if self.done_column is None:
            return self.log.size
        waiting = ~self.log.view(self.done_column)
        return int(np.argmax(waiting)) if waiting.any() else self.log.size

    def _written_any(self) -> bool:
        return self.log.offset > 0
