"""The landed cost of an order, worked by hand: duty, VAT, de minimis, who collects, when."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ShockConfig
from sim.config.vocabulary import DDP, DDU, DOMESTIC, WAREHOUSE
from sim.mechanisms.landed_cost import delivery_terms, landed_cost
from tests.test_world import CN, DE, US, conditions, tiny_market

TOYS = 0


def regimes(shocks=()):
    """tiny_market with VAT regimes: the US adds 7% sales tax at checkout and has a USD 800 duty
    de minimis; Germany (EUR 0.9 a USD) has 19% VAT, a EUR 150 duty de minimis and VAT collected
    at checkout (IOSS); China has 13% VAT, assessed at the door, and no de minimis."""
    market = tiny_market(shocks=shocks)
    us, de, cn = market.countries["US"], market.countries["DE"], market.countries["CN"]
    us.vat, us.prices_include_vat, us.vat_at_checkout, us.duty_de_minimis = 0.07, False, True, 800
    de.vat, de.vat_at_checkout, de.duty_de_minimis, de.collection_fee = 0.19, True, 150, 7.0
    cn.vat, cn.vat_at_checkout, cn.collection_fee = 0.13, False, 3.0
    c = conditions(market)
    c.advance(0)
    return c


def cost_of(c, origin, home, terms, goods, fee=5.0, conversion_fee=0.02):
    one = np.array
    return landed_cost(
        c, conversion_fee, one([origin]), one([home]), one([TOYS]), one([terms]), goods, fee
    )


def test_a_us_buyer_pays_no_duty_under_the_de_minimis_and_sales_tax_at_checkout() -> None:
    cost = cost_of(regimes(), CN, US, DDU, np.array([100.0]))
    assert cost.duty == pytest.approx([0.0])  # USD 100 <= USD 800
    assert cost.vat == pytest.approx([0.07 * 105])  # on goods and fee
    assert cost.at_checkout == pytest.approx([7.35])
    assert cost.at_door == pytest.approx([0.0])  # nothing owed: no collection fee either
    assert cost.conversion == pytest.approx([0.02 * (100 + 5 + 7.35)])


def test_ending_the_de_minimis_makes_the_same_parcel_pay_duty_at_the_door() -> None:
    ended = regimes([ShockConfig(day=0, kind="de_minimis", target="US", size=-1.0)])
    cost = cost_of(ended, CN, US, DDU, np.array([100.0]))
    assert cost.duty == pytest.approx([5.0])  # tiny_market's US duty, 5%
    assert cost.vat == pytest.approx([0.07 * 110])  # VAT is on the duty too
    assert cost.at_door == pytest.approx([5.0])  # no collection fee in the US of tiny_market


def test_a_german_buyer_pays_vat_at_checkout_and_duty_at_the_door_above_eur_150() -> None:
    c = regimes()
    small = cost_of(c, CN, DE, DDU, np.array([150.0]))
    large = cost_of(c, CN, DE, DDU, np.array([200.0]))
    assert small.duty == pytest.approx([0.0])  # USD 150 = EUR 135 <= EUR 150
    assert large.duty == pytest.approx([0.04 * 200])  # USD 200 = EUR 180
    assert large.at_checkout == pytest.approx([0.19 * (200 + 5 + 8)])  # IOSS: VAT at checkout
    assert large.at_door == pytest.approx([8.0 + 7.0])  # the duty and the carrier's fee


def test_duties_paid_puts_duty_and_vat_in_the_price_and_nothing_at_the_door() -> None:
    cost = cost_of(regimes(), DE, CN, DDP, np.array([50.0]))
    assert cost.duty == pytest.approx([5.0])  # CN has no de minimis: 10% of 50
    assert cost.in_price == pytest.approx([5.0 + 0.13 * 60])
    assert cost.at_checkout == pytest.approx([0.0]) and cost.at_door == pytest.approx([0.0])
    unpaid = cost_of(regimes(), DE, CN, DDU, np.array([50.0]))
    assert unpaid.at_door == pytest.approx([5.0 + 0.13 * 60 + 3.0])  # all at the door in CN


def test_domestic_sales_pay_vat_as_listed_and_no_duty_or_conversion() -> None:
    c = regimes()
    german = cost_of(c, DE, DE, DOMESTIC, np.array([50.0]))
    assert german.in_price == pytest.approx([0.19 * 55]) and german.duty == pytest.approx([0.0])
    assert german.conversion == pytest.approx([0.0])
    american = cost_of(c, US, US, DOMESTIC, np.array([50.0]))
    assert american.at_checkout == pytest.approx([0.07 * 55])  # sales tax added at checkout


def test_a_local_warehouse_pays_duty_without_de_minimis_and_prices_it_in() -> None:
    cost = cost_of(regimes(), CN, US, WAREHOUSE, np.array([100.0]))
    assert cost.duty == pytest.approx([5.0])  # bulk imports pay, whatever a parcel's value
    assert cost.in_price == pytest.approx([5.0])  # the seller prices the duty in
    assert cost.at_checkout == pytest.approx([0.07 * 110])  # US sales tax, as for US sellers


def test_terms_follow_the_route_and_the_sellers_choices() -> None:
    terms = delivery_terms(
        np.array([US, CN, CN, CN]),
        np.array([US, US, US, US]),
        np.array([True, True, False, True]),
        np.array([True, False, False, True]),
    )
    assert terms.tolist() == [DOMESTIC, DDP, DDU, WAREHOUSE]


def test_the_platform_collecting_vat_at_checkout_moves_it_off_the_door() -> None:
    shock = ShockConfig(day=0, kind="vat_at_checkout", target="CN", size=0.0)
    cost = cost_of(regimes([shock]), DE, CN, DDU, np.array([50.0]))
    assert cost.at_checkout == pytest.approx([0.13 * 60])
    assert cost.at_door == pytest.approx([5.0 + 3.0])  # the duty, with the carrier's fee
