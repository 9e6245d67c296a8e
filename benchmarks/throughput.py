"""Throughput benchmark: a year with warm-up of the market, judged against issue 25's targets.

For the default market with the `full` strategy (or the Hydra overrides given), each size runs
a year with warm-up (425 days: 60 of warm-up, simulated like any other, and 365 measured) in a
fresh process, so that its peak memory is its own, and times every simulated day. It reports
build and simulation times, trader-days per second against Mesa's Boltzmann wealth model timed
just before and after, peak memory, and the cost curve: milliseconds per day by 60-day block,
with the flatness ratio of days 300-424 over days 60-119. A 3-year run of one market (100,000
traders) is timed against its 1-year run, and, for issue 4, a sweep of 8 classroom runs serial
and with the joblib launcher on all cores (and of 8 default-size runs, for longer runs). Each
is repeated (3 times by default) and the median reported, as a shared machine's speed drifts
between runs; a 425-day run with `strategy=full` ends with a table judging it against issue
25's targets. Not a test: run it with `make bench`, or for example
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
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
from threadpoolctl import threadpool_limits
from sim.config.compose import load_config
from sim.simulation.model import MarketModel
config = load_config(["progress=false", *sys.argv[1:]])
threadpool_limits(limits=1)  # as sim.simulation.run.simulate runs
start = time.perf_counter()
model = MarketModel(config)
built = last = time.perf_counter()
day_s = []
for _ in range(config.days):
    model.step()
    now = time.perf_counter()
    day_s.append(round(now - last, 6))
    last = now
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"traders": config.population.n_traders, "days": config.days,
                  "setup_s": built - start, "simulate_s": last - built, "day_s": day_s,
                  "orders": int(model.state.orders.size), "peak_mib": peak_kib / 1024}))
"""


REFERENCE = (
    "Reference: Mesa's Boltzmann wealth model, 10,000 agents, in agent-steps/s, timed just before "
    "and just after each run (the mean). Each size runs up to `--repeats` times (fewer once it "
    "has taken `--repeat-budget` seconds); a row is its run with the median ratio to the "
    "reference, with the range over its runs in brackets. Sweeps likewise, by speed-up."
)

WARM_UP_DAYS = 60  # the config's default warm-up, simulated like any other day
YEAR_DAYS = WARM_UP_DAYS + 365  # a year with warm-up: the project's default run
BLOCK_DAYS = 60  # the cost curve's blocks: days 0-59 (the warm-up), 60-119, ...
EARLY_DAYS = (60, 120)  # the flatness ratio: mean cost of days 300-424 over days 60-119
LATE_DAYS = (300, 425)

CURVE = (
    f"Cost curve: the wall time per simulated day of a size's median run, in ms, averaged over "
    f"{BLOCK_DAYS}-day blocks (days 0-{BLOCK_DAYS - 1} are the warm-up; the last block may be "
    f"shorter); flat means a day late in the year costs what one early in it does. The "
    f"flatness is the mean over days {LATE_DAYS[0]}-{LATE_DAYS[1] - 1} over the mean over days "
    f"{EARLY_DAYS[0]}-{EARLY_DAYS[1] - 1}."
)


def measure(n: int, days: int, seed: int, overrides: list[str]) -> dict:
    """One run in a child process; returns its timings (every day's too), peak memory and
    flatness (None when the run is too short to have the late window)."""
    size = [f"population.n_traders={n}", f"days={days}", f"seed={seed}"]
    row = run_in_children([[*size, *overrides]])[0]
    row["trader_days_per_s"] = n * days / row["simulate_s"]
    row["flatness"] = flatness(row["day_s"])
    return row


