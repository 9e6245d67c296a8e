"""Peak memory of whole runs, both ways a run is made, against the estimate that guards them.

    .venv/bin/python benchmarks/peak_memory.py [overrides ...] [--sizes N ...] [--days D]

Each run goes in a fresh process: from the command line (`python -m sim`, the logs streamed to
Parquet, the outputs written to a temporary folder) and from Python (`sim.simulate`, the logs
kept in memory). The peak is the process's maximum resident memory as the kernel counts it.
`sim/simulation/memory.py` refuses a run whose estimate exceeds the memory available, so its
estimate should lie above both peaks and not far above: this prints each with the ratio of
the larger to the estimate. Measurements, never a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sim.config.compose import load_config
from sim.simulation import memory

ROOT = Path(__file__).resolve().parent.parent


def peak_mib(command: list[str]) -> float:
    """The maximum resident memory of `command`'s process, in MiB (Linux counts in KiB)."""
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # reaps it with its own usage, not all children's
    child.returncode = os.waitstatus_to_exitcode(status)  # so Popen knows it has ended
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit status {child.returncode}")
    return usage.ru_maxrss / 1024


def commands(overrides: list[str], folder: Path) -> dict[str, list[str]]:
    """The same run from the command line and from Python."""
    overrides = [*overrides, "progress=false"]
    script = f"import sim; sim.simulate(sim.load_config({overrides!r}))"
    return {
        "command line": [sys.executable, "-m", "sim", *overrides, f"hydra.run.dir={folder}"],
        "python": [sys.executable, "-c", script],
    }


def measure(n_traders: int, days: int, extra: list[str]) -> dict[str, float]:
    overrides = [f"population.n_traders={n_traders}", f"days={days}", *extra]
    if days <= 60:
        overrides.append(f"warm_up_days={days // 2}")
    estimate = memory.estimate_peak_bytes(load_config(overrides)) / memory.MIB
    with tempfile.TemporaryDirectory() as folder:
        peaks = {
            way: peak_mib(command) for way, command in commands(overrides, Path(folder)).items()
        }
    return {**peaks, "estimate": estimate, "ratio": max(peaks.values()) / estimate}


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 30_000, 100_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("overrides", nargs="*", default=["strategy=full"])
    args = parser.parse_args(argv)
    print(f"Peak memory, MiB ({' '.join(args.overrides)}, {args.days} days):")
    print("| traders | command line | python | estimate | larger / estimate |")
    print("|---:|---:|---:|---:|---:|")
    rows = []
    for n in args.sizes:
        row = {"traders": n, **measure(n, args.days, args.overrides)}
        print(
            f"| {n:,} | {row['command line']:,.0f} | {row['python']:,.0f} | "
            f"{row['estimate']:,.0f} | {row['ratio']:.2f} |",
            flush=True,
        )
        rows.append(row)
    return rows


if __name__ == "__main__":
    main()
