"""`python -m sim validate`: the validation suite. Runs the default market (and the variants the
checks ask for) on seeds 0..N-1 in parallel, and reports each check of
`configs/targets/validation.yaml` met or not: real figure, simulated mean with its spread over
seeds, tolerance.

    python -m sim validate                       # every check, 3 seeds, all cores
    python -m sim validate --seeds 2 --traders 600 --checks cohort_curve,email_conversion_lift
    python -m sim validate --strict population.need_rate=0.03   # Hydra overrides of every run

Bad input (seeds < 1, an unknown check, a missing or malformed targets file, bad overrides, a
run too short for the cohort) is refused before any run with exit status 2 and a one-line
message. The command exits 0 once it ran, whether or not the checks are met ("N of M checks
met"), unless `--strict`: then 1 if any check is not met. It writes `--out`/report.md and a
figure a check, each file atomically; the old report is removed first, so a run that fails
part-way leaves no report that looks complete.

To add a kind of check: write a subclass of `Check` (its `arms`, the override lists it needs
run, and `evaluate`, from each arm's per-seed measures to an `Outcome`), register it in
`KINDS`, and list checks of that kind in the targets file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from sim.analysis import facts, validation
from sim.analysis.facts import LogError
from sim.analysis.validation import Outcome, show, with_spread
from sim.commands.calibrate import (
    by_month,
    check_cohort,
    compose,
    is_number,
    leaf,
)
from sim.config import ConfigError
from sim.config.compose import CONFIG_DIR, check_overrides, read_mapping
from sim.recording.atomic import write_text
from sim.simulation.run import simulate

DEFAULT_TARGETS = Path(CONFIG_DIR) / "targets" / "validation.yaml"
DEFAULT_OUT = Path("outputs") / "validation"
Arm = tuple[str, ...]  # the overrides a set of runs adds to the command line's


def measure_run(overrides: list[str], seed: int, cohort_offset_days: int) -> dict | str:
    """Everything a check may read of one run: its summary's numbers, the cohort's facts (plus
    the monthly index of all customers, as the calibration measures them), the e-mail test's
    conversion and the repeat-seller share. A config the schema rejects is returned as text."""
    try:
        config = compose([*overrides, f"seed={seed}", "progress=false"])
        result = simulate(config)
    except ConfigError as error:
        return f"seed {seed}: {error}"
    orders = result.orders
    start, end = config.warm_up_days, config.days
    found: dict[str, Any] = {
        "summary": {k: v for k, v in result.summary.items() if is_number(v)},
        "mappings": {k: v for k, v in result.summary.items() if isinstance(v, dict)},
        "email": validation.email_conversion(orders, start, end),
        "repeat_seller_share": validation.repeat_seller_share(orders, start, end),
        "facts": None,
    }
    try:  # as sim.commands.calibrate.simulated_facts measures a run
        table = facts.orders(orders, facts.SIMULATION)
        cohort = pd.Timestamp(config.market.start_date) + pd.Timedelta(days=cohort_offset_days)
        found["facts"] = facts.facts(table, first_seen_from=str(cohort.date()))
        found["facts"]["monthly_revenue_index"] = facts.facts(table)["monthly_revenue_index"]
    except LogError:  # no orders, or no customer in the cohort: the facts are undefined
        pass
    return found


class Check:
    """A check of the targets file. Subclasses read their keys in `__init__` (raising
    ConfigError naming a bad one), say which arms they need run, and evaluate."""

    needs: ClassVar[tuple[str, ...]] = ()  # keys the check's entry must have

    def __init__(self, name: str, spec: dict, suite: Suite) -> None:
        self.name, self.spec, self.suite = name, spec, suite
        for key in ("description", "source", *self.needs):
            if key not in spec:
                raise suite.error(f"checks.{name} has no `{key}`")
        if spec["source"] not in suite.citations:
            known = ", ".join(suite.citations)
            raise suite.error(f"checks.{name}.source={spec['source']!r}, one of {known}")
        self.unit = str(spec.get("unit", "share"))

    def arms(self) -> list[Arm]:
        return [()]

    def evaluate(self, runs: dict[Arm, list[dict]]) -> Outcome:
        raise NotImplementedError

    def outcome(self, **values: Any) -> Outcome:
        source = self.spec["source"]
        return Outcome(
            name=self.name,
            kind=self.spec["kind"],
            description=self.spec["description"],
            source=source,
            citation=self.suite.citations[source],
            unit=self.unit,
            **values,
        )

    def number(self, key: str) -> float:
        value = self.spec.get(key)
        if not is_number(value):
            raise self.suite.error(f"checks.{self.name}.{key}={value!r}, a number is needed")
        return float(value)

    def overrides(self, key: str) -> Arm:
        value = self.spec.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.suite.error(f"checks.{self.name}.{key}={value!r}, a list of overrides")
        return tuple(value)


def seed_facts(runs: list[dict], path: str) -> list[Any]:
    return [None if r["facts"] is None else leaf(r["facts"], path) for r in runs]


def mean_of(values: list[Any]) -> float | None:
    """The seeds' mean; None if some seed's value is undefined."""
    if not values or not all(is_number(v) for v in values):
        return None
    return float(np.mean(values))


class FactCheck(Check):
    needs = ("fact", "target", "tolerance")

    def __init__(self, name: str, spec: dict, suite: Suite) -> None:
        super().__init__(name, spec, suite)
        self.target = suite.target(name, spec["target"])
        if not is_number(self.target):
            raise suite.error(f"checks.{name}.target is {self.target!r}, a number is needed")
        self.tolerance = self.number("tolerance")

    def evaluate(self, runs: dict[Arm, list[dict]]) -> Outcome:
        seeds = seed_facts(runs[()], self.spec["fact"])
        mean = mean_of(seeds)
        unit = "points" if self.unit == "share" else self.unit
        size = 100 * self.tolerance if self.unit == "share" else self.tolerance
        return self.outcome(
            real=self.target,
            simulated=mean,
            seeds=seeds,
            tolerance=f"±{size:g} {unit}",
            met=validation.within(mean, self.target, self.tolerance),
            real_text=show(self.target, self.unit),
            simulated_text=with_spread(mean, seeds, self.unit),
        )


class SeasonCheck(Check):
    needs = ("target",)
    MONTHS = ("11", "02")

    def __init__(self, name: str, spec: dict, suite: Suite) -> None:
        super().__init__(name, spec, suite)
        index = suite.target(name, spec["target"])
        if not isinstance(index, dict):
            raise suite.error(f"checks.{name}.target is not a monthly index")
        self.real = [by_month(index, m) for m in self.MONTHS]
        self.unit = "index"

    def evaluate(self, runs: dict[Arm, list[dict]]) -> Outcome:
        gaps = []
        for run in runs[()]:
            index = (run["facts"] or {}).get("monthly_revenue_index") or {}
            nov, feb = (by_month(index, m) for m in self.MONTHS)
            gaps.append(None if nov is None or feb is None else nov - feb)
        mean = mean_of(gaps)
        real = self.real[0] - self.real[1]
        return self.outcome(
            real=real,
            simulated=mean,
            seeds=gaps,
            tolerance="Nov - Feb > 0",
            met=None if mean is None else mean > 0,
            real_text=f"{self.real[0]:.0f} vs {self.real[1]:.0f} (+{real:.0f})",
            simulated_text=with_spread(mean, gaps, "index"),
            note="Figures are November's index minus February's (mean month 100).",
        )


class CurveCheck(Check):
    needs = ("fact", "target", "tolerance")

    def __init__(self, name: str, spec: dict, suite: Suite) -> None:
        super().__init__(name, spec, suite)
        self.target = suite.target(name, spec["target"])
        if not isinstance(self.target, dict) or not all(map(is_number, self.target.values())):
            raise suite.error(f"checks.{name}.target is not a curve {{month: share}}")
        self.target = {str(k): float(v) for k, v in self.target.items()}
        self.tolerance = self.number("tolerance")

    def evaluate(self, runs: dict[Arm, list[dict]]) -> Outcome:
        seeds = [c if isinstance(c, dict) else {} for c in seed_facts(runs[()], self.spec["fact"])]
        mean = {m: mean_of([s.get(m) for s in seeds]) for m in self.target}
        defined = {m: v for m, v in mean.items() if v is not None}
        met, missed = validation.curve_within(defined, self.target, self.tolerance)
        gaps = [abs(v - self.target[m]) for m, v in defined.items()]
        worst = max(gaps) if gaps else None

        def curve(values: dict) -> str:
            return " ".join(f"{100 * v:.0f}" if v is not None else "n/a" for v in values.values())

        note = "Monthly shares in %, month 1 first. "
        if missed:
            note += f"Months outside the tolerance (or undefined): {', '.join(missed)}. "
        return self.outcome(
            real=self.target,
            simulated=mean,
            seeds=seeds,
            tolerance=f"±{100 * self.tolerance:g} points each month",
            met=met,
            real_text=curve(self.target) + " %",
            simulated_text=curve(mean)
            + " %"
            + ("" if worst is None else f" (worst miss {100 * worst:.1f} pts)"),
            note=note,
        )


class LiftCheck(Check):
    needs = ("overrides", "measure", "target")

    def __init__(self, name: str, spec: dict, suite: Suite) -> None:
        super().__init__(name, spec, suite)
        target = spec["target"]
        if not (isinstance(target, list) and len(target) == 2 and all(map(is_number, target))):
            raise suite.error(f"checks.{name}.target={target!r}, a range [low, high] is needed")
        self.low, self.high = map(float, target)
        self.arm = self.overrides("overrides")
        self.unit = "ratio"

    def arms(self) -> list[Arm]:
        return [self.arm]

    def evaluate(self, runs: dict[Arm, list[dict]]) -> Outcome:
        found = [r["email"] for r in runs[self.arm]]
        seeds = [f.get(self.spec["measure"]) for f in found]
        mean = mean_of(seeds)
        treated = mean_of([f["treated_conversion"] for f in found])
        held = mean_of([f["holdout_conversion"] for f in found])
        rate = mean_of([f["order_rate_ratio"] for f in found])
        return self.outcome(
            real=[self.low, self.high],
            simulated=mean,
            seeds=seeds,
            tolerance=f"in x{self.low:g} to x{self.high:g}",
            met=validation.in_range(mean, self.low, self.high),
            real_text=f"x{self.low:g} to x{self.high:g}",
            simulated_text=with_spread(mean, seeds, "ratio"),
            note=f"Conversion per customer-fortnight: e-mailed {show(treated, 'share')}, held "
            f"out {show(held, 'share')}; orders per customer-day ratio {show(rate, 'ratio')}. "
            f"Runs: {' '.join(self.arm)}.",
        )


class SharesCheck(Check):
    """Shares of a survey against a mapping of the run's summary (`measure`), entry by entry:
    met if each entry's mean over seeds lies in its real range widened by `tolerance`, and
    the entries rank as the survey's middles do."""

    needs = ("measure", "target", "tolerance")

    def __init__(self, name: str, spec: dict, suite: Suite) -> None:
        super().__init__(name, spec, suite)
        target = spec["target"]
        if not isinstance(target, dict) or not all(
            isinstance(r, list) and len(r) == 2 and all(map(is_number, r)) for r in target.values()
        ):
            raise suite.error(f"checks.{name}.target={target!r}, a mapping to [low, high]")
        self.target = {str(k): (float(lo), float(hi)) for k, (lo, hi) in target.items()}
        self.tolerance = self.number("tolerance")

    def evaluate(self, runs: dict[Arm, list[dict]]) -> Outcome:
        found = [r["mappings"].get(self.spec["measure"], {}) for r in runs[()]]
        mean = {k: mean_of([f.get(k, 0.0) for f in found]) for k in self.target}
        wide = self.tolerance
        inside = all(lo - wide <= mean[k] <= hi + wide for k, (lo, hi) in self.target.items())
        real_order = sorted(self.target, key=lambda k: -sum(self.target[k]))
        simulated_order = sorted(self.target, key=lambda k: -mean[k])
        ranked = real_order == simulated_order

        def pct(value: float) -> str:
            return f"{100 * value:.0f}"

        return self.outcome(
            real={k: list(v) for k, v in self.target.items()},
            simulated=mean,
            seeds=found,
            tolerance=f"each within its range ±{100 * wide:g} points, in the same order",
            met=inside and ranked,
            real_text=", ".join(
                f"{k} {pct(lo)}" + ("" if lo == hi else f"-{pct(hi)}") + "%"
                for k, (lo, hi) in self.target.items()
            ),
            simulated_text=", ".join(f"{k} {pct(v)}%" for k, v in mean.items()),
            note=f"Share of abandoned carts each reason struck ({self.spec['measure']}), mean "
            f"over seeds; order {'as' if ranked else 'unlike'} the survey's"
            + ("" if ranked else f" ({' > '.join(simulated_order)})")
            + ".",
        )


