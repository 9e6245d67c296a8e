"""Running one simulation and writing its outputs (docs/model.md section 7.14).

`simulate` is plain Python: give it a `SimConfig`, get the logs and the summary back.
`run_to_directory`, which the CLI (`python -m sim`) calls, streams the order and event logs to
Parquet in chunks while the run goes on, so memory stays flat as runs grow. Every file is
written under a temporary name and renamed when complete, `summary.json` last, so a run that
was killed never looks complete.
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from sim.analysis.metrics import group_summaries, summarize
from sim.config import BUYER_TYPES, NO_EFFECT, NO_MARKETING, ROLES, SimConfig, validate
from sim.recording.atomic import atomic, write_text
from sim.recording.log_stream import LogStream, MemorySink, ParquetSink, TableSink
from sim.recording.provenance import code_record, source_digest
from sim.recording.run_folder import SUMMARY, TABLES, clear_outputs
from sim.simulation.memory import check_fits
from sim.simulation.model import MarketModel
from sim.state.logs import events_frame, orders_frame

# traders.parquet as `traders_frame` writes it (tests/test_tables.py holds files to it)
TRADERS_TABLE = {
    "trader": "int64",
    **dict.fromkeys(("country", "specialty", "buyer_type"), "category"),
    "quality": "float64",
    **dict.fromkeys(("initial_role", "final_role"), "category"),
    "ever_seller": "bool",
    "group": "category",
    "reviews": "int32",
    "mean_rating": "float64",
}
LOGS = ("orders", "events")  # the tables that grow with the run and stream out in chunks


@dataclass
class RunResult:
    """What one run produced."""

    summary: dict
    timeseries: pd.DataFrame
    orders: pd.DataFrame
    events: pd.DataFrame
    traders: pd.DataFrame


def simulate(
    config: SimConfig,
    progress: bool = False,
    sinks: dict[str, TableSink] | None = None,
    chunk_rows: int | None = None,
) -> RunResult:
    """Run the market for `config.days` days and measure it over the window after warm-up.

    The logs go to `sinks` (memory by default) in chunks of `chunk_rows` finished rows, or in
    one piece at the end when it is None; the tables come out the same either way.
    Linear algebra and k-means run on one thread: their floating-point sums then do not depend
    on the machine's cores, so a seed gives the same numbers on any launcher and worker count.
    """
    validate(config)
    check_fits(config)
    start = time.perf_counter()
    sinks = sinks or {name: MemorySink() for name in LOGS}
    groups = (NO_MARKETING, *(g.name for g in config.strategy_groups()))
    traders, timeseries = _run_market(config, progress, sinks, chunk_rows, groups)
    # the market is gone by now: its state no longer stacks on the logs read back whole
    orders, events = sinks["orders"].read(), sinks["events"].read()
    window = {"window_start": config.warm_up_days, "window_end": config.days}
    metrics = summarize(orders, events, n_traders=config.population.n_traders, **window)
    ever_sold = traders[traders["ever_seller"]]
    summary = {
        "seed": config.seed,
        "days": config.days,
        "warm_up_days": config.warm_up_days,
        "n_traders": config.population.n_traders,
        "strategy": config.strategy.name,
        "mix": sorted(config.mix),
        **metrics,
        "groups": group_summaries(
            orders, events, ever_sold.set_index("trader")["group"].astype(str), **window
        ),
        "config_hash": config_hash(config),
        **code_record(),
        "wall_seconds": round(time.perf_counter() - start, 3),
    }
    return RunResult(summary, timeseries, orders, events, traders)


def _run_market(
    config: SimConfig,
    progress: bool,
    sinks: dict[str, TableSink],
    chunk_rows: int | None,
    groups: tuple[str, ...],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the days with the logs draining into `sinks`; the traders' table and the daily
    series. The logs' last rows (all of them, when nothing is chunked) become tables after the
    model is freed, so the market's state and its tables are never held at once. The model
    and its agents refer to each other: only the cycle collector frees them, run here."""
    with threadpool_limits(limits=1):
        model = MarketModel(config)
        world, state = model.world, model.state
        streams = {
            "orders": LogStream(
                state.orders,
                lambda log: orders_frame(
                    log,
                    world.countries,
                    world.currencies,
                    world.categories,
                    config.market.start_date,
                    groups,
                ),
                sinks["orders"],
                chunk_rows,
                done_column="delivered",
            ),
            "events": LogStream(state.events, events_frame, sinks["events"], chunk_rows),
        }
        for _ in tqdm(range(config.days), desc="days", unit="day", delay=2.0, disable=not progress):
            model.step()
            for stream in streams.values():
                stream.after_day()
    traders = traders_frame(model, groups)
    timeseries = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    del model, state
    gc.collect()
    for stream in streams.values():  # the logs' last rows become tables once the market is gone
        stream.close()
    return traders, timeseries


