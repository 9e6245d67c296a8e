"""Throughput benchmark: trader-days per second and peak memory of one year of the market.

For the default market with the `full` strategy (or the Hydra overrides given) at 1,000 to
1,000,000 traders, each size in a fresh process so its peak memory is its own; Mesa's Boltzmann
wealth model as the reference; and a sweep of 8 classroom runs, serial and with the joblib
launcher on all cores (and of 8 default-size runs, to show the speed-up with longer runs).
Not a test: run it with `make bench`, or for example
`.venv/bin/python benchmarks/throughput.py --sizes 1000 10000 --sweep-runs 0 strategy=rfm`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
from threadpoolctl import threadpool_limits
from sim.cli import load_config
from sim.model import MarketModel
n, days, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
config = load_config([f"population.n_traders={n}", f"days={days}", "warm_up_days=0",
                      f"seed={seed}", "progress=false", *sys.argv[4:]])
threadpool_limits(limits=1)  # as sim.run.simulate runs
start = time.perf_counter()
model = MarketModel(config)
built = time.perf_counter()
for _ in range(days):
    model.step()
done = time.perf_counter()
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"traders": n, "days": days, "setup_s": built - start, "simulate_s": done - built,
                  "orders": int(model.state.orders.size), "peak_mib": peak_kib / 1024}))
"""


REFERENCE = (
    "Reference: Mesa's Boltzmann wealth model, 10,000 agents, in agent-steps/s, timed just before "
    "and just after each size (the mean)."
)


def measure(n: int, days: int, seed: int, overrides: list[str]) -> dict:
    """One run in a child process; returns its timings and peak memory."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), str(days), str(seed), *overrides],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["trader_days_per_s"] = n * days / row["simulate_s"]
    return row


def boltzmann_reference() -> float:
    """Agent-steps per second of Mesa's Boltzmann wealth model (10,000 agents), own process."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "boltzmann.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.split(":")[-1].split()[0].replace(",", ""))


def machine() -> str:
    cores = len(os.sched_getaffinity(0))
    cpuinfo = Path("/proc/cpuinfo")
    names = (
        [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        if cpuinfo.exists()
        else []
    )
    cpu = names[0] if names else platform.machine()
    return f"{cpu}, {cores} cores, Python {platform.python_version()}"


def sweep_seconds(launcher: str, runs: int, population: str, overrides: list[str]) -> float:
    """Wall time of `python -m sim -m` over `runs` seeds of a population's market with a
    launcher (`basic`: one after another; `joblib`: on all cores), start-up included, as a user
    waits. The start-up (Hydra composing every run in the driver, workers importing the
    simulator) does not shrink with cores, so the speed-up grows with the length of a run."""
    seeds = ",".join(str(seed) for seed in range(runs))
    with tempfile.TemporaryDirectory() as out:
        command = [
            sys.executable,
            "-m",
            "sim",
            "-m",
            f"population={population}",
            f"seed={seeds}",
            "progress=false",
            f"hydra/launcher={launcher}",
            f"hydra.sweep.dir={out}",
            *overrides,
        ]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        return time.perf_counter() - start


def size_table(rows: list[dict]) -> list[str]:
    columns = ("traders", "days", "setup s", "simulate s", "trader-days/s", "Boltzmann steps/s")
    columns += ("x Boltzmann", "orders", "peak MiB")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---:|" * len(columns)]
    for r in rows:
        lines.append(
            f"| {r['traders']:,} | {r['days']} | {r['setup_s']:.2f} | {r['simulate_s']:.2f} "
            f"| {r['trader_days_per_s']:,.0f} | {r['reference']:,.0f} "
            f"| {r['versus_boltzmann']:.2f} | {r['orders']:,} | {r['peak_mib']:,.0f} |"
        )
    return lines


def measure_beside_reference(n: int, days: int, seed: int, overrides: list[str]) -> dict:
    """One size, with the Boltzmann reference timed just before and just after it: a shared
    machine's speed drifts over a long benchmark, and the ratio should compare like with like."""
    before = boltzmann_reference()
    row = measure(n, days, seed, overrides)
    row["reference"] = (before + boltzmann_reference()) / 2
    row["versus_boltzmann"] = row["trader_days_per_s"] / row["reference"]
    return row


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sweep-runs", type=int, default=8, help="0 skips the sweep timing")
    parser.add_argument(
        "--sweep-populations",
        nargs="+",
        default=["classroom", "default"],
        help="population configs to sweep (classroom: the target; default: longer runs)",
    )
    parser.add_argument("--results", type=Path, help="also write the tables to this Markdown file")
    parser.add_argument(
        "overrides", nargs="*", default=["strategy=full"], help="Hydra overrides (strategy=full)"
    )
    args = parser.parse_args(argv)
    header = f"machine: {machine()}; overrides: {' '.join(args.overrides) or 'none'}"
    print(header)
    print(REFERENCE)
    print("\n".join(size_table([])))
    rows = []
    for n in args.sizes:
        rows.append(measure_beside_reference(n, args.days, args.seed, args.overrides))
        print(size_table(rows[-1:])[-1], flush=True)
    lines = ["# Benchmark results", "", f"Written by `benchmarks/throughput.py`; {header}."]
    lines += ["", REFERENCE, "", *size_table(rows)]
    sweep = {}
    for population in args.sweep_populations if args.sweep_runs else []:
        times = {
            launcher: sweep_seconds(launcher, args.sweep_runs, population, args.overrides)
            for launcher in ("basic", "joblib")
        }
        sweep[population] = {**times, "speedup": times["basic"] / times["joblib"]}
        line = (
            f"Sweep of {args.sweep_runs} {population} runs: serial {times['basic']:.1f} s, "
            f"joblib on {len(os.sched_getaffinity(0))} cores {times['joblib']:.1f} s, "
            f"speed-up {sweep[population]['speedup']:.2f}"
        )
        print(line, flush=True)
        lines += ["", line + "."]
    if args.results:
        args.results.write_text("\n".join(lines) + "\n")
    return {"sizes": rows, "sweep": sweep}


if __name__ == "__main__":
    main()
