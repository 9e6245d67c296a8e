"""The report's figures: each writes a PNG, empty inputs included; retention shares by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import plots, report

PNG = b"\x89PNG\r\n\x1a\n"
POLICIES = ["strategy=baseline", "strategy=full | market=fx_shock"]


def is_png(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 100 and path.read_bytes()[:8] == PNG


def timeseries(rng: np.random.Generator, days: int = 60) -> pd.DataFrame:
    buyers = 500 + rng.integers(-20, 20, days).cumsum()
    return pd.DataFrame(
        {
            "day": np.arange(days),
            "sessions": rng.poisson(400, days),
            "carts": rng.poisson(80, days),
            "orders": rng.poisson(30, days),
            "gmv": rng.gamma(5.0, 200.0, days),
            "buyers": buyers,
            "sellers": buyers // 10,
            "flips_to_seller": rng.poisson(0.3, days),
            "flips_to_buyer": rng.poisson(0.2, days),
        }
    )


def order_log(rng: np.random.Generator, n: int = 400, days: int = 200) -> pd.DataFrame:
    return pd.DataFrame({"buyer": rng.integers(0, 120, n), "day": rng.integers(0, days, n)})


@pytest.fixture
def runs() -> dict[str, list[pd.DataFrame]]:
    rng = np.random.default_rng(7)
    return {p: [timeseries(rng) for _ in range(3)] for p in POLICIES}


@pytest.fixture
def orders() -> dict[str, list[pd.DataFrame]]:
    rng = np.random.default_rng(11)
    return {p: [order_log(rng) for _ in range(3)] for p in POLICIES}


def test_paired_differences(tmp_path: Path) -> None:
    rows = [
        dict(policy=p, metric=m, difference=d, ci_low=d - 1.0, ci_high=d + 1.0, p_holm=0.01)
        for p in POLICIES
        for m, d in [("gmv", 1200.0), ("repeat_rate", 0.03), ("seller_profit", np.nan)]
    ]
    rows.append(
        dict(policy="one seed", metric="gmv", difference=5.0, ci_low=np.nan, ci_high=np.nan)
        | dict(p_holm=np.nan)
    )
    path = plots.paired_differences(pd.DataFrame(rows), tmp_path / "d.png", report.fmt)
    assert path == tmp_path / "d.png" and is_png(path)


def test_daily_series(tmp_path: Path, runs: dict[str, list[pd.DataFrame]]) -> None:
    runs["no runs"] = []
    contexts = {"": runs, "service=free_shipping": {"strategy=rfm": runs[POLICIES[0]]}}
    path = plots.daily_series(contexts, ["orders", "gmv"], tmp_path / "daily.png")
    assert is_png(path) and path.stat().st_size < 150_000


def test_funnel(tmp_path: Path, runs: dict[str, list[pd.DataFrame]]) -> None:
    stages = ["sessions", "carts", "orders"]
    mean_counts = {p: pd.concat([f[stages].sum() for f in fs], axis=1) for p, fs in runs.items()}
    counts = pd.DataFrame({p: c.mean(axis=1) for p, c in mean_counts.items()}).T
    counts.loc["no traffic"] = 0.0
    assert is_png(plots.funnel(counts, tmp_path / "funnel.png"))


def test_retention_curves(tmp_path: Path, orders: dict[str, list[pd.DataFrame]]) -> None:
    orders["no orders"] = [pd.DataFrame({"buyer": [], "day": []})]
    path = plots.retention_curves(orders, tmp_path / "retention.png", horizon=60, cohort_days=50)
    assert is_png(path) and path.stat().st_size < 150_000


def test_roles_over_time(tmp_path: Path, runs: dict[str, list[pd.DataFrame]]) -> None:
    contexts = {"market=fx_shock": runs, "market=default": {"strategy=rfm": runs[POLICIES[1]]}}
    path = plots.roles_over_time(contexts, tmp_path / "roles.png")
    assert is_png(path) and path.stat().st_size < 150_000


def test_empty_inputs_draw_no_data(tmp_path: Path) -> None:
    empty_log = pd.DataFrame({"buyer": pd.Series([], dtype=int), "day": pd.Series([], dtype=int)})
    columns = ["policy", "metric", "difference", "ci_low", "ci_high", "p_holm"]
    paths = [
        plots.paired_differences(pd.DataFrame(columns=columns), tmp_path / "a.png", report.fmt),
        plots.daily_series({}, ["orders"], tmp_path / "b.png"),
        plots.daily_series({"": {"p": []}}, ["orders"], tmp_path / "c.png"),
        plots.funnel(pd.DataFrame(), tmp_path / "d.png"),
        plots.retention_curves({}, tmp_path / "e.png"),
        plots.retention_curves({"p": [empty_log], "q": []}, tmp_path / "f.png"),
        plots.roles_over_time({"": {"p": [pd.DataFrame()]}}, tmp_path / "g.png"),
    ]
    assert all(is_png(p) for p in paths)


def hand_log() -> pd.DataFrame:
    """One seed's orders, last day 30, cohorts of 10 days.

    Cohort "days 0-9": buyers 0-17 first order on day 0, buyers 18-21 on day 8 (22 buyers).
    Repeats: 0-4 on day 5 (gap 5), 5-8 on day 10 (gap 10), 18 on day 10 (gap 2); 19 orders
    twice on day 8 (same day: not a repeat); 17 orders on day 30 (gap 30, sets the last day).
    Cohort "days 10-19": buyers 30-34 first on day 12, only 5 buyers.
    """
    rows = [(b, 0) for b in range(18)] + [(b, 8) for b in range(18, 22)]
    rows += [(b, 5) for b in range(5)] + [(b, 10) for b in range(5, 9)]
    rows += [(18, 10), (19, 8), (17, 30)] + [(b, 12) for b in range(30, 35)]
    return pd.DataFrame(rows, columns=["buyer", "day"])


def test_repeat_shares_by_hand() -> None:
    shares = plots.repeat_shares([hand_log()], horizon=40, cohort_days=10)
    assert list(shares.columns) == ["days 0-9", "days 10-19"]
    assert list(shares.index) == list(range(41)) and shares.index.name == "delay"
    first = shares["days 0-9"]
    # At risk for d <= 22: all 22 (day-8 buyers are seen until day 30, 22 days).
    assert first[0] == 0.0  # 19's second order on day 8 is the same day: no repeat
    assert first[1] == 0.0
    assert first[2] == pytest.approx(1 / 22)  # buyer 18
    assert first[5] == pytest.approx(6 / 22)  # + buyers 0-4
    assert first[10] == pytest.approx(10 / 22)  # + buyers 5-8
    assert first[22] == pytest.approx(10 / 22)
    # From d = 23 the day-8 buyers are censored: 18 at risk < 20, so not shown.
    assert first.loc[23:].isna().all()
    assert shares["days 10-19"].isna().all()  # 5 buyers: never enough at risk


def test_repeat_shares_pools_seeds_keyed_by_seed() -> None:
    # Two seeds with the same buyer ids are different buyers: 44 at risk up to d = 22, then the
    # 36 day-0 buyers, of whom 18 (0-8 in each seed) have repeated by d = 23; buyer 17 repeats
    # at d = 30 in each seed: 20 / 36. Beyond d = 30 nobody is observed.
    shares = plots.repeat_shares([hand_log(), hand_log()], horizon=40, cohort_days=10)
    first = shares["days 0-9"]
    assert first[10] == pytest.approx(20 / 44)
    assert first[23] == pytest.approx(18 / 36)
    assert first[29] == pytest.approx(18 / 36)
    assert first[30] == pytest.approx(20 / 36)
    assert first.loc[31:].isna().all()


def test_repeat_shares_empty() -> None:
    shares = plots.repeat_shares([pd.DataFrame({"buyer": [], "day": []})], 10, 5)
    assert shares.shape == (11, 0)
