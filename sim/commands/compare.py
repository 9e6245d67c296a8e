"""`python -m sim compare`: compare policies against a baseline and write a report.

    python -m sim compare SWEEP_DIR --baseline strategy=baseline
    python -m sim compare --run experiment=strategy_showdown seeds=20

The first reads a finished sweep; the second runs the named comparison first (a sweep with the
configured Hydra launcher, `seeds=N` meaning seeds 0..N-1) with a progress bar. Every option and
override is checked before any run starts. Runs of that sweep go to `outputs/compare/NAME`
unless `--out` says otherwise, NAME given by the overrides less seeds and launcher settings
(`strategy_showdown` for `experiment=strategy_showdown` alone), so running it again, or with
more seeds, only runs what is missing. A folder may hold other comparisons' runs too: the report
covers exactly the runs of the comparison asked for. `report.md`, `report.html` and the figures
go next to the sweep unless `--report-dir` says otherwise.

Exit status: 0 when every run finished, 1 when some failed (the report, if any, leaves them
out), 2 for bad input.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from sim.analysis import paired, replication, report, sweep_table, verdict
from sim.config import NO_EFFECT, ConfigError
from sim.recording import run_folder

POLL_SECONDS = 1.0
OUTPUTS = Path("outputs") / "compare"


class RunsFailed(Exception):
    """Runs of the comparison failed, or its sweep stopped: exit 1, unlike bad input (2)."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim compare",
        description="Paired comparison of policies against a baseline over a sweep's seeds.",
    )
    parser.add_argument("sweep_dir", nargs="?", type=Path, help="a finished sweep's folder")
    parser.add_argument(
        "--baseline",
        nargs="+",
        default=["strategy=baseline"],
        metavar="KEY=VALUE",
        help="the runs to compare against (default: strategy=baseline); name two keys to "
        "compare levels of both, e.g. --baseline strategy=baseline service=default",
    )
    parser.add_argument(
        "--metrics",
        default=",".join(paired.HEADLINE_METRICS),
        help="comma-separated metrics (default: the headline stickiness, conversion and money)",
    )
    parser.add_argument(
        "--objective",
        choices=sorted(verdict.OBJECTIVES),
        default="profit",
        help="what the verdict picks a policy for: profit (seller_profit), stickiness "
        "(repeat_rate) or conversion (visit_conversion); default profit",
    )
    parser.add_argument(
        "--rank-by",
        help="metric of the ranking, one of --metrics (default: the objective's metric)",
    )
    parser.add_argument(
        "--plan-seeds",
        metavar="HALF_WIDTH",
        help="say how many seeds each paired difference needs for a 95%% interval of this "
        "half-width, in the objective metric's unit (e.g. 500 USD of profit), or per metric: "
        "repeat_rate=0.01,seller_profit=500 (0.01 of a share is 1 point)",
    )
    parser.add_argument("--report-dir", type=Path, help="where the report goes (default: sweep)")
    parser.add_argument("--out", type=Path, help="with --run: the sweep's folder")
    parser.add_argument(
        "--run",
        nargs="+",
        metavar="OVERRIDE",
        help="run this sweep first: Hydra overrides, e.g. experiment=strategy_showdown seeds=20",
    )
    args = parser.parse_args(argv)
    if (args.sweep_dir is None) == (args.run is None):
        parser.error("give either SWEEP_DIR or --run OVERRIDES, not both")
    return args


def sweep_overrides(run: list[str]) -> list[str]:
    """The command line's overrides for `python -m sim -m`, `seeds=N` read as seeds 0..N-1."""
    overrides = []
    for item in run:
        key, _, value = item.partition("=")
        if key == "seeds":
            if not value.isdigit() or int(value) < 1:
                raise ConfigError(f"seeds={value} is not allowed: a whole number >= 1")
            item = f"seed=range(0,{int(value)})"
        overrides.append(item)
    return overrides


def default_out(run: list[str]) -> Path:
    """`outputs/compare/NAME`, NAME the sorted overrides as `compose.run_name` names a run, so
    that comparisons differing in any override that changes runs get folders of their own.
    Seeds, launcher settings and progress leave the name alone (more seeds reuse the runs
    done); `experiment=X` alone is named X."""
    from sim.config.compose import run_name  # Hydra is only needed with --run

    kept = sorted({o for o in run if _names_runs(o)})
    if len(kept) == 1 and kept[0].startswith("experiment="):
        return OUTPUTS / kept[0].partition("=")[2]
    return OUTPUTS / run_name(",".join(kept))


def _names_runs(override: str) -> bool:
    key = override.partition("=")[0].lstrip("+~")
    return key not in ("seed", "seeds", *NO_EFFECT) and not key.startswith("hydra")


