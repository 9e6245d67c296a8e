"""Every table a run writes has the columns and dtypes its writing module declares."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.recording.run_folder import TABLES
from sim.simulation.model import TIMESERIES_TABLE
from sim.simulation.run import TRADERS_TABLE
from sim.state.logs import EVENTS_TABLE, ORDERS_TABLE
from tests.helpers import run_module


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {column: str(dtype) for column, dtype in frame.dtypes.items()}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("run")
    done = run_module(
        "sim",
        "population=classroom",
        "population.n_traders=300",
        "strategy=full",
        "market=currency_shock",
        "days=60",
        "warm_up_days=10",
        "progress=false",
        f"hydra.run.dir={out}",
    )
    assert done.returncode == 0, done.stderr
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES}


@pytest.mark.parametrize(
    ("table", "contract"),
    [("orders", ORDERS_TABLE), ("events", EVENTS_TABLE), ("traders", TRADERS_TABLE)],
)
def test_a_written_table_matches_its_declared_columns_and_dtypes(
    written: dict[str, pd.DataFrame], table: str, contract: dict[str, str]
) -> None:
    assert len(written[table]) > 0
    assert dtypes(written[table]) == contract


def test_the_time_series_has_its_columns_then_a_rate_per_currency_then_money(
    written: dict[str, pd.DataFrame],
) -> None:
    found = dtypes(written["timeseries"])
    rates = [c for c in found if c.startswith("fx_")]
    assert list(found) == [*TIMESERIES_TABLE, *rates, "money_total"]
    assert {c: found[c] for c in TIMESERIES_TABLE} == TIMESERIES_TABLE
    assert {found[c] for c in rates} == {"float64"} and len(rates) >= 2
    assert found["money_total"] == "int64"
