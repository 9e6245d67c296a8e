"""Paired comparison against a baseline: statistics worked out by hand, the design read from a
sweep table, clear errors, and the report written end to end by `python -m sim compare`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sim.analysis import paired, report
from sim.analysis.metrics import summarize
from sim.commands import compare
from sim.config import ConfigError
from sim.recording import run_folder
from sim.simulation.run import simulate
from tests.helpers import assert_refused, run_module, small_config


def a_sweep_table(rows: list[dict]) -> pd.DataFrame:
    """A sweep table as `sweep_table.collect` makes it: overrides, seed, metrics, status."""
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
    return a_sweep_table(rows)


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
    table = a_sweep_table(rows)
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
        "sim", "compare", *where, "--run", *run, "warm_up_days=20", "hydra/launcher=basic"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    markdown = (reports / "report.md").read_text()
    assert "Ranking by seller_profit" in markdown and "strategy=rfm" in markdown
    assert "## Verdict: the policy to pick for profit" in markdown
    assert "Money is in USD" in markdown and "## Glossary" in markdown
    assert "figures/retention.png" in markdown and "figures/differences.png" in markdown
    html = (reports / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 5 and "<table" in html
    for name in ("comparison", "ranking", "policy_means", "verdict", "marketing_by_channel"):
        assert (reports / "tables" / f"{name}.csv").exists(), name
    assert (out / "sweep.parquet").exists()

    planned = run_module("sim", "compare", str(out), "--plan-seeds", "repeat_rate=0.01")
    assert planned.returncode == 0, planned.stderr[-3000:]
    assert "For a 95% interval of +/-1.0% on repeat_rate" in planned.stdout
    assert "## Replication plan" in (out / "report.md").read_text()
    assert (out / "tables" / "replication.csv").exists()
    assert_refused(run_module("sim", "compare", str(out), "--plan-seeds", "-1"), "--plan-seeds")
    sticky = run_module("sim", "compare", str(out), "--objective", "stickiness")
    assert sticky.returncode == 0, sticky.stderr[-3000:]
    sticky_report = (out / "report.md").read_text()
    assert "pick for stickiness" in sticky_report and "Ranking by repeat_rate" in sticky_report
    assert_refused(run_module("sim", "compare", str(out), "--objective", "fame"), "fame")
    assert_refused(run_module("sim", "compare", str(out), "--baseline", "colour=red"), "colour=red")
    # The baseline makes no contacts, so has no contact conversion: no crash, and it is named.
    ranked = run_module("sim", "compare", str(out), "--rank-by", "contact_conversion")
    assert ranked.returncode == 0, ranked.stderr[-3000:]
    assert "undefined (n/a) for strategy=baseline" in ranked.stderr
    assert "undefined (n/a) for strategy=baseline" in (out / "report.md").read_text()


def test_the_metrics_known_before_any_run_are_those_of_a_summary() -> None:
    config = small_config("population=classroom", n_traders=60, days=20)
    result = simulate(config)
    window = dict(window_start=config.warm_up_days, window_end=config.days)
    metrics = summarize(result.orders, result.events, n_traders=60, **window)
    nested = {k for k, v in metrics.items() if isinstance(v, dict)}
    assert set(metrics) - nested | {"wall_seconds"} == paired.METRICS
    assert nested | {"groups"} == paired.NESTED
    assert {"wall_seconds", "groups"} <= set(result.summary)


def with_metric(metric: str, values: list[float]) -> pd.DataFrame:
    """showdown() with a metric NaN for the baseline (no contacts: no contact conversion, no
    marketing: no incremental profit) and `values` for rfm's four runs."""
    table = showdown()
    table.insert(table.columns.get_loc("status"), metric, np.nan)
    table.loc[table["strategy"] == "rfm", metric] = values
    return table


def ranked(table: pd.DataFrame, metric: str) -> tuple[pd.DataFrame, list[report.Block]]:
    design = paired.design_of(table, {"strategy": "baseline"})
    ranks = paired.ranking(paired.compare(table, design, [metric]), design, metric)
    return ranks, report.ranking_blocks(ranks, metric)


