"""The Mesa agents are a view of the trader table: one source of truth for roles and state."""

from __future__ import annotations

import gc

import mesa
import numpy as np
import pytest

from sim.config import BUYER_TYPES
from sim.state.traders import BUYER, SELLER, Trader
from tests.helpers import run_model, small_config


def test_agents_read_the_table_and_role_selection_goes_through_the_agentset() -> None:
    model = run_model(small_config("market=currency_shock", n_traders=300, days=30))
    t = model.traders
    agents = list(model.agents_by_type[Trader])
    assert sorted(a.index for a in agents) == list(range(len(t)))
    for agent in agents[:50]:
        i = agent.index
        assert agent.role == (SELLER if t.is_seller[i] else BUYER)
        assert agent.country == model.world.countries[t.country[i]]
        assert agent.cash == model.ledger.cash[i] / 100.0
        assert agent.quality == float(t.quality[i])
        assert agent.buyer_type == BUYER_TYPES[t.buyer_type[i]]
        assert agent.reviews == int(t.review_count[i])
    sellers = {a.index for a in model.traders_by_role(SELLER)}
    assert sellers == set(np.flatnonzero(t.is_seller).tolist())
    # a flip changes what the agent reports, with no list to update
    i = next(iter(sellers))
    t.is_seller[i] = False
    assert next(a for a in agents if a.index == i).role == BUYER


@pytest.mark.parametrize("collecting", [True, False])
def test_populating_registers_an_agent_per_row_and_leaves_the_collector_as_it_was(
    collecting: bool,
) -> None:
    model = mesa.Model(rng=0)
    try:
        gc.enable() if collecting else gc.disable()
        Trader.populate(model, 5)
        assert gc.isenabled() == collecting
    finally:
        gc.enable()
    agents = list(model.agents_by_type[Trader])
    assert [a.index for a in agents] == list(range(5))
    assert len({a.unique_id for a in agents}) == 5
