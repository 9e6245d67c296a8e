"""Mechanisms do what the domain says, each checked against a paired run on the same seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.simulation.run import simulate
from sim.state.logs import events_frame
from tests.helpers import run_model, small_config

N, DAYS = 3000, 200


def summary(*overrides: str) -> dict:
    return simulate(small_config(*overrides, n_traders=N, days=DAYS)).summary


def flips(*overrides: str) -> pd.DataFrame:
    """Flip events with the flipping trader's country, in the 60 days after day 120."""
    model = run_model(small_config(*overrides, n_traders=N, days=180))
    events = events_frame(model.state.events)
    flips = events[(events["kind"] == "flip") & (events["day"] >= 120)].copy()
    flips["country"] = np.array(model.world.countries)[model.traders.country[flips["trader"]]]
    return flips


def test_currency_shock_makes_many_more_flips_in_the_direction_of_margins() -> None:
    quiet = flips("market=default")  # flips still happen: suppliers' costs wander
    shocked = flips("market=currency_shock")  # CNY depreciates 30% on day 120
    assert len(shocked) >= 2 * max(len(quiet), 1)
    # A weaker yuan makes Chinese goods cheaper abroad: Chinese traders start selling ...
    cn = shocked[shocked["country"] == "CN"]
    assert (cn["detail"] == "to_seller").sum() > 5 * max((cn["detail"] == "to_buyer").sum(), 1)
    # ... while China's buyers pay more for imports, so sellers elsewhere lose margin there.
    others = shocked[shocked["country"] != "CN"]
    assert (others["detail"] == "to_buyer").sum() > (others["detail"] == "to_seller").sum()


def test_free_shipping_raises_conversion_and_lowers_extra_cost_abandonment() -> None:
    paid = summary("service=default")
    free = summary("service=free_shipping")
    assert free["visit_conversion"] > paid["visit_conversion"]
    assert free["cart_abandonment"] < paid["cart_abandonment"]
    # fewer carts are left over extra costs: the shipping fee no longer surprises anyone
    assert (
        free["abandonment_reasons_cited"]["extra_costs"]
        < (paid["abandonment_reasons_cited"]["extra_costs"])
    )


def test_duties_paid_shows_the_whole_cost_so_no_parcel_is_refused() -> None:
    unpaid = summary("service=default")
    paid = summary("service=duties_paid")
    assert unpaid["refusal_rate"] > 0
    assert paid["refusal_rate"] is None  # no parcel ships duties unpaid, none owes at the door


def test_ending_the_us_de_minimis_makes_us_buyers_pay_duty_on_small_parcels() -> None:
    def us_imports(market: str) -> pd.DataFrame:
        o = simulate(small_config(f"market={market}", n_traders=N, days=DAYS)).orders
        late = o[(o["day"] >= 120) & (o["buyer_country"] == "US") & (o["terms"] != "domestic")]
        return late[late["price"] < 800]

    before, after = us_imports("default"), us_imports("de_minimis_end")
    assert before["duty"].sum() == 0.0  # under USD 800 every parcel entered duty-free
    assert (after["duty"] > 0).mean() > 0.5  # now nearly all pay (toys have no duty)


def test_identity_verification_lowers_belief_error() -> None:
    unverified = summary("platform=default")
    verified = summary("platform=verified")
    assert verified["belief_error"] < 0.85 * unverified["belief_error"]


def test_sellers_of_lower_true_quality_get_lower_ratings() -> None:
    orders = simulate(small_config(n_traders=N, days=DAYS)).orders
    rated = orders.dropna(subset=["rating"])
    low = rated[rated["true_quality"] < rated["true_quality"].quantile(1 / 3)]
    high = rated[rated["true_quality"] > rated["true_quality"].quantile(2 / 3)]
    assert len(low) > 100 and len(high) > 100
    assert low["rating"].mean() < high["rating"].mean() - 0.5
    assert np.corrcoef(rated["true_quality"], rated["rating"])[0, 1] > 0.3


@pytest.mark.parametrize(
    "lever", ["service=free_shipping", "service=easy_returns", "platform=verified"]
)
def test_a_lever_leaves_population_and_exchange_rates_unchanged(lever: str) -> None:
    config = small_config(n_traders=500, days=60)
    changed = small_config(lever, n_traders=500, days=60)
    a, b = run_model(config), run_model(changed)
    for field in (
        "country",
        "specialty",
        "buyer_type",
        "quality",
        "cost_efficiency",
        "preferences",
    ):
        np.testing.assert_array_equal(getattr(a.traders, field), getattr(b.traders, field))
    ta = a.datacollector.get_model_vars_dataframe()
    tb = b.datacollector.get_model_vars_dataframe()
    fx = [c for c in ta.columns if c.startswith("fx_")]
    pd.testing.assert_frame_equal(ta[fx], tb[fx])


def test_fast_replies_keep_more_inquiring_buyers_and_raise_conversion() -> None:
    def inquiries(lever: str) -> tuple[float, dict]:
        result = simulate(small_config(lever, n_traders=N, days=DAYS))
        asked = result.events[result.events["kind"] == "inquiry"]
        return (asked["detail"] == "lost").mean(), result.summary

    slow_lost, slow = inquiries("service=default")  # replies in about 12 hours
    fast_lost, fast = inquiries("service=fast_replies")  # about 2 hours
    assert fast_lost < 0.5 * slow_lost
    assert fast["visit_conversion"] > slow["visit_conversion"]


def test_bulk_buyers_concentrate_revenue_in_the_top_customers() -> None:
    from sim.analysis import facts

    shares = {}
    for dispersion in (0.0, 1.2):
        config = small_config(n_traders=1500, days=200)
        config.population.basket_dispersion = dispersion
        result = simulate(config)
        units = result.orders["units"]  # the log says how many each order took
        assert (units == 1.0).all() if dispersion == 0.0 else units.std() > 0.5
        table = facts.orders(result.orders, facts.SIMULATION)
        shares[dispersion] = facts.facts(table)["revenue_top_share"]["top_20pct"]
    assert shares[1.2] > shares[0.0] + 0.05


def test_basket_sizes_average_one_unit() -> None:
    from sim.simulation.model import MarketModel

    config = small_config(n_traders=40_000, days=2)
    config.population.basket_dispersion = 0.0
    assert (MarketModel(config).traders.basket == 1.0).all()  # one unit an order
    config.population.basket_dispersion = 1.0
    # lognormal exp(s z - s^2 / 2) has mean 1; over 40,000 traders the sample mean's sd is
    # sqrt(e - 1) / 200 = 0.0066, so within 3% it is
    assert MarketModel(config).traders.basket.mean() == pytest.approx(1.0, rel=0.03)


def test_platform_ux_lowers_drop_out_at_the_choice_stage_too() -> None:
    from sim.mechanisms.shopping import no_purchase_utility

    # the odds of leaving a session without buying scale with the drop-out the UX leaves,
    # relative to the default UX of 0.5: (1 - 0.6 x 0.9) / (1 - 0.6 x 0.5) = 0.46 / 0.70
    assert no_purchase_utility(-1.0, 0.5) == -1.0  # the calibrated value at the default
    assert np.exp(no_purchase_utility(-1.0, 0.9) + 1.0) == pytest.approx(0.46 / 0.70)
    assert no_purchase_utility(-1.0, 0.1) > -1.0  # a poor UX loses more shoppers

    def visit_conversion(service: str) -> float:
        config = small_config(f"service={service}", n_traders=600, days=120)
        return simulate(config).summary["visit_conversion"]

    assert visit_conversion("great_ux") > visit_conversion("default")
