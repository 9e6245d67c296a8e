"""Tests of sim.metrics on small hand-made logs; expected numbers worked out beside each assert."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis import metrics as m
from sim.analysis.metrics import EVENT_COLUMNS, ORDER_COLUMNS, summarize
from sim.config.vocabulary import ABANDONMENT_REASONS

ORDER_DEFAULTS: dict[str, Any] = {
    "service_cost": 0.0,
    "day": 0,
    "buyer": 1,
    "seller": 100,
    "price": 10.0,
    "shipping_fee": 2.0,
    "duty": 1.0,
    "vat": 0.0,
    "amount": 13.0,
    "terms": "ddu",
    "refused": False,
    "discount": 0.0,
    "promotion": "none",
    "channel": "none",
    "segment": "none",
    "contact_tool": "none",
    "group": "strategy",
    "holdout": False,
    "expected_quality": 0.5,
    "belief_sd": 0.1,
    "true_quality": 0.5,
    "match": 0.5,
    "delivery_day": 5,
    "rating": math.nan,
    "tie": 0.0,
    "delivered": True,
    "satisfaction": 0.8,
    "returned": False,
    "seller_net": 3.0,
}

EVENT_DEFAULTS: dict[str, Any] = {
    "day": 0,
    "kind": "session",
    "trader": 1,
    "other": -1,
    "detail": "",
    "tool": "none",
    "segment": "none",
    "outcome": "",
    "value": 0.0,
}

REASONS = list(ABANDONMENT_REASONS)


def orders(*rows: dict[str, Any]) -> pd.DataFrame:
    """An order log with the given rows; unspecified columns take ORDER_DEFAULTS."""
    full = [{**ORDER_DEFAULTS, "order_id": i, **row} for i, row in enumerate(rows)]
    return pd.DataFrame(full, columns=list(ORDER_COLUMNS)).astype(ORDER_COLUMNS)


def events(*rows: dict[str, Any]) -> pd.DataFrame:
    """An event log with the given rows; unspecified columns take EVENT_DEFAULTS."""
    full = [{**EVENT_DEFAULTS, **row} for row in rows]
    return pd.DataFrame(full, columns=list(EVENT_COLUMNS)).astype(EVENT_COLUMNS)


def as_categorical(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame with string columns as Categorical, with an extra unused category each."""
    out = frame.copy()
    for col in columns:
        out[col] = out[col].astype("category").cat.add_categories(["__unused__"])
    return out


def summary(o: pd.DataFrame | None = None, e: pd.DataFrame | None = None, **kw: Any) -> dict:
    """summarize() over a default window [0, 100) and 10 traders."""
    args = {"window_start": 0, "window_end": 100, "n_traders": 10, **kw}
    return summarize(orders() if o is None else o, events() if e is None else e, **args)


def session(day: int = 0, buyer: int = 1) -> dict[str, Any]:
    return {"day": day, "kind": "session", "trader": buyer}


def contact(channel: str, tool: str = "none", cost: float = 1.0, day: int = 0) -> dict[str, Any]:
    return {"day": day, "kind": "contact", "detail": channel, "tool": tool, "value": cost}


def abandon(reason: str, day: int = 0) -> dict[str, Any]:
    return {"day": day, "kind": "abandonment", "detail": reason, "other": 100}


def flip(trader: int, to: str, ties: float = 0.0, day: int = 0) -> dict[str, Any]:
    return {"day": day, "kind": "flip", "trader": trader, "detail": to, "value": ties}


# --- window ------------------------------------------------------------------------------------


def test_window_is_start_inclusive_end_exclusive() -> None:
    o = orders({"day": 9}, {"day": 10}, {"day": 19}, {"day": 20})
    s = summary(o, window_start=10, window_end=20)
    assert s["orders"] == 2  # days 10 and 19; 9 is before, 20 is the (excluded) end
    assert s["gmv"] == 26.0  # 2 x 13


def test_window_filters_events_at_both_ends() -> None:
    e = events(session(9), session(10), session(19), session(20), contact("email", day=20))
    s = summary(orders({"day": 10}), e, window_start=10, window_end=20)
    assert s["sessions"] == 2  # days 10 and 19
    assert s["contacts"] == 0  # the contact on day 20 is outside
    assert s["visit_conversion"] == 0.5  # 1 order / 2 sessions