def metric(run: dict, name: str) -> float | None:
    value = run.get(name) if name in run else run["summary"].get(name)
    return float(value) if is_number(value) else None


class DirectionCheck(Check):
    needs = ("metric", "low", "high", "expected")

    def __init__(self, name: str, spec: dict, suite: Suite) -> None:
        super().__init__(name, spec, suite)
        if spec["expected"] not in ("up", "down"):
            raise suite.error(f"checks.{name}.expected={spec['expected']!r}, up or down")
        self.low_arm, self.high_arm = self.overrides("low"), self.overrides("high")

    def arms(self) -> list[Arm]:
        return [self.low_arm, self.high_arm]

    def differences(self, runs: dict[Arm, list[dict]], prefix: Arm = ()) -> list[float | None]:
        lows = runs[prefix + self.low_arm]
        highs = runs[prefix + self.high_arm]
        name = self.spec["metric"]
        return [
            None if a is None or b is None else b - a
            for a, b in (
                (metric(lo, name), metric(hi, name)) for lo, hi in zip(lows, highs, strict=True)
            )
        ]

    def evaluate(self, runs: dict[Arm, list[dict]]) -> Outcome:
        return self.verdict(self.differences(runs))

    def verdict(self, diffs: list[float | None]) -> Outcome:
        mean = mean_of(diffs)
        expected = self.spec["expected"]
        agree = sum(d is not None and (d > 0 if expected == "up" else d < 0) for d in diffs)
        unit = "difference" if self.unit == "difference" else "number"
        return self.outcome(
            real=expected,
            simulated=mean,
            seeds=diffs,
            tolerance=f"mean {'> 0' if expected == 'up' else '< 0'}",
            met=validation.direction_met(diffs, expected),
            real_text=expected,
            simulated_text=with_spread(mean, diffs, unit),
            note=f"Paired difference high - low ({' '.join(self.high_arm)} minus "
            f"{' '.join(self.low_arm)}), seed by seed; {agree} of {len(diffs)} seeds in the "
            "expected direction.",
        )


