"""The strategy interface: contacts a strategy returns are paid for, logged, and can convert,
while the population and the exchange-rate path stay those of the baseline on the same seed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.vocabulary import CHANNELS, CONTACT_OUTCOMES, PROMOTIONS, SEGMENTS
from sim.marketing.contacts import Contacts
from sim.simulation.model import MarketModel
from sim.state.logs import events_frame
from sim.state.traders import STANDARD
from tests.helpers import small_config


class ContactRandomBuyers:
    """A test strategy: every seller e-mails one random trader a day, at 20 cents."""

    def __init__(self, model: MarketModel) -> None:
        self.model = model
        self.rng = np.random.default_rng(99)  # its own stream, like the marketing stream

    def plan(self, day: int) -> Contacts:
        t = self.model.traders
        sellers = np.flatnonzero(t.is_seller)
        buyers = self.rng.integers(0, len(t), size=len(sellers))
        n = len(sellers)
        landed = self.rng.random(n) < 0.5
        return Contacts(
            seller=sellers,
            buyer=buyers,
            channel=np.full(n, CHANNELS.index("edm")),
            promotion=np.full(n, PROMOTIONS.index("none")),
            product=np.full(n, STANDARD),
            segment=np.full(n, SEGMENTS.index("all")),
            discount_share=np.zeros(n),
            cost=np.full(n, 20, dtype=np.int64),
            outcome=np.where(
                landed, CONTACT_OUTCOMES.index("landed"), CONTACT_OUTCOMES.index("ignored")
            ),
            landed=landed,
        )

    def accuracy(self) -> None:
        return None


def run(strategy: bool) -> MarketModel:
    model = MarketModel(small_config(n_traders=600, days=60))
    if strategy:
        model.marketing.strategies = [ContactRandomBuyers(model)]
    for _ in range(60):
        model.step()
        assert model.ledger.total() == 0
    return model


def test_contacts_are_paid_logged_and_attributed_without_touching_population_or_fx() -> None:
    base, marketed = run(False), run(True)
    np.testing.assert_array_equal(base.traders.quality, marketed.traders.quality)
    np.testing.assert_array_equal(base.traders.country, marketed.traders.country)
    fx = [c for c in base.datacollector.get_model_vars_dataframe() if c.startswith("fx_")]
    pd.testing.assert_frame_equal(
        base.datacollector.get_model_vars_dataframe()[fx],
        marketed.datacollector.get_model_vars_dataframe()[fx],
    )
    events = events_frame(marketed.state.events)
    contacts = events[events["kind"] == "contact"]
    assert len(contacts) > 0 and (contacts["detail"] == "edm").all()
    assert marketed.ledger.accounts["marketing"] == 20 * len(contacts)  # 20 cents each
    log = marketed.state.orders
    attributed = log.view("channel") == CHANNELS.index("edm")
    assert attributed.any()
    # last-touch attribution: the contact came at most attribution_days before the order
    lag = log.view("day")[attributed] - log.view("contact_day")[attributed]
    assert ((lag >= 0) & (lag <= marketed.config.platform.attribution_days)).all()
    assert not (base.state.orders.view("channel") != 0).any()