def test_in_window_keeps_extra_columns() -> None:
    o = orders({"day": 3}).assign(extra="x")
    assert list(m.in_window(o, 0, 5)["extra"]) == ["x"]


def test_bad_window_is_rejected() -> None:
    with pytest.raises(ValueError):
        summary(window_start=5, window_end=5)


# --- conversion --------------------------------------------------------------------------------


def test_visit_conversion() -> None:
    e = events(session(0, 1), session(0, 2), session(1, 3), session(2, 1), abandon("extra_costs"))
    o = orders({"buyer": 1}, {"buyer": 3})
    assert m.visit_conversion(o, e) == 0.5  # 2 orders / 4 sessions (abandonment not a session)


def test_contact_conversion_counts_only_attributed_orders() -> None:
    o = orders({"channel": "email"}, {"channel": "none"}, {"channel": "chat"})
    e = events(contact("email"), contact("email"), contact("chat"), contact("sms"), session())
    assert m.contact_conversion(o, e) == 0.5  # 2 attributed orders / 4 contacts


def test_contact_conversion_by_channel() -> None:
    o = orders({"channel": "email"}, {"channel": "none"}, {"channel": "chat"}, {"channel": "ad"})
    e = events(contact("email"), contact("email"), contact("chat"), contact("sms"))
    # email 1/2, chat 1/1, sms 0/1; 'ad' had no contact so it is left out; 'none' never a key
    assert m.contact_conversion_by_channel(o, e) == {"email": 0.5, "chat": 1.0, "sms": 0.0}


def test_contact_conversion_by_tool() -> None:
    o = orders(
        {"channel": "email", "contact_tool": "coupon", "promotion": "coupon"},
        {"channel": "none", "promotion": "coupon"},  # not attributed: ignored
        {"channel": "chat", "contact_tool": "none"},
    )
    e = events(
        contact("email", "coupon"),
        contact("email", "coupon"),
        contact("chat", "none"),
        contact("chat", "trial"),
    )
    # coupon 1/2, none 1/1, trial 0/1
    assert m.contact_conversion_by_tool(o, e) == {"coupon": 0.5, "none": 1.0, "trial": 0.0}


def test_contact_conversion_by_tool_goes_by_the_contact_not_the_checkout() -> None:
    # a coupon contact's buyer came back by search and paid full price (promotion 'none'): the
    # order is the coupon contact's, as it is its channel's
    o = orders({"channel": "email", "contact_tool": "coupon", "promotion": "none"})
    e = events(contact("email", "coupon"), contact("email", "coupon"))
    # overall 1 attributed order / 2 contacts; by channel email 1/2; by tool coupon 1/2 too
    assert m.contact_conversion(o, e) == 0.5
    assert m.contact_conversion_by_channel(o, e) == {"email": 0.5}
    assert m.contact_conversion_by_tool(o, e) == {"coupon": 0.5}


def test_contact_conversion_categorical() -> None:
    o = as_categorical(
        orders({"channel": "email", "contact_tool": "coupon"}), ["channel", "contact_tool"]
    )
    e = as_categorical(
        events(contact("email", "coupon"), contact("chat"), session()), ["kind", "detail", "tool"]
    )
    assert m.contact_conversion(o, e) == 0.5  # 1 attributed order / 2 contacts
    # chat 0/1, email 1/1; the unused category does not appear
    assert m.contact_conversion_by_channel(o, e) == {"email": 1.0, "chat": 0.0}
    assert m.contact_conversion_by_tool(o, e) == {"coupon": 1.0, "none": 0.0}


# --- carts -------------------------------------------------------------------------------------


def test_cart_abandonment() -> None:
    o = orders({}, {}, {})
    e = events(abandon("extra_costs"), session())
    assert m.cart_abandonment(o, e) == 0.25  # 1 unpaid / (3 paid + 1 unpaid)


