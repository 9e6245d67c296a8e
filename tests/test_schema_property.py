"""Every value the schema allows runs: Hypothesis draws every constrained knob of the schema
over its whole declared range (and the numeric table cells: routes, tags, shares), runs the
whole pipeline, and checks the invariants on what comes out.

Only the size of a run is held small (traders, days) so that the suite fits CI; the memory
guard (`sim.memory`) answers for sizes. Cross-field rules are met by repairing a draw (a
pair of margins put in order, say), never by leaving the knob out. Set SCHEMA_EXAMPLES for a
longer search.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from sim.analysis.metrics import SHARE_METRICS
from sim.config import BUYER_TYPES, MAX_ROUTE_VALUE, MAX_TAG, Knob, SimConfig, knobs, validate
from sim.config.compose import load_config
from sim.simulation.run import simulate

EXAMPLES = int(os.environ.get("SCHEMA_EXAMPLES", "25"))
PRESETS = (
    (),
    ("strategy=full",),
    ("strategy=personalized", "market=currency_shock"),
    ("mix=rfm_vs_personalized",),
    ("strategy=trials", "market=tariff_shock", "platform=verified"),
)
SIZES = {"population.n_traders": (2, 250), "days": (1, 50)}  # a run's cost, kept for CI
_BASES: dict[tuple[str, ...], SimConfig] = {}


def base(preset: tuple[str, ...]) -> SimConfig:
    if preset not in _BASES:
        _BASES[preset] = load_config([*preset, "progress=false"])
    return copy.deepcopy(_BASES[preset])


def knob_values(knob: Knob) -> st.SearchStrategy:
    """Every value a knob's declaration allows."""
    meta = knob.meta
    if "choices" in meta:
        return st.sampled_from(meta["choices"])
    lo, hi = SIZES.get(knob.key, (meta["lo"], meta["hi"]))
    if isinstance(knob.value, int):
        lo = None if lo is None else int(lo) + (1 if meta["lo_open"] else 0)
        return st.integers(lo, None if hi is None else int(hi))
    return st.floats(lo, hi, exclude_min=meta["lo_open"], allow_nan=False, allow_infinity=False)


def bool_fields(node, path=""):
    """(owner, name) of every boolean setting of a config, in its strategies and channels."""
    if dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if isinstance(value, bool) and f.name != "progress":
                yield node, f.name
            yield from bool_fields(value)
    elif isinstance(node, dict):
        for value in node.values():
            yield from bool_fields(value)


@st.composite
def any_config(draw) -> SimConfig:
    config = base(draw(st.sampled_from(PRESETS)))
    changed = []
    for knob in list(knobs(config)):
        if draw(st.booleans()):
            setattr(knob.owner, knob.name, draw(knob_values(knob)))
            changed.append(f"{knob.key}={knob.value!r}")
    note("drawn: " + " ".join(changed))  # shown with a failing example
    for owner, name in bool_fields(config):
        setattr(owner, name, draw(st.booleans()))
    draw_tables(draw, config)
    return repair(draw, config)


def draw_tables(draw, config: SimConfig) -> None:
    """The numeric cells of the market's tables, each over what validation allows."""
    m, p = config.market, config.population
    for table in (m.shipping_cost, m.delivery_days):
        for row in table.values():
            for dest in row:
                if draw(st.booleans()):
                    row[dest] = draw(st.floats(0, MAX_ROUTE_VALUE))
    share = st.floats(0, 1, exclude_min=True, exclude_max=True)
    for category in m.categories.values():
        if draw(st.booleans()):
            tags = draw(
                st.lists(
                    st.floats(0, MAX_TAG), min_size=len(m.tag_names), max_size=len(m.tag_names)
                )
            )
            tags[draw(st.integers(0, len(tags) - 1))] = draw(st.floats(1e-3, MAX_TAG))
            category.tags = tags
        for country in category.sourcing_cost:
            if draw(st.booleans()):
                category.sourcing_cost[country] = draw(share)
    if draw(st.booleans()):
        weights = [draw(st.floats(0, 1)) for _ in BUYER_TYPES]
        weights[draw(st.integers(0, len(weights) - 1))] += 1e-3
        p.type_shares = {t: w / sum(weights) for t, w in zip(BUYER_TYPES, weights, strict=True)}
        p.type_shares[BUYER_TYPES[0]] += 1.0 - sum(p.type_shares.values())
    for strategy in config.strategy_groups():
        seg = strategy.segmentation
        seg.recency_days = sorted(draw(st.lists(st.integers(1, 3650), min_size=3, max_size=3)))
        seg.frequency = sorted(draw(st.lists(st.integers(1, 1000), min_size=2, max_size=2)))


def repair(draw, config: SimConfig) -> SimConfig:
    """Meet the rules across fields with the values drawn."""
    config.warm_up_days = draw(st.integers(0, config.days - 1))
    roles = config.market.roles
    if roles.entry_margin <= roles.exit_margin:
        roles.entry_margin, roles.exit_margin = roles.exit_margin, roles.entry_margin
        if roles.entry_margin == roles.exit_margin:
            roles.exit_margin = roles.entry_margin - 1e-3 if roles.entry_margin > -1 else -1.0
            roles.entry_margin = max(roles.entry_margin, roles.exit_margin + 1e-3)
    groups = config.strategy_groups()
    total = sum(g.share for g in groups)
    for strategy in groups:
        if total > 1:
            strategy.share /= total * (1 + 1e-9)
        timing, seg = strategy.timing, strategy.segmentation
        if timing.at_risk_days >= timing.churned_days:
            timing.at_risk_days = max(1, min(timing.at_risk_days, timing.churned_days) - 1)
            timing.churned_days = max(timing.churned_days, timing.at_risk_days + 1)
        seg.fit_sample = max(seg.fit_sample, seg.k)
    return validate(config)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # an overflow or 0/0 is a defect too
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(any_config())
def test_every_allowed_config_runs_and_keeps_the_invariants(config: SimConfig) -> None:
    result = simulate(config)
    summary, ts, orders = result.summary, result.timeseries, result.orders
    json.dumps(summary, allow_nan=False)  # every metric is a number or null, never NaN
    assert (ts["money_total"] == 0).all(), "money is conserved to the cent"
    assert (orders["buyer"] != orders["seller"]).all(), "no self-trade"
    assert ((ts["buyers"] + ts["sellers"]) == config.population.n_traders).all()
    for name in SHARE_METRICS:
        assert summary[name] is None or 0.0 <= summary[name] <= 1.0, name
    window = ts["day"].between(config.warm_up_days, config.days - 1)
    assert len(orders) == ts["orders"].sum(), "the order log has every paid order"
    assert summary["orders"] == ts.loc[window, "orders"].sum()
    assert summary["sessions"] == ts.loc[window, "sessions"].sum()
    assert np.isfinite(orders[["price", "amount"]].to_numpy()).all()
    assert len(result.traders) == config.population.n_traders