class ContrastCheck(DirectionCheck):
    needs = (*DirectionCheck.needs, "treatment", "reference")

    def __init__(self, name: str, spec: dict, suite: Suite) -> None:
        super().__init__(name, spec, suite)
        self.treatment, self.reference = self.overrides("treatment"), self.overrides("reference")

    def arms(self) -> list[Arm]:
        return [s + a for s in (self.treatment, self.reference) for a in super().arms()]

    def evaluate(self, runs: dict[Arm, list[dict]]) -> Outcome:
        treated, reference = (
            self.differences(runs, self.treatment),
            self.differences(runs, self.reference),
        )
        diffs = [
            None if t is None or r is None else t - r
            for t, r in zip(treated, reference, strict=True)
        ]
        found = self.verdict(diffs)
        found.note = (
            f"Difference in differences: ({' '.join(self.treatment)} - "
            f"{' '.join(self.reference)}) under {' '.join(self.high_arm)} minus the same under "
            f"{' '.join(self.low_arm)}, seed by seed. " + found.note.split("; ")[-1]
        )
        return found


KINDS: dict[str, type[Check]] = {
    "fact": FactCheck,
    "season": SeasonCheck,
    "curve": CurveCheck,
    "lift": LiftCheck,
    "shares": SharesCheck,
    "direction": DirectionCheck,
    "contrast": ContrastCheck,
}


