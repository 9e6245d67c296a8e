"""Fit model parameters to a targets file of stylised facts (`configs/targets/`), with Optuna.

    python -m sim.calibrate --param population.need_rate=0.01:0.06 \\
        --param population.activity_shape=0.3:3 --trials 40 --seeds 3

Each trial runs the market on several seeds (the same seeds for every trial: common random
numbers), measures the facts of its orders as `sim.facts` measures a real log, averages them over
the seeds, and scores the weighted distance to the targets (each fact's miss divided by its
tolerance, squared, summed). Optuna's TPE sampler, seeded, proposes the next parameters through
its ask-and-tell interface; trials are asked in fixed-size batches and run in parallel, so a
seed gives the same fit on any number of cores. The best parameters are written as a preset
(`configs/calibration/NAME.yaml`, select it with `calibration=NAME`) and a report puts simulated
and real facts side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import optuna
import pandas as pd
import yaml
from joblib import Parallel, delayed
from tqdm import tqdm

from sim import facts, plots
from sim.atomic import write_text
from sim.cli import CONFIG_DIR, check_overrides, load_config
from sim.config import ConfigError
from sim.run import simulate

# The facts the fit aims at, each with its tolerance: a miss of one tolerance costs 1.
AIMS = {
    "share_two_plus_orders": 0.08,
    "days_between_orders.median": 10.0,
    "repeat_within.90d": 0.08,
    "revenue_top_share.top_20pct": 0.08,
}
SEASON = ("11", "02")  # November's revenue index should exceed February's
COHORT = "first_seen_from_2011_03_01"


@dataclass(frozen=True)
class Parameter:
    """A config key to fit and its range; `log` samples the range on a log scale."""

    key: str
    low: float
    high: float
    log: bool = False

    @classmethod
    def parse(cls, text: str) -> Parameter:
        """`population.need_rate=0.01:0.06`, or `...=0.01:0.06:log`."""
        key, _, span = text.partition("=")
        parts = span.split(":")
        try:
            low, high = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            raise ConfigError(f"--param {text} is not allowed: write KEY=LOW:HIGH[:log]") from None
        if not low < high or len(parts) > 3 or parts[2:] not in ([], ["log"]):
            raise ConfigError(f"--param {text} is not allowed: LOW < HIGH, optionally :log")
        return cls(key, low, high, parts[2:] == ["log"])

    def distribution(self) -> optuna.distributions.FloatDistribution:
        return optuna.distributions.FloatDistribution(self.low, self.high, log=self.log)


def leaf(tree: dict, path: str) -> float | None:
    """The value at a dotted path of a nested dict (`repeat_within.90d`)."""
    for part in path.split("."):
        tree = tree[part]
    return tree


def simulated_facts(overrides: list[str], seed: int, cohort_offset_days: int) -> dict:
    """The facts of one run: the cohort's facts, plus the monthly index of all customers."""
    config = load_config([*overrides, f"seed={seed}", "progress=false"])
    result = simulate(config)
    table = facts.orders(result.orders, facts.SIMULATION)
    start = pd.Timestamp(config.market.start_date) + pd.Timedelta(days=cohort_offset_days)
    found = facts.facts(table, first_seen_from=str(start.date()))
    found["monthly_revenue_index"] = facts.facts(table)["monthly_revenue_index"]
    return found


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


def distance(found: dict, targets: dict) -> float:
    """Weighted squared distance of simulated facts from the targets, plus a penalty when
    November does not out-earn February."""
    total = sum(
        ((leaf(found, path) - leaf(targets, path)) / tolerance) ** 2
        for path, tolerance in AIMS.items()
    )
    nov, feb = (by_month(found["monthly_revenue_index"], m) for m in SEASON)
    if nov is not None and feb is not None and nov <= feb:
        total += ((feb - nov) / 10.0) ** 2 + 1.0
    return total


def load_targets(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"--targets {path} is not allowed: no such file")
    targets = yaml.safe_load(path.read_text())
    for key in ("all_customers", COHORT, "cohort_offset_days"):
        if key not in targets:
            raise ConfigError(f"--targets {path} is not allowed: it has no `{key}`")
    return targets


