"""Fit model parameters to a targets file of stylised facts (`configs/targets/`), with Optuna.

    python -m sim calibrate --param population.need_rate=0.01:0.06 \\
        --param population.activity_shape=0.3:3 --trials 40 --seeds 3

Each trial runs the market on several seeds (the same seeds for every trial: common random
numbers), measures the facts of its orders as `sim.analysis.facts` measures a real log, averages
them over the seeds, and scores the weighted distance to the targets (each fact's miss divided
by its tolerance, squared, summed). Optuna's TPE sampler, seeded, proposes the next parameters
through its ask-and-tell interface; trials are asked in fixed-size batches and run in parallel,
so a seed gives the same fit on any number of cores. The best parameters are written as a preset
(`configs/calibration/NAME.yaml`, select it with `calibration=NAME`) and a report puts simulated
and real facts side by side.

Everything is checked before the first run (ranges, their types, the targets file, overrides, a
run long enough to measure the cohort): bad input exits 2 naming it. A trial whose facts are
undefined (a seed with no orders or no cohort, an aimed fact no seed defines) is scored as the
worst, Optuna's pruned state, so the study goes on; the report counts such trials, and when
every trial has undefined facts nothing is written and the command exits 1.

`--check NAME` adds a check of the validation suite (configs/targets/validation.yaml) to the
aims: a randomised experiment (kind lift, such as the e-mail test) or a survey's shares (kind
shares, such as the checkout survey's reasons for abandoning a cart, each share an aim): its
runs are made on the same seeds and its measures scored against the middle of the real range;
`--no-facts` aims at the experiments alone (for parameters the facts' market does not use, such
as a channel's response, or the checkout's).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
import yaml
from hydra.errors import HydraException
from joblib import Parallel, delayed
from omegaconf.errors import OmegaConfBaseException
from optuna.trial import FrozenTrial, TrialState
from tqdm import tqdm

from sim.analysis import facts, plots
from sim.analysis.facts import LogError
from sim.analysis.validation import email_conversion
from sim.config import ConfigError, SimConfig
from sim.config.compose import CONFIG_DIR, check_overrides, load_config, read_mapping
from sim.recording.atomic import write_text
from sim.simulation.run import simulate

# The facts the fit aims at, each with its tolerance: a miss of one tolerance costs 1.
AIMS = {
    "share_two_plus_orders": 0.08,
    "days_between_orders.median": 10.0,
    "repeat_within.90d": 0.08,
    "revenue_top_share.top_20pct": 0.08,
}
# Curves the fit aims at, month by month, with the tolerance of each month: the share of the
# cohort ordering in each 30-day month after its first order (months the run is long enough to
# observe; each month's miss counts like a fact's).
CURVE_AIMS = {"cohort_retention_by_month": 0.08}
SEASON = ("11", "02")  # November's revenue index should exceed February's
COHORT = "first_seen_from_2011_03_01"
# The longest repeat window aimed at: a run must go on that long after the cohort's first day.
REPEAT_DAYS = max(int(p.split(".")[1].rstrip("d")) for p in AIMS if p.startswith("repeat_within"))
# What the report reads of the targets besides the aimed facts: mappings of fact to number.
REPORTED = ("orders_per_customer", "repeat_within", "revenue_top_share")
DEFAULT_TARGETS = Path(CONFIG_DIR) / "targets" / "online_retail.yaml"
PRESETS = Path(CONFIG_DIR) / "calibration"  # where `--name NAME` writes NAME.yaml
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")  # a preset's name: no folders, no dots
UNDEFINED = "undefined_facts"  # a pruned trial's user attribute: why its facts are undefined


DEFAULT_CHECKS = Path(CONFIG_DIR) / "targets" / "validation.yaml"  # where --check reads


@dataclass(frozen=True)
class LiftAim:
    """A check of the validation suite as an aim: a randomised experiment (kind `lift`: its
    `overrides` run on the trial's seeds, its `measure` a key of
    sim.analysis.validation.email_conversion) or one share of a survey (kind `shares`: its
    `measure` a mapping of the run's summary, such as abandonment_reasons_cited, and `key` one
    of its entries), scored against the middle of the real range, in units of half the range
    (widened by a shares check's tolerance), so a value at either end misses by 1."""

    name: str
    overrides: tuple[str, ...]
    measure: str
    low: float
    high: float
    key: str = ""  # a shares check's entry; "" for a lift

    @classmethod
    def load(cls, name: str, path: Path = DEFAULT_CHECKS) -> tuple[LiftAim, ...]:
        """The aims of check `name`: one for a lift, one per entry of a shares check."""
        checks = read_mapping(path, f"--check {name} is not allowed").get("checks") or {}
        kinds = ("lift", "shares")
        usable = sorted(k for k, v in checks.items() if (v or {}).get("kind") in kinds)
        spec = checks.get(name)
        if not isinstance(spec, dict) or spec.get("kind") not in kinds:
            raise ConfigError(
                f"--check {name} is not allowed: a check of kind lift or shares in {path} is "
                f"needed ({', '.join(usable) or 'it has none'})"
            )
        if spec["kind"] == "lift":
            low, high = spec["target"]
            return (cls(name, tuple(spec["overrides"]), spec["measure"], float(low), float(high)),)
        wide = float(spec.get("tolerance", 0.0))
        return tuple(
            cls(f"{name}.{key}", (), spec["measure"], float(lo) - wide, float(hi) + wide, key)
            for key, (lo, hi) in spec["target"].items()
        )

    def miss(self, value: float) -> float:
        middle, half = (self.low + self.high) / 2, (self.high - self.low) / 2
        return ((value - middle) / half) ** 2

    def read(self, result, config: SimConfig) -> Any:
        """This aim's measure of one run."""
        if self.key:
            return (result.summary.get(self.measure) or {}).get(self.key, 0.0)
        return email_conversion(result.orders, config.warm_up_days, config.days)[self.measure]


def seed_lift(overrides: list[str], seed: int, aims: tuple[LiftAim, ...]) -> list[float] | str:
    """One seed's measure of each of `aims` (all with the same overrides, so one run serves
    them), or why one has none."""
    try:
        config = compose([*overrides, *aims[0].overrides, f"seed={seed}", "progress=false"])
    except ConfigError as error:
        return f"seed {seed}: {error}"
    result = simulate(config)
    found = [aim.read(result, config) for aim in aims]
    for aim, value in zip(aims, found, strict=True):
        if not is_number(value):
            return f"seed {seed}: {aim.name} {aim.measure} is undefined"
    return found


def by_runs(aims: tuple[LiftAim, ...]) -> list[tuple[LiftAim, ...]]:
    """The aims grouped by the overrides they run, in order: one run a seed for each group."""
    groups: dict[tuple[str, ...], list[LiftAim]] = {}
    for aim in aims:
        groups.setdefault(aim.overrides, []).append(aim)
    return [tuple(group) for group in groups.values()]


def schema_type(key: str) -> Any:
    """The type the schema (sim/config/schema.py) gives a dotted key: `int`, `float`, ...;
    None for a key it does not type (unknown keys are named by `check_overrides`, and some
    tables' cells are typed loosely). Integer keys must be fitted with integers."""
    node: Any = SimConfig
    for part in key.split("."):
        if typing.get_origin(node) in (dict, list):
            node = typing.get_args(node)[-1]  # `part` is the table's own key or index
        elif dataclasses.is_dataclass(node):
            node = typing.get_type_hints(node).get(part)
        else:
            return None
    return None if node is Any else node


@dataclass(frozen=True)
class Parameter:
    """A config key to fit and its range; `log` samples the range on a log scale, `integer`
    samples whole numbers (the schema types the key `int`)."""

    key: str
    low: float
    high: float
    log: bool = False
    integer: bool = False

    @classmethod
    def parse(cls, text: str) -> Parameter:
        """`population.need_rate=0.01:0.06`, `...=0.01:0.06:log`, `population.n_traders=100:300`."""
        key, _, span = text.partition("=")
        parts = span.split(":")
        kind = schema_type(key)
        if kind not in (int, float, None):
            name = getattr(kind, "__name__", str(kind))
            raise ConfigError(f"--param {text} is not allowed: {key} is a {name}, not a number")
        number = int if kind is int else float
        try:
            low, high = number(parts[0]), number(parts[1])
        except (IndexError, ValueError):
            whole = f", LOW and HIGH whole numbers ({key} is an int)" if kind is int else ""
            raise ConfigError(
                f"--param {text} is not allowed: write KEY=LOW:HIGH[:log]{whole}"
            ) from None
        finite = math.isfinite(low) and math.isfinite(high)
        if not (finite and low < high) or len(parts) > 3 or parts[2:] not in ([], ["log"]):
            raise ConfigError(f"--param {text} is not allowed: finite LOW < HIGH, optionally :log")
        log = parts[2:] == ["log"]
        if log and low <= 0:
            raise ConfigError(f"--param {text} is not allowed: LOW > 0 on a log scale")
        return cls(key, low, high, log, kind is int)

    def distribution(self) -> optuna.distributions.BaseDistribution:
        """Optuna's range: whole numbers for an int key, which a float would fail to set."""
        if self.integer:
            return optuna.distributions.IntDistribution(int(self.low), int(self.high), log=self.log)
        return optuna.distributions.FloatDistribution(self.low, self.high, log=self.log)

    def override(self, value: float) -> str:
        """The Hydra override that sets the key to `value`."""
        return f"{self.key}={value}"


def leaf(tree: Any, path: str) -> Any:
    """The value at a dotted path of a nested dict (`repeat_within.90d`); None where there is
    none, as facts are undefined when a log cannot measure them."""
    for part in path.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool): a fact that can be scored."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def compose(overrides: list[str]) -> SimConfig:
    """`load_config`, with Hydra's and OmegaConf's errors (a bad override) as ConfigError, so
    that they are reported like any other bad input."""
    try:
        return load_config(overrides)
    except ConfigError as error:
        if not isinstance(error.__cause__, HydraException | OmegaConfBaseException):
            raise  # a range or a rule: its message names the key already
        raise ConfigError(f"the overrides {' '.join(overrides)} are not allowed: {error}") from None