def test_abandonment_by_reason() -> None:
    e = events(
        abandon("extra_costs"), abandon("extra_costs"), abandon("trust"), abandon("delivery_time")
    )
    # extra costs 2/4, trust 1/4, delivery 1/4; reasons that never occur are not listed
    assert m.abandonment_by_reason(e) == {
        "extra_costs": 0.5,
        "trust": 0.25,
        "delivery_time": 0.25,
    }


def cited(reason: str) -> dict:
    return {"day": 0, "kind": "abandonment_reason", "detail": reason, "other": 100}


def test_reasons_cited_count_every_reason_that_struck_a_cart_as_a_survey_does() -> None:
    # two abandoned carts: the first struck by extra costs and trust, the second by extra costs
    e = events(
        abandon("extra_costs"),
        cited("extra_costs"),
        cited("trust"),
        abandon("extra_costs"),
        cited("extra_costs"),
        session(),
    )
    assert m.abandonment_reasons_cited(e) == {"extra_costs": 1.0, "trust": 0.5}  # sums to 1.5
    assert m.abandonment_reasons_cited(events(session())) == {}


def test_cross_border_share_and_refusals_of_duties_unpaid_parcels() -> None:
    o = orders(
        {"terms": "domestic"},
        {"terms": "ddu", "refused": True},
        {"terms": "ddu"},
        {"terms": "ddp"},
        {"terms": "warehouse"},
        {"terms": "ddu", "delivered": False},
    )
    assert m.cross_border_share(o) == pytest.approx(5 / 6)  # all but the domestic order
    assert m.refusal_rate(o) == pytest.approx(1 / 2)  # 1 of the 2 delivered DDU parcels
    assert m.refusal_rate(orders({"terms": "ddp"})) is None


def test_abandonment_by_reason_categorical_drops_unused_reasons() -> None:
    e = events(abandon("trust"), session())
    e["kind"] = pd.Categorical(e["kind"], categories=["session", "abandonment", "flip", "contact"])
    e["detail"] = pd.Categorical(e["detail"], categories=[*REASONS, ""])
    assert m.abandonment_by_reason(e) == {"trust": 1.0}  # only the reason that occurs


# --- loyalty -----------------------------------------------------------------------------------


def test_repeat_rate() -> None:
    o = orders({"buyer": 1}, {"buyer": 1}, {"buyer": 2}, {"buyer": 3}, {"buyer": 3})
    assert m.repeat_rate(o) == pytest.approx(2 / 3)  # buyers 1,2,3 ordered; 1 and 3 twice -> 2/3


def test_seller_repeat_rate() -> None:
    o = orders(
        {"buyer": 1, "seller": 10},
        {"buyer": 1, "seller": 10},
        {"buyer": 1, "seller": 11},
        {"buyer": 2, "seller": 10},
    )
    # pairs (1,10) x2, (1,11) x1, (2,10) x1 -> 1/3
    assert m.seller_repeat_rate(o) == pytest.approx(1 / 3)


def test_retention_boundary_90_counts_91_does_not() -> None:
    o = orders(
        {"buyer": 1, "day": 0},
        {"buyer": 1, "day": 90},  # exactly 90 days later: retained
        {"buyer": 2, "day": 0},
        {"buyer": 2, "day": 91},  # 91 days later: too late
    )
    assert m.retention_90d(o, window_end=200) == 0.5  # both eligible (0 <= 109); only 1 -> 1/2


def test_retention_same_day_second_order_does_not_count() -> None:
    o = orders({"buyer": 1, "day": 5}, {"buyer": 1, "day": 5}, {"buyer": 2, "day": 5})
    assert m.retention_90d(o, window_end=100) == 0.0  # eligible 1,2 (5 <= 9); none on a later day


def test_retention_eligibility_cutoff() -> None:
    o = orders(
        {"buyer": 1, "day": 9},
        {"buyer": 1, "day": 20},
        {"buyer": 4, "day": 10},  # first day 10: follow-up ends on day 100, outside [0, 100)
        {"buyer": 2, "day": 11},
        {"buyer": 2, "day": 30},  # buyer 2 first ordered on day 11: not eligible
        {"buyer": 3, "day": 9},  # eligible, never again
    )
    # eligible: first day + 90 <= 99, i.e. first day <= 9 -> buyers 1 and 3; 1 -> 1/2
    assert m.retention_90d(o, window_end=100) == 0.5


