"""`python -m sim.compare`: compare policies against a baseline and write a report.

    python -m sim.compare SWEEP_DIR --baseline strategy=baseline
    python -m sim.compare --run experiment=strategy_showdown seeds=20

The first reads a finished sweep; the second runs the named comparison first (a sweep with the
configured Hydra launcher, `seeds=N` meaning seeds 0..N-1) with a progress bar. Runs of that
sweep go to `outputs/compare/<experiment>` unless `--out` says otherwise, so running it again
only runs what is missing. `report.md`, `report.html` and the figures go next to the sweep
unless `--report-dir` says otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from tqdm import tqdm

from sim import paired, report, sweep
from sim.config import ConfigError

POLL_SECONDS = 1.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim.compare",
        description="Paired comparison of policies against a baseline over a sweep's seeds.",
    )
    parser.add_argument("sweep_dir", nargs="?", type=Path, help="a finished sweep's folder")
    parser.add_argument(
        "--baseline",
        nargs="+",
        default=["strategy=baseline"],
        metavar="KEY=VALUE",
        help="the runs to compare against (default: strategy=baseline)",
    )
    parser.add_argument(
        "--metrics",
        default=",".join(paired.HEADLINE_METRICS),
        help="comma-separated metrics (default: the headline stickiness, conversion and money)",
    )
    parser.add_argument("--rank-by", default="repeat_rate", help="metric of the ranking")
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


def default_out(overrides: list[str]) -> Path:
    names = [o.partition("=")[2] for o in overrides if o.startswith("experiment=")]
    return Path("outputs") / "compare" / (names[0] if names else "sweep")


def run_sweep(overrides: list[str], out: Path) -> None:
    """Run `python -m sim -m OVERRIDES` into `out`, showing runs done out of the sweep's size;
    its output goes to `out/sweep.log`."""
    from sim.cli import sweep_size  # Hydra is only needed to size the sweep

    total = sweep_size(overrides)
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "sim", "-m", *overrides, "progress=false"]
    command.append(f"hydra.sweep.dir={out.resolve()}")
    start = time.time() - 1.0  # file times may be rounded down to the second
    with (out / "sweep.log").open("w") as log, tqdm(total=total, desc="runs", unit="run") as bar:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        while process.poll() is None:
            time.sleep(POLL_SECONDS)
            bar.update(min(total, finished_runs(out, start)) - bar.n)
        bar.update(min(total, finished_runs(out, start)) - bar.n)
    if process.returncode not in (0, 1):  # 1: some runs failed, and the table says which
        tail = (out / "sweep.log").read_text().splitlines()[-15:]
        raise RuntimeError(f"the sweep stopped (exit {process.returncode}):\n" + "\n".join(tail))


def finished_runs(sweep_dir: Path, start: float) -> int:
    """Runs of the sweep started at `start` that have finished (or were reused)."""
    return sum(sweep.done_since(d, start) for d in _dirs(sweep_dir))


def _dirs(sweep_dir: Path) -> list[Path]:
    return sweep.run_dirs(sweep_dir) if sweep_dir.exists() else []


def make_report(sweep_dir: Path, args: argparse.Namespace) -> Path:
    """Collect the sweep table, compare and write the report; returns `report.md`'s path."""
    if not sweep_dir.is_dir():
        raise ConfigError(f"SWEEP_DIR={sweep_dir} is not allowed: no such folder")
    table = sweep.write_table(sweep_dir)
    design = paired.design_of(table, paired.parse_baseline(args.baseline))
    metrics = paired.check_metrics(table, [m for m in args.metrics.split(",") if m])
    paired.check_metrics(table, [args.rank_by])
    report_dir = args.report_dir or sweep_dir
    title = f"Comparison: {sweep_dir.name}"
    blocks = report.build(table, design, metrics, args.rank_by, title, report_dir / "figures")
    markdown, html = report.write(blocks, report_dir)
    print(f"Report: {markdown} and {html}")
    return markdown


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.run:
            overrides = sweep_overrides(args.run)
            sweep_dir = args.out or default_out(overrides)
            run_sweep(overrides, sweep_dir)
        else:
            sweep_dir = args.sweep_dir
        make_report(sweep_dir, args)
    except (ConfigError, FileNotFoundError) as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