def test_a_metric_the_baseline_lacks_ranks_on_the_policies_own_means() -> None:
    # The baseline makes no contacts: no paired difference, so rfm ranks on its own mean,
    # 0.1, 0.2, 0.3 on the seeds it shares with the baseline: 0.2 with half width
    # 4.302653 * 0.1 / sqrt(3) = 0.248414 (seed 9, which the baseline never ran, does not count).
    ranks, blocks = ranked(
        with_metric("contact_conversion", [0.1, 0.2, 0.3, 0.4]), "contact_conversion"
    )
    assert list(ranks["rank"].fillna(0)) == [1, 0]
    assert ranks.loc[0, "by"] == "mean" and ranks.loc[0, "value"] == pytest.approx(0.2)
    assert ranks.loc[0, "ci_high"] == pytest.approx(0.2 + 0.248414, abs=1e-6)
    table = next(b.content for b in blocks if b.kind == "table")
    assert table.to_dict("list") == {
        "rank": [1],
        "policy": ["strategy=rfm"],
        "mean": ["20.0%"],
        "95% CI": ["[-4.8%, 44.8%]"],
        "Holm p": ["n/a"],
    }
    notes = [b.content for b in blocks if b.kind == "note"]
    assert notes == ["contact_conversion is undefined (n/a) for strategy=baseline: not ranked."]


def test_an_empty_ranking_says_why() -> None:
    ranks, blocks = ranked(with_metric("incremental_profit", [np.nan] * 4), "incremental_profit")
    assert ranks["rank"].isna().all()
    assert [b.kind for b in blocks] == ["note"]
    assert "No ranking by incremental_profit: it is undefined (n/a)" in blocks[0].content


def fake_run(sweep_dir: Path, overrides: list[str], error: str | None = None) -> None:
    """A run's folder as a sweep leaves it: Hydra's overrides, then a summary or an error."""
    run_dir = sweep_dir / ",".join(sorted(overrides))
    (run_dir / ".hydra").mkdir(parents=True)
    (run_dir / run_folder.OVERRIDES).write_text(yaml.safe_dump(overrides))
    if error:
        run_folder.write_error(run_dir, RuntimeError(error), 0.1)
        return
    seed = int(next(o for o in overrides if o.startswith("seed=")).partition("=")[2])
    summary = dict(seed=seed, days=40, warm_up_days=10, repeat_rate=0.5 + seed / 10)
    (run_dir / run_folder.SUMMARY).write_text(json.dumps(summary))


def jobs(strategies: list[str], *others: str) -> list[list[str]]:
    return [[f"strategy={s}", f"seed={seed}", *others] for s in strategies for seed in (0, 1)]


def test_a_report_takes_only_the_runs_of_its_own_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An earlier comparison left rfm runs, which also set `service`, in the same folder.
    for job in jobs(["baseline", "rfm"], "service=free_shipping"):
        fake_run(tmp_path, job)
    mine = jobs(["baseline", "mass"])
    for job in mine:
        fake_run(tmp_path, job)
    table = compare.runs_of(tmp_path, mine)
    assert sorted(table["strategy"].unique()) == ["baseline", "mass"] and len(table) == 4
    assert "service" not in table
    # Given as SWEEP_DIR, the mixed folder is refused rather than compared as one sweep.
    argv = ["--metrics", "repeat_rate", str(tmp_path)]
    assert_refused_in_process(argv, capsys, monkeypatch, "mixes", "service")


def test_the_default_folder_is_named_by_the_overrides_less_seeds_and_launcher() -> None:
    ad_hoc = compare.default_out(["strategy=baseline,rfm", "seeds=2", "population=classroom"])
    again = compare.default_out(["population=classroom", "strategy=baseline,rfm", "seeds=9"])
    assert ad_hoc == again == compare.OUTPUTS / "population=classroom,strategy=baseline,rfm"
    launcher = ["hydra/launcher=basic", "strategy=baseline,rfm", "population=classroom"]
    assert compare.default_out(launcher) == ad_hoc
    other = compare.default_out(["strategy=baseline,mass", "seeds=2", "population=classroom"])
    assert other != ad_hoc
    showdown_out = compare.default_out(["experiment=strategy_showdown", "seeds=20"])
    assert showdown_out == compare.OUTPUTS / "strategy_showdown"


def assert_refused_in_process(
    argv: list[str], capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, *fragments: str
) -> None:
    """`compare.main(argv)` exits 2, starting no run, with a one-line message of `fragments`."""
    monkeypatch.setattr(compare, "run_sweep", _no_run)
    code = compare.main(argv)
    errors = capsys.readouterr().err
    assert_refused(subprocess.CompletedProcess(argv, code, stderr=errors), *fragments)
    assert len(errors.strip().splitlines()) == 1, errors


def _no_run(*args: object) -> None:
    raise AssertionError("a run started despite bad input")


