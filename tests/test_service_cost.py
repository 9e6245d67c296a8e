"""What service levers cost: nothing at the standard service, hand-worked fees above it, the
fees forgone by free shipping, and a run's lever cost equal to what its orders say."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.config.schema import PlatformConfig, ServiceConfig
from sim.mechanisms import service_cost
from sim.simulation.run import simulate
from tests.helpers import small_config

PRICE = np.array([10.0, 40.0])
SHIPPING = np.array([5.0, 8.0])
DOMESTIC = np.array([True, False])


def levers(**changes: float) -> ServiceConfig:
    return dataclasses.replace(ServiceConfig(), **changes)


def test_the_standard_service_costs_nothing() -> None:
    platform, standard = PlatformConfig(), ServiceConfig()
    fees = service_cost.upgrade_fees(standard, platform, PRICE, SHIPPING)
    assert np.all(fees == 0.0)
    assert np.all(service_cost.checkout_cost(standard, platform, fees, SHIPPING, DOMESTIC) == 0.0)
    hassle = np.array([standard.return_hassle, 0.0])  # the second, a trial: free to return
    assert np.all(service_cost.return_cost(hassle, np.array([False, True]), SHIPPING) == 0.0)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # twice as fast: 0.6 x (1/0.5 - 1) = 0.6 of the shipping cost
        ({"logistics_speed": 0.5}, 0.6 * SHIPPING),
        # slower than the standard saves nothing
        ({"logistics_speed": 2.0}, 0.0 * SHIPPING),
        # pictures 0.35 and videos 0.5 above the standard: 0.04 x 0.85 of the price
        ({"picture_quality": 0.85, "video_share": 0.7}, 0.04 * 0.85 * PRICE),
        # replies in 2 hours: 0.25 an order per halving of (12 + 1) / (2 + 1)
        ({"reply_hours": 2.0}, np.full(2, 0.25 * math.log2(13 / 3))),
        # 0.6 more of the sellers take local payment: 0.02 x 0.6 of the price
        ({"local_payment": 0.9}, 0.02 * 0.6 * PRICE),
    ],
)
def test_better_service_costs_by_hand(changes: dict, expected: np.ndarray) -> None:
    fees = service_cost.upgrade_fees(levers(**changes), PlatformConfig(), PRICE, SHIPPING)
    assert fees == pytest.approx(expected)


def test_free_shipping_forgoes_the_fee_and_easy_returns_pay_the_return() -> None:
    platform, free = PlatformConfig(), levers(shipping_fee_share=0.0)  # fee forgone: all of it
    cost = service_cost.checkout_cost(free, platform, np.zeros(2), SHIPPING, DOMESTIC)
    assert cost == pytest.approx(SHIPPING)  # the whole fee the standard would have charged
    # easy returns: the buyer bears 0.1 of the return, under the standard 0.5; a trial's
    # return is free under either, so it costs the lever nothing
    cost = service_cost.return_cost(np.array([0.1, 0.0]), np.array([False, True]), SHIPPING)
    assert cost == pytest.approx([0.4 * SHIPPING[0], 0.0])


def test_duties_paid_costs_the_handling_beyond_the_standard_mix() -> None:
    platform = PlatformConfig()
    everyone = levers(ddp_share=1.0)
    cost = service_cost.checkout_cost(everyone, platform, np.zeros(2), SHIPPING, DOMESTIC)
    # a domestic parcel pays no handling; a parcel abroad 1.5 x (1 - 0.3) beyond the standard's
    assert cost == pytest.approx([0.0, platform.ddp_fee * 0.7])


def test_a_runs_lever_cost_is_what_its_orders_say() -> None:
    default = simulate(small_config("population=classroom", n_traders=200, days=80))
    assert default.summary["service_cost"] == 0.0
    assert (default.orders["service_fee"] == 0.0).all()
    free = simulate(
        small_config("population=classroom", "service=free_shipping", n_traders=200, days=80)
    )
    window = free.orders[free.orders["day"] >= free.summary["warm_up_days"]]
    assert free.summary["service_cost"] == pytest.approx(window["shipping_cost"].sum())
    assert free.summary["lever_cost"] == pytest.approx(
        free.summary["service_cost"] + free.summary["marketing_cost"]
    )
    fast = simulate(
        small_config("population=classroom", "service=fast_logistics", n_traders=200, days=80)
    )
    paid = fast.orders["service_fee"].to_numpy()
    assert len(paid) and paid == pytest.approx(0.6 * fast.orders["shipping_cost"], abs=0.006)