@given(
    days=st.lists(st.integers(-3, 30), max_size=40),
    in_order=st.booleans(),
    window=st.tuples(st.integers(-5, 35), st.integers(-5, 35)),
)
def test_in_window_keeps_the_rows_of_the_window_in_order_whether_or_not_days_are_sorted(
    days: list[int], in_order: bool, window: tuple[int, int]
) -> None:
    days = sorted(days) if in_order else days
    frame = pd.DataFrame({"day": days, "row": range(len(days))}, index=range(7, 7 + len(days)))
    start, end = window
    expected = frame[(frame["day"] >= start) & (frame["day"] < end)]
    pd.testing.assert_frame_equal(m.in_window(frame, start, end), expected)


def test_retention_uses_first_order_in_window() -> None:
    o = orders({"buyer": 1, "day": 5}, {"buyer": 1, "day": 50}, {"buyer": 1, "day": 60})
    # in [40, 141) buyer 1's first order is day 50 (<= 140 - 90): retained by day 60 -> 1/1
    assert summary(o, window_start=40, window_end=141)["retention_90d"] == 1.0
    # in [55, 145) the first is day 60 (<= 55? no): nobody eligible -> None
    assert summary(o, window_start=55, window_end=145)["retention_90d"] is None


def test_share_of_wallet() -> None:
    o = orders(
        {"buyer": 1, "seller": 10},
        {"buyer": 1, "seller": 10},
        {"buyer": 1, "seller": 11},
        {"buyer": 2, "seller": 10},
        {"buyer": 2, "seller": 11},
        {"buyer": 3, "seller": 12},  # one order: left out
    )
    assert m.share_of_wallet(o) == pytest.approx((2 / 3 + 1 / 2) / 2)  # buyer 1: 2/3, 2: 1/2


def test_churn_rate_halves() -> None:
    # window [0, 11): mid = 0 + 11 // 2 = 5; first half [0, 5), second [5, 11)
    o = orders(
        {"buyer": 1, "day": 4},
        {"buyer": 1, "day": 5},  # day 5 is the second half: 1 stays
        {"buyer": 2, "day": 0},  # 2 churns
        {"buyer": 3, "day": 10},  # only second half: not counted
        {"buyer": 4, "day": 3},
        {"buyer": 4, "day": 11},  # day 11 is outside the window: 4 churns
    )
    assert m.churn_rate(o, 0, 11) == pytest.approx(2 / 3)  # first half 1,2,4; 2 and 4 gone
    assert summary(o, window_start=0, window_end=11)["churn_rate"] == pytest.approx(2 / 3)


def test_churn_rate_no_first_half_activity_is_none() -> None:
    assert m.churn_rate(orders({"day": 7}), 0, 10) is None  # nobody in [0, 5)


def test_mean_tie() -> None:
    o = orders({"tie": 0.0}, {"tie": 0.5}, {"tie": 1.0})
    assert m.mean_tie(o) == 0.5  # (0 + 0.5 + 1) / 3


# --- service -----------------------------------------------------------------------------------


def test_mean_satisfaction_over_delivered_only() -> None:
    o = orders(
        {"satisfaction": 0.2},
        {"satisfaction": 0.6},
        {"delivered": False, "satisfaction": math.nan},
    )
    assert m.mean_satisfaction(o) == pytest.approx(0.4)  # (0.2 + 0.6) / 2


def test_return_rate() -> None:
    o = orders(
        {"returned": True},
        {},
        {},
        {},
        {"delivered": False, "satisfaction": math.nan},
    )
    assert m.return_rate(o) == 0.25  # 1 returned / 4 delivered


def test_no_delivery_gives_none() -> None:
    o = orders({"delivered": False, "satisfaction": math.nan})
    assert m.mean_satisfaction(o) is None  # no delivered order
    assert m.return_rate(o) is None  # 0 / 0


