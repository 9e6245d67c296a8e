"""Calibration: the distance to the targets worked out by hand, parameter ranges read strictly,
bad input refused before any run, trials with undefined facts scored as the worst while the
study goes on, and a small seeded fit that gives the same answer twice, whatever the number of
workers."""

from __future__ import annotations

import copy
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from optuna.trial import TrialState

from sim.analysis.facts import LogError
from sim.commands import calibrate
from sim.commands.calibrate import Parameter
from sim.config import ConfigError
from tests.helpers import ROOT, assert_refused, run_module

TARGETS = yaml.safe_load((ROOT / "configs" / "targets" / "online_retail.yaml").read_text())


def aims() -> dict:
    cohort = copy.deepcopy(TARGETS[calibrate.COHORT])
    return cohort | {"monthly_revenue_index": {"2025-02": 80.0, "2025-11": 120.0}}


def test_the_targets_themselves_are_at_distance_zero() -> None:
    assert calibrate.distance(aims(), aims()) == 0.0


def test_a_miss_of_one_tolerance_costs_one() -> None:
    found = aims()
    found["share_two_plus_orders"] += 0.08  # one tolerance (8 points) off
    found["days_between_orders"]["median"] -= 5.0  # half a tolerance (10 days): 0.25
    assert calibrate.distance(found, aims()) == pytest.approx(1.25)


def test_february_out_earning_november_is_penalised() -> None:
    found = aims()
    found["monthly_revenue_index"] = {"2025-02": 110.0, "2025-11": 90.0}
    # ((110 - 90) / 10)^2 + 1 = 5
    assert calibrate.distance(found, aims()) == pytest.approx(5.0)


def test_each_month_of_the_cohort_curve_counts_like_a_fact() -> None:
    found = aims()
    curve = found["cohort_retention_by_month"]
    curve["1"] += 0.08  # one tolerance off: 1
    curve["2"] -= 0.04  # half a tolerance: 0.25
    del curve["9"]  # a month the run is too short to observe is not scored
    assert calibrate.distance(found, aims()) == pytest.approx(1.25)
    misses = calibrate.curve_misses(found, aims())
    assert misses["cohort_retention_by_month.1"] == pytest.approx(1.0)
    assert "cohort_retention_by_month.9" not in misses


def test_a_lift_aim_misses_by_one_at_either_end_of_its_range() -> None:
    (aim,) = calibrate.LiftAim.load("email_conversion_lift")
    assert (aim.low, aim.high, aim.measure) == (1.5, 2.2, "ratio")
    assert aim.overrides == ("strategy=email",)
    assert aim.miss(1.85) == pytest.approx(0.0)  # the middle
    assert aim.miss(1.5) == pytest.approx(1.0) == aim.miss(2.2)
    assert aim.miss(1.15) == pytest.approx(4.0)  # two half-ranges below the middle


def test_a_shares_check_is_an_aim_a_share_each_widened_by_its_tolerance() -> None:
    aims = {aim.key: aim for aim in calibrate.LiftAim.load("checkout_reasons")}
    assert "extra_costs" in aims and "card_declined" in aims
    extra = aims["extra_costs"]
    assert (extra.low, extra.high) == pytest.approx((0.42, 0.53))  # 0.47-0.48, ±0.05
    assert extra.miss(0.475) == pytest.approx(0.0) and extra.miss(0.53) == pytest.approx(1.0)
    assert extra.overrides == ()  # the default market: one run a seed serves every share
    assert len(calibrate.by_runs(tuple(aims.values()))) == 1


def test_a_check_that_is_not_an_experiment_is_refused_as_an_aim() -> None:
    with pytest.raises(ConfigError, match=r"--check cohort_curve is not allowed.*lift"):
        calibrate.LiftAim.load("cohort_curve")
    done = run_module("sim", "calibrate", *NEED_RATE, "--check", "nonsense")
    assert_refused(done, "--check nonsense", "email_conversion_lift")
    done = run_module("sim", "calibrate", *NEED_RATE, "--no-facts")
    assert done.returncode == 2 and "--no-facts is not allowed without a --check" in done.stderr


def test_seeds_are_averaged_leaf_by_leaf() -> None:
    runs = [{"a": 1.0, "b": {"c": None}}, {"a": 3.0, "b": {"c": 0.5}}]
    assert calibrate.mean_facts(runs) == {"a": 2.0, "b": {"c": 0.5}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("population.need_rate=0.01:0.06", Parameter("population.need_rate", 0.01, 0.06)),
        ("x=1:10:log", Parameter("x", 1.0, 10.0, log=True)),
    ],
)
def test_parameters_are_parsed(text: str, expected: Parameter) -> None:
    assert Parameter.parse(text) == expected


