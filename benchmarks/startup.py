"""Start-up benchmark: the fixed seconds every run and sweep worker pays before simulating.

A sweep's driver composes the config once per run to check the batch (and twice more to
start), each job composes its own again, and each joblib worker imports the simulator: these
costs do not shrink with cores, and they bound a short sweep's speed-up (README, Speed). Each
measure runs in a fresh process, `--repeats` times, and the median is reported. Not a test: run
it with `.venv/bin/python benchmarks/startup.py [--repeats N]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

IMPORTS = """
import json, sys, time
start = time.perf_counter()
import sim.simulation.run
simulator = time.perf_counter()
from sim.marketing.segmentation import thread_pools
thread_pools()
print(json.dumps({"simulator": simulator - start, "scikit_learn": time.perf_counter() - simulator}))
"""

COMPOSES = """
import json, statistics, sys, tempfile, time
from pathlib import Path
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from sim.config.compose import CONFIG_DIR

def median_seconds(work, times=5):
    work()  # the first also loads Hydra's plugins
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        work()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent)

def composer(config_dir, overrides=()):
    def work():
        with initialize_config_dir(config_dir=config_dir, version_base="1.3"):
            compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
    return work

with tempfile.TemporaryDirectory() as empty:
    Path(empty, "config.yaml").write_text("x: 1\\n")
    hydra_alone = median_seconds(composer(empty))
market = Path(CONFIG_DIR, "market", "default.yaml")
print(json.dumps({
    "compose": median_seconds(composer(CONFIG_DIR, ["population=classroom", "strategy=full"])),
    "compose_hydra_alone": hydra_alone,
    "market_yaml": median_seconds(lambda: OmegaConf.load(market)),
}))
"""

LABELS = {
    "simulator": "import the simulator (Mesa, pandas, pyarrow): `import sim.simulation.run`",
    "scikit_learn": "then import scikit-learn (k-means runs)",
    "compose": "compose the config of a classroom run with `full`",
    "compose_hydra_alone": "compose an empty config (Hydra's own share)",
    "market_yaml": "load `configs/market/default.yaml` with OmegaConf",
}


def in_child(script: str) -> dict[str, float]:
    """Run `script` in a fresh interpreter; the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"start-up measurement failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def medians(samples: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(sample[key] for sample in samples) for key in samples[0]}


def table(seconds: dict[str, float]) -> list[str]:
    lines = ["| step | seconds |", "|---|---:|"]
    lines += [f"| {LABELS[key]} | {value:.3f} |" for key, value in seconds.items()]
    return lines


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per measure")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be 1 or more, got {args.repeats}")
    seconds = {}
    for script in (IMPORTS, COMPOSES):
        seconds |= medians([in_child(script) for _ in range(args.repeats)])
    print("\n".join(table(seconds)))
    return seconds


if __name__ == "__main__":
    main()