def test_belief_error() -> None:
    o = orders(
        {"expected_quality": 0.9, "true_quality": 0.5},
        {"expected_quality": 0.3, "true_quality": 0.5},
    )
    assert m.belief_error(o) == pytest.approx(0.3)  # (0.4 + 0.2) / 2


def test_belief_sd_is_the_mean_spread_of_beliefs_at_purchase() -> None:
    o = orders({"belief_sd": 0.05}, {"belief_sd": 0.25}, {"belief_sd": float("nan")})
    assert m.belief_sd(o) == pytest.approx(0.15)  # (0.05 + 0.25) / 2; a missing one is left out
    assert m.belief_sd(orders()) is None


def test_new_seller_order_share() -> None:
    o = orders(
        {"day": 0, "seller": 100, "delivery_day": 3, "rating": 4.0},  # seller 100's first review
        {"day": 3, "seller": 100, "delivery_day": 8},  # paid before that day's review: new
        {"day": 4, "seller": 100, "delivery_day": 9},  # reviewed by now
        {"day": 10, "seller": 200, "delivery_day": 12},  # never reviewed
        {"day": 2, "seller": 300, "delivery_day": 6},  # no review
    )
    # window [2, 20): days 3, 4, 10 and 2; new sellers on days 3, 10 and 2 -> 3 / 4, the review
    # of day 3 from an order before the window counting
    assert m.new_seller_order_share(o, 2, 20) == 0.75
    # window [0, 20): the day-0 order is a new seller's too -> 4 / 5
    assert m.new_seller_order_share(o, 0, 20) == 0.8
    assert m.new_seller_order_share(o, 30, 40) is None  # no orders


def test_reactivated_customers() -> None:
    o = orders(
        {"day": 2, "buyer": 1, "seller": 100},  # a customer of seller 100 ...
        {"day": 12, "buyer": 1, "seller": 100},  # ... again after its flip out and back
        {"day": 10, "buyer": 2, "seller": 100},  # first order after the flip back: new
        {"day": 12, "buyer": 2, "seller": 100},
        {"day": 1, "buyer": 3, "seller": 200},  # seller 200 never flipped
        {"day": 15, "buyer": 3, "seller": 200},
    )
    e = events(flip(100, "to_buyer", day=5), flip(100, "to_seller", day=8))
    assert m.reactivated_customers(o, e, 10, 20) == 1  # buyer 1 with seller 100
    assert m.reactivated_customers(o, e, 0, 11) == 0  # buyer 1's return is after the window
    assert m.reactivated_customers(o, events(), 10, 20) == 0  # no flips, nobody reactivated


def test_mean_match() -> None:
    o = orders({"match": 0.2}, {"match": 0.4}, {"match": 0.9})
    assert m.mean_match(o) == pytest.approx(0.5)  # (0.2 + 0.4 + 0.9) / 3


# --- money -------------------------------------------------------------------------------------


def test_gmv_cost_profit() -> None:
    o = orders({"amount": 13.0, "seller_net": 3.0}, {"amount": 7.0, "seller_net": -1.0})
    e = events(
        contact("email", cost=0.5), contact("chat", cost=1.0), session(), flip(1, "to_buyer")
    )
    s = summary(o, e)
    assert s["gmv"] == 20.0  # 13 + 7
    assert s["marketing_cost"] == 1.5  # 0.5 + 1.0; no coupon was redeemed
    assert s["seller_profit"] == 0.5  # (3 - 1) - 1.5


def test_roi() -> None:
    assert m.roi(10.0, 4.0, 2.0) == 3.0  # (10 - 4) / 2
    assert m.roi(1.0, 4.0, 2.0) == -1.5  # (1 - 4) / 2
    assert m.roi(10.0, 4.0, 0.0) is None  # no marketing


def test_summary_roi_needs_baseline() -> None:
    o = orders({"seller_net": 5.0})
    e = events(contact("email", cost=1.0))
    assert summary(o, e)["roi"] is None  # no baseline given
    assert summary(o, e, baseline_profit=2.0)["roi"] == 2.0  # profit 5 - 1 = 4; (4 - 2) / 1


# --- roles -------------------------------------------------------------------------------------