@pytest.mark.parametrize("text", ["x=1", "x=2:1", "x=a:b", "x=1:2:lin", "x=1:2:log:3"])
def test_bad_parameters_are_named(text: str) -> None:
    with pytest.raises(ConfigError, match=text.split("=")[0] + "="):
        Parameter.parse(text)


@pytest.mark.slow
def test_a_seeded_fit_is_the_same_on_one_or_two_workers() -> None:
    params = [Parameter("population.need_rate", 0.02, 0.05)]
    overrides = ["population=classroom", "days=150", "warm_up_days=10"]
    targets = TARGETS | {"cohort_offset_days": 30}
    runs = [
        calibrate.fit(params, targets, overrides, trials=3, seeds=1, seed=5, batch=2, n_jobs=n)
        for n in (1, 2)
    ]
    (one, found_one), (two, found_two) = runs
    assert [t.params for t in one.trials] == [t.params for t in two.trials]
    assert [t.value for t in one.trials] == [t.value for t in two.trials]
    assert found_one == found_two
    assert 0.02 <= one.best_params["population.need_rate"] <= 0.05


def test_a_bad_parameter_exits_2_naming_it() -> None:
    done = run_module("sim", "calibrate", "--param", "population.colour=1:2")
    assert_refused(done, "population.colour")


@pytest.mark.slow
@pytest.mark.parametrize("overrides", [[], ["calibration=online_retail"]])
def test_the_default_market_is_the_calibrated_one(overrides: list[str]) -> None:
    """With default settings the facts are within 8 points (share with 2+ orders, repeat
    within 90 days, revenue share of the top 20%) and 10 days (median gap) of the real
    retailer's, and November out-earns February; the preset gives the same market."""
    found = calibrate.simulated_facts(
        overrides, seed=0, cohort_offset_days=TARGETS["cohort_offset_days"]
    )
    real = TARGETS[calibrate.COHORT]
    for path, tolerance in calibrate.AIMS.items():
        assert abs(calibrate.leaf(found, path) - calibrate.leaf(real, path)) <= tolerance, path
    index = found["monthly_revenue_index"]
    assert calibrate.by_month(index, "11") > calibrate.by_month(index, "02")


# --- bad input is refused up front (exit 2, naming it); no study starts ---------------------