class Suite:
    """The targets file, its sources' citations and its checks, all checked on loading."""

    def __init__(self, path: Path) -> None:
        self.path = path
        where = f"--targets {path} is not allowed"
        self.where = where
        self.data = self.read(path)
        sources = self.data.get("sources")
        if not isinstance(sources, dict):
            raise self.error("it has no `sources` mapping")
        self.citations = {name: self.citation(name, s) for name, s in sources.items()}
        checks = self.data.get("checks")
        if not isinstance(checks, dict) or not checks:
            raise self.error("it has no `checks` mapping")
        self.checks: dict[str, Check] = {}
        for name, spec in checks.items():
            kind = spec.get("kind") if isinstance(spec, dict) else None
            if kind not in KINDS:
                raise self.error(f"checks.{name}.kind={kind!r}, one of {', '.join(KINDS)}")
            self.checks[name] = KINDS[kind](name, spec, self)
        offset = self.read(path.parent / "online_retail.yaml").get("cohort_offset_days", 90)
        self.cohort_offset_days = int(offset)

    def error(self, text: str) -> ConfigError:
        return ConfigError(f"{self.where}: {text}")

    def read(self, path: Path) -> dict:
        return read_mapping(path, self.where)

    def citation(self, name: str, source: Any) -> str:
        if isinstance(source, dict) and isinstance(source.get("citation"), str):
            return source["citation"]
        if isinstance(source, dict) and isinstance(source.get("file"), str):
            cited = self.read(self.path.parent / source["file"]).get("source")
            if isinstance(cited, str):
                return f"{cited} (configs/targets/{source['file']})"
        raise self.error(f"sources.{name} needs a `citation`, or a `file` with a `source` line")

    def target(self, check: str, spec: Any) -> Any:
        """A target: the value itself, or {file, path} read from a targets file beside this."""
        if not isinstance(spec, dict):
            return spec
        if not isinstance(spec.get("file"), str) or not isinstance(spec.get("path"), str):
            raise self.error(f"checks.{check}.target needs `file` and `path`")
        value = leaf(self.read(self.path.parent / spec["file"]), spec["path"])
        if value is None:
            raise self.error(f"checks.{check}.target: {spec['file']} has no {spec['path']}")
        return value