def config_hash(config: SimConfig) -> str:
    """A fingerprint of everything that decides a run's numbers: the config (less the settings
    that cannot change them) and the simulator's source (`sim.provenance`). Sweeps and
    comparisons reuse a finished run only when it matches, so a changed model reruns."""
    settings = {k: v for k, v in asdict(config).items() if k not in NO_EFFECT}
    text = json.dumps([source_digest(), settings], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def traders_frame(model: MarketModel, groups: tuple[str, ...]) -> pd.DataFrame:
    """One row a trader: who it is (hidden traits included, for analysis), its roles, its
    strategy group and its reputation at the end of the run."""
    t, w = model.traders, model.world
    count = t.review_count
    return pd.DataFrame(
        {
            "trader": range(len(t)),
            "country": pd.Categorical.from_codes(t.country, list(w.countries)),
            "specialty": pd.Categorical.from_codes(t.specialty, list(w.categories)),
            "buyer_type": pd.Categorical.from_codes(t.buyer_type, list(BUYER_TYPES)),
            "quality": t.quality,
            "initial_role": pd.Categorical.from_codes(
                model.initial_is_seller.astype(int), list(ROLES)
            ),
            "final_role": pd.Categorical.from_codes(t.is_seller.astype(int), list(ROLES)),
            "ever_seller": model.initial_is_seller | model.flipped,
            "group": pd.Categorical.from_codes(t.group, list(groups)),
            "reviews": count,
            "mean_rating": np.where(
                count > 0, 1 + 4 * t.review_score / np.maximum(count, 1), np.nan
            ),
        }
    )


def run_to_directory(config: SimConfig, out_dir: Path, progress: bool = False) -> RunResult:
    """Run with the logs streaming to `out_dir` in chunks of `config.chunk_rows`, then write
    the other outputs and the summary."""
    clear_outputs(out_dir)
    sinks = {name: ParquetSink(out_dir / f"{name}.parquet") for name in LOGS}
    result = simulate(config, progress, sinks, config.chunk_rows)
    write_outputs(result, out_dir, streamed=sinks)
    return result


def write_outputs(
    result: RunResult, out_dir: Path, streamed: dict[str, ParquetSink] | None = None
) -> None:
    """Write the tables (naming those already `streamed` there) and then the summary, each
    atomically."""
    streamed = streamed or {}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / SUMMARY).unlink(missing_ok=True)
    for name in TABLES:
        if name in streamed:
            streamed[name].commit()
            continue
        with atomic(out_dir / f"{name}.parquet") as partial:
            getattr(result, name).to_parquet(partial, index=False)
    write_text(out_dir / SUMMARY, json.dumps(result.summary, indent=2, allow_nan=False) + "\n")


HEADLINE = (
    ("visit_conversion", "visit conversion", "{:.1%}"),
    ("contact_conversion", "contact conversion", "{:.1%}"),
    ("cart_abandonment", "cart abandonment", "{:.1%}"),
    ("repeat_rate", "repeat purchase rate", "{:.1%}"),
    ("retention_90d", "90-day retention", "{:.1%}"),
    ("share_of_wallet", "share of wallet", "{:.1%}"),
    ("churn_rate", "churn", "{:.1%}"),
    ("mean_satisfaction", "mean satisfaction", "{:.2f}"),
    ("return_rate", "return rate", "{:.1%}"),
    ("belief_error", "belief error", "{:.3f}"),
    ("gmv", "GMV (USD)", "{:,.0f}"),
    ("seller_profit", "seller profit (USD)", "{:,.0f}"),
    ("flips_per_1k_trader_days", "role flips / 1k trader-days", "{:.3f}"),
    ("orders", "paid orders", "{:,}"),
    ("wall_seconds", "wall time (s)", "{:.1f}"),
)


def format_summary(summary: dict) -> str:
    """A short table of headline metrics in plain language."""
    rows = []
    for key, label, fmt in HEADLINE:
        value = summary.get(key)
        rows.append(f"  {label:<30} {'n/a' if value is None else fmt.format(value)}")
    return "\n".join(rows)