def simulated_facts(overrides: list[str], seed: int, cohort_offset_days: int) -> dict:
    """The facts of one run: the cohort's facts, plus the monthly index of all customers.
    Raises LogError when the run has no orders or no customer in the cohort."""
    config = compose([*overrides, f"seed={seed}", "progress=false"])
    result = simulate(config)
    table = facts.orders(result.orders, facts.SIMULATION)
    start = pd.Timestamp(config.market.start_date) + pd.Timedelta(days=cohort_offset_days)
    found = facts.facts(table, first_seen_from=str(start.date()))
    found["monthly_revenue_index"] = facts.facts(table)["monthly_revenue_index"]
    return found


def seed_facts(overrides: list[str], seed: int, cohort_offset_days: int) -> dict | str:
    """One seed's facts, or why it has none (no orders, no cohort, a combination of values
    the config rejects): returned, not raised, so one such run fails its trial, not the study."""
    try:
        return simulated_facts(overrides, seed, cohort_offset_days)
    except (LogError, ConfigError) as error:
        return f"seed {seed}: {error}"


def mean_facts(runs: list[dict]) -> dict:
    """The seeds' facts averaged leaf by leaf (non-numbers taken from the first run)."""
    first = runs[0]
    if isinstance(first, dict):
        keys = set().union(*(r.keys() for r in runs))
        return {k: mean_facts([r[k] for r in runs if k in r]) for k in sorted(keys)}
    numbers = [r for r in runs if isinstance(r, int | float) and not isinstance(r, bool)]
    return sum(numbers) / len(numbers) if numbers else first