def test_flips_per_1k_trader_days() -> None:
    e = events(
        flip(1, "to_seller", day=10), flip(2, "to_buyer", day=15), flip(3, "to_buyer", day=20)
    )
    s = summary(None, e, window_start=10, window_end=20, n_traders=50)
    assert s["flips_per_1k_trader_days"] == 4.0  # 2 flips / (50 x 10 days) x 1000


def test_flips_per_1k_without_traders_is_none() -> None:
    assert m.flips_per_1k_trader_days(events(), n_traders=0, window_days=10) is None


def test_ties_broken_by_flips() -> None:
    e = events(
        flip(1, "to_buyer", ties=3, day=10),
        flip(2, "to_seller", ties=5, day=10),  # reactivated, not broken
        flip(3, "to_buyer", ties=2, day=19),
        flip(4, "to_buyer", ties=7, day=20),  # outside [10, 20)
        contact("email", cost=4.0, day=12),
    )
    s = summary(None, e, window_start=10, window_end=20)
    assert s["ties_broken_by_flips"] == 5.0  # 3 + 2


def test_dual_role_share_reads_warmup_but_not_after_window() -> None:
    e = events(
        flip(1, "to_seller", day=2),  # warm-up, before the window: counts
        flip(1, "to_buyer", day=15),  # same trader again: counted once
        flip(2, "to_buyer", day=19),
        flip(3, "to_seller", day=20),  # at window_end: excluded
    )
    s = summary(None, e, window_start=10, window_end=20, n_traders=4)
    assert s["dual_role_share"] == 0.5  # traders 1, 2 / 4
    assert m.dual_role_share(e, n_traders=4, window_end=20) == 0.5


# --- summary -----------------------------------------------------------------------------------


RATIO_KEYS = [*m.SHARE_METRICS, "contact_conversion", "new_seller_order_share"]
DICT_KEYS = [
    "contact_conversion_by_channel",
    "contact_conversion_by_tool",
    "abandonment_by_reason",
    "abandonment_reasons_cited",
]


def test_empty_logs() -> None:
    s = summary()
    for key in RATIO_KEYS:
        if key != "dual_role_share":  # that one is 0 flipped / 10 traders, not undefined
            assert s[key] is None, key
    assert s["roi"] is None
    for key in ["gmv", "marketing_cost", "seller_profit", "ties_broken_by_flips"]:
        assert s[key] == 0.0 and isinstance(s[key], float), key
    for key in DICT_KEYS:
        assert s[key] == {}, key
    assert (s["orders"], s["sessions"], s["contacts"], s["buyers_with_orders"]) == (0, 0, 0, 0)
    assert s["dual_role_share"] == 0.0  # no flips among 10 traders
    assert s["flips_per_1k_trader_days"] == 0.0
    json.dumps(s, allow_nan=False)


def test_empty_window_of_nonempty_logs() -> None:
    s = summary(orders({"day": 500}), events(session(500)))
    assert s["orders"] == 0 and s["visit_conversion"] is None  # everything is after [0, 100)


def test_summary_counts_and_python_types() -> None:
    o = orders({"buyer": 1}, {"buyer": 1}, {"buyer": 2})
    e = events(session(), session(), session(), session(), contact("email"))
    s = summary(o, e)
    assert (s["orders"], s["sessions"], s["contacts"], s["buyers_with_orders"]) == (3, 4, 1, 2)
    for key, value in s.items():
        assert value is None or type(value) in (float, int, dict), key
    json.dumps(s, allow_nan=False)


# --- property ----------------------------------------------------------------------------------

CHANNELS = ["email", "chat", "ad"]
TOOLS = ["none", "coupon", "sample", "trial"]
N_TRADERS = 8

