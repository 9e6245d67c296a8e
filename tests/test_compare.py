"""Paired comparison against a baseline: statistics worked out by hand, the design read from a
sweep table, clear errors, and the report written end to end by `python -m sim.compare`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import paired
from sim.config import ConfigError
from tests.conftest import assert_refused, run_module

ROOT = Path(__file__).resolve().parent.parent


def sweep_table(rows: list[dict]) -> pd.DataFrame:
    """A sweep table as `sim.sweep.collect` makes it: overrides, seed, metrics, status."""
    table = pd.DataFrame(rows)
    first = [c for c in table.columns if c not in ("seed", "repeat_rate", "churn_rate")]
    first = [c for c in first if c not in ("seller_profit", "marketing_cost")]
    metrics = ["repeat_rate", "churn_rate", "seller_profit", "marketing_cost"]
    return table[[*first, "seed", *metrics]].assign(status="ok")


def showdown() -> pd.DataFrame:
    rows = []
    base = {"repeat_rate": [0.5, 0.6, 0.7], "churn_rate": [0.3, 0.3, 0.3]}
    rfm = {"repeat_rate": [0.55, 0.62, 0.78], "churn_rate": [0.2, 0.25, 0.3]}
    for seed in range(3):
        rows.append(
            dict(strategy="baseline", seed=seed, seller_profit=100.0, marketing_cost=0.0)
            | {k: v[seed] for k, v in base.items()}
        )
        rows.append(
            dict(strategy="rfm", seed=seed, seller_profit=[130.0, 110.0, 120.0][seed])
            | dict(marketing_cost=[10.0, 10.0, 20.0][seed])
            | {k: v[seed] for k, v in rfm.items()}
        )
    # A seed the baseline never ran: it cannot be paired and must not count.
    rows.append(dict(strategy="rfm", seed=9, repeat_rate=0.99, churn_rate=0.0))
    rows[-1] |= dict(seller_profit=999.0, marketing_cost=1.0)
    return sweep_table(rows)


def test_paired_difference_ci_and_p_value_by_hand() -> None:
    design = paired.design_of(showdown(), {"strategy": "baseline"})
    result = paired.compare(showdown(), design, ["repeat_rate", "roi"]).set_index("metric")
    r = result.loc["repeat_rate"]
    # differences 0.05, 0.02, 0.08 on the three common seeds: mean 0.05; sd 0.03,
    # se 0.03/sqrt(3) = 0.017321; t(0.975, 2 df) = 4.302653 -> half width 0.074524.
    assert r["seeds"] == 3
    assert r["difference"] == pytest.approx(0.05)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(
        (0.05 - 0.074524, 0.05 + 0.074524), abs=1e-6
    )
    # uplift 0.05 / baseline mean 0.6; t = 0.05 / 0.017321 = 2.886751 and with 2 df the
    # t CDF is 1/2 + t / (2 sqrt(2 + t^2)) = 0.949013, so p = 2 (1 - 0.949013) = 0.101974.
    assert r["uplift"] == pytest.approx(0.05 / 0.6)
    assert r["p_value"] == pytest.approx(0.101974, abs=1e-6)
    # roi per seed: (130-100)/10 = 3, (110-100)/10 = 1, (120-100)/20 = 1: mean 5/3.
    assert result.loc["roi", "difference"] == pytest.approx(5 / 3)
    assert result.loc["roi", "mean"] == pytest.approx(5 / 3)


def test_policies_are_paired_within_their_context() -> None:
    rows = []
    for service, lift in (("default", 0.1), ("free_shipping", 0.3)):
        for seed in range(2):
            common = dict(service=service, seed=seed, churn_rate=0.2, marketing_cost=1.0)
            rows.append(dict(strategy="baseline", repeat_rate=0.5, seller_profit=10.0) | common)
            rows.append(dict(strategy="rfm", repeat_rate=0.5 + lift, seller_profit=12.0) | common)
    table = sweep_table(rows)
    design = paired.design_of(table, {"strategy": "baseline"})
    assert design.context_keys == ["service"]
    result = paired.compare(table, design, ["repeat_rate"]).set_index("context")
    assert result.loc["service=default", "difference"] == pytest.approx(0.1)
    assert result.loc["service=free_shipping", "difference"] == pytest.approx(0.3)
    # identical differences on every seed: no spread, a certain difference
    assert result.loc["service=default", "p_value"] == 0.0
    ranks = paired.ranking(paired.compare(table, design, ["repeat_rate"]), design, "repeat_rate")
    assert list(ranks.loc[ranks["context"] == "service=default", "policy"]) == [
        "strategy=rfm | service=default",
        "strategy=baseline | service=default",
    ]


def test_ranking_puts_the_lowest_churn_first() -> None:
    design = paired.design_of(showdown(), {"strategy": "baseline"})
    comparison = paired.compare(showdown(), design, ["churn_rate"])
    ranks = paired.ranking(comparison, design, "churn_rate")
    # rfm's churn is lower than the baseline's by 0.05 on average: rfm ranks first.
    assert list(ranks["policy"]) == ["strategy=rfm", "strategy=baseline"]


def test_holm_by_hand() -> None:
    # sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04 -> monotone 0.03, 0.06, 0.06
    adjusted = paired.holm(pd.Series([0.01, 0.04, 0.03, np.nan]))
    assert adjusted.iloc[:3].tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert np.isnan(adjusted.iloc[3])


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_holm_never_lowers_a_p_value_and_keeps_their_order(p_values: list[float]) -> None:
    raw = pd.Series(p_values)
    adjusted = paired.holm(raw)
    assert (adjusted >= raw - 1e-12).all() and (adjusted <= 1.0).all()
    order = raw.sort_values(kind="stable").index
    assert adjusted[order].is_monotonic_increasing


@pytest.mark.parametrize(
    ("baseline", "fragments"),
    [
        ({"colour": "red"}, ["colour=red", "strategy"]),
        ({"strategy": "bogus"}, ["strategy=bogus", "baseline, rfm"]),
    ],
)
def test_a_baseline_that_names_no_runs_is_a_clear_error(baseline: dict, fragments: list) -> None:
    with pytest.raises(ConfigError) as error:
        paired.design_of(showdown(), baseline)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_an_unknown_metric_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"happiness.*repeat_rate"):
        paired.check_metrics(showdown(), ["happiness"])


@pytest.mark.slow
def test_compare_runs_a_sweep_and_writes_the_report(tmp_path: Path) -> None:
    out, reports = tmp_path / "sweep", tmp_path / "report"
    where = ["--out", str(out), "--report-dir", str(reports)]
    run = ["strategy=baseline,rfm", "seeds=2", "population=classroom", "days=100"]
    done = run_module(
        "sim.compare", *where, "--run", *run, "warm_up_days=20", "hydra/launcher=basic"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    markdown = (reports / "report.md").read_text()
    assert "Ranking by repeat_rate" in markdown and "strategy=rfm" in markdown
    assert "figures/retention.png" in markdown
    html = (reports / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 5 and "<table" in html
    assert (out / "sweep.parquet").exists()

    assert_refused(run_module("sim.compare", str(out), "--baseline", "colour=red"), "colour=red")
