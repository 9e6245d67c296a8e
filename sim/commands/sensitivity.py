"""`python -m sim sensitivity` (or `python -m sim.sensitivity`): which knobs drive the metrics,
by Morris screening or Sobol indices (sim/analysis/sensitivity.py), run as a sweep.

    python -m sim sensitivity --method morris --param platform.signal_noise=0:1 \\
        --param service.ux --metrics repeat_rate,visit_conversion --samples 8 --seeds 2 \\
        population=classroom

Every option, range and metric is checked before any run. The design's points, each on seeds
0..S-1 (the same seeds for every point: common random numbers), are the jobs of one sweep
(`python -m sim -m` with the project's sweeper reading them from `jobs.yaml`), so the configured
launcher runs them: joblib on a laptop, `hydra/launcher=ray_cluster` or `slurm` by one override.
The runs go to `outputs/sensitivity/NAME` (or `--out`); running the command again reuses the
runs already there, so a stopped study resumes. It writes `indices.parquet`
(`tables/indices.csv` too: a row per metric and knob), `tables/design.csv` (the points and each
metric's mean over the seeds) and `report.md` with the standard figure. A progress bar shows
the runs done and the time left.

Cost: Morris runs r (k + 1) points for r trajectories (`--samples`) of k knobs, Sobol N (k + 2)
for a base sample of N; each point runs on every seed. Morris grows linearly with the knobs,
as does Sobol, but Sobol needs a base sample many times larger for stable indices: screen with
Morris, then Sobol on the few knobs that matter.

Exit status: 0 when every run finished, 1 when runs failed, 2 for bad input.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.analysis import paired, plots, sensitivity
from sim.analysis.sensitivity import Problem
from sim.config import ConfigError
from sim.recording.atomic import write_text

OUTPUTS = Path("outputs") / "sensitivity"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim sensitivity",
        description="Global sensitivity analysis (Morris or Sobol) of metrics to knobs.",
    )
    parser.add_argument("--method", choices=sensitivity.METHODS, default="morris")
    parser.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="KEY[=LO:HI]",
        help="a numeric knob and its range (default: the schema's range); repeat for each",
    )
    parser.add_argument(
        "--metrics",
        default="repeat_rate,retention_90d,visit_conversion,seller_profit",
        help="comma-separated metrics of a run's summary",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=None,
        help="Morris trajectories (default 10) or the Sobol base sample, a power of 2 (default 64)",
    )
    parser.add_argument("--seeds", type=int, default=2, help="seeds each point runs on")
    parser.add_argument("--sample-seed", type=int, default=0, help="seed of the design")
    parser.add_argument("--out", type=Path, help="the sweep's folder")
    parser.add_argument("--report-dir", type=Path, help="where the report goes (default: --out)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of every run")
    return parser.parse_args(argv)


def problem_of(params: list[str], overrides: list[str]) -> tuple[Problem, set[str]]:
    """The knobs and ranges asked for, each checked against the schema, and those of them that
    take whole numbers (their design values are rounded)."""
    from sim.config.checks import interval, knobs
    from sim.config.compose import load_config

    config = load_config([*overrides, "progress=false"])
    known = {k.key: k for k in knobs(config) if "lo" in k.meta}
    names, bounds = [], []
    for item in params:
        key, sep, text = item.partition("=")
        if key not in known:
            numeric = sorted(k for k in known if "." in k and not k[-1].isdigit())
            raise ConfigError(
                f"--param {key} is not allowed: a numeric knob of the schema with a range, "
                f"e.g. {', '.join(numeric[:6])} (docs/parameters.md lists them all)"
            )
        meta = known[key].meta
        lo, hi = _range(key, text, meta) if sep else _schema_range(key, meta, interval(meta))
        for end in (lo, hi):
            _check_in_schema(key, end, meta, interval(meta))
        if key in names:
            raise ConfigError(f"--param {key} is not allowed: each knob once")
        names.append(key)
        bounds.append((lo, hi))
    integers = {key for key in names if isinstance(known[key].value, int)}
    return Problem(tuple(names), tuple(bounds)), integers


def _range(key: str, text: str, meta: dict) -> tuple[float, float]:
    lo_text, colon, hi_text = text.partition(":")
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        lo = hi = math.nan
    if not colon or not (math.isfinite(lo) and math.isfinite(hi)):
        raise ConfigError(f"--param {key}={text} is not allowed: write KEY=LO:HI, e.g. {key}=0:1")
    if lo >= hi:
        raise ConfigError(f"--param {key}={text} is not allowed: LO must be below HI")
    return lo, hi


def _schema_range(key: str, meta: dict, allowed: str) -> tuple[float, float]:
    lo, hi = meta["lo"], meta["hi"]
    if lo is None or hi is None:
        raise ConfigError(
            f"--param {key} is not allowed without a range: the schema allows {allowed}, "
            f"which is unbounded; write {key}=LO:HI"
        )
    if meta["lo_open"]:  # a design point on an open bound would be refused by the run
        lo += 1e-6 * (hi - lo)
    return float(lo), float(hi)


def _check_in_schema(key: str, value: float, meta: dict, allowed: str) -> None:
    lo, hi = meta["lo"], meta["hi"]
    below = lo is not None and (value < lo or (value == lo and meta["lo_open"]))
    if below or (hi is not None and value > hi):
        raise ConfigError(
            f"--param {key} range end {value:g} is not allowed: the schema allows {allowed}"
        )


def check_metrics(text: str) -> list[str]:
    metrics = paired.parse_metrics(text)
    for metric in metrics:
        if metric not in paired.METRICS:
            raise ConfigError(
                f"--metrics {metric} is not allowed: a metric of a run's summary, one of "
                f"{', '.join(sorted(paired.METRICS))}"
            )
    return metrics


def samples_of(method: str, samples: int | None) -> int:
    default = 10 if method == "morris" else 64
    n = default if samples is None else samples
    if n < 2 or (method == "sobol" and n & (n - 1)):
        allowed = "a power of 2, >= 2" if method == "sobol" else "a whole number >= 2"
        raise ConfigError(f"--samples {n} is not allowed for {method}: {allowed}")
    return n


def jobs_of(
    problem: Problem, design: np.ndarray, seeds: int, integers: set[str]
) -> list[list[str]]:
    """Every run's overrides: a point's knob values (as the run reads them), then its seed."""
    jobs = []
    for row in design:
        values = [_value(v, name in integers) for name, v in zip(problem.names, row, strict=True)]
        point = [f"{name}={v}" for name, v in zip(problem.names, values, strict=True)]
        jobs += [[*point, f"seed={seed}"] for seed in range(seeds)]
    return jobs


def _value(value: float, integer: bool) -> str:
    return str(round(value)) if integer else f"{value:.6g}"


def default_out(args: argparse.Namespace, n: int) -> Path:
    """`outputs/sensitivity/NAME`, NAME from everything that decides the runs, so that the
    same command finds its runs again and a different one gets a folder of its own."""
    from sim.config.compose import run_name

    parts = [args.method, f"samples={n}", f"seeds={args.seeds}", f"design={args.sample_seed}"]
    return OUTPUTS / run_name(",".join([*parts, *sorted(args.param), *sorted(args.overrides)]))


def point_means(
    table: pd.DataFrame, problem: Problem, jobs: list[list[str]], seeds: int, metrics: list[str]
) -> pd.DataFrame:
    """Each design point's metrics, the mean over its seeds, in design order (`jobs` run each
    point on `seeds` seeds in a row, the seed last)."""
    from sim.recording.run_folder import override_value

    keys = list(problem.names)
    means = table[table["status"] == "ok"].groupby(keys)[metrics].mean()
    rows = []
    for job in jobs[::seeds]:
        point = tuple(override_value(o.partition("=")[2]) for o in job[:-1])
        rows.append(means.loc[point] if point in means.index else pd.Series(np.nan, metrics))
    return pd.DataFrame(rows, columns=metrics).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    from sim.commands import compare

    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.seeds < 1:
            raise ConfigError(f"--seeds {args.seeds} is not allowed: a whole number >= 1")
        metrics = check_metrics(args.metrics)
        n = samples_of(args.method, args.samples)
        compare.plan_sweep([*args.overrides, "progress=false"])  # the runs' own overrides
        problem, integers = problem_of(args.param, args.overrides)
        design = sensitivity.sample(problem, args.method, n, args.sample_seed)
        jobs = jobs_of(problem, design, args.seeds, integers)
        used = np.array([[float(o.partition("=")[2]) for o in job[:-1]] for job in jobs])
        used = used[:: args.seeds]  # the values the runs read, a row a point
        out = args.out or default_out(args, n)
        out.mkdir(parents=True, exist_ok=True)
        jobs_file = out / "jobs.yaml"
        write_text(jobs_file, yaml.safe_dump(jobs))
        print(
            f"{args.method}: {len(problem.names)} knobs, {len(used)} points x {args.seeds} "
            f"seeds = {len(jobs)} runs into {out}",
            flush=True,
        )
        overrides = [*args.overrides, "progress=false", f"hydra.sweeper.jobs_file={jobs_file}"]
        compare.run_sweep(overrides, len(jobs), out)
        common = [o for o in [*args.overrides, "progress=false"] if not o.startswith("hydra")]
        table = compare.runs_of(out, [[*common, *job] for job in jobs])
        failed = table["status"] != "ok"
        if failed.any():
            print(f"Runs failed:\n{compare.failures(table)}", file=sys.stderr)
            return 1
        values = point_means(table, problem, jobs, args.seeds, metrics)
        indices = sensitivity.analyze(problem, args.method, used, values, args.sample_seed)
    except (ConfigError, ValueError) as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    except compare.RunsFailed as error:
        print(f"Runs failed: {error}", file=sys.stderr)
        return 1
    write_results(args, problem, used, values, indices, out)
    return 0


def write_results(
    args: argparse.Namespace,
    problem: Problem,
    design: np.ndarray,
    values: pd.DataFrame,
    indices: pd.DataFrame,
    out: Path,
) -> None:
    from sim.analysis import report

    report_dir = args.report_dir or out
    (report_dir / "figures").mkdir(parents=True, exist_ok=True)
    points = pd.concat([pd.DataFrame(design, columns=list(problem.names)), values], axis=1)
    indices.to_parquet(report_dir / "indices.parquet", index=False)
    draw = plots.morris if args.method == "morris" else plots.sobol
    figure = draw(indices, report_dir / "figures" / f"{args.method}.png")
    blocks = sensitivity_blocks(args, problem, len(design), indices, figure)
    report.write(report.Report(blocks, {"indices": indices, "design": points}), report_dir)
    print(f"Report: {report_dir / 'report.md'}; indices: {report_dir / 'tables' / 'indices.csv'}")


def sensitivity_blocks(
    args: argparse.Namespace, problem: Problem, n_points: int, indices: pd.DataFrame, figure: Path
) -> list:
    """The report: what ran, a table a metric of the knobs by influence, the figure, and how
    to read the indices."""
    from sim.analysis.report import Block

    ranges = ", ".join(
        f"{k} in [{lo:g}, {hi:g}]"
        for k, (lo, hi) in zip(problem.names, problem.bounds, strict=True)
    )
    setup = (
        f"{args.method.capitalize()} over {len(problem.names)} knobs ({ranges}); "
        f"{n_points} design points (design seed {args.sample_seed}), each run on seeds "
        f"0-{args.seeds - 1} (the same seeds at every point: common random numbers), "
        f"{n_points * args.seeds} runs; a point's value is the mean over its seeds. Other "
        f"settings: {' '.join(args.overrides) or 'the defaults'}. Intervals are 95% "
        f"bootstrap intervals ({sensitivity.RESAMPLES} resamples)."
    )
    blocks = [
        Block("heading", f"Sensitivity ({args.method})", 1),
        Block("text", setup),
        Block("text", READING[args.method]),
    ]
    key = "mu_star" if args.method == "morris" else "ST"
    for metric, rows in indices.groupby("metric", sort=False):
        rows = rows.sort_values(key, ascending=False)
        shown = rows.drop(columns="metric").round(4)
        blocks += [Block("heading", metric, 2), Block("table", shown)]
    caption = (
        "mu* (overall influence) against sigma (non-linearity and interactions), a panel a "
        "metric; bars: 95% intervals of mu*"
        if args.method == "morris"
        else "First-order (S1) and total (ST) Sobol indices with 95% intervals, a panel a metric"
    )
    return [*blocks, Block("heading", "Figure"), Block("figure", (caption, figure))]


READING = {
    "morris": (
        "How to read: an elementary effect is the change of the metric when one knob steps "
        "(two thirds of its range, on a grid of four levels) with the others held, divided by "
        "the step as a share of the range: the change across the knob's whole range, were it "
        "linear, in the metric's unit (0.34 of a share: 34 points). mu* is the mean absolute "
        "effect over trajectories through the other knobs: the larger, the more the knob "
        "matters; mu its mean, whose sign says the direction. sigma is the spread of the "
        "effects: large against mu* means the knob acts non-linearly or through other knobs. "
        "A knob whose mu* interval reaches zero is not told apart from no influence at these "
        "samples. Screen with Morris, then run Sobol on the few knobs that stand out."
    ),
    "sobol": (
        "How to read: S1 is the share of the metric's variance (over the knobs' ranges) that a "
        "knob explains alone; ST adds what it explains through interactions with the others. "
        "ST well above S1 means interactions; ST near zero means the knob can be fixed "
        "anywhere in its range without changing the metric. Seed noise that the seeds' mean "
        "leaves adds variance no knob explains."
    ),
}
