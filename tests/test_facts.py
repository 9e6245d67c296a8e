"""Stylised facts from transaction logs: hand-made logs worked out by hand, bad logs named, the
simulation's own orders, and the real retailer's log against the targets file when present."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sim import facts
from sim.facts import LogColumns, LogError
from tests.conftest import assert_refused, run_module

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT.parent / "shared" / "data" / "online_retail.csv.gz"
TARGETS = ROOT / "configs" / "targets" / "online_retail.yaml"
LINES = LogColumns(
    customer="customer",
    date="when",
    amount=None,
    quantity="qty",
    unit_price="price",
    invoice="invoice",
    country="country",
    cancel_prefix="C",
)


def line_log() -> pd.DataFrame:
    """Three customers over two months, as invoice lines.

    a (UK): invoices 1 (two lines, day 1), 2 (day 1 again), 3 (day 11), 4 (day 41) -> 4 orders,
            order days 1, 11, 41 -> gaps 10 and 30; revenue 10+5+10+20+40 = 85
    b (FR): invoice 5 (day 2), a cancellation C6, a line with quantity 0 -> 1 order, revenue 15
    c (UK): invoice 7 (day 20), invoice 8 (day 60) -> gap 40; revenue 30 + 30 = 60
    """
    rows = [
        ("a", "2024-01-01 09:00", 1, 10.0, "1", "UK"),
        ("a", "2024-01-01 09:00", 1, 5.0, "1", "UK"),
        ("a", "2024-01-01 17:00", 2, 5.0, "2", "UK"),
        ("a", "2024-01-11", 4, 5.0, "3", "UK"),
        ("a", "2024-02-10", 8, 5.0, "4", "UK"),
        ("b", "2024-01-02", 3, 5.0, "5", "FR"),
        ("b", "2024-01-03", 3, 5.0, "C6", "FR"),
        ("b", "2024-01-04", 0, 5.0, "9", "FR"),
        ("c", "2024-01-20", 6, 5.0, "7", "UK"),
        ("c", "2024-02-29", 6, 5.0, "8", "UK"),
    ]
    return pd.DataFrame(rows, columns=["customer", "when", "qty", "price", "invoice", "country"])


def test_facts_of_a_hand_made_log() -> None:
    found = facts.facts(facts.orders(line_log(), LINES))
    assert (found["customers"], found["orders"]) == (3, 7)
    # a has 4 orders, b 1, c 2: two of three customers have 2+ orders
    assert found["share_two_plus_orders"] == pytest.approx(2 / 3)
    bins = found["orders_per_customer"]
    assert (bins["1"], bins["2"], bins["4-5"], bins[">10"]) == pytest.approx(
        (1 / 3, 1 / 3, 1 / 3, 0)
    )
    # gaps between order days: a 10, 30; c 40 -> quartiles of [10, 30, 40]: 20, 30, 35
    assert found["days_between_orders"] == {"p25": 20.0, "median": 30.0, "p75": 35.0}
    # the log ends on 2024-02-29. Within 30 days: a yes (day 11), b no, c no (40 days) -> 1/3;
    # within 90 days nobody has been watched 90 days (first orders after 2023-12-01): None
    assert found["repeat_within"]["30d"] == pytest.approx(1 / 3)
    assert found["repeat_within"]["90d"] is None
    # revenue a 85, c 60, b 15 of 160: the top customer (1, 10 and 20% of 3 round to 1) has 85
    assert found["revenue_top_share"]["top_20pct"] == pytest.approx(85 / 160)
    # Gini of [15, 60, 85]: sum (2i - n - 1) x_i / (n sum x) = (-2*15 + 0 + 2*85) / (3*160)
    assert found["revenue_gini"] == pytest.approx(140 / 480)
    assert found["home_country"] == "UK"
    outside = found["outside_home"]
    assert (outside["customers"], outside["orders"]) == pytest.approx((1 / 3, 1 / 7))
    assert outside["revenue"] == pytest.approx(15 / 160)
    # January (a 10+5+10+20, b 15, c 30 = 90) and February (a 40, c 30 = 70), both whole
    # months of the log (it runs 2024-01-01 to 2024-02-29): mean 80 -> 112.5 and 87.5
    assert found["monthly_revenue_index"] == pytest.approx({"2024-01": 112.5, "2024-02": 87.5})


def test_first_seen_filter_and_partial_months() -> None:
    log = line_log()
    found = facts.facts(facts.orders(log, LINES), first_seen_from="2024-01-02")
    assert found["customers"] == 2  # b (Jan 2) and c (Jan 20); a was first seen on Jan 1
    # the filtered log starts on Jan 2: January is only partly covered and is left out
    assert list(found["monthly_revenue_index"]) == ["2024-02"]
    with pytest.raises(LogError, match="2025-01-01"):
        facts.facts(facts.orders(log, LINES), first_seen_from="2025-01-01")


def test_without_invoices_a_customer_day_is_one_order() -> None:
    columns = LogColumns(customer="customer", date="when", invoice=None, country=None)
    log = pd.DataFrame(
        {"customer": [1, 1, 1], "when": ["2024-03-01", "2024-03-01", "2024-03-05"], "amount": 2}
    )
    assert facts.facts(facts.orders(log, columns))["orders"] == 2


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (lambda log: log.drop(columns="when"), ["--date when", "no such column", "customer"]),
        (lambda log: log.assign(when="yesterday"), ["--date when", "'yesterday'"]),
        (lambda log: log.iloc[:0], ["empty"]),
        (lambda log: log.assign(qty=-1), ["no order left"]),
    ],
)
def test_bad_logs_are_named(change, fragments: list[str]) -> None:
    with pytest.raises(LogError) as error:
        facts.orders(change(line_log()), LINES)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_a_value_column_is_required() -> None:
    columns = LogColumns(customer="customer", date="when", amount=None, country=None)
    with pytest.raises(LogError, match="--amount"):
        facts.orders(line_log(), columns)


@given(st.lists(st.floats(0.0, 1e6), min_size=1, max_size=50))
def test_gini_lies_between_zero_and_one(values: list[float]) -> None:
    g = facts.gini(np.array(values))
    assert -1e-9 <= g <= 1.0
    assert facts.gini(np.full(len(values), 3.0)) == pytest.approx(0.0, abs=1e-12)


def test_facts_of_a_runs_own_orders(tmp_path: Path) -> None:
    from sim.cli import load_config
    from sim.run import run_to_directory

    config = load_config(["population=classroom", "days=120", "warm_up_days=10", "progress=false"])
    run_to_directory(config, tmp_path)
    out = tmp_path / "facts.json"
    done = run_module("sim.facts", str(tmp_path / "orders.parquet"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    found = yaml.safe_load(out.read_text())
    orders = pd.read_parquet(tmp_path / "orders.parquet")
    assert found["customers"] == orders["buyer"].nunique()
    assert found["orders"] == len(orders)
    assert 0 < found["share_two_plus_orders"] < 1
    assert "share with 2+ orders" in done.stdout


def test_a_log_without_invoice_or_country_columns_needs_no_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log, out = tmp_path / "sales.csv", tmp_path / "facts.json"
    days = ["2024-03-01", "2024-03-01", "2024-03-05"]
    pd.DataFrame({"buyer": [1, 1, 2], "date": days, "amount": [2.0, 3.0, 4.0]}).to_csv(log)
    assert facts.main([str(log), "--out", str(out)]) == 0
    # buyer 1's two lines of one day are one order: 2 orders of 2 customers
    found = yaml.safe_load(out.read_text())
    assert (found["orders"], found["customers"]) == (2, 2)
    # a column named on the command line must be there
    assert facts.main([str(log), "--invoice", "order_id", "--out", str(tmp_path / "x.json")]) == 2
    assert "--invoice order_id is not allowed" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_a_missing_log_exits_2_with_its_name(tmp_path: Path) -> None:
    assert_refused(run_module("sim.facts", str(tmp_path / "nope.csv")), "nope.csv")


def close(found: object, target: object, path: str = "") -> None:
    """Every number of `target` matches `found` to the targets file's 4 decimals."""
    if isinstance(target, dict):
        for key, value in target.items():
            close(found[str(key)], value, f"{path}.{key}")
    elif isinstance(target, float):
        assert found == pytest.approx(target, abs=6e-5), path
    else:
        assert found == target, path


@pytest.mark.skipif(not RETAIL.exists(), reason="the retailer's log is not beside the project")
def test_the_real_retailer_matches_the_targets_file() -> None:
    targets = yaml.safe_load(TARGETS.read_text())
    columns = LogColumns(amount=None, **targets["columns"])
    table = facts.orders(facts.read_log(RETAIL), columns)
    close(facts.facts(table), targets["all_customers"])
    cohort = dict(targets["first_seen_from_2011_03_01"])
    close(facts.facts(table, first_seen_from=cohort.pop("first_seen_from")), cohort)
    # and the figures published with the data (shared/data/README.md), rounded as there
    found = facts.facts(table)
    assert round(100 * found["share_two_plus_orders"], 1) == 65.6
    assert found["days_between_orders"]["median"] == 28
    assert round(100 * found["revenue_top_share"]["top_20pct"], 1) == 74.6
    assert round(found["monthly_revenue_index"]["2011-11"]) == 166