RUN = ["--run", "strategy=baseline,rfm", "seeds=2", "population=classroom"]


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["--rank-by", "nope", *RUN], ["--rank-by nope", "compared", "repeat_rate, retention"]),
        (["--metrics", "", *RUN], ["--metrics ''", "one or more metrics"]),
        (["--metrics", "happiness", *RUN], ["--metrics happiness", "repeat_rate"]),
        (["--metrics", "gmv", "--rank-by", "churn_rate", *RUN], ["--rank-by churn_rate", "gmv"]),
        (["--rank-by", "incremental_profit", *RUN], ["add incremental_profit to --metrics"]),
        ([*RUN, "experiment=nope"], ["experiment/nope", "strategy_showdown, trade_shocks"]),
        ([*RUN, "foo=1"], ["foo='1'", "the keys of the top level are seed"]),
        (
            ["--run", "strategy=baseline,nope", "seeds=1"],
            ["strategy/nope", "baseline, email, full, mass"],
        ),
        ([*RUN, "days=abc"], ["days=abc", "Integer"]),
        ([*RUN, "days=5"], ["warm_up_days=60", "days=5"]),
        (["--baseline", "strategy=bogus", *RUN], ["strategy=bogus", "baseline, rfm"]),
    ],
)
def test_bad_input_stops_before_any_run_with_one_line(
    argv: list[str], fragments: list, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_refused_in_process(argv, capsys, monkeypatch, *fragments)


def test_when_every_run_fails_the_runs_own_error_is_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def failing_sweep(overrides: list[str], total: int, out: Path) -> None:
        for job in compare.sweep_jobs(overrides):
            fake_run(out, job, error="the disk is full")

    monkeypatch.setattr(compare, "run_sweep", failing_sweep)
    assert compare.main(["--out", str(tmp_path), *RUN]) == 1
    errors = capsys.readouterr().err
    assert "4 runs: RuntimeError: the disk is full" in errors and "--baseline" not in errors


def test_when_the_baselines_runs_fail_their_error_is_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    for job in jobs(["rfm"]):
        fake_run(tmp_path, job)
    for job in jobs(["baseline"]):
        fake_run(tmp_path, job, error="out of memory")
    assert compare.main([str(tmp_path), "--metrics", "repeat_rate"]) == 1
    errors = capsys.readouterr().err
    assert "no run of the baseline strategy=baseline finished" in errors
    assert "2 runs: RuntimeError: out of memory" in errors


def compare_in(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m sim compare ARGS` run from `cwd`, where its default folders go."""
    command = [sys.executable, "-m", "sim", "compare", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


def policies_in(markdown: Path) -> set[str]:
    """The policies a report's ranking names."""
    ranking = markdown.read_text().split("## Overview")[0]
    return set(re.findall(r"^\| \d+ \| ([^|]+) \|", ranking, re.MULTILINE))


@pytest.mark.slow
def test_ad_hoc_comparisons_report_only_their_own_runs(tmp_path: Path) -> None:
    tiny = ["population=classroom", "population.n_traders=150", "days=40", "warm_up_days=10"]
    tiny += ["seeds=1", "hydra/launcher=basic"]
    for strategies in ("baseline,rfm", "baseline,mass"):
        done = compare_in(
            tmp_path, "--metrics", "repeat_rate,gmv", "--run", f"strategy={strategies}", *tiny
        )
        assert done.returncode == 0, done.stderr[-3000:]
    folders = sorted((tmp_path / "outputs" / "compare").iterdir())
    assert len(folders) == 2
    rfm, mass = sorted(folders, key=lambda f: "mass" in f.name)
    assert policies_in(rfm / "report.md") == {"strategy=baseline", "strategy=rfm"}
    assert policies_in(mass / "report.md") == {"strategy=baseline", "strategy=mass"}
    # A third comparison into the first's folder, with a key the first did not set: its
    # report has neither the first's rfm runs nor a `platform=nan` context.
    third = [
        "--out",
        str(rfm),
        "--metrics",
        "repeat_rate,gmv",
        "--report-dir",
        str(tmp_path / "third"),
    ]
    done = compare_in(
        tmp_path, *third, "--run", "strategy=baseline,mass", "platform=verified", *tiny
    )
    assert done.returncode == 0, done.stderr[-3000:]
    markdown = tmp_path / "third" / "report.md"
    assert policies_in(markdown) == {"strategy=baseline", "strategy=mass"}
    assert "rfm" not in markdown.read_text() and "nan" not in markdown.read_text()
