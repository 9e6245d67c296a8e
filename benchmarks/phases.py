"""Where a day's time goes: the phases of `MarketModel.step`, in ms per day by 60-day block.

    .venv/bin/python benchmarks/phases.py [--traders N] [--days D] [--block B] [overrides ...]

The throughput benchmark times whole days; this one times each phase of the day's schedule
(docs/model.md section 3.1) and the parts of shopping and of a campaign's plan that grow or
shrink with a run's history, so that a cost curve can be read phase by phase, with the day's
contacts and the records that pass each campaign's screens, which marketing's cost follows, and
how many of them passed unread. It wraps the model's own components on one instance, in one
process; the wrappers add a few microseconds a call, so the phases add up to slightly less than
the day. Timings, never a test.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable

from threadpoolctl import threadpool_limits

from sim.config.compose import load_config
from sim.simulation.model import MarketModel


def phases(model: MarketModel) -> dict[str, tuple[object, str]]:
    """Label -> (component, method) of what a day runs; indented labels are parts of the one
    above them."""
    table = {
        "roles": (model.roles, "update"),
        "terms": (model.terms, "review"),
        "marketing": (model.marketing, "contact"),
        "needs": (model.needs, "draw"),
        "search index": (model.search, "rebuild"),
        "shopping": (model.shopping, "visit"),
        "  consideration": (model.shopping, "_consider"),
        "  features": (model.shopping, "_features"),
        "checkout": (model.checkout, "pay"),
        "shipping": (model.fulfilment, "ship"),
        "delivery": (model.fulfilment, "deliver"),
        "data collector": (model.datacollector, "collect"),
    }
    for i, campaign in enumerate(model.marketing.strategies):
        name = f"  campaign {i + 1}"
        table[f"{name}: due index"] = (campaign.due, "today")
        table[f"{name}: screen"] = (campaign, "_screen")
        table[f"{name}: segments"] = (campaign.kept, "of")
        table[f"{name}: budget"] = (campaign.budget, "spend")
        table[f"{name}: send"] = (campaign, "_send")
    return table


def timed(method: Callable, label: str, spent: dict[str, float]) -> Callable:
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - start

    return wrapper


def counted(method: Callable, labels: tuple[str, str], counts: dict[str, float]) -> Callable:
    """Adds up the records that pass a campaign's screens, and those of them that passed
    unread (standing from the last read, `DueIndex.today`)."""

    def wrapper(*args, **kwargs):
        book, unread = method(*args, **kwargs)
        counts[labels[0]] += len(book)
        counts[labels[1]] += int(unread.sum())
        return book, unread

    return wrapper


def measure(
    overrides: list[str], block: int
) -> tuple[list[str], list[str], list[dict[str, float]]]:
    """Run the configured market; per block of `block` days, ms per day of each phase, and a
    day's contacts and the records that passed each campaign's screens (what marketing's cost
    follows), and how many of them passed unread."""
    config = load_config(["progress=false", *overrides])
    with threadpool_limits(limits=1):  # as sim.simulation.run.simulate runs
        model = MarketModel(config)
        spent: dict[str, float] = defaultdict(float)
        counts: dict[str, float] = defaultdict(float)
        table = phases(model)
        for label, (component, name) in table.items():
            setattr(component, name, timed(getattr(component, name), label, spent))
        screened = []
        for i, campaign in enumerate(model.marketing.strategies):
            labels = (f"campaign {i + 1}: records passing", f"campaign {i + 1}:   of them unread")
            screened += labels
            campaign._passing = counted(campaign._passing, labels, counts)
        blocks, days_in_block = [], 0
        for day in range(config.days):
            start = time.perf_counter()
            model.step()
            spent["day"] += time.perf_counter() - start
            counts["contacts"] += model.state.today["contacts"]
            days_in_block += 1
            if days_in_block == block or day == config.days - 1:
                times = {k: v * 1000 / days_in_block for k, v in spent.items()}
                blocks.append(times | {k: v / days_in_block for k, v in counts.items()})
                spent.clear()
                counts.clear()
                days_in_block = 0
    return ["day", *table], ["contacts", *screened], blocks


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traders", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=425)
    parser.add_argument("--block", type=int, default=60, help="days per block")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides (after strategy=full)")
    args = parser.parse_args(argv)
    if args.traders < 1 or args.days < 1 or args.block < 1:
        parser.error("--traders, --days and --block must be 1 or more")
    overrides = [
        f"population.n_traders={args.traders}",
        f"days={args.days}",
        "strategy=full",
        *args.overrides,  # later overrides win
    ]
    timings, counts, blocks = measure(overrides, args.block)
    print(f"ms per simulated day by {args.block}-day block ({' '.join(overrides)}):")
    for label in timings:
        print(f"{label:36s}" + "".join(f"{b.get(label, 0.0):8.1f}" for b in blocks))
    print("a day's mean, by the same blocks:")
    for label in counts:
        print(f"{label:36s}" + "".join(f"{b.get(label, 0.0):8.0f}" for b in blocks))
    return blocks


if __name__ == "__main__":
    main()
