"""Files that appear only when complete: each is written as `<name>.partial` and renamed, so a
run or a sweep that is killed part-way never leaves a file that looks finished."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


@contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """Yield the temporary path to write; it takes `path`'s name once the block succeeds."""
    partial = partial_path(path)
    yield partial
    os.replace(partial, path)


def write_text(path: Path, text: str) -> None:
    with atomic(path) as partial:
        partial.write_text(text)
