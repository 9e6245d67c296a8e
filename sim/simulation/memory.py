"""Whether a run fits in memory, decided from its size before anything is allocated.

A run's peak memory grows with its traders (their state) and with its trader-days (the order
and event logs the metrics read at the end). The estimate bounds the peak resident memory of
whole runs with the `full` strategy, the most memory-hungry, measured both ways a run is made
(`benchmarks/peak_memory.py`: from the command line, the logs streamed to Parquet, and from
Python, kept in memory), taking the larger: for a year, 287 MiB at 2,000 traders, 455 at
30,000, 737 at 100,000, 1,630 at 300,000 and 4,203 at 1,000,000; 547 MiB for 100,000 traders
over 120 days (an Intel Xeon, 2026-12-04). The constants are the least upper bound of that
form over those runs with a tenth more, as a run's peak moves by a few percent from one run to
the next. A run whose estimate exceeds the memory available is refused up front, naming the
key, the estimate and the limit, rather than allocating for a minute and ending in a traceback.
"""

from __future__ import annotations

from pathlib import Path

from sim.config import ConfigError, SimConfig

MIB = 2**20
BASE_BYTES = 352 * MIB  # Python, the libraries and the world
STATE_BYTES_PER_TRADER = 1360  # a trader's arrays and agent
LOG_BYTES_PER_TRADER_YEAR = 3830  # its share of a year's order and event logs and their tables
LARGE_RUN_TRADERS = 100_000  # runs from this size on say their estimate when they start


def estimate_peak_bytes(config: SimConfig) -> int:
    """The peak resident memory a run is expected to reach."""
    n, years = config.population.n_traders, config.days / 365
    return int(BASE_BYTES + n * (STATE_BYTES_PER_TRADER + LOG_BYTES_PER_TRADER_YEAR * years))


def available_bytes() -> int | None:
    """Memory this process can still take: the system's available memory, capped by the
    control group's limit (a container or a Slurm job); None where neither can be read."""
    limits = [_meminfo_available(), _cgroup_headroom()]
    known = [limit for limit in limits if limit is not None]
    return min(known) if known else None


def check_fits(config: SimConfig, available: int | None = None) -> int:
    """The run's estimated peak; raises ConfigError when it exceeds what is available."""
    estimate = estimate_peak_bytes(config)
    limit = available_bytes() if available is None else available
    if limit is not None and estimate > limit:
        raise ConfigError(
            f"population.n_traders={config.population.n_traders} with days={config.days} is "
            f"not allowed here: the run needs about {gib(estimate)} of memory and "
            f"{gib(limit)} is available; use fewer traders or days, or a larger machine"
        )
    return estimate


def gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_headroom() -> int | None:
    """The memory limit less the usage of this process's control group (cgroup v2, or v1's
    memory controller)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            folder, files = Path("/sys/fs/cgroup") / path.lstrip("/"), CGROUP_V2
        elif "memory" in controllers.split(","):
            folder, files = Path("/sys/fs/cgroup/memory") / path.lstrip("/"), CGROUP_V1
        else:
            continue
        headroom = _headroom(folder, *files)
        if headroom is not None:
            return headroom
    return None


CGROUP_V2 = ("memory.max", "memory.current")
CGROUP_V1 = ("memory.limit_in_bytes", "memory.usage_in_bytes")
NO_LIMIT = 2**60  # cgroup v1 writes "no limit" as a huge number


def _headroom(folder: Path, limit_file: str, usage_file: str) -> int | None:
    try:
        limit = (folder / limit_file).read_text().strip()
        usage = int((folder / usage_file).read_text())
    except (OSError, ValueError):
        return None
    if limit == "max" or int(limit) >= NO_LIMIT:
        return None
    return int(limit) - usage
