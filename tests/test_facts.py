"""Stylised facts from transaction logs: hand-made logs worked out by hand, bad logs and bad
options refused before any work (exit 2, nothing written), invalid lines dropped and counted,
strict JSON whatever the amounts, the simulation's own orders, and the real retailer's log
against the targets file when present."""

from __future__ import annotations

import gzip
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis import facts
from sim.analysis.facts import LogColumns, LogError, OptionError
from sim.commands import facts as facts_command
from tests.helpers import ROOT, assert_refused, run_module

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
        (lambda log: log.assign(when=3), ["--date when", "numbers"]),
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
    from sim.config.compose import load_config
    from sim.simulation.run import run_to_directory

    config = load_config(["population=classroom", "days=120", "warm_up_days=10", "progress=false"])
    run_to_directory(config, tmp_path)
    out = tmp_path / "facts.json"
    done = run_module("sim", "facts", str(tmp_path / "orders.parquet"), "--out", str(out))
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
    assert facts_command.main([str(log), "--out", str(out)]) == 0
    # buyer 1's two lines of one day are one order: 2 orders of 2 customers
    found = yaml.safe_load(out.read_text())
    assert (found["orders"], found["customers"]) == (2, 2)
    # a column named on the command line must be there
    out = str(tmp_path / "x.json")
    assert facts_command.main([str(log), "--invoice", "order_id", "--out", out]) == 2
    assert "--invoice order_id is not allowed" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_a_missing_log_exits_2_with_its_name(tmp_path: Path) -> None:
    assert_refused(run_module("sim", "facts", str(tmp_path / "nope.csv")), "nope.csv")