def by_month(index: dict[str, float], month: str) -> float | None:
    """The mean index of a calendar month ("11") over the years a log covers."""
    values = [v for name, v in index.items() if name.endswith("-" + month)]
    return sum(values) / len(values) if values else None


def undefined_aims(found: dict) -> list[str]:
    """The aimed facts that `found` leaves undefined: no distance can be scored without them."""
    return [path for path in AIMS if not is_number(leaf(found, path))]


def trial_facts(runs: list[dict | str]) -> tuple[dict | None, str | None]:
    """A trial's facts averaged over its seeds, or None and why they are undefined."""
    problems = [run for run in runs if isinstance(run, str)]
    if problems:
        return None, problems[0]
    found = mean_facts(runs)
    missing = undefined_aims(found)
    if missing:
        return None, f"undefined in every seed: {', '.join(missing)}"
    return found, None


def distance(found: dict, targets: dict) -> float:
    """Weighted squared distance of simulated facts from the targets, plus a penalty when
    November does not out-earn February; infinite (the worst) when an aimed fact is undefined."""
    if undefined_aims(found):
        return math.inf
    total = sum(
        ((leaf(found, path) - leaf(targets, path)) / tolerance) ** 2
        for path, tolerance in AIMS.items()
    )
    total += sum(curve_misses(found, targets).values())
    nov, feb = (by_month(found.get("monthly_revenue_index") or {}, m) for m in SEASON)
    if nov is not None and feb is not None and nov <= feb:
        total += ((feb - nov) / 10.0) ** 2 + 1.0
    return total