def plan_sweep(overrides: list[str]) -> list[list[str]]:
    """Each run's overrides as the sweep will launch them, after checking that one run of each
    kind composes into a valid config (as the project's sweeper does): a bad override stops
    here with a one-line message, not in the sweep's log."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from hydra_plugins.sim_sweeper.one_of_each import one_of_each
    from sim.config import compose

    def is_group(key: str) -> bool:
        return "/" in key or (Path(compose.CONFIG_DIR) / key).is_dir()

    try:
        compose.check_overrides(overrides)
        jobs = sweep_jobs(overrides)
        for job in one_of_each(jobs, is_group):
            compose.load_config(job)
    except (HydraException, OmegaConfBaseException) as error:  # sweep_jobs' own compose
        raise ConfigError(compose.hydra_message(error)) from error
    return jobs


def sweep_jobs(overrides: list[str]) -> list[list[str]]:
    """The runs of `python -m sim -m OVERRIDES`, each as its overrides, in Hydra's basic
    sweeper's words: the strings Hydra writes to each run's `.hydra/overrides.yaml`."""
    from hydra import compose, initialize_config_dir
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.config.compose import CONFIG_DIR

    parser = OverridesParser.create()
    fixed = [o.input_line for o in parser.parse_overrides(overrides) if not o.is_sweep_override()]
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=fixed, return_hydra_config=True)
    params = [f"{k}={v}" for k, v in (cfg.hydra.sweeper.params or {}).items()]
    task = [o for o in parser.parse_overrides([*params, *overrides]) if not o.is_hydra_override()]
    return BasicSweeper.split_arguments(task, None)[0]


def planned_table(jobs: list[list[str]]) -> pd.DataFrame:
    """The planned runs' overrides as a sweep table's columns (seed last), to check the
    baseline against before any run."""
    rows = [
        {key: run_folder.override_value(value) for key, _, value in (o.partition("=") for o in job)}
        for job in jobs
    ]
    frame = pd.DataFrame(rows)
    return frame.drop(columns="seed", errors="ignore").assign(seed=frame.get("seed"))


def run_sweep(overrides: list[str], total: int, out: Path) -> None:
    """Run `python -m sim -m OVERRIDES` into `out`, showing runs done out of `total`; its
    output goes to `out/sweep.log`."""
    out.mkdir(parents=True, exist_ok=True)
    folder = str(out.resolve()).replace("'", "\\'")  # quoted: a name may hold `=` and `,`
    command = [sys.executable, "-m", "sim", "-m", *overrides, f"hydra.sweep.dir='{folder}'"]
    start = time.time() - 1.0  # file times may be rounded down to the second
    with (out / "sweep.log").open("w") as log, tqdm(total=total, desc="runs", unit="run") as bar:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        while process.poll() is None:
            time.sleep(POLL_SECONDS)
            bar.update(min(total, finished_runs(out, start)) - bar.n)
        bar.update(min(total, finished_runs(out, start)) - bar.n)
    if process.returncode == 2:  # it refused its input, as `python -m sim` does bad input
        refusals = [line for line in log_tail(out).splitlines() if "error:" in line]
        raise ConfigError(refusals[-1].partition("error: ")[2] if refusals else log_tail(out))
    if process.returncode not in (0, 1):  # 1: some runs failed, and the table says which
        raise RunsFailed(f"the sweep stopped (exit {process.returncode}):\n{log_tail(out)}")


def log_tail(out: Path, lines: int = 15) -> str:
    return "\n".join((out / "sweep.log").read_text().splitlines()[-lines:])


def finished_runs(sweep_dir: Path, start: float) -> int:
    """Runs of the sweep started at `start` that have finished (or were reused)."""
    return sum(run_folder.done_since(d, start) for d in _dirs(sweep_dir))


def _dirs(sweep_dir: Path) -> list[Path]:
    return sweep_table.run_dirs(sweep_dir) if sweep_dir.exists() else []


def recorded_overrides(run_dir: Path) -> list[str]:
    """A run's overrides as Hydra recorded them in `.hydra/overrides.yaml`."""
    return yaml.safe_load((run_dir / run_folder.OVERRIDES).read_text()) or []


def runs_of(out: Path, jobs: list[list[str]]) -> pd.DataFrame:
    """The sweep table of exactly these runs, matched by their recorded overrides: the folder
    may hold other comparisons' runs, whose override columns go too."""
    table = sweep_table.write_table(out) if _dirs(out) else pd.DataFrame(columns=["run_dir"])
    wanted = {frozenset(job) for job in jobs}
    recorded = [recorded_overrides(Path(d)) for d in table["run_dir"]]
    mine = [frozenset(r) in wanted for r in recorded]
    if not any(mine):
        raise RunsFailed(f"the sweep ran none of its {len(jobs)} runs:\n{log_tail(out)}")
    keys = {o.partition("=")[0] for job in jobs for o in job}
    others = {o.partition("=")[0] for r in recorded for o in r} - keys
    return table[mine].drop(columns=[k for k in others if k in table])


