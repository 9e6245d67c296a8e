"""The validation suite: the cohort curve, the e-mail test's measure, the verdicts, bad input,
and (slow) the whole command on a small market."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from sim.analysis import facts, validation
from sim.analysis.validation import Outcome
from sim.commands import calibrate, validate
from tests.helpers import ROOT, assert_refused, run_module

SUITE = ROOT / "configs" / "targets" / "validation.yaml"


def order_table(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """An order table as `facts.orders` makes it, from (customer, date) pairs."""
    return pd.DataFrame(
        {
            "customer": [c for c, _ in rows],
            "order": [f"o{i}" for i in range(len(rows))],
            "date": pd.to_datetime([d for _, d in rows]),
            "amount": 1.0,
            "country": "UK",
        }
    )


def test_the_cohort_curve_counts_each_month_among_customers_observed_for_it() -> None:
    table = order_table(
        [
            ("A", "2024-01-01"),  # first order; the log ends 2024-03-05: 64 days observed
            ("A", "2024-01-15"),  # 14 days after: month 1
            ("A", "2024-02-20"),  # 50 days after: month 2
            ("B", "2024-02-01"),  # first order; 33 days observed: month 1 only
            ("B", "2024-02-01"),  # the same day: no month
            ("B", "2024-03-05"),  # 33 days after: month 2, which B is not observed for
            ("C", "2024-03-01"),  # 4 days observed: in no month's denominator
        ]
    )
    # month 1: A and B observed, A orders -> 1/2; month 2: A only, A orders -> 1/1
    assert facts.facts(table)["cohort_retention_by_month"] == {"1": 0.5, "2": 1.0}
    # month 1 is repeat_within's 30 days
    assert facts.facts(table)["repeat_within"]["30d"] == 0.5
    # with a cohort, only its customers count: B alone, observed for month 1, no order in it
    cohort = facts.facts(table, first_seen_from="2024-02-01")
    assert cohort["cohort_retention_by_month"] == {"1": 0.0}
    # a log shorter than a month after every first order has no month
    assert (
        facts.facts(order_table([("A", "2024-01-01"), ("A", "2024-01-20")]))[
            "cohort_retention_by_month"
        ]
        == {}
    )


def test_the_targets_file_keeps_the_cohort_curve_beside_the_aimed_facts() -> None:
    targets = calibrate.load_targets(calibrate.DEFAULT_TARGETS)
    curve = targets[calibrate.COHORT]["cohort_retention_by_month"]
    assert list(curve) == [str(m) for m in range(1, 10)]
    assert curve["1"] == targets[calibrate.COHORT]["repeat_within"]["30d"]


def test_the_email_measure_compares_fortnights_of_treated_and_held_out_customers() -> None:
    orders = pd.DataFrame(
        [
            # treated pair, first order day 5: in window [10, 40) only days 20-33 are a whole
            # fortnight; it orders on day 30 (day 12 falls in the fortnight 6-19, cut by the
            # window's start)
            (5, 1, 100, "email", False),
            (12, 1, 100, "email", False),
            (30, 1, 100, "email", False),
            # held out, first order day 10: fortnights 11-24 and 25-38; orders in the first
            (10, 2, 100, "email", True),
            (11, 2, 100, "email", True),
            # treated, first order day 35: no whole fortnight before the window's end
            (35, 4, 101, "email", False),
            # a seller who never markets: left out
            (10, 3, 200, "no_marketing", False),
            (20, 3, 200, "no_marketing", False),
        ],
        columns=["day", "buyer", "seller", "group", "holdout"],
    )
    found = validation.email_conversion(orders, window_start=10, window_end=40)
    assert (found["treated_pairs"], found["treated_periods"], found["treated_converted"]) == (
        1,
        1,
        1,
    )
    assert (found["holdout_pairs"], found["holdout_periods"], found["holdout_converted"]) == (
        1,
        2,
        1,
    )
    assert found["treated_conversion"] == 1.0 and found["holdout_conversion"] == 0.5
    assert found["ratio"] == 2.0
    assert found["order_rate_ratio"] == pytest.approx((1 / 14) / (1 / 28))
    # no held-out conversion: the ratio is undefined, not infinite
    none = validation.email_conversion(orders[orders["buyer"] != 2], 10, 40)
    assert none["ratio"] is None and none["holdout_periods"] == 0


def test_the_repeat_seller_share_counts_orders_to_sellers_bought_from_before() -> None:
    orders = pd.DataFrame(
        {"day": [1, 5, 5, 6, 7], "buyer": [1, 1, 2, 2, 3], "seller": [9, 9, 9, 9, 8]}
    )
    # in [5, 8): buyer 1's day-5 order (bought day 1: yes), buyer 2's day 5 (no) and day 6
    # (yes), buyer 3's day 7 (no)
    assert validation.repeat_seller_share(orders, 5, 8) == 0.5
    assert validation.repeat_seller_share(orders, 20, 30) is None


def test_verdicts() -> None:
    assert validation.within(0.50, 0.54, 0.08) and not validation.within(0.40, 0.54, 0.08)
    assert validation.within(None, 0.5, 0.1) is None
    assert validation.in_range(1.2, 1.5, 2.2) is False and validation.in_range(1.6, 1.5, 2.2)
    assert validation.curve_within({"1": 0.2, "2": 0.3}, {"1": 0.15, "2": 0.2}, 0.08) == (
        False,
        ["2"],
    )
    assert validation.curve_within({"1": 0.2}, {"1": 0.15, "2": 0.2}, 0.08) == (None, ["2"])
    assert validation.direction_met([0.1, -0.05], "up") is True  # the mean's sign
    assert validation.direction_met([0.1, -0.05], "down") is False
    assert validation.direction_met([0.1, None], "up") is None
    outcomes = [
        Outcome("a", "fact", "", "s", "c", 0.5, 0.52, [0.5, 0.54], "±8 points", True, "50%"),
        Outcome("b", "lift", "", "s", "c", [1.5, 2.2], 1.2, [1.2], "in", False),
        Outcome("c", "direction", "", "s", "c", "up", None, [None], "mean > 0", None),
    ]
    text = validation.plain_table(outcomes)
    assert [line.split()[0] for line in text.splitlines()[2:]] == ["a", "b", "c"]
    assert [line.split()[-1] for line in text.splitlines()[2:]] == ["yes", "no", "undefined"]
    assert validation.met_line(outcomes) == "1 of 3 checks met"
    assert validation.with_spread(0.52, [0.5, 0.54], "share") == "52.0% (50.0% to 54.0%)"


def test_the_suite_loads_and_keeps_the_calibration_tolerances() -> None:
    suite = validate.Suite(SUITE)
    tolerances = {
        c.spec["fact"]: c.tolerance for c in suite.checks.values() if c.spec["kind"] == "fact"
    }
    assert tolerances == calibrate.AIMS
    curves = {
        c.spec["fact"]: c.tolerance for c in suite.checks.values() if c.spec["kind"] == "curve"
    }
    assert curves == calibrate.CURVE_AIMS
    assert suite.cohort_offset_days == 90
    assert "Chen, Sain and Guo 2012" in suite.citations["online_retail"]
    assert "Hillstrom" in suite.citations["hillstrom"]
    raw = yaml.safe_load(SUITE.read_text())
    assert list(suite.checks) == list(raw["checks"])
    assert {c.spec["kind"] for c in suite.checks.values()} <= set(validate.KINDS)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--seeds", "0"], ["--seeds 0 is not allowed", ">= 1"]),
        (["--checks", "nope"], ["--checks nope is not allowed", "cohort_curve"]),
        (["--targets", "nowhere.yaml"], ["--targets nowhere.yaml is not allowed", "no such"]),
        (["population.no_such_key=1"], ["no_such_key"]),
        (["seed=3"], ["seed=3 is not allowed"]),
        (
            ["--checks", "email_conversion_lift", "strategy=rfm"],
            ["strategy=... is not allowed", "email_conversion_lift"],
        ),
    ],
)
def test_bad_input_is_refused_up_front(tmp_path, capsys, args, fragments) -> None:
    out = tmp_path / "out"
    assert validate.main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert not out.exists()


@pytest.mark.slow
def test_the_whole_suite_runs_on_a_small_market(tmp_path) -> None:
    out = tmp_path / "validation"
    done = run_module(
        "sim", "validate", "--seeds", "2", "--traders", "600", "--n-jobs", "2", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = list(yaml.safe_load(SUITE.read_text())["checks"])
    for name in names:
        assert name in done.stdout
        assert (out / "figures" / f"{name}.png").stat().st_size > 0
    report = (out / "report.md").read_text()
    assert all(f"## {name}: " in report for name in names)
    assert f"of {len(names)} checks met" in done.stdout
    assert not list(out.rglob("*.partial"))
    # --strict: exit 1 when a check is not met (a target no share can reach)
    (tmp_path / "online_retail.yaml").write_text(
        (ROOT / "configs" / "targets" / "online_retail.yaml").read_text()
    )
    raw = yaml.safe_load(SUITE.read_text())
    check = raw["checks"]["share_two_plus_orders"] | {"target": 2.0}
    impossible = tmp_path / "impossible.yaml"
    impossible.write_text(yaml.safe_dump({"sources": raw["sources"], "checks": {"x": check}}))
    args = ["--seeds", "1", "--traders", "300", "--n-jobs", "1", "--targets", str(impossible)]
    strict = run_module("sim", "validate", *args, "--strict", "--out", str(tmp_path / "s"))
    assert strict.returncode == 1, strict.stderr[-2000:]
    assert "0 of 1 checks met" in strict.stdout
    assert_refused(run_module("sim", "validate", "--seeds", "0"), "--seeds 0 is not allowed")