def strict_json(text: str) -> dict:
    """Parse as strict JSON: NaN, Infinity and -Infinity, which Python writes by default, fail."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def sales_log(folder: Path, amounts: list[object] | None = None) -> Path:
    """A CSV log with a run's column names: buyers 1, 2, 1, ... on consecutive days."""
    amounts = amounts or [2.0, 3.0, 4.0]
    days = [f"2024-03-{1 + i % 28:02d}" for i in range(len(amounts))]
    buyers = [1 + i % 2 for i in range(len(amounts))]
    path = folder / "sales.csv"
    pd.DataFrame({"buyer": buyers, "date": days, "amount": amounts}).to_csv(path, index=False)
    return path


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in tmp_path (the default --out goes there), failing if the log's lines are cleaned:
    a bad value must be refused before any work starts."""
    monkeypatch.chdir(tmp_path)

    def work_started(*args: object) -> None:
        raise AssertionError("the log was processed before a bad value was refused")

    monkeypatch.setattr(facts, "clean_lines", work_started)


def refused(argv: list[str], capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    """`main(argv)` exits 2 with a one-line message naming `fragments`."""
    assert facts_command.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_a_bad_first_seen_date_exits_2_without_a_traceback(tmp_path: Path) -> None:
    done = run_module("sim", "facts", str(sales_log(tmp_path)), "--first-seen-from", "notadate")
    assert_refused(done, "--first-seen-from 'notadate' is not allowed", "YYYY-MM-DD")


@pytest.mark.parametrize(
    ("options", "fragments"),
    [
        (["--first-seen-from", "notadate"], ["--first-seen-from 'notadate'", "YYYY-MM-DD"]),
        (["--first-seen-from", "03/01/2024"], ["--first-seen-from '03/01/2024'"]),
        (["--out", "{log}/facts.json"], ["--out", "sales.csv is a file, not a folder"]),
        (["--out", "{folder}"], ["--out", "it is a folder"]),
        (["--out", "{log}"], ["--out", "it is the log itself"]),
        (["--customer", ""], ["--customer '' is not allowed"]),
        (["--amount", "price"], ["--amount price is not allowed", "no such column"]),
        (["--home", "UK"], ["--home UK is not allowed", "no --country column"]),
        (["--cancel-prefix", "C"], ["--cancel-prefix C is not allowed without --invoice"]),
    ],
)
def test_bad_options_are_refused_before_any_work(
    options: list[str], fragments: list[str], tmp_path: Path, no_work: None, capsys
) -> None:
    log = sales_log(tmp_path)
    argv = [str(log), *(o.format(log=log, folder=tmp_path) for o in options)]
    refused(argv, capsys, *fragments)
    assert [p.name for p in tmp_path.rglob("*")] == ["sales.csv"]  # nothing written


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_an_out_in_a_read_only_folder_is_refused(tmp_path: Path, no_work: None, capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    refused([str(sales_log(tmp_path)), "--out", str(locked / "f.json")], capsys, "not writable")


TRUNCATED_GZIP = gzip.compress(b"buyer,date,amount\n" * 9000)[:60]


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        ("log.csv", None, ["LOG=", "no such file"]),
        ("log.csv", b"", ["LOG=", "the file is empty"]),
        ("log.csv", b"buyer,date,amount\n", ["LOG=", "the log is empty"]),
        ("log.csv", b"buyer;date;amount\n1;2024-03-01;2\n", ["--customer buyer", "no such column"]),
        ("log.csv.gz", b"buyer,date,amount\n", ["LOG=", "not readable as CSV"]),
        ("log.csv.gz", TRUNCATED_GZIP, ["LOG=", "not readable as CSV"]),
        ("orders.parquet", b"buyer", ["LOG=", "not readable as Parquet"]),
    ],
)
def test_bad_logs_are_refused_before_any_work(
    name: str, content: bytes | None, fragments: list[str], tmp_path: Path, no_work, capsys
) -> None:
    log = tmp_path / name
    if content is not None:
        log.write_bytes(content)
    refused([str(log)], capsys, *fragments)
    assert [p.name for p in tmp_path.iterdir()] == ([] if content is None else [name])
    refused([str(tmp_path)], capsys, "it is not a file")  # a folder is no log either


def test_a_home_no_order_comes_from_is_refused(tmp_path: Path, capsys) -> None:
    log = tmp_path / "log.csv"
    line_log().to_csv(log, index=False)
    options = ["--customer", "customer", "--date", "when", "--quantity", "qty", "--unit-price"]
    argv = [str(log), *options, "price", "--country", "country", "--home", "DE"]
    refused([*argv, "--out", str(tmp_path / "f.json")], capsys, "--home DE", "UK, FR")
    assert not (tmp_path / "f.json").exists()


def test_out_into_missing_folders_creates_them(tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "facts.json"
    assert facts_command.main([str(sales_log(tmp_path)), "--out", str(out)]) == 0
    assert strict_json(out.read_text())["customers"] == 2
    assert [p.name for p in out.parent.iterdir()] == ["facts.json"]  # no .partial left


def test_a_failed_write_leaves_no_file_that_looks_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def disk_full(path: Path, text: str) -> None:
        facts_command.partial_path(path).write_text(text[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(facts_command, "write_text", disk_full)
    out = tmp_path / "facts.json"
    refused([str(sales_log(tmp_path)), "--out", str(out)], capsys, "--out", "No space left")
    assert not out.exists()
    assert not facts_command.partial_path(out).exists()


def test_the_readme_examples_write_distinct_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "data" / "online_retail.csv.gz"
    log.parent.mkdir()
    pd.read_csv(sales_log(tmp_path)).to_csv(log, index=False)
    monkeypatch.chdir(tmp_path)
    assert facts_command.main([str(log)]) == 0
    assert facts_command.main([str(log), "--first-seen-from", "2024-03-02"]) == 0
    whole = strict_json(Path("online_retail.facts.json").read_text())
    cohort = strict_json(Path("online_retail.from-2024-03-02.facts.json").read_text())
    assert (whole["customers"], cohort["customers"]) == (2, 1)
    run_orders = Path("runs/x/orders.parquet")
    assert facts_command.default_out(run_orders, None) == Path("orders.facts.json")


def test_nan_and_infinite_amounts_are_dropped_counted_and_json_stays_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # two customers' amounts near the float maximum would overflow a sum of revenue to inf
    amounts = [2.0, "nan", "inf", "-inf", "abc", 1.5e308, 1.5e308, 4.0]
    out = tmp_path / "facts.json"
    assert facts_command.main([str(sales_log(tmp_path, amounts)), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "dropped 4 of 8 lines: 4 with a missing, non-numeric or infinite amount" in err
    text = out.read_text()
    assert "NaN" not in text and "Infinity" not in text
    found = strict_json(text)
    assert found["orders"] == 4
    assert 0 <= found["revenue_gini"] <= 1  # defined: amounts are scaled before summing
    assert found["days_between_orders"]["median"] is not None
    assert facts.to_json({"a": {"b": math.nan}, "c": math.inf}) == (
        '{\n  "a": {\n    "b": null\n  },\n  "c": null\n}\n'
    )


def test_invalid_lines_are_dropped_and_counted_by_reason() -> None:
    log = line_log().astype({"price": object})
    log.loc[0, "when"] = "notadate"
    log.loc[1, "customer"] = None
    log.loc[2, "invoice"] = None
    log.loc[3, "price"] = "abc"
    lines, dropped = facts.clean_lines(log, LINES)
    assert dropped == {
        "without a customer": 1,
        "with a missing or unparsable date": 1,
        "with a missing, non-numeric or infinite amount": 1,
        "without an invoice id": 1,
        "cancelled": 1,
        "with a non-positive quantity, price or amount": 1,
    }
    assert len(lines) == len(log) - 6
    assert facts.dropped_message(dropped, len(log)).startswith("dropped 6 of 10 lines: 1 without")


AMOUNTS = st.floats() | st.sampled_from([math.nan, math.inf, -math.inf, 1e308, 5e-324])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 90), AMOUNTS), min_size=1))
def test_any_amounts_give_strict_json_or_a_clear_refusal(
    rows: list[tuple[int, int, float]],
) -> None:
    log = pd.DataFrame(rows, columns=["buyer", "day", "amount"])
    log["date"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(log["day"], unit="D")
    columns = LogColumns(invoice=None, country=None)
    finite = np.isfinite(log["amount"])
    try:
        lines, dropped = facts.clean_lines(log, columns)
        found = facts.facts(facts.group_orders(lines, columns))
    except LogError as error:  # nothing left, or an order's total overflows a float
        assert not (finite & (log["amount"] > 0)).any() or "beyond the largest float" in str(error)
        return
    assert dropped.get("with a missing, non-numeric or infinite amount", 0) == (~finite).sum()
    assert strict_json(facts.to_json(found))["customers"] == lines["customer"].nunique()


def test_parse_day_takes_iso_dates_only() -> None:
    assert str(facts.parse_day("2011-03-01")) == "2011-03-01"
    for text in ("today", "notadate", "2011-02-30"):
        with pytest.raises(OptionError, match=f"'{text}' is not allowed"):
            facts.parse_day(text)


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