def read_sweep(sweep_dir: Path) -> pd.DataFrame:
    """SWEEP_DIR's table, refusing a folder that mixes sweeps of different overrides: the
    keys some runs lack would read as nan, and their runs be compared as one design."""
    if not sweep_dir.is_dir():
        raise ConfigError(f"SWEEP_DIR={sweep_dir} is not allowed: no such folder")
    try:
        table = sweep_table.write_table(sweep_dir)
    except FileNotFoundError as error:
        raise ConfigError(f"SWEEP_DIR={sweep_dir} is not allowed: {error}") from error
    keys = [set(run_folder.read_overrides(Path(d))) - set(NO_EFFECT) for d in table["run_dir"]]
    partial = set.union(*keys) - set.intersection(*keys)
    if partial:
        raise ConfigError(
            f"SWEEP_DIR={sweep_dir} is not allowed: it mixes sweeps, as only some of its runs "
            f"override {', '.join(sorted(partial))}; give one sweep's folder, or use --run, "
            "whose report covers exactly its own runs"
        )
    return table


def check_finished(table: pd.DataFrame, baseline: dict) -> None:
    """Stop with the runs' own errors when no run finished, or no run of the baseline: there
    is nothing to compare, and the fault is in the runs, not in the options."""
    ok = table["status"] == "ok"
    if not ok.any():
        raise RunsFailed(f"no run of the comparison finished:\n{failures(table)}")
    if all(k in table for k in baseline):
        base = np.logical_and.reduce([table[k] == v for k, v in baseline.items()])
        if base.any() and not (ok & base).any():
            name = ", ".join(f"{k}={v}" for k, v in baseline.items())
            raise RunsFailed(f"no run of the baseline {name} finished:\n{failures(table[base])}")


def failures(table: pd.DataFrame) -> str:
    """The runs that did not finish: a line per distinct error, with how many runs had it
    and one of their folders (its `error.json` holds the traceback)."""
    bad = table[table["status"] != "ok"]
    failed = bad["status"] == "failed"
    reasons = bad["error"].where(failed, "incomplete (killed or still running)")
    lines = []
    for reason, runs in bad.groupby(reasons, sort=False)["run_dir"]:
        lines.append(f"  {len(runs)} run{'s' if len(runs) > 1 else ''}: {reason}")
        lines.append(f"    e.g. {runs.iloc[0]}")
    return "\n".join(lines)


def run_comparison(args: argparse.Namespace, metrics: list[str]) -> tuple[Path, pd.DataFrame]:
    """With --run: check everything, run the sweep and return its folder and the table of
    exactly its runs. Without: SWEEP_DIR and its table."""
    if not args.run:
        return args.sweep_dir, read_sweep(args.sweep_dir)
    paired.check_metrics(metrics)
    overrides = [*sweep_overrides(args.run), "progress=false"]
    jobs = plan_sweep(overrides)
    paired.design_of(planned_table(jobs), paired.parse_baseline(args.baseline))
    sweep_dir = args.out or default_out(args.run)
    run_sweep(overrides, len(jobs), sweep_dir)
    return sweep_dir, runs_of(sweep_dir, jobs)


def make_report(
    table: pd.DataFrame, args: argparse.Namespace, metrics: list[str], sweep_dir: Path
) -> Path:
    """Compare the runs of `table` and write the report; returns `report.md`'s path."""
    baseline = paired.parse_baseline(args.baseline)
    check_finished(table, baseline)
    design = paired.design_of(table, baseline)
    paired.check_metrics(metrics, paired.table_metrics(table))
    rank_by = paired.check_rank_by(args.rank_by, metrics, verdict.OBJECTIVES[args.objective])
    report_dir = args.report_dir or sweep_dir
    title = f"Comparison: {' '.join(args.run) if args.run else sweep_dir.name}"
    targets = _targets(args, metrics)
    built = report.build(
        table, design, metrics, args.objective, rank_by, title, report_dir / "figures", targets
    )
    markdown, html = report.write(built, report_dir)
    for block in built.blocks:
        if block.kind == "note":
            print(f"Note: {block.content}", file=sys.stderr)
    if "replication" in built.tables:
        print(report.plan_text(built.tables["replication"]))
    print(f"Report: {markdown} and {html}")
    return markdown


def _targets(args: argparse.Namespace, metrics: list[str]) -> dict[str, float] | None:
    """`--plan-seeds` as half-widths by metric, or None without it."""
    if args.plan_seeds is None:
        return None
    default = verdict.OBJECTIVES[args.objective]
    return replication.parse_targets(args.plan_seeds, default, list({*metrics, default}))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        metrics = paired.parse_metrics(args.metrics)
        paired.check_rank_by(args.rank_by, metrics, verdict.OBJECTIVES[args.objective])
        paired.parse_baseline(args.baseline)
        _targets(args, metrics)  # checked before any run
        sweep_dir, table = run_comparison(args, metrics)
        make_report(table, args, metrics, sweep_dir)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    except RunsFailed as error:
        print(f"Runs failed: {error}", file=sys.stderr)
        return 1
    if (table["status"] != "ok").any():
        print(f"Runs failed, left out of the report:\n{failures(table)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