@pytest.fixture
def no_study(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Presets go to a temporary folder, and starting a study fails the test: input that
    should be refused must never reach it. Returns the presets folder."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the study started")

    monkeypatch.setattr(calibrate, "fit", refuse)
    presets = tmp_path / "configs" / "calibration"
    monkeypatch.setattr(calibrate, "PRESETS", presets)
    return presets


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the command in-process; it must stop with exit 2. Returns what it printed."""
    try:
        code = calibrate.main(list(argv))
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2, err
    return err


NEED_RATE = ("--param", "population.need_rate=0.01:0.02")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("population.n_traders=1.5:3", "whole numbers"),
        ("progress=0:1", "bool, not a number"),
        ("population=1:2", "not a number"),
        ("x=0:1:log", "LOW > 0"),
        ("x=0:inf", "finite"),
    ],
)
def test_ranges_must_suit_the_key(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment) as caught:
        Parameter.parse(text)
    assert f"--param {text}" in str(caught.value)


def test_an_int_knob_is_parsed_as_an_integer_range() -> None:
    param = Parameter.parse("population.n_traders=100:300")
    assert param == Parameter("population.n_traders", 100, 300, integer=True)
    assert isinstance(param.distribution(), calibrate.optuna.distributions.IntDistribution)
    assert not Parameter.parse("population.need_rate=0.01:0.06").integer


def write_targets(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def without(path: str) -> str:
    """The real targets with one dotted `path` removed, as YAML."""
    targets = copy.deepcopy(TARGETS)
    *parents, name = path.split(".")
    node = targets
    for parent in parents:
        node = node[parent]
    del node[name]
    return yaml.safe_dump(targets)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "holds nothing"),
        (bytes(range(256)), "not a YAML text file"),
        ("a: [", "not a YAML text file"),
        ("- 1\n- 2\n", "holds a list"),
        (yaml.safe_dump(TARGETS | {"cohort_offset_days": -1}), "cohort_offset_days=-1"),
        (without(f"{calibrate.COHORT}.repeat_within.90d"), "repeat_within.90d=None"),
        (without("all_customers.monthly_revenue_index"), "monthly_revenue_index=None"),
    ],
)
def test_bad_targets_files_are_refused(
    text: str | bytes, fragment: str, tmp_path: Path, no_study: Path, capsys
) -> None:
    path = write_targets(tmp_path / "targets.yaml", text)
    err = refused(capsys, *NEED_RATE, "--targets", str(path))
    assert f"--targets {path} is not allowed" in err
    assert fragment in err


def test_n_jobs_0_is_refused(no_study: Path, capsys) -> None:
    assert "--n-jobs 0 is not allowed" in refused(capsys, *NEED_RATE, "--n-jobs", "0")


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("days=abc", "days=abc"),
        ("population=nope", "population/nope"),
        ("foo", "foo"),
        ("seed=1,2", "seed=1,2"),
        ("seed=3", "--seeds"),
        ("population.need_rate=0.03", "fitted by --param"),
        ("population.colour=1", "population.colour"),
    ],
)
def test_bad_overrides_are_configuration_errors(
    override: str, fragment: str, no_study: Path, capsys
) -> None:
    err = refused(capsys, *NEED_RATE, override)
    assert err.startswith("Configuration error:")
    assert fragment in err


@pytest.mark.parametrize("name", ["../../x", "a/b", "x.yaml", "", ".hidden"])
def test_a_name_that_is_not_plain_is_refused(
    name: str, no_study: Path, tmp_path: Path, capsys
) -> None:
    assert f"--name {name!r} is not allowed" in refused(capsys, *NEED_RATE, f"--name={name}")
    assert not any(tmp_path.rglob("*"))
    assert not (ROOT / "x.yaml").exists()


def test_a_run_too_short_for_the_cohort_is_refused_up_front(no_study: Path, capsys) -> None:
    err = refused(capsys, *NEED_RATE, "days=100", "warm_up_days=10")
    assert "days=100 is not allowed" in err
    assert "cohort_offset_days" in err
    assert "days >= 181" in err


def test_the_default_targets_do_not_depend_on_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    targets = calibrate.parse_args(list(NEED_RATE)).targets
    assert targets == Path(calibrate.CONFIG_DIR) / "targets" / "online_retail.yaml"
    assert calibrate.load_targets(targets)["cohort_offset_days"] == TARGETS["cohort_offset_days"]


def test_the_command_finds_its_targets_from_another_folder(tmp_path: Path) -> None:
    """Run elsewhere, the default targets are read (the refusal is of days, not of them)."""
    done = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", *NEED_RATE, "days=100", "warm_up_days=10"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_refused(done, "days=100 is not allowed", "cohort_offset_days")


# --- trials whose facts are undefined --------------------------------------------------------


def test_undefined_facts_are_the_worst_distance() -> None:
    found = aims()
    found["days_between_orders"]["median"] = None
    assert calibrate.undefined_aims(found) == ["days_between_orders.median"]
    assert calibrate.distance(found, aims()) == math.inf


def test_a_short_run_without_a_cohort_makes_its_seed_undefined() -> None:
    overrides = ["population=classroom", "population.n_traders=50", "days=40", "warm_up_days=10"]
    problem = calibrate.seed_facts(overrides, seed=0, cohort_offset_days=35)
    assert problem == "seed 0: no customer is first seen on or after 2025-02-05"


def fake_runs(monkeypatch: pytest.MonkeyPatch, outcomes: list[str]) -> list[list[str]]:
    """Replace the simulator: call i returns the targets' facts ("ok"), facts without a median
    gap ("no median") or no cohort at all ("no cohort"). Returns each call's overrides."""
    calls: list[list[str]] = []

    def simulated(overrides: list[str], seed: int, cohort_offset_days: int) -> dict:
        outcome = outcomes[len(calls) % len(outcomes)]
        calls.append(overrides)
        if outcome == "no cohort":
            raise LogError("no customer is first seen on or after 2025-04-01")
        found = aims()
        if outcome == "no median":
            found["days_between_orders"]["median"] = None
        return found

    monkeypatch.setattr(calibrate, "simulated_facts", simulated)
    return calls


FAST = {"trials": 4, "seeds": 1, "seed": 0, "batch": 2, "n_jobs": 1}