def select(suite: Suite, names: str | None) -> list[Check]:
    if not names:
        return list(suite.checks.values())
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    for name in chosen:
        if name not in suite.checks:
            raise ConfigError(
                f"--checks {name} is not allowed: the checks are {', '.join(suite.checks)}"
            )
    return [suite.checks[n] for n in dict.fromkeys(chosen)]


def check_runs(checks: list[Check], overrides: list[str], offset: int) -> list[Arm]:
    """The arms to run, each composed once before any run (a bad override is refused here);
    an override that sets a key some arm sets too is refused, as Hydra would take one of them."""
    check_overrides(overrides)
    mine = {o.partition("=")[0].lstrip("+~") for o in overrides}
    for o in overrides:
        if o.partition("=")[0] == "seed":
            raise ConfigError(f"{o} is not allowed: the runs use seeds 0..N-1 (--seeds)")
    arms = list(dict.fromkeys(arm for check in checks for arm in check.arms()))
    for arm in arms:
        for o in arm:
            if o.partition("=")[0] in mine:
                raise ConfigError(
                    f"the override {o.partition('=')[0]}=... is not allowed: the checks "
                    f"{', '.join(c.name for c in checks if arm in c.arms())} set it ({o})"
                )
        config = compose([*overrides, *arm])
        if any(isinstance(c, FactCheck | CurveCheck | SeasonCheck) for c in checks) and not arm:
            check_cohort(config, offset)
    return arms