def run_in_children(runs: list[list[str]]) -> list[dict]:
    """Runs (each a list of overrides) started together, each in its own child process (one
    run: alone); the timings and peak memory of each."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, *overrides],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for overrides in runs
    ]
    rows = []
    for child, overrides in zip(children, runs, strict=True):
        out, err = child.communicate()
        if child.returncode:
            raise RuntimeError(f"run {' '.join(overrides)} failed:\n{err}")
        rows.append(json.loads(out.strip().splitlines()[-1]))
    return rows


CEILING_TRIES = 2  # each timing of the machine's ceiling is the fastest of this many tries


def parallel_ceiling(alone: list[list[float]], together: list[list[float]]) -> float:
    """The speed-up of runs side by side over the same runs one after another: the sum of
    their times alone over the longest of their times together. `alone` holds each run's tries
    alone, `together` each try of all runs side by side; each timing is the fastest of its
    tries, as load from outside only ever slows a run (one slowed run alone would lift the
    ceiling above the number of cores)."""
    one_after_another = sum(min(tries) for tries in alone)
    side_by_side = min(max(times) for times in together)
    return one_after_another / side_by_side


def machine_ceiling(copies: int, population: str, overrides: list[str]) -> float:
    """`parallel_ceiling` of `copies` runs of a sweep's market, simulation only, without Hydra
    or a launcher: the most any launcher could speed a sweep up here. Shared cores, caches and
    memory bandwidth make runs side by side slower than alone, by the machine's doing."""
    runs = [[f"population={population}", f"seed={seed}", *overrides] for seed in range(copies)]
    tries = range(CEILING_TRIES)
    alone = [[run_in_children([run])[0]["simulate_s"] for _ in tries] for run in runs]
    together = [[row["simulate_s"] for row in run_in_children(runs)] for _ in tries]
    return parallel_ceiling(alone, together)


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


def timed_sweep(launcher: str, runs: int, population: str, overrides: list[str]) -> dict:
    """Wall time of `python -m sim -m` over `runs` seeds of a population's market with a
    launcher (`basic`: one after another; `joblib`: on all cores), start-up included, as a user
    waits, and the seconds until its first run started. The start-up (Hydra composing configs
    in the driver, workers importing the simulator) does not shrink with cores, so the
    speed-up grows with the length of a run."""
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
        start, started_at = time.perf_counter(), time.time()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"sweep {' '.join(command[3:])} failed:\n{done.stderr}")
        return {
            launcher: time.perf_counter() - start,
            f"{launcher}_first_run_s": first_run_start(Path(out)) - started_at,
        }


def first_run_start(sweep_dir: Path) -> float:
    """When the sweep's first run started: the time of the earliest run folder's config file,
    which Hydra writes once it has composed the run's config, just before the run."""
    return min(path.stat().st_mtime for path in sweep_dir.glob("*/.hydra/config.yaml"))