def fit(
    params: list[Parameter],
    targets: dict,
    overrides: list[str],
    trials: int,
    seeds: int,
    seed: int,
    batch: int,
    n_jobs: int,
) -> tuple[optuna.Study, dict[int, dict]]:
    """Run the study; returns it and each trial's mean simulated facts."""
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
            jobs = [
                delayed(simulated_facts)(
                    [*overrides, *(f"{k}={v}" for k, v in t.params.items())],
                    s,
                    targets["cohort_offset_days"],
                )
                for t in asked
                for s in range(seeds)
            ]
            results = parallel(jobs)
            for i, trial in enumerate(asked):
                found = mean_facts(results[i * seeds : (i + 1) * seeds])
                found_by_trial[trial.number] = found
                study.tell(trial, distance(found, aims))
            bar.update(len(asked))
            bar.set_postfix(best=f"{study.best_value:.3f}")
    return study, found_by_trial


def write_preset(path: Path, best: dict[str, float], note: str) -> None:
    """The best parameters as a Hydra preset that sets them wherever they live."""
    tree: dict = {}
    for key, value in best.items():
        *parents, name = key.split(".")
        node = tree
        for parent in parents:
            node = node.setdefault(parent, {})
        node[name] = round(float(value), 4)
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
    ):
        sim, tgt = leaf(found, path), leaf(real, path)
        scale = 1 if path.startswith("days") or path == "revenue_gini" else 100
        aim = AIMS.get(path)
        rows.append(
            {
                "fact": path,
                "simulated": _num(sim, scale),
                "real": _num(tgt, scale),
                "difference": _num(None if sim is None else sim - tgt, scale),
                "allowed": "" if aim is None else f"±{aim * scale:g}",
            }
        )
    sim_index, real_index = (
        found["monthly_revenue_index"],
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


def write_report(
    out: Path, study: optuna.Study, found: dict, targets: dict, preset: Path, command: str
) -> Path:
    """`report.md` with the fit, the facts side by side and their plots; `trials.parquet`."""
    out.mkdir(parents=True, exist_ok=True)
    trials = study.trials_dataframe(attrs=("number", "value", "params"))
    trials.to_parquet(out / "trials.parquet", index=False)
    figure = plots.fact_distributions(found, targets[COHORT], out / "figures" / "facts.png")
    table = comparison_table(found, targets)
    lines = [
        "# Calibration report",
        "",
        f"Command: `{command}`",
        "",
        f"Best of {len(study.trials)} trials: distance {study.best_value:.3f} "
        f"(sum of squared misses in units of the tolerance); preset written to `{preset}`.",
        "",
        "| parameter | best value |",
        "|---|---|",
        *(f"| {k} | {v:.4g} |" for k, v in study.best_params.items()),
        "",
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
    report = out / "report.md"
    write_text(report, "\n".join(lines))
    return report


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim.calibrate", description="Fit parameters to stylised facts."
    )
    parser.add_argument("--targets", type=Path, default=Path("configs/targets/online_retail.yaml"))
    parser.add_argument("--param", action="append", required=True, metavar="KEY=LOW:HIGH[:log]")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=3, help="runs per trial (seeds 0..N-1)")
    parser.add_argument("--seed", type=int, default=0, help="the sampler's seed")
    parser.add_argument("--batch", type=int, default=4, help="trials asked and run together")
    parser.add_argument("--n-jobs", type=int, default=-1, help="parallel runs (-1: all cores)")
    parser.add_argument("--name", default="online_retail", help="the preset's name")
    parser.add_argument("--out", type=Path, help="report folder (outputs/calibration/NAME)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of every run")
    args = parser.parse_intermixed_args(argv)
    for name in ("trials", "seeds", "batch"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} {getattr(args, name)} is not allowed: a whole number >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        params = [Parameter.parse(p) for p in args.param]
        targets = load_targets(args.targets)
        check_overrides(args.overrides)
        for p in params:  # every key exists and both ends validate
            check_overrides([f"{p.key}={p.low}"])
            load_config([*args.overrides, f"{p.key}={p.low}"])
            load_config([*args.overrides, f"{p.key}={p.high}"])
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    study, found = fit(
        params, targets, args.overrides, args.trials, args.seeds, args.seed, args.batch, args.n_jobs
    )
    preset = Path(CONFIG_DIR) / "calibration" / f"{args.name}.yaml"
    command = "python -m sim.calibrate " + " ".join(argv)
    write_preset(preset, study.best_params, f"Fitted by: {command}")
    out = args.out or Path("outputs") / "calibration" / args.name
    report = write_report(out, study, found[study.best_trial.number], targets, preset, command)
    print(f"Best distance {study.best_value:.3f}: {json.dumps(study.best_params)}")
    print(f"Preset: {preset} (select it with calibration={args.name}); report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