def run_all(
    arms: list[Arm], overrides: list[str], seeds: int, offset: int, n_jobs: int
) -> dict[Arm, list[dict]]:
    """Every arm on seeds 0..N-1, in parallel, with a progress bar."""
    jobs = [(arm, seed) for arm in arms for seed in range(seeds)]
    results: dict[Arm, list] = {arm: [None] * seeds for arm in arms}
    calls = (delayed(measure_run)([*overrides, *arm], seed, offset) for arm, seed in jobs)
    with Parallel(n_jobs=n_jobs, return_as="generator") as parallel:
        done = parallel(calls)
        bar = tqdm(zip(jobs, done, strict=True), total=len(jobs), desc="runs", unit="run")
        for (arm, seed), found in bar:
            if isinstance(found, str):
                raise ConfigError(f"the run {' '.join([*overrides, *arm])} failed: {found}")
            results[arm][seed] = found
    return results


def write_report(out: Path, outcomes: list[Outcome], header: str) -> Path:
    """report.md and figures/NAME.png, each atomically, the report last."""
    figures = {}
    for o in outcomes:
        path = validation.figure(o, out / "figures" / f"{o.name}.png")
        figures[o.name] = str(path.relative_to(out))
    report = out / "report.md"
    write_text(report, validation.markdown_report(outcomes, figures, header))
    return report


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim validate",
        description="Check the market against real figures and expected directions.",
    )
    parser.add_argument("--targets", type=Path, default=DEFAULT_TARGETS)
    parser.add_argument("--checks", help="comma-separated check names (default: all)")
    parser.add_argument("--seeds", type=int, default=3, help="runs per arm (seeds 0..N-1)")
    parser.add_argument("--n-jobs", type=int, default=-1, help="parallel runs (-1: all cores)")
    parser.add_argument("--traders", type=int, help="population.n_traders, for a quick look")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"(default: {DEFAULT_OUT})")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any check is not met")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of every run")
    return parser.parse_intermixed_args(argv)


def check_args(args: argparse.Namespace) -> None:
    if args.seeds < 1:
        raise ConfigError(f"--seeds {args.seeds} is not allowed: a whole number >= 1")
    if args.n_jobs == 0:
        raise ConfigError("--n-jobs 0 is not allowed: a whole number >= 1, or -1 for all cores")
    if args.traders is not None and args.traders < 2:
        raise ConfigError(f"--traders {args.traders} is not allowed: a whole number >= 2")
    if args.out.exists() and not args.out.is_dir():
        raise ConfigError(f"--out {args.out} is not allowed: it is a file; give a folder")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    overrides = list(args.overrides)
    if args.traders is not None:
        overrides.append(f"population.n_traders={args.traders}")
    try:
        check_args(args)
        suite = Suite(args.targets)
        checks = select(suite, args.checks)
        arms = check_runs(checks, overrides, suite.cohort_offset_days)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").unlink(missing_ok=True)  # a failed run leaves no stale report
    try:
        runs = run_all(arms, overrides, args.seeds, suite.cohort_offset_days, args.n_jobs)
    except ConfigError as error:
        print(f"Run error: {error}", file=sys.stderr)
        return 1
    outcomes = [check.evaluate(runs) for check in checks]
    command = " ".join(["python -m sim validate", *argv])
    header = (
        f"Command: `{command}`. Seeds 0-{args.seeds - 1}; {len(arms)} arm(s), "
        f"{len(arms) * args.seeds} runs. Simulated facts are of customers first seen at least "
        f"{suite.cohort_offset_days} days after the start, as the real cohort was."
    )
    report = write_report(args.out, outcomes, header)
    print(validation.plain_table(outcomes))
    print(f"{validation.met_line(outcomes)}; report: {report}")
    unmet = any(o.met is not True for o in outcomes)
    return 1 if args.strict and unmet else 0


if __name__ == "__main__":
    sys.exit(main())
