"""The same seed gives byte-identical outputs; another seed gives another market."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.run import TABLES, simulate, write_outputs
from tests.conftest import small_config


def outputs(tmp: Path, seed: int, strategy: str = "baseline") -> dict[str, bytes]:
    config = small_config(f"strategy={strategy}", n_traders=500, days=60)
    config.seed = seed
    write_outputs(simulate(config), tmp)
    files = {f"{t}.parquet": (tmp / f"{t}.parquet").read_bytes() for t in TABLES}
    summary = json.loads((tmp / "summary.json").read_text())
    summary.pop("wall_seconds")
    files["summary"] = json.dumps(summary, sort_keys=True).encode()
    return files


@pytest.mark.parametrize("strategy", ["baseline", "full"])
def test_same_seed_gives_byte_identical_outputs(tmp_path: Path, strategy: str) -> None:
    first = outputs(tmp_path / "a", seed=11, strategy=strategy)
    second = outputs(tmp_path / "b", seed=11, strategy=strategy)
    assert first == second


def test_another_seed_gives_another_market(tmp_path: Path) -> None:
    first = outputs(tmp_path / "a", seed=11)
    other = outputs(tmp_path / "b", seed=12)
    assert first["orders.parquet"] != other["orders.parquet"]