def curve_misses(found: dict, targets: dict) -> dict[str, float]:
    """Each aimed curve's squared misses in tolerances, month by month (`path.month`), for the
    months both the targets and the simulated run define."""
    misses = {}
    for path, tolerance in CURVE_AIMS.items():
        real, simulated = leaf(targets, path) or {}, leaf(found, path) or {}
        for month, value in real.items():
            if is_number(simulated.get(month)):
                misses[f"{path}.{month}"] = ((simulated[month] - value) / tolerance) ** 2
    return misses


def load_targets(path: Path) -> dict:
    """The targets file, checked to hold every fact the fit and its report read."""
    where = f"--targets {path} is not allowed"
    targets = read_mapping(path, where)
    offset = targets.get("cohort_offset_days")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ConfigError(f"{where}: cohort_offset_days={offset!r}, a whole number >= 0 is needed")
    tables = [f"{COHORT}.{name}" for name in (*REPORTED, *CURVE_AIMS)] + [
        "all_customers.monthly_revenue_index"
    ]
    for table in tables:
        values = leaf(targets, table)
        if not isinstance(values, dict) or not all(map(is_number, values.values())):
            raise ConfigError(f"{where}: {table}={values!r}, a mapping to numbers is needed")
    for fact in (f"{COHORT}.{aim}" for aim in AIMS):
        if not is_number(leaf(targets, fact)):
            raise ConfigError(f"{where}: {fact}={leaf(targets, fact)!r}, a number is needed")
    return targets


def check_cohort(config: SimConfig, offset: int) -> None:
    """Refuse a run too short to measure the targets' cohort: every trial would be undefined."""
    need = offset + REPEAT_DAYS + 1
    if config.days < need:
        raise ConfigError(
            f"days={config.days} is not allowed: the targets' cohort is first seen from day "
            f"{offset} (cohort_offset_days) and repeat_within.{REPEAT_DAYS}d needs "
            f"{REPEAT_DAYS} days after it; days >= {need}"
        )


def check_study(
    params: list[Parameter], targets: dict, overrides: list[str], use_facts: bool = True
) -> None:
    """Check the overrides, and that both ends of every range compose to a valid config long
    enough to measure the cohort (when the facts are aimed at), before any run (raises
    ConfigError)."""
    check_overrides(overrides)
    keys = [p.key for p in params]
    for key in keys:
        if keys.count(key) > 1:
            raise ConfigError(f"--param {key}=... is not allowed twice")
    for override in overrides:
        key = override.partition("=")[0].lstrip("+~")
        if key == "seed":
            raise ConfigError(f"{override} is not allowed: each trial runs seeds 0..N-1 (--seeds)")
        if key in keys:
            raise ConfigError(f"{override} is not allowed: {key} is fitted by --param")

    def check(config: SimConfig) -> None:
        if use_facts:  # the experiments alone measure no cohort
            check_cohort(config, targets["cohort_offset_days"])

    check(compose(overrides))
    for p in params:
        check_overrides([p.override(p.low)])
        for end in (p.low, p.high):
            check(compose([*overrides, p.override(end)]))


