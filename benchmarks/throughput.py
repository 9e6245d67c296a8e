"""Throughput benchmark: trader-days per second and peak memory of one year of the market.

Each size runs in a fresh process so its peak memory is its own. Not a test: run it with
`make bench` (or `.venv/bin/python benchmarks/throughput.py strategy=full --sizes 1000 10000`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
from sim.cli import load_config
from sim.model import MarketModel
n, days, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
config = load_config([f"population.n_traders={n}", f"days={days}", "warm_up_days=0",
                      f"seed={seed}", "progress=false", *sys.argv[4:]])
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


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. strategy=full")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}; overrides: {' '.join(args.overrides) or 'none'}")
    reference = boltzmann_reference()
    print(f"reference: Mesa Boltzmann wealth, 10,000 agents: {reference:,.0f} agent-steps/s")
    print(
        f"{'traders':>10} {'days':>5} {'setup s':>8} {'simulate s':>11} "
        f"{'trader-days/s':>14} {'x Boltzmann':>12} {'orders':>9} {'peak MiB':>9}"
    )
    rows = []
    for n in args.sizes:
        row = measure(n, args.days, args.seed, args.overrides)
        row["versus_boltzmann"] = row["trader_days_per_s"] / reference
        rows.append(row)
        print(
            f"{n:>10,} {args.days:>5} {row['setup_s']:>8.2f} {row['simulate_s']:>11.2f} "
            f"{row['trader_days_per_s']:>14,.0f} {row['versus_boltzmann']:>12.2f} "
            f"{row['orders']:>9,} {row['peak_mib']:>9.0f}"
        )
    return rows


if __name__ == "__main__":
    main()
