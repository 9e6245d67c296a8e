"""Kernel benchmark: array operations a million-trader day does most, each the way numpy does
it plainly and the way the simulator does it (README, Speed).

    .venv/bin/python benchmarks/kernels.py [--traders N] [--repeats R]

- Adding into a table at many positions: `np.add.at` with a tuple of indices and a scalar,
  against `sim.state.arrays.scatter` (one flat index, values of the table's dtype), for a
  day's tool tallies: one addition per contact into a (traders, 20 slots, 3 tools) int16 table.
- A buyer's value for each of its offers: gathered per offer from the trader table, against
  gathered per shopper and spread over its offers (`Shopping._features`), for a day's
  shoppers (3.3% of the traders) with 12 offers each on average.
- A campaign's ranking of the records that pass its screens, by seller and then best segment
  level first: `np.lexsort`, against `sim.marketing.budget.by_seller_best_first`, for a
  late-year day's records (60% of the traders' number) of 6% of the traders, in 4 levels.

Prints the median milliseconds of `--repeats` calls of each, on synthetic arrays of the sizes
named (random positions, fixed seed). Timings, never a test.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from sim.marketing.budget import by_seller_best_first
from sim.state.arrays import scatter

SLOTS, TOOLS = 20, 3
SHOPPERS_SHARE, OFFERS_PER_SHOPPER = 0.033, 12
CONTACTS_SHARE = 0.03  # a late-year day's contacts per trader, about, with `full`
# a late-year day's passing records and their sellers per trader, about, with `full`
# (benchmarks/phases.py at a million traders: 600,000-730,000 records a day)
RECORDS_SHARE, RANKED_SELLERS_SHARE, LEVELS = 0.6, 0.06, 4


def median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm: first touches of the pages are not the operation's cost
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def additions(n: int, repeats: int, rng: np.random.Generator) -> tuple[float, float]:
    table = np.zeros((n, SLOTS, TOOLS), dtype=np.int16)
    k = max(int(CONTACTS_SHARE * n), 1)
    index = (rng.integers(0, n, k), rng.integers(0, SLOTS, k), rng.integers(0, TOOLS, k))
    plain = median_ms(lambda: np.add.at(table, index, 1), repeats)
    fast = median_ms(lambda: scatter(np.add, table, index, 1), repeats)
    return plain, fast


def gathers(n: int, repeats: int, rng: np.random.Generator) -> tuple[float, float]:
    values = rng.random(n)
    shoppers = rng.choice(n, max(int(SHOPPERS_SHARE * n), 1), replace=False)
    row = np.repeat(np.arange(len(shoppers)), rng.poisson(OFFERS_PER_SHOPPER, len(shoppers)))
    buyers = shoppers[row]
    plain = median_ms(lambda: values[buyers], repeats)
    spread = median_ms(lambda: np.take(np.take(values, shoppers), row), repeats)
    return plain, spread


def rankings(n: int, repeats: int, rng: np.random.Generator) -> tuple[float, float]:
    sellers = rng.choice(n, max(int(RANKED_SELLERS_SHARE * n), 1), replace=False)
    records = max(int(RECORDS_SHARE * n), 1)
    seller = sellers[rng.integers(0, len(sellers), records)]
    level = rng.integers(0, LEVELS, records)
    plain = median_ms(lambda: np.lexsort((-level, seller)), repeats)
    fast = median_ms(lambda: by_seller_best_first(seller, level), repeats)
    return plain, fast


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traders", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args(argv)
    if min(args.traders) < 1 or args.repeats < 1:
        parser.error("--traders and --repeats must be 1 or more")
    rng = np.random.default_rng(0)
    print(
        "traders | np.add.at ms | scatter ms | gather per offer ms | per shopper ms"
        " | np.lexsort ms | by_seller_best_first ms"
    )
    for n in args.traders:
        times = [
            *additions(n, args.repeats, rng),
            *gathers(n, args.repeats, rng),
            *rankings(n, args.repeats, rng),
        ]
        print(f"{n:,} | " + " | ".join(f"{ms:.3f}" for ms in times))


if __name__ == "__main__":
    main()
