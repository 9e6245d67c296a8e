"""The strategist's report: the verdict worked out by hand, seeds to settle a difference, the
glossary covering every metric, values in their units, the response curve of a numeric knob,
the per-segment view, and the files a report writes (CSV tables, a responsive page)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import curve, glossary, paired, replication, report, verdict
from sim.analysis.metrics import summarize
from sim.simulation.run import simulate
from tests.helpers import small_config


def sweep(rows: list[dict]) -> pd.DataFrame:
    """A sweep table: overrides first, then seed, metrics and status."""
    table = pd.DataFrame(rows)
    overrides = [c for c in table.columns if c in ("strategy", "cap", "service")]
    rest = [c for c in table.columns if c not in (*overrides, "seed")]
    return table[[*overrides, "seed", *rest]].assign(status="ok", run_dir="")


def three_strategies(rfm_profit: list[float], rfm_repeat: list[float]) -> pd.DataFrame:
    """Baseline, rfm and mass on seeds 0-3; mass earns 10 more than the baseline on each."""
    rows = []
    for seed in range(4):
        common = dict(seed=seed)
        rows.append(
            dict(strategy="baseline", seller_profit=100.0, marketing_cost=0.0)
            | common
            | dict(repeat_rate=0.5, lever_cost=0.0)
        )
        rows.append(
            dict(strategy="rfm", seller_profit=rfm_profit[seed], marketing_cost=10.0)
            | common
            | dict(repeat_rate=rfm_repeat[seed], lever_cost=10.0)
        )
        rows.append(
            dict(strategy="mass", seller_profit=110.0 + seed, marketing_cost=20.0)
            | common
            | dict(repeat_rate=0.52, lever_cost=20.0)
        )
    return sweep(rows)


def the_verdict(table: pd.DataFrame, metric: str) -> verdict.Verdict:
    design = paired.design_of(table, {"strategy": "baseline"})
    comparison = paired.compare(table, design, [metric, "seller_profit", "roi", "extra_spend"])
    (found,) = verdict.verdicts(table, design, comparison, metric)
    return found


def test_seeds_needed_by_hand() -> None:
    # t(0.975, 5) / sqrt(6) = 2.5706 / 2.4495 = 1.049 > 1; t(0.975, 6) / sqrt(7) = 0.925 < 1
    assert replication.seeds_needed(1.0, 1.0) == 7
    assert replication.seeds_needed(2.0, 1.0) > replication.seeds_needed(1.0, 1.0)
    assert replication.seeds_needed(0.0, 0.5) == 2
    assert replication.seeds_needed(1.0, 0.0) == replication.MAX_SEEDS


def test_the_verdict_picks_a_clear_winner_and_reads_its_return_as_money() -> None:
    # rfm: profit +30, +32, +28, +30 over the baseline (mean 30, tight); mass: +10 .. +13
    found = the_verdict(three_strategies([130.0, 132.0, 128.0, 130.0], [0.6] * 4), "seller_profit")
    assert found.settled and found.pick == "strategy=rfm"
    assert found.best["difference"] == pytest.approx(30.0)
    # roi per seed: 30/10, 32/10, 28/10, 30/10: mean 3.0
    assert found.roi["difference"] == pytest.approx(3.0)
    # rfm - mass per seed: 20, 21, 16, 17: mean 18.5
    assert found.runner_up["policy"] == "strategy=mass"
    assert found.runner_up["difference"] == pytest.approx(18.5)
    text = report.verdict_text(found, "profit", "EUR")
    assert text.startswith("Pick strategy=rfm for profit")
    assert "+30 EUR a run" in text and "3.00 EUR of profit on top of every EUR spent" in text
    assert "a clear lead" in text and "Not yet settled" not in text


def test_an_unclear_winner_keeps_the_baseline_and_says_how_many_seeds_would_settle() -> None:
    # rfm alone: +40, -20, +30, -10 over the baseline: mean +10, sd 29.4, not significant
    table = three_strategies([140.0, 80.0, 130.0, 90.0], [0.6] * 4)
    found = the_verdict(table[table["strategy"] != "mass"], "seller_profit")
    assert not found.settled and found.pick == "strategy=baseline"
    assert found.best["policy"] == "strategy=rfm"
    # |10| as the half-width with sd 29.44: the fewest n with t(n-1) 29.44 / sqrt(n) < 10
    assert found.seeds_to_settle == {
        "strategy=rfm against the baseline": replication.seeds_needed(found.best["sd"], 10.0)
    }
    assert 30 < replication.seeds_needed(found.best["sd"], 10.0) < 40
    text = report.verdict_text(found, "profit", "USD")
    assert text.startswith("No policy beats strategy=baseline on profit")
    assert "Not yet settled: strategy=rfm against the baseline" in text


def test_a_stickiness_pick_that_loses_money_says_so() -> None:
    # rfm keeps customers best but loses 50 a run on every seed
    table = three_strategies([50.0, 49.0, 51.0, 50.0], [0.70, 0.71, 0.69, 0.70])
    found = the_verdict(table, "repeat_rate")
    assert found.pick == "strategy=rfm"
    text = report.verdict_text(found, "stickiness", "USD")
    assert "Mind the money" in text and "-50 USD" in text
    # roi -50 / 10 = -5: five units lost per unit spent
    assert "5.00 USD of every USD spent lost" in text


def test_every_metric_a_report_can_show_is_in_the_glossary() -> None:
    for metric in sorted(paired.METRICS | paired.DERIVED):
        entry = glossary.term(metric)
        assert entry.meaning, metric
        assert entry.unit in {"share", "money", "count", "ratio", "score", "rate", "seconds"}
    for family in paired.NESTED - {"groups"}:
        assert glossary.term(f"{family}.email").meaning, family
    assert "rfm group" in glossary.term("groups.rfm.repeat_rate").meaning
    table = report.glossary_table(["gmv", "roi", "repeat_rate"], "GBP")
    assert table["unit"].tolist() == ["GBP", "GBP of profit per GBP spent", table["unit"][2]]


@pytest.mark.parametrize(
    ("metric", "value", "difference", "text"),
    [
        ("orders", 26.4, True, "+26"),
        ("orders", 1234.0, False, "1,234"),
        ("repeat_rate", 0.05, True, "+5.0 pp"),
        ("repeat_rate", 0.705, False, "70.5%"),
        ("roi", 0.64, True, "+0.64"),
        ("seller_profit", -3255.4, True, "-3,255"),
        ("seller_profit", np.nan, True, "n/a"),
    ],
)
def test_values_read_in_their_unit(metric: str, value: float, difference: bool, text: str) -> None:
    assert report.fmt(metric, value, difference) == text


def test_the_overview_splits_by_family_with_money_headed_by_its_currency() -> None:
    table = three_strategies([130.0, 132.0, 128.0, 130.0], [0.6] * 4)
    design = paired.design_of(table, {"strategy": "baseline"})
    comparison = paired.compare(table, design, ["repeat_rate", "seller_profit", "roi"])
    tables = dict(report.overview_tables(comparison, "JPY"))
    assert list(tables) == ["Stickiness", "Money"]
    assert list(tables["Money"].columns) == ["policy", "seller_profit (JPY)", "roi"]
    assert tables["Stickiness"].columns.name is None  # no stray "metric" header


def cap_sweep() -> pd.DataFrame:
    """Caps 0, 10, 25, 50 on five seeds: profit 100, +20, +30 (best), and 50 the same as 25."""
    rows = []
    for seed in range(5):
        noise = [0.0, 1.0, -1.0, 2.0, -2.0][seed]
        for cap, gain in ((0, 0.0), (10, 20.0), (25, 30.0), (50, 30.0)):
            rows.append(
                dict(cap=cap, seed=seed, seller_profit=100.0 + gain + noise * (cap > 0))
                | dict(marketing_cost=min(cap, 25) * 2.0, repeat_rate=0.5)
            )
    return sweep(rows)


def test_the_response_curve_finds_the_best_level_and_the_levels_that_change_nothing() -> None:
    table = cap_sweep()
    design = paired.design_of(table, {"cap": 0})
    (found,) = curve.curves(table, design, "seller_profit")
    assert found.best == 25 and (found.best_low, found.best_high) == (25, 25)
    levels = found.levels.set_index("level")
    assert levels.loc[10, "mean"] == pytest.approx(20.0)
    assert levels.loc[25, "spend"] == pytest.approx(50.0)  # 25 x 2 beyond the cap of 0
    assert found.identical == [(25, 50)]
    text = report.curve_text(found, "USD")
    assert "highest at cap = 25" in text and "25 and 50 give identical runs" in text


def test_a_curve_needs_a_numeric_policy_key() -> None:
    table = three_strategies([130.0, 132.0, 128.0, 130.0], [0.6] * 4)
    design = paired.design_of(table, {"strategy": "baseline"})
    assert curve.numeric_key(table, design) is None
    assert curve.curves(table, design, "seller_profit") == []


def test_the_segment_view_reads_contacts_cost_and_credited_orders_per_run() -> None:
    rows = []
    for seed in range(2):
        rows.append(dict(strategy="baseline", seed=seed, seller_profit=1.0))
        rows.append(
            dict(strategy="rfm", seed=seed, seller_profit=2.0)
            | {"contacts_by_segment.loyal": 100.0 + 100 * seed}
            | {"marketing_cost_by_segment.loyal": 50.0}
            | {"contact_conversion_by_segment.loyal": 0.1}
            | {"incremental_orders_by_stage.active": 4.0 + 2 * seed}
        )
    table = sweep(rows)
    design = paired.design_of(table, {"strategy": "baseline"})
    blocks, frames = report.segment_blocks(table, design, "USD")
    assert [b.content for b in blocks if b.kind == "heading"] == [
        "Where the marketing goes",
        "By segment",
        "Incremental orders by customer stage",
    ]
    loyal = frames["segment"].iloc[0]
    # contacts 100 and 200: mean 150; credited orders 10 and 20: mean 15; cost per order 50/15
    assert (loyal["contacts"], loyal["orders"]) == pytest.approx((150.0, 15.0))
    assert loyal["cost_per_order"] == pytest.approx(50.0 / 15.0)
    assert frames["stage"].iloc[0]["mean"] == pytest.approx(5.0)
    assert "channel" not in frames


def test_a_run_counts_contacts_and_their_cost_by_segment_and_channel() -> None:
    config = small_config("population=classroom", "strategy=rfm", n_traders=150, days=90)
    result = simulate(config)
    window = dict(window_start=config.warm_up_days, window_end=config.days)
    s = summarize(result.orders, result.events, n_traders=150, **window)
    assert s["contacts"] > 0
    assert sum(s["contacts_by_channel"].values()) == s["contacts"]
    assert sum(s["contacts_by_segment"].values()) == s["contacts"]
    # contacts' cost, plus the coupons redeemed on orders credited to them: between the
    # contacts' cost alone and the whole marketing cost (uncredited coupons belong to none)
    o, e = result.orders, result.events
    sent = e[(e["kind"] == "contact") & (e["day"] >= config.warm_up_days)]["value"].sum()
    for by in ("channel", "segment"):
        total = sum(s[f"marketing_cost_by_{by}"].values())
        assert sent - 1e-9 <= total <= s["marketing_cost"] + 1e-9
    credited = o[(o["channel"] != "none") & (o["day"] >= config.warm_up_days)]
    assert sum(s["marketing_cost_by_channel"].values()) == pytest.approx(
        sent + credited["discount"].sum()
    )


def test_a_report_writes_its_tables_as_csv_and_a_page_that_fits_the_window(
    tmp_path: Path,
) -> None:
    table = three_strategies([130.0, 132.0, 128.0, 130.0], [0.6] * 4)
    wide = pd.DataFrame({"policy": ["strategy=rfm"], **{f"metric {i}": ["+1"] for i in range(30)}})
    blocks = [report.Block("heading", "A report", 1), report.Block("table", wide)]
    built = report.Report(blocks, {"comparison": table})
    markdown, html = report.write(built, tmp_path)
    assert (tmp_path / "tables" / "comparison.csv").exists()
    assert pd.read_csv(tmp_path / "tables" / "comparison.csv").shape == table.shape
    page = html.read_text()
    assert 'name="viewport"' in page and '<div class="table">' in page
    assert "overflow-x: auto" in page
    assert "tables/comparison.csv" in markdown.read_text()


def test_a_replication_plan_gives_the_seeds_each_difference_needs() -> None:
    # rfm: +40, -20, +30, -10 over the baseline: sd 29.44 over 4 seeds
    table = three_strategies([140.0, 80.0, 130.0, 90.0], [0.6] * 4)
    design = paired.design_of(table, {"strategy": "baseline"})
    comparison = paired.compare(table, design, ["seller_profit", "repeat_rate"])
    targets = replication.parse_targets(
        "seller_profit=5,repeat_rate=0.01", "x", ["seller_profit", "repeat_rate"]
    )
    assert targets == {"seller_profit": 5.0, "repeat_rate": 0.01}
    plan = replication.plan(comparison, targets).set_index(["policy", "metric"])
    rfm = plan.loc[("strategy=rfm", "seller_profit")]
    assert rfm["seeds"] == 4 and rfm["target"] == 5.0
    assert rfm["seeds_needed"] == replication.seeds_needed(29.4392, 5.0)
    assert 130 < rfm["seeds_needed"] < 140  # (1.96 x 29.44 / 5)^2 = 133, a little more for t
    # a bare number plans the objective's metric
    assert replication.parse_targets("500", "seller_profit", ["seller_profit"]) == {
        "seller_profit": 500.0
    }
    text = report.plan_text(replication.plan(comparison, {"seller_profit": 5.0}))
    assert "For a 95% interval of +/-5 on seller_profit" in text


@pytest.mark.parametrize("text", ["0", "-3", "abc", "happiness=0.1", ""])
def test_a_bad_plan_is_refused(text: str) -> None:
    from sim.config import ConfigError

    with pytest.raises(ConfigError, match="--plan-seeds"):
        replication.parse_targets(text, "seller_profit", ["seller_profit", "repeat_rate"])