def test_the_study_survives_trials_with_undefined_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_runs(monkeypatch, ["no cohort", "ok", "no median", "ok"])
    params = [Parameter("population.need_rate", 0.01, 0.05)]
    study, found = calibrate.fit(params, TARGETS, [], **FAST)
    states = [t.state for t in study.trials]
    assert states == [TrialState.PRUNED, TrialState.COMPLETE] * 2
    reasons = [t.user_attrs.get(calibrate.UNDEFINED) for t in study.trials]
    assert "no customer is first seen" in reasons[0]
    assert reasons[2] == "undefined in every seed: days_between_orders.median"
    assert sorted(found) == [1, 3]
    assert study.best_trial.number in found


def test_a_fit_to_an_experiment_alone_scores_its_miss_and_runs_no_facts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def lift(overrides: list[str], seed: int, aims: tuple) -> list[float]:
        response = float(overrides[-1].partition("=")[2])
        return [1.0 + 10.0 * response]  # a lift that grows with the channel's response

    def no_facts(*args) -> dict:
        raise AssertionError("the facts' market was run")

    monkeypatch.setattr(calibrate, "seed_lift", lift)
    monkeypatch.setattr(calibrate, "simulated_facts", no_facts)
    (aim,) = calibrate.LiftAim.load("email_conversion_lift")
    params = [Parameter("platform.channels.edm.response", 0.01, 0.2)]
    study, found = calibrate.fit(
        params, TARGETS, [], **(FAST | {"trials": 6}), lifts=(aim,), use_facts=False
    )
    for trial in study.trials:
        simulated = found[trial.number]["lifts"]["email_conversion_lift"]
        value = 1.0 + 10.0 * trial.params["platform.channels.edm.response"]
        assert simulated == pytest.approx(value)
        assert trial.value == pytest.approx(aim.miss(value))  # the experiment's miss only


def test_an_int_knob_is_fitted_and_written_as_an_int(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = fake_runs(monkeypatch, ["ok"])
    params = [Parameter.parse("population.n_traders=100:300")]
    study, _ = calibrate.fit(params, TARGETS, [], **FAST)
    values = [call[-1] for call in calls]
    assert all(re.fullmatch(r"population\.n_traders=\d+", v) for v in values), values
    best = study.best_params["population.n_traders"]
    assert isinstance(best, int) and 100 <= best <= 300
    preset = tmp_path / "fit.yaml"
    calibrate.write_preset(preset, study.best_params, "test")
    assert yaml.safe_load(preset.read_text()) == {"population": {"n_traders": best}}
    calibrate.compose(["population=classroom", values[0]])  # the override composes


def fit_command(tmp_path: Path, *extra: str) -> list[str]:
    """A tiny study's command line: cohort from the start, classroom market, 120 days."""
    targets = write_targets(
        tmp_path / "targets.yaml", yaml.safe_dump(TARGETS | {"cohort_offset_days": 0})
    )
    return [
        *("--targets", str(targets), "--trials", "3", "--seeds", "1", "--n-jobs", "1"),
        *("--name", "tiny", "--out", str(tmp_path / "out")),
        *("population=classroom", "days=120", "warm_up_days=10", *extra),
    ]


def test_when_every_trial_has_undefined_facts_it_says_so_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    fake_runs(monkeypatch, ["no cohort"])
    monkeypatch.setattr(calibrate, "PRESETS", tmp_path / "presets")
    assert calibrate.main([*NEED_RATE, *fit_command(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "all 3 trials had undefined facts" in err
    assert "no customer is first seen" in err
    assert not (tmp_path / "presets").exists()
    assert not (tmp_path / "out").exists()


def test_the_report_counts_trials_with_undefined_facts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    fake_runs(monkeypatch, ["ok", "no median", "ok"])
    monkeypatch.setattr(calibrate, "PRESETS", tmp_path / "presets")
    assert calibrate.main([*NEED_RATE, *fit_command(tmp_path)]) == 0
    assert "1 of 3 trials had undefined facts" in capsys.readouterr().out
    report = (tmp_path / "out" / "report.md").read_text()
    assert "1 of 3 trials had undefined facts" in report
    assert (tmp_path / "presets" / "tiny.yaml").is_file()


@pytest.mark.slow
def test_a_real_tiny_study_fits_an_int_knob(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    """End to end on the simulator: an integer range is fitted, and the preset holds an int."""
    monkeypatch.setattr(calibrate, "PRESETS", tmp_path / "presets")
    argv = ["--param", "population.n_traders=200:400", *fit_command(tmp_path)]
    assert calibrate.main(argv) == 0, capsys.readouterr().err
    preset = yaml.safe_load((tmp_path / "presets" / "tiny.yaml").read_text())
    n_traders = preset["population"]["n_traders"]
    assert isinstance(n_traders, int) and 200 <= n_traders <= 400