order_rows = st.fixed_dictionaries(
    {
        "day": st.integers(0, 40),
        "buyer": st.integers(0, N_TRADERS - 1),
        "seller": st.integers(0, N_TRADERS - 1),
        "promotion": st.sampled_from(TOOLS),
        "channel": st.sampled_from(["none", *CHANNELS]),
        "contact_tool": st.sampled_from(TOOLS),
        "delivery_day": st.integers(-1, 45),
        "rating": st.one_of(st.just(math.nan), st.floats(1, 5)),
        "expected_quality": st.floats(0, 1),
        "true_quality": st.floats(0, 1),
        "tie": st.floats(0, 1),
        "delivered": st.booleans(),
        "satisfaction": st.floats(0, 1),
        "returned": st.booleans(),
        "seller_net": st.floats(-50, 50),
    }
)
extra_events = st.one_of(
    st.builds(session, st.integers(0, 40), st.integers(0, N_TRADERS - 1)),
    st.builds(
        contact,
        st.sampled_from(CHANNELS),
        st.sampled_from(TOOLS),
        st.floats(0, 5),
        day=st.integers(0, 40),
    ),
    st.builds(abandon, st.sampled_from(REASONS), st.integers(0, 40)),
    st.builds(
        flip,
        st.integers(0, N_TRADERS - 1),
        st.sampled_from(["to_seller", "to_buyer"]),
        st.floats(0, 10),
        st.integers(0, 40),
    ),
)


