"""The same seed gives byte-identical outputs; another seed gives another market."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.simulation.run import TABLES, simulate, write_outputs
from tests.helpers import small_config


def outputs(tmp: Path, seed: int, strategy: str = "baseline") -> dict[str, bytes]:
    config = small_config(f"strategy={strategy}", n_traders=500, days=60)
    config.seed = seed
    write_outputs(simulate(config), tmp)
    files = {f"{t}.parquet": (tmp / f"{t}.parquet").read_bytes() for t in TABLES}
    summary = json.loads((tmp / "summary.json").read_text())
    summary.pop("wall_seconds")
    files["summary"] = json.dumps(summary, sort_keys=True).encode()
    return files


@pytest.mark.parametrize("strategy", ["baseline", "full"])
def test_same_seed_gives_byte_identical_outputs(tmp_path: Path, strategy: str) -> None:
    first = outputs(tmp_path / "a", seed=11, strategy=strategy)
    second = outputs(tmp_path / "b", seed=11, strategy=strategy)
    assert first == second


def test_another_seed_gives_another_market(tmp_path: Path) -> None:
    first = outputs(tmp_path / "a", seed=11)
    other = outputs(tmp_path / "b", seed=12)
    assert first["orders.parquet"] != other["orders.parquet"]


def test_kmeans_centroids_do_not_depend_on_the_callers_thread_limit() -> None:
    """scikit-learn's k-means sums over chunks in parallel, so its centroids differ in the last
    bits between one and two threads; the segmentation fixes one thread itself, because a limit
    its caller set before scikit-learn was loaded does not reach it."""
    from threadpoolctl import threadpool_limits

    from sim.marketing.segmentation import KMeansSegments, Observed

    rng = np.random.default_rng(0)
    n = 20_000  # enough chunks for two threads to split the sums
    seen = Observed(
        orders=rng.integers(0, 6, n),
        recency=rng.integers(0, 300, n),
        spend=rng.gamma(2.0, 50.0, n),
        behaviour=rng.random((n, 4)),
        country=rng.integers(0, 6, n),
        response_rate=rng.random(n),
        hidden_type=rng.integers(0, 4, n),
    )
    config = small_config("strategy=full").strategy.segmentation
    centroids = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            segments = KMeansSegments(config, n_countries=6, seed=5)
            segments.fit(seen, day=30)
        centroids.append(segments.centroids)
    assert np.array_equal(centroids[0], centroids[1])


def test_each_strategy_group_of_a_mix_has_a_stream_of_its_own() -> None:
    """Switching off one group of a mix leaves the other's random numbers as they were, so a mix
    stays paired when one of its strategies changes; a one-strategy market keeps the marketing
    stream it always had."""
    from sim.simulation.model import MarketModel
    from sim.state.streams import RandomStreams

    mixed = MarketModel(small_config("mix=rfm_vs_personalized", n_traders=300))
    one_left = MarketModel(
        small_config("mix=rfm_vs_personalized", "mix.personalized.active=false", n_traders=300)
    )
    rfm_mixed, rfm_alone = mixed.marketing.strategies[0].rng, one_left.marketing.strategies[0].rng
    assert np.array_equal(rfm_mixed.random(5), rfm_alone.random(5))

    streams, again = RandomStreams.from_seed(4), RandomStreams.from_seed(4)
    assert streams.marketing_of(1) is streams.marketing
    second, third = streams.marketing_of(2).random(3), streams.marketing_of(3).random(3)
    assert np.array_equal(second, again.marketing_of(2).random(3))  # the same seed, the same
    assert not np.array_equal(second, third)
    assert not np.array_equal(second, again.marketing.random(3))