def median_run(runs: list[dict], key: str) -> dict:
    """The run with the median `key` (the lower middle one of an even number), with the
    spread of `key` over all runs in `<key>_range` and the number of runs in `runs`."""
    ranked = sorted(runs, key=lambda run: run[key])
    values = [run[key] for run in ranked]
    return {**ranked[(len(ranked) - 1) // 2], "runs": len(runs), f"{key}_range": values}


def spread(value: float, values: list[float], fmt: str) -> str:
    """`value`, followed by the range of `values` when there were several."""
    text = format(value, fmt)
    if len(values) > 1:
        text += f" ({format(min(values), fmt)}-{format(max(values), fmt)})"
    return text


def size_table(rows: list[dict]) -> list[str]:
    columns = ("traders", "days", "runs", "setup s", "simulate s", "trader-days/s")
    columns += ("Boltzmann steps/s", "x Boltzmann", "orders", "peak MiB")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---:|" * len(columns)]
    for r in rows:
        lines.append(
            f"| {r['traders']:,} | {r['days']} | {r['runs']} | {r['setup_s']:.2f} "
            f"| {r['simulate_s']:.2f} | {r['trader_days_per_s']:,.0f} | {r['reference']:,.0f} "
            f"| {spread(r['versus_boltzmann'], r['versus_boltzmann_range'], '.2f')} "
            f"| {r['orders']:,} | {r['peak_mib']:,.0f} |"
        )
    return lines


def repeated(trial: Callable[[], dict], repeats: int, budget: float) -> list[dict]:
    """Results of `trial`, run up to `repeats` times; none is started once `budget` seconds
    have passed (the first always is)."""
    start, results = time.perf_counter(), []
    while len(results) < repeats and (not results or time.perf_counter() - start < budget):
        results.append(trial())
    return results


def measure_size(
    n: int, days: int, seed: int, overrides: list[str], repeats: int, budget: float
) -> dict:
    """Repeated runs of one size, each between two timings of the reference: a shared
    machine's speed drifts, and the ratio should compare like with like. The row is the run
    with the median ratio, with the spread of its simulation time and flatness over the runs."""
    references = [boltzmann_reference()]

    def run_beside_reference() -> dict:
        run = measure(n, days, seed, overrides)
        references.append(boltzmann_reference())
        run["reference"] = (references[-2] + references[-1]) / 2
        run["versus_boltzmann"] = run["trader_days_per_s"] / run["reference"]
        return run

    runs = repeated(run_beside_reference, repeats, budget)
    if len({run["orders"] for run in runs}) > 1:
        raise RuntimeError(f"{n:,} traders: the same seed gave different order counts")
    return {
        **median_run(runs, "versus_boltzmann"),
        "simulate_s_range": [r["simulate_s"] for r in runs],
        "flatness_range": [r["flatness"] for r in runs if r["flatness"] is not None],
    }


def measure_sweeps(
    runs: int, population: str, overrides: list[str], repeats: int, budget: float
) -> dict:
    """Repeated pairs of a serial and a parallel sweep, each followed by the machine's
    ceiling; the pair with the median speed-up."""

    cores = len(os.sched_getaffinity(0))

    def pair() -> dict:
        times = {}
        for launcher in ("basic", "joblib"):
            times |= timed_sweep(launcher, runs, population, overrides)
        ceiling = machine_ceiling(min(cores, runs), population, overrides)
        return {**times, "speedup": times["basic"] / times["joblib"], "ceiling": ceiling}

    pairs = repeated(pair, repeats, budget)
    return {**median_run(pairs, "speedup"), "ceiling_range": [p["ceiling"] for p in pairs]}


def sweep_line(runs: int, population: str, pair: dict) -> str:
    cores = len(os.sched_getaffinity(0))
    return (
        f"Sweep of {runs} {population} runs: serial {pair['basic']:.1f} s (first run after "
        f"{pair['basic_first_run_s']:.1f} s), joblib on {cores} cores {pair['joblib']:.1f} s "
        f"(first run after {pair['joblib_first_run_s']:.1f} s), speed-up "
        f"{spread(pair['speedup'], pair['speedup_range'], '.2f')}; the machine's ceiling "
        f"(simulations side by side against one after another, no launcher) "
        f"{spread(pair['ceiling'], pair['ceiling_range'], '.2f')}"
    )


def mean(values: list[float]) -> float:
    """The mean, without numpy: the parent only handles a few hundred floats a run."""
    return sum(values) / len(values)


def block_curve(day_s: list[float], block: int = BLOCK_DAYS) -> list[float]:
    """Milliseconds per simulated day, averaged over each `block` days in turn (the last block
    may be shorter): the curve that shows whether a day's cost grows as the year goes on."""
    return [1000 * mean(day_s[start : start + block]) for start in range(0, len(day_s), block)]


def flatness(day_s: list[float]) -> float | None:
    """Mean cost of a day late in the year (days 300-424) over one early in it, after the
    warm-up (days 60-119): issue 25's measure of how flat the cost curve is. None for a run of
    fewer than 425 days, which has no late window to compare."""
    if len(day_s) < LATE_DAYS[1]:
        return None
    return mean(day_s[slice(*LATE_DAYS)]) / mean(day_s[slice(*EARLY_DAYS)])


def milliseconds(ms: float) -> str:
    """A block's cost: whole milliseconds, with a tenth below 100 ms, where a whole one would
    hide more than 1% of a step in the curve."""
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}"


def curve_line(label: str, day_s: list[float]) -> str:
    """One run's cost curve, as `label, ms per day by 60-day block: 52.3, 58.1, ...`, with its
    flatness when the run is long enough to have one."""
    blocks = ", ".join(milliseconds(ms) for ms in block_curve(day_s))
    line = f"{label}, ms per day by {BLOCK_DAYS}-day block: {blocks}"
    if (ratio := flatness(day_s)) is not None:
        line += (
            f"; days {LATE_DAYS[0]}-{LATE_DAYS[1] - 1} over days "
            f"{EARLY_DAYS[0]}-{EARLY_DAYS[1] - 1}: {ratio:.2f}"
        )
    return line


def curve_lines(rows: list[dict]) -> list[str]:
    """The cost curve of each size's median run."""
    return [curve_line(f"{row['traders']:,} traders", row["day_s"]) for row in rows]


HORIZON_DAYS = (YEAR_DAYS, WARM_UP_DAYS + 3 * 365)  # 1 year and 3 years, each after warm-up


def measure_horizon(n: int, seed: int, overrides: list[str], repeats: int, budget: float) -> dict:
    """Repeated pairs of one market run for 1 year and for 3 years (after warm-up), each in its
    own child, one after the other so neither shares the cores; the pair with the median ratio
    of their simulation times (the build is the same for both and would flatter the ratio).
    A constant cost per day gives 1,155 / 425 = 2.72; more means later days cost more."""

    def pair() -> dict:
        year, three_years = (measure(n, days, seed, overrides) for days in HORIZON_DAYS)
        ratio = three_years["simulate_s"] / year["simulate_s"]
        return {"traders": n, "year": year, "three_years": three_years, "ratio": ratio}

    return median_run(repeated(pair, repeats, budget), "ratio")


def horizon_lines(horizon: dict) -> list[str]:
    """The 3-year run against the 1-year run, and the 3-year run's cost curve."""
    year, three_years = horizon["year"], horizon["three_years"]
    n, ratio = horizon["traders"], horizon["ratio"]
    return [
        f"{n:,} traders, 3 years against 1 year (simulation only): {three_years['days']:,} days "
        f"in {three_years['simulate_s']:.1f} s, {year['days']:,} days in "
        f"{year['simulate_s']:.1f} s, ratio {spread(ratio, horizon['ratio_range'], '.2f')}",
        curve_line(f"{n:,} traders over {three_years['days']:,} days", three_years["day_s"]),
    ]


# issue 25's targets: a year with warm-up of the default market with the `full` strategy;
# limits in seconds and MiB, ratios unitless
TARGET_DAYS = YEAR_DAYS
TARGET_OVERRIDES = ["strategy=full"]
FLAT_TRADERS, FLATNESS = 100_000, 1.2  # late day's cost over early day's, at most
HORIZON_RATIO = 3.3  # simulation of 3 years over 1 year, at most
LARGE_LIMITS = {100_000: (10, None), 1_000_000: (120, 4 * 1024)}  # build + simulate, peak
VERSUS_BOLTZMANN = 3  # trader-days/s over Boltzmann agent-steps/s, at least, at these sizes
BOLTZMANN_SIZES = (100_000, 1_000_000)
# issue 4's sweep target, still measured: 8 classroom runs serial over joblib, at least
TARGET_SWEEP = (8, "classroom")
SWEEP_SPEEDUP = 1.7


class Verdict(NamedTuple):
    """One target: what was measured, the result, the goal, and whether met."""

    measure: str
    result: str
    goal: str
    met: bool


def flatness_verdict(row: dict) -> Verdict:
    """The cost curve's flatness at issue 25's size, on the median run."""
    ratio = row["flatness"]
    return Verdict(
        f"{row['traders']:,} traders, cost per day, days {LATE_DAYS[0]}-{LATE_DAYS[1] - 1} / "
        f"days {EARLY_DAYS[0]}-{EARLY_DAYS[1] - 1}",
        spread(ratio, row["flatness_range"], ".2f"),
        f"{FLATNESS} or less",
        ratio <= FLATNESS,
    )


def build_verdict(row: dict, limit_s: float, limit_mib: float | None) -> Verdict:
    """Build plus simulation (what a user waits for) against its limit, and peak memory
    against its own where the issue sets one."""
    seconds, mib = row["setup_s"] + row["simulate_s"], row["peak_mib"]
    goal = (
        f"{limit_s} s or less" if limit_mib is None else f"{limit_s} s, {limit_mib:,} MiB or less"
    )
    return Verdict(
        f"{row['traders']:,} traders, build and simulate",
        f"{seconds:.1f} s, {mib:,.0f} MiB",
        goal,
        seconds <= limit_s and (limit_mib is None or mib <= limit_mib),
    )


def boltzmann_verdict(row: dict) -> Verdict:
    """Trader-days per second over the reference's agent-steps per second at one size."""
    ratio = row["versus_boltzmann"]
    return Verdict(
        f"x Boltzmann at {row['traders']:,} traders",
        spread(ratio, row["versus_boltzmann_range"], ".2f"),
        f"{VERSUS_BOLTZMANN} or more",
        ratio >= VERSUS_BOLTZMANN,
    )


def size_verdicts(rows: list[dict]) -> list[Verdict]:
    """Issue 25's targets for a year with warm-up, judged on the median runs of the sizes that
    were run: the flatness at 100,000 traders, build plus simulation (and peak memory) at
    100,000 and 1,000,000, and the ratio to Boltzmann at those two."""
    by_size = {row["traders"]: row for row in rows}
    verdicts = []
    if by_size.get(FLAT_TRADERS, {}).get("flatness") is not None:
        verdicts.append(flatness_verdict(by_size[FLAT_TRADERS]))
    for n, (limit_s, limit_mib) in LARGE_LIMITS.items():
        if n in by_size:
            verdicts.append(build_verdict(by_size[n], limit_s, limit_mib))
    verdicts += [boltzmann_verdict(by_size[n]) for n in BOLTZMANN_SIZES if n in by_size]
    return verdicts


def horizon_verdict(horizon: dict) -> Verdict:
    """The 3-year run's simulation time over the 1-year run's, on the median pair."""
    return Verdict(
        f"{horizon['traders']:,} traders, simulate 3 years / 1 year",
        spread(horizon["ratio"], horizon["ratio_range"], ".2f"),
        f"{HORIZON_RATIO} or less",
        horizon["ratio"] <= HORIZON_RATIO,
    )


def sweep_verdict(pair: dict) -> Verdict:
    """Issue 4's sweep target, with the machine's ceiling beside it: no launcher could beat
    that."""
    runs, population = TARGET_SWEEP
    return Verdict(
        f"{runs} {population} runs, serial / joblib (issue 4's)",
        f"{spread(pair['speedup'], pair['speedup_range'], '.2f')}; "
        f"ceiling {spread(pair['ceiling'], pair['ceiling_range'], '.2f')}",
        f"{SWEEP_SPEEDUP} or more",
        pair["speedup"] >= SWEEP_SPEEDUP,
    )


def verdict_table(verdicts: list[Verdict]) -> list[str]:
    lines = ["| target | median (range) | goal | met |", "|---|---|---|---|"]
    for v in verdicts:
        lines.append(f"| {v.measure} | {v.result} | {v.goal} | {'yes' if v.met else '**no**'} |")
    return lines


def judged(
    args: argparse.Namespace, rows: list[dict], horizon: dict | None, sweep: dict
) -> list[Verdict] | None:
    """The run's verdicts against issue 25's targets (the measured ones only); None when the
    run is not comparable: the targets are for a year with warm-up of the default market with
    `full`."""
    if args.days != TARGET_DAYS or args.overrides != TARGET_OVERRIDES:
        return None
    verdicts = size_verdicts(rows)
    if horizon is not None:
        verdicts.append(horizon_verdict(horizon))
    runs, population = TARGET_SWEEP
    if args.sweep_runs == runs and population in sweep:
        verdicts.append(sweep_verdict(sweep[population]))
    return verdicts


def verdict_lines(verdicts: list[Verdict] | None) -> list[str]:
    if verdicts is None:
        return [
            f"Not judged against issue 25's targets: they are for {TARGET_DAYS} days with "
            f"{' '.join(TARGET_OVERRIDES)}."
        ]
    if not verdicts:
        return []
    heading = "Against the targets of issue 25 (a 2-core machine like CI's):"
    return [heading, "", *verdict_table(verdicts)]


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line, checked before anything runs: a full run takes most of an hour."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[1_000, 10_000, 100_000, 1_000_000],
        help="traders per run (none: only the other timings)",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=YEAR_DAYS,
        help=f"days per size run, warm-up ({WARM_UP_DAYS} by default) included; the targets are "
        f"for {YEAR_DAYS}, a year with warm-up ({WARM_UP_DAYS} or fewer need a warm_up_days "
        "override)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each size, horizon and sweep pair"
    )
    parser.add_argument(
        "--repeat-budget",
        type=float,
        default=120.0,
        help="seconds after which a size, horizon or sweep starts no further repeat",
    )
    parser.add_argument(
        "--horizon-traders",
        type=int,
        default=FLAT_TRADERS,
        help=f"traders of the {HORIZON_DAYS[1]}-day against {HORIZON_DAYS[0]}-day runs "
        "(0 skips them)",
    )
    parser.add_argument("--sweep-runs", type=int, default=8, help="0 skips the sweep timing")
    parser.add_argument(
        "--sweep-populations",
        nargs="+",
        default=["classroom", "default"],
        help="population configs to sweep (classroom: issue 4's target; default: longer runs)",
    )
    parser.add_argument("--results", type=Path, help="also write the tables to this Markdown file")
    parser.add_argument(
        "overrides", nargs="*", default=["strategy=full"], help="Hydra overrides (strategy=full)"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be 1 or more, got {args.repeats}")
    populations = sorted(path.stem for path in (ROOT / "configs" / "population").glob("*.yaml"))
    for population in set(args.sweep_populations) - set(populations):
        parser.error(
            f"--sweep-populations: {population!r} is not one of {', '.join(populations)} "
            "(Hydra overrides go before the options, or after --)"
        )
    return args


def curve_items(found: list[str]) -> list[str]:
    """Lines as a Markdown list, so each stays on its own line in the results file."""
    return [f"- {line}." for line in found]


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    repeat = {"repeats": args.repeats, "budget": args.repeat_budget}
    header = f"machine: {machine()}; overrides: {' '.join(args.overrides) or 'none'}"
    print(header)
    lines = ["# Benchmark results", "", f"Written by `benchmarks/throughput.py`; {header}."]
    rows = []
    if args.sizes:
        print(REFERENCE)
        print("\n".join(size_table([])))
    for n in args.sizes:
        rows.append(measure_size(n, args.days, args.seed, args.overrides, **repeat))
        print(size_table(rows[-1:])[-1], flush=True)
    if rows:
        curves = curve_lines(rows)
        print("\n".join(["", CURVE, *curves]), flush=True)
        lines += ["", REFERENCE, "", *size_table(rows), "", CURVE, "", *curve_items(curves)]
    horizon = None
    if args.horizon_traders:
        horizon = measure_horizon(args.horizon_traders, args.seed, args.overrides, **repeat)
        found = horizon_lines(horizon)
        print("\n".join(["", *found]), flush=True)
        lines += ["", *curve_items(found)]
    sweep = {}
    for population in args.sweep_populations if args.sweep_runs else []:
        sweep[population] = measure_sweeps(args.sweep_runs, population, args.overrides, **repeat)
        line = sweep_line(args.sweep_runs, population, sweep[population])
        print(line, flush=True)
        lines += ["", line + "."]
    verdicts = judged(args, rows, horizon, sweep)
    if judgement := verdict_lines(verdicts):
        print("\n".join(["", *judgement]))
        lines += ["", *judgement]
    if args.results:
        args.results.write_text("\n".join(lines) + "\n")
    return {"sizes": rows, "horizon": horizon, "sweep": sweep, "targets": verdicts}


if __name__ == "__main__":
    main()