def consistent_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A session for every order, and a matching contact for every attributed order, same day."""
    out = [session(r["day"], r["buyer"]) for r in rows]
    out += [
        contact(r["channel"], r["contact_tool"], day=r["day"])
        for r in rows
        if r["channel"] != "none"
    ]
    return out


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(order_rows, max_size=12),
    extra=st.lists(extra_events, max_size=12),
    start=st.integers(0, 30),
    length=st.integers(1, 40),
    categorical=st.booleans(),
)
def test_ratios_in_unit_interval(
    rows: list[dict[str, Any]],
    extra: list[dict[str, Any]],
    start: int,
    length: int,
    categorical: bool,
) -> None:
    rows = [
        r if r["delivered"] else {**r, "satisfaction": math.nan, "returned": False} for r in rows
    ]
    o, e = orders(*rows), events(*consistent_events(rows), *extra)
    if categorical:
        o = as_categorical(o, ["promotion", "channel", "contact_tool"])
        e = as_categorical(e, ["kind", "detail", "tool"])
    s = summarize(o, e, window_start=start, window_end=start + length, n_traders=N_TRADERS)
    for key in RATIO_KEYS:
        assert s[key] is None or 0.0 <= s[key] <= 1.0, (key, s[key])
    for key in DICT_KEYS:
        assert all(0.0 <= v <= 1.0 for v in s[key].values()), (key, s[key])
    shares = s["abandonment_by_reason"]
    assert shares == {} or sum(shares.values()) == pytest.approx(1.0)
    json.dumps(s, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(order_rows, max_size=12), extra=st.lists(extra_events, max_size=12))
def test_channels_and_tools_share_out_the_attributed_orders(
    rows: list[dict[str, Any]], extra: list[dict[str, Any]]
) -> None:
    # every attributed order has its contact, so conversion x contacts, added over the channels
    # or over the tools, gives back the attributed orders
    o, e = orders(*rows), events(*consistent_events(rows), *extra)
    contacts = e[e["kind"] == "contact"]
    attributed = sum(r["channel"] != "none" for r in rows)
    by_channel = m.contact_conversion_by_channel(o, e)
    by_tool = m.contact_conversion_by_tool(o, e)
    sent = contacts["detail"].value_counts()
    assert sum(rate * sent[k] for k, rate in by_channel.items()) == pytest.approx(attributed)
    sent = contacts["tool"].value_counts()
    assert sum(rate * sent[k] for k, rate in by_tool.items()) == pytest.approx(attributed)


# --- marketing ---------------------------------------------------------------------------------


def test_coupon_cost_is_booked_only_when_redeemed() -> None:
    o = orders(
        {"promotion": "coupon", "channel": "edm", "discount": 1.5, "seller_net": 2.0},
        {"promotion": "none", "seller_net": 3.0},
    )
    e = events(contact("edm", tool="coupon", cost=0.1), contact("edm", tool="coupon", cost=0.1))
    s = summary(o, e)
    assert s["redemptions"] == 1  # one coupon order of two coupon contacts
    assert s["marketing_cost"] == pytest.approx(1.7)  # contacts 0.1 + 0.1, redeemed 1.5
    # the discount already lowered seller_net; only contacts come off: 2 + 3 - 0.2
    assert s["seller_profit"] == pytest.approx(4.8)


def test_conversion_by_segment_and_unsubscribes() -> None:
    o = orders(
        {"channel": "edm", "segment": "loyal"},
        {"channel": "edm", "segment": "loyal"},
        {"channel": "none", "segment": "none"},
    )
    e = events(
        {**contact("edm"), "segment": "loyal", "outcome": "landed"},
        {**contact("edm"), "segment": "loyal", "outcome": "ignored"},
        {**contact("edm"), "segment": "loyal", "outcome": "ignored"},
        {**contact("edm"), "segment": "loyal", "outcome": "ignored"},
        {**contact("edm"), "segment": "new", "outcome": "unsubscribed"},
    )
    s = summary(o, e)
    # loyal: 2 attributed orders / 4 contacts; new: 0 / 1
    assert s["contact_conversion_by_segment"] == {"loyal": 0.5, "new": 0.0}
    assert s["unsubscribes"] == 1


def test_segmentation_accuracy_is_the_mean_refit_score_in_the_window() -> None:
    e = events(
        {"kind": "segmentation", "trader": -1, "value": 0.2, "day": 5},
        {"kind": "segmentation", "trader": -1, "value": 0.6, "day": 35},
        {"kind": "segmentation", "trader": -1, "value": 0.9, "day": 150},  # after the window
    )
    assert summary(e=e)["segmentation_accuracy"] == pytest.approx(0.4)  # (0.2 + 0.6) / 2
    assert summary()["segmentation_accuracy"] is None


def test_holdout_effect_scales_the_holdout_to_the_treated_customers() -> None:
    # window [10, 100): the customer book is every pair whose first order came before day 100
    o = orders(
        # treated customers (1,100), (2,100), (3,100): 3 + 2 + 1 = 6 orders, net 1 each
        *[{"buyer": 1, "seller_net": 1.0, "day": 20}] * 3,
        *[{"buyer": 2, "seller_net": 1.0, "day": 20}] * 2,
        {"buyer": 3, "seller_net": 1.0, "day": 20},
        # holdout customers (4,100): 1 order, net 1 ...
        {"buyer": 4, "seller_net": 1.0, "holdout": True, "day": 20},
        # ... and (5,100), a customer since day 5 who has not ordered in the window: it counts,
        # with 0 orders, as the held-out customers who did not come back
        {"buyer": 5, "seller_net": 1.0, "holdout": True, "day": 5},
        # (6,100) became a customer after the window: not in the book
        {"buyer": 6, "seller_net": 1.0, "holdout": True, "day": 100},
    )
    effect = m.holdout_effect(o, 10, 100, contact_cost=0.5)
    assert (effect["treated_customers"], effect["holdout_customers"]) == (3, 2)
    assert effect["incremental_orders"] == pytest.approx(4.5)  # 6 - 3/2 * 1
    assert effect["incremental_profit"] == pytest.approx(4.0)  # 6 - 1.5 * 1 - 0.5
    no_holdout = m.holdout_effect(o[~o["holdout"]], 10, 100, contact_cost=0.5)
    assert no_holdout["incremental_orders"] is None


def test_group_summaries_split_orders_and_contacts_by_seller_group() -> None:
    o = orders(
        {"seller": 100, "group": "rfm", "channel": "edm"},
        {"seller": 200, "group": "no_marketing"},
        {"seller": 200, "group": "no_marketing"},
    )
    e = events({**contact("edm"), "trader": 100}, {**contact("edm"), "trader": 100})
    groups = m.group_summaries(
        o,
        e,
        pd.Series({100: "rfm", 200: "no_marketing", 300: "no_marketing"}),
        window_start=0,
        window_end=100,
    )
    assert groups["rfm"]["orders"] == 1 and groups["rfm"]["contacts"] == 2
    assert groups["rfm"]["contact_conversion"] == 0.5  # 1 attributed order / 2 contacts
    assert groups["no_marketing"]["sellers"] == 2 and groups["no_marketing"]["orders"] == 2
    assert groups["no_marketing"]["contacts"] == 0