def fit(
    params: list[Parameter],
    targets: dict,
    overrides: list[str],
    trials: int,
    seeds: int,
    seed: int,
    batch: int,
    n_jobs: int,
    lifts: tuple[LiftAim, ...] = (),
    use_facts: bool = True,
) -> tuple[optuna.Study, dict[int, dict]]:
    """Run the study; returns it and each trial's mean simulated facts (with `lifts`, the
    mean measure of each lift aim). Without `use_facts` only the lift aims are scored."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=8)
    )
    aims = targets[COHORT] | {
        "monthly_revenue_index": targets["all_customers"]["monthly_revenue_index"]
    }
    found_by_trial: dict[int, dict] = {}
    space = {p.key: p.distribution() for p in params}
    with (
        Parallel(n_jobs=n_jobs) as parallel,
        tqdm(total=trials, desc="trials", unit="trial") as bar,
    ):
        while len(study.trials) < trials:
            asked = [study.ask(space) for _ in range(min(batch, trials - len(study.trials)))]
            runs = [[*overrides, *(f"{k}={v}" for k, v in t.params.items())] for t in asked]
            offset = targets["cohort_offset_days"]
            facts_jobs = [delayed(seed_facts)(run, s, offset) for run in runs for s in range(seeds)]
            lift_jobs = [
                delayed(seed_lift)(run, s, group)
                for run in runs
                for group in by_runs(lifts)
                for s in range(seeds)
            ]
            results = parallel((facts_jobs if use_facts else []) + lift_jobs)
            lift_results = results[len(results) - len(lift_jobs) :]
            per_trial = seeds * len(by_runs(lifts))
            for i, trial in enumerate(asked):
                found, problem = (
                    trial_facts(results[i * seeds : (i + 1) * seeds]) if use_facts else ({}, None)
                )
                if found is not None:
                    found, problem = with_lifts(
                        found, lifts, lift_results[i * per_trial : (i + 1) * per_trial]
                    )
                if found is None:
                    trial.set_user_attr(UNDEFINED, problem)
                    study.tell(trial, state=TrialState.PRUNED)  # TPE ranks it the worst
                    continue
                found_by_trial[trial.number] = found
                score = distance(found, aims) if use_facts else 0.0
                study.tell(trial, score + sum(a.miss(found["lifts"][a.name]) for a in lifts))
            bar.update(len(asked))
            best = f"{study.best_value:.3f}" if found_by_trial else "none"
            bar.set_postfix(best=best, undefined=len(undefined_trials(study)))
    return study, found_by_trial


def with_lifts(
    found: dict, lifts: tuple[LiftAim, ...], results: list[list[float] | str]
) -> tuple[dict | None, str | None]:
    """A trial's facts with the mean over seeds of each aim's measure (`results` holds each
    group of `by_runs(lifts)`'s seeds in turn), or None and why one is undefined."""
    problems = [r for r in results if isinstance(r, str)]
    if problems:
        return None, problems[0]
    groups = by_runs(lifts)
    seeds = len(results) // len(groups) if groups else 0
    means = {}
    for i, group in enumerate(groups):
        runs = results[i * seeds : (i + 1) * seeds]
        for j, aim in enumerate(group):
            means[aim.name] = sum(run[j] for run in runs) / seeds
    return {**found, "lifts": means}, None


def undefined_trials(study: optuna.Study) -> list[FrozenTrial]:
    """The trials whose facts were undefined (pruned, with the reason as a user attribute)."""
    return study.get_trials(deepcopy=False, states=(TrialState.PRUNED,))


def undefined_note(study: optuna.Study) -> str:
    """How many trials had undefined facts, and the first one's reason."""
    failed = undefined_trials(study)
    note = f"{len(failed)} of {len(study.trials)} trials had undefined facts"
    return note + (f" (first: {failed[0].user_attrs[UNDEFINED]})" if failed else "")


def write_preset(path: Path, best: dict[str, float], note: str) -> None:
    """The best parameters as a Hydra preset that sets them wherever they live."""
    tree: dict = {}
    for key, value in best.items():
        *parents, name = key.split(".")
        node = tree
        for parent in parents:
            node = node.setdefault(parent, {})
        node[name] = value if isinstance(value, int) else round(float(value), 4)
    text = f"# @package _global_\n# {note}\n" + yaml.safe_dump(tree, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, text)


def comparison_table(found: dict, targets: dict) -> pd.DataFrame:
    """Simulated and real facts side by side (the cohort's facts; shares in %)."""
    rows = []
    real = targets[COHORT]
    for path in (
        "share_two_plus_orders",
        *(f"orders_per_customer.{k}" for k in real["orders_per_customer"]),
        "days_between_orders.p25",
        "days_between_orders.median",
        "days_between_orders.p75",
        *(f"repeat_within.{k}" for k in real["repeat_within"]),
        *(f"revenue_top_share.{k}" for k in real["revenue_top_share"]),
        "revenue_gini",
        *(f"{curve}.{m}" for curve in CURVE_AIMS for m in real.get(curve, {})),
    ):
        sim, tgt = leaf(found, path), leaf(real, path)
        scale = 1 if path.startswith("days") or path == "revenue_gini" else 100
        aim = AIMS.get(path, CURVE_AIMS.get(path.rpartition(".")[0]))
        rows.append(
            {
                "fact": path,
                "simulated": _num(sim, scale),
                "real": _num(tgt, scale),
                "difference": _num(None if sim is None or tgt is None else sim - tgt, scale),
                "allowed": "" if aim is None else f"±{aim * scale:g}",
            }
        )
    sim_index, real_index = (
        found.get("monthly_revenue_index") or {},
        targets["all_customers"]["monthly_revenue_index"],
    )
    for month in SEASON:
        rows.append(
            {
                "fact": f"monthly_revenue_index (month {month})",
                "simulated": _num(by_month(sim_index, month), 1),
                "real": _num(by_month(real_index, month), 1),
                "difference": "",
                "allowed": "Nov > Feb",
            }
        )
    return pd.DataFrame(rows)


def _num(value: float | None, scale: float) -> str:
    return "n/a" if value is None else f"{value * scale:.1f}"


def facts_section(out: Path, found: dict, targets: dict) -> list[str]:
    """The report's facts side by side, and their plots."""
    figure = plots.fact_distributions(found, targets[COHORT], out / "figures" / "facts.png")
    table = comparison_table(found, targets)
    return [
        "Simulated (mean over seeds, customers first seen at least "
        f"{targets['cohort_offset_days']} days after the start) and real facts "
        "(shares in %, days as days):",
        "",
        "| " + " | ".join(table.columns) + " |",
        "|" + "---|" * len(table.columns),
        *("| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)),
        "",
        f"![simulated and real facts]({figure.relative_to(out)})",
        "",
    ]


def lifts_section(found: dict, lifts: tuple[LiftAim, ...]) -> list[str]:
    """The report's lift aims: simulated (mean over seeds) against the real range."""
    if not lifts:
        return []
    return [
        "Experiments of the validation suite (configs/targets/validation.yaml), mean over seeds:",
        "",
        "| check | runs | measure | simulated | real range |",
        "|---|---|---|---|---|",
        *(
            f"| {a.name} | {' '.join(a.overrides)} | {a.measure} | "
            f"{found['lifts'][a.name]:.3f} | {a.low:g} to {a.high:g} |"
            for a in lifts
        ),
        "",
    ]


def write_report(
    out: Path,
    study: optuna.Study,
    found: dict,
    targets: dict,
    preset: Path,
    command: str,
    lifts: tuple[LiftAim, ...] = (),
    use_facts: bool = True,
) -> Path:
    """`report.md` with the fit, the facts side by side and their plots; `trials.parquet`."""
    out.mkdir(parents=True, exist_ok=True)
    trials = study.trials_dataframe(attrs=("number", "value", "state", "params", "user_attrs"))
    trials.to_parquet(out / "trials.parquet", index=False)
    lines = [
        "# Calibration report",
        "",
        f"Command: `{command}`",
        "",
        f"Best of {len(study.trials)} trials: distance {study.best_value:.3f} "
        f"(sum of squared misses in units of the tolerance); preset written to `{preset}`.",
        "",
        f"{undefined_note(study)}; they were scored as the worst (Optuna's pruned state).",
        "",
        "| parameter | best value |",
        "|---|---|",
        *(f"| {k} | {v:.4g} |" for k, v in study.best_params.items()),
        "",
        *(facts_section(out, found, targets) if use_facts else []),
        *lifts_section(found, lifts),
    ]
    report = out / "report.md"
    write_text(report, "\n".join(lines))
    return report


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim calibrate", description="Fit parameters to stylised facts."
    )
    parser.add_argument(
        "--targets", type=Path, default=DEFAULT_TARGETS, help=f"(default: {DEFAULT_TARGETS})"
    )
    parser.add_argument("--param", action="append", required=True, metavar="KEY=LOW:HIGH[:log]")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=3, help="runs per trial (seeds 0..N-1)")
    parser.add_argument("--seed", type=int, default=0, help="the sampler's seed")
    parser.add_argument("--batch", type=int, default=4, help="trials asked and run together")
    parser.add_argument("--n-jobs", type=int, default=-1, help="parallel runs (-1: all cores)")
    parser.add_argument("--name", default="online_retail", help=f"the preset's name in {PRESETS}")
    parser.add_argument("--out", type=Path, help="report folder (outputs/calibration/NAME)")
    parser.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="NAME",
        help=f"also aim at a check of kind lift or shares of {DEFAULT_CHECKS} (its range's middle)",
    )
    parser.add_argument(
        "--facts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="aim at the targets file's facts (--no-facts: only at the --check experiments)",
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of every run")
    args = parser.parse_intermixed_args(argv)
    for name in ("trials", "seeds", "batch"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} {getattr(args, name)} is not allowed: a whole number >= 1")
    if not args.facts and not args.check:
        parser.error("--no-facts is not allowed without a --check: there would be no aim")
    if args.n_jobs == 0:
        parser.error("--n-jobs 0 is not allowed: a whole number >= 1, or -1 for all cores")
    if not NAME.fullmatch(args.name):
        parser.error(
            f"--name {args.name!r} is not allowed: a plain name of letters, digits, _ and - "
            f"(the preset is {PRESETS}/NAME.yaml)"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        params = [Parameter.parse(p) for p in args.param]
        targets = load_targets(args.targets)
        lifts = tuple(aim for name in dict.fromkeys(args.check) for aim in LiftAim.load(name))
        check_study(params, targets, args.overrides, args.facts)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    study, found = fit(
        params,
        targets,
        args.overrides,
        args.trials,
        args.seeds,
        args.seed,
        args.batch,
        args.n_jobs,
        lifts,
        args.facts,
    )
    if not found:
        print(
            f"Calibration failed: all {len(study.trials)} trials had undefined facts, so there "
            f"is no fit; no preset or report written. {undefined_note(study)}",
            file=sys.stderr,
        )
        return 1
    preset = PRESETS / f"{args.name}.yaml"
    command = "python -m sim calibrate " + " ".join(argv)
    write_preset(preset, study.best_params, f"Fitted by: {command}")
    out = args.out or Path("outputs") / "calibration" / args.name
    best = found[study.best_trial.number]
    report = write_report(out, study, best, targets, preset, command, lifts, args.facts)
    print(f"Best distance {study.best_value:.3f}: {json.dumps(study.best_params)}")
    print(f"{undefined_note(study)} (scored as the worst)")
    print(f"Preset: {preset} (select it with calibration={args.name}); report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
