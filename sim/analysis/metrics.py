"""Outcome metrics: pure functions over the order log and the event log of one run.

Every metric reads two pandas DataFrames, the order log (one row per PAID order, `ORDER_COLUMNS`)
and the event log (one row per event, `EVENT_COLUMNS`), and a measurement window of days
[window_start, window_end), end exclusive. `summarize` filters both logs to the window once and
passes the filtered frames to the per-metric functions, so those functions take frames that are
ALREADY windowed unless their docstring says otherwise (`churn_rate` and `retention_90d` need
the window bounds for their cut-offs; `dual_role_share`, `new_seller_order_share` and
`reactivated_customers` read the whole run before window_end).

Undefined ratios (x / 0) are None, never NaN, and every number is a plain Python float or int,
so the summary is JSON-serialisable. Ratios are not clipped: they stay in [0, 1] as long as the
logs are consistent (every paid order had a session, every attributed order had a contact).
No randomness, no Mesa, no run settings (only the code lists of `sim.config.vocabulary`): the
same logs always give the same numbers.
"""

from __future__ import annotations

from collections.abc import Hashable

import pandas as pd

from sim.config.vocabulary import NO_MARKETING

# Column name -> dtype of the two logs. Extra columns are allowed and ignored. The string columns
# may also arrive as pandas Categorical; every function here accepts both.
ORDER_COLUMNS: dict[str, str] = {
    "order_id": "int64",
    "day": "int32",  # payment day
    "buyer": "int32",
    "seller": "int32",
    "price": "float64",  # paid to the seller after any coupon, reference currency
    "shipping_fee": "float64",
    "duty": "float64",  # import duty due
    "vat": "float64",  # VAT or sales tax due
    "amount": "float64",  # what the buyer paid at checkout: goods, fee, taxes and fees
    "terms": "str",  # 'domestic', 'ddu', 'ddp' or 'warehouse' (vocabulary.DELIVERY_TERMS)
    "refused": "bool",  # a duties-unpaid parcel refused at the door
    "discount": "float64",
    "promotion": "str",  # offer bought through: 'none', 'coupon', 'sample', 'trial'
    "channel": "str",  # contact channel by last touch, or 'none'
    "segment": "str",  # segment of the attributed contact, or 'none'
    "contact_tool": "str",  # promotion tool of the attributed contact ('none' without one)
    "group": "str",  # the seller's strategy group ('no_marketing' or the strategy's name)
    "holdout": "bool",  # the buyer is in the seller's holdout (never contacted)
    "expected_quality": "float64",  # buyer's belief mean at purchase
    "belief_sd": "float64",  # standard deviation of that belief: how unsure the buyer was
    "true_quality": "float64",  # seller's hidden quality
    "match": "float64",  # cosine of the buyer's tastes and the product's tags
    "delivery_day": "int32",  # -1 until delivered
    "rating": "float64",  # the review the order got on its delivery day, NaN without one
    "tie": "float64",  # tie strength in [0, 1] at purchase
    "delivered": "bool",
    "satisfaction": "float64",  # in [0, 1]; NaN if not delivered
    "returned": "bool",
    "seller_net": "float64",  # seller's profit on the order before marketing; may be negative
    "service_cost": "float64",  # the service levers' cost against the standard service
}

EVENT_COLUMNS: dict[str, str] = {
    "day": "int32",
    "kind": "str",  # 'session', 'inquiry', 'abandonment', 'abandonment_reason', 'flip', ...
    "trader": "int32",  # buyer (session, abandonment), flipping trader, or seller (contact)
    "other": "int32",  # seller (abandonment), customer (contact), or -1
    "detail": "str",  # abandonment reason, 'to_seller'/'to_buyer', or contact channel
    "tool": "str",  # promotion tool of a contact, or 'none'
    "segment": "str",  # segment of the contacted customer, or 'none'
    "outcome": "str",  # contact: 'landed', 'ignored', 'unreached' or 'unsubscribed'
    "value": "float64",  # ties affected by a flip, cost of a contact, or a refit's accuracy
}

# The metrics of docs/model.md section 7.13 by name, and those of them that are shares in [0, 1].
# (contact_conversion is not among the shares: last-touch attribution may credit one contact
# with several orders.)
MODEL_METRICS = (
    "visit_conversion",
    "contact_conversion",
    "cart_abandonment",
    "repeat_rate",
    "seller_repeat_rate",
    "retention_90d",
    "share_of_wallet",
    "churn_rate",
    "mean_tie",
    "mean_satisfaction",
    "return_rate",
    "cross_border_share",
    "refusal_rate",
    "gmv",
    "marketing_cost",
    "service_cost",
    "lever_cost",
    "seller_profit",
    "roi",
    "flips_per_1k_trader_days",
    "ties_broken_by_flips",
    "dual_role_share",
    "belief_error",
)
SHARE_METRICS = tuple(
    name
    for name in MODEL_METRICS
    if name
    not in (
        "contact_conversion",
        "gmv",
        "marketing_cost",
        "service_cost",
        "lever_cost",
        "seller_profit",
        "roi",
        "flips_per_1k_trader_days",
        "ties_broken_by_flips",
    )
)

NO_CHANNEL = "none"
RETENTION_DAYS = 90

Ratio = float | None


# --- helpers ---------------------------------------------------------------------------------


def in_window(frame: pd.DataFrame, window_start: int, window_end: int) -> pd.DataFrame:
    """Rows whose `day` is in [window_start, window_end): start inclusive, end exclusive. A log
    in day order, as the simulator writes them, gives a slice, which copies nothing (a year of
    a million traders logs gigabytes); any other frame, the rows a mask keeps."""
    days = frame["day"]
    if days.is_monotonic_increasing:
        start, end = days.searchsorted([window_start, window_end])
        return frame.iloc[start:end]
    return frame[(days >= window_start) & (days < window_end)]


def _where(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """`frame[keep]`, without a copy when `keep` keeps every row (one strategy group)."""
    return frame if keep.all() else frame[keep]


def _count_of_kind(events: pd.DataFrame, kind: str) -> int:
    """How many events are of one kind, without copying them."""
    return int((events["kind"] == kind).sum())


def _ratio(numerator: float, denominator: float) -> Ratio:
    """numerator / denominator as a Python float, or None when the denominator is 0."""
    return None if denominator == 0 else float(numerator) / float(denominator)


def _mean(values: pd.Series) -> Ratio:
    """Mean of the non-missing values, or None when there are none."""
    values = values.dropna()
    return None if values.empty else float(values.mean())


def _flag(values: pd.Series) -> pd.Series:
    """A boolean column as plain bool, missing values counted as False."""
    return values.astype("boolean").fillna(False).astype(bool)


def _of_kind(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Events of one kind (works for str and Categorical `kind`)."""
    return events[events["kind"] == kind]


def _counts(values: pd.Series) -> dict[str, int]:
    """Occurrences of each value as {str: int}, without the empty categories of a Categorical."""
    counts = values.value_counts()
    return {str(key): int(n) for key, n in counts.items() if n > 0}


def _attributed(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders attributed to a marketing contact (channel != 'none')."""
    return orders[orders["channel"] != NO_CHANNEL]


def _orders_per(orders: pd.DataFrame, keys: list[Hashable]) -> pd.Series:
    """Number of orders per group of `keys`."""
    return orders.groupby(keys, observed=True).size()


# --- conversion ------------------------------------------------------------------------------


def visit_conversion(orders: pd.DataFrame, events: pd.DataFrame) -> Ratio:
    """Paid orders / shopping sessions ('session' events), both in the window."""
    return _ratio(len(orders), _count_of_kind(events, "session"))


def contact_conversion(orders: pd.DataFrame, events: pd.DataFrame) -> Ratio:
    """Orders attributed to a contact (channel != 'none') / 'contact' events, both in the window."""
    return _ratio(len(_attributed(orders)), len(_of_kind(events, "contact")))


def _conversion_by(orders: pd.Series, contacts: pd.Series) -> dict[str, float]:
    """For each key with >= 1 contact: orders with that key / contacts with that key."""
    order_counts = _counts(orders)
    return {key: order_counts.get(key, 0) / n for key, n in _counts(contacts).items()}


def contact_conversion_by_channel(orders: pd.DataFrame, events: pd.DataFrame) -> dict[str, float]:
    """Channel -> orders attributed to it / contacts sent by it, for channels with >= 1 contact.

    Orders attributed to a channel that sent no contact in the window are left out.
    """
    contacts = _of_kind(events, "contact")
    return _conversion_by(_attributed(orders)["channel"], contacts["detail"])


def contact_conversion_by_tool(orders: pd.DataFrame, events: pd.DataFrame) -> dict[str, float]:
    """Tool -> orders attributed to a contact with that tool / contacts with that tool (>= 1
    contact), by the attributed contact's tool (`contact_tool`) as channels go by its channel,
    so the tools share out the attributed orders. (An order's own `promotion` is the offer it
    was bought through, which a coupon contact's buyer may not use.) The key 'none' is contacts
    without a promotion tool.
    """
    contacts = _of_kind(events, "contact")
    return _conversion_by(_attributed(orders)["contact_tool"], contacts["tool"])


def contact_conversion_by_segment(orders: pd.DataFrame, events: pd.DataFrame) -> dict[str, float]:
    """Segment (or RFM tier) -> attributed orders from contacts of that segment / its contacts.

    An attributed order carries the segment of the contact it is attributed to (`segment`).
    """
    contacts = _of_kind(events, "contact")
    return _conversion_by(_attributed(orders)["segment"], contacts["segment"])


def contacts_by(events: pd.DataFrame, by: str) -> dict[str, int]:
    """Contacts sent per channel (`by="channel"`) or per segment of the contacted customer
    (`by="segment"`)."""
    return _counts(_of_kind(events, "contact")[_CONTACT_KEY[by]])


def marketing_cost_by(orders: pd.DataFrame, events: pd.DataFrame, by: str) -> dict[str, float]:
    """What marketing cost per channel or segment (`by`), for those with >= 1 contact: its
    contacts' cost (samples included) plus the coupon discounts of the orders attributed to
    them. (A redeemed coupon not attributed to a contact in the window belongs to none.)"""
    contacts = _of_kind(events, "contact")
    key = contacts[_CONTACT_KEY[by]].astype(str)
    sent = contacts["value"].groupby(key, observed=True).sum()
    attributed = _attributed(orders)
    discounts = attributed["discount"].groupby(attributed[by].astype(str), observed=True).sum()
    return {k: float(sent[k] + discounts.get(k, 0.0)) for k in _counts(contacts[_CONTACT_KEY[by]])}


_CONTACT_KEY = {"channel": "detail", "segment": "segment"}  # the contact event's column


def redemptions(orders: pd.DataFrame) -> int:
    """Coupons redeemed: paid orders with promotion 'coupon'."""
    return int((orders["promotion"] == "coupon").sum())


def unsubscribes(events: pd.DataFrame) -> int:
    """Contacts whose outcome was an unsubscribe."""
    return int((_of_kind(events, "contact")["outcome"] == "unsubscribed").sum())


def segmentation_accuracy(events: pd.DataFrame) -> Ratio:
    """Mean adjusted Rand index of the segmentation refits ('segmentation' events' `value`)
    against hidden buyer types; None without k-means refits. 0 is chance, 1 is perfect."""
    return _mean(_of_kind(events, "segmentation")["value"])


def holdout_effect(
    orders: pd.DataFrame, window_start: int, window_end: int, contact_cost: float
) -> dict[str, float | int | None]:
    """Incremental orders and profit of marketing against the holdout, per customer.

    `orders` are the WHOLE order log of marketing sellers (not windowed). Customers are the
    buyer-seller pairs whose first order came before the window's end: the seller's customer
    book, split at random (by a hash of the pair) into contacted-eligible (`holdout` False)
    and holdout pairs before marketing could touch them, as a first order is never a contact's
    doing. Each side's orders and profit in the window, those who did not order included, are
    compared per customer: the holdout's, scaled to the treated customers, are what those
    customers would have done without marketing. (Counting only customers who ordered in the
    window, as 0.4.0 did, conditions on the outcome and biases the estimate down whenever
    marketing brings back customers who would otherwise not have ordered.)
    """
    pairs = _customer_book(orders, window_start, window_end)
    treated, held = pairs[~pairs["holdout"]], pairs[pairs["holdout"]]
    result: dict[str, float | int | None] = {
        "treated_customers": len(treated),
        "holdout_customers": len(held),
        "incremental_orders": None,
        "incremental_profit": None,
    }
    if len(treated) and len(held):
        scale = len(treated) / len(held)
        result["incremental_orders"] = float(treated["orders"].sum() - scale * held["orders"].sum())
        result["incremental_profit"] = float(
            treated["net"].sum() - scale * held["net"].sum() - contact_cost
        )
    return result


CUSTOMER_STAGES = ("new", "active", "lapsed")


def incremental_orders_by_stage(
    orders: pd.DataFrame, window_start: int, window_end: int
) -> dict[str, float]:
    """Stage -> incremental orders against the holdout among the customers of that stage at
    the window's start: 'new' (first order in the window), 'active' (ordered within 90 days
    before it), 'lapsed' (earlier), for stages with both treated and holdout customers. The
    stage comes from the order log, so treated and held-out customers are staged alike
    (holdout customers are never contacted and so carry no strategy segment). `orders` as for
    `holdout_effect`."""
    pairs = _customer_book(orders, window_start, window_end)
    stage = pd.Series("lapsed", index=pairs.index)
    stage[pairs["last_before"] >= window_start - RETENTION_DAYS] = "active"
    stage[pairs["first"] >= window_start] = "new"
    result = {}
    for name in CUSTOMER_STAGES:
        mine = pairs[stage == name]
        treated, held = mine[~mine["holdout"]], mine[mine["holdout"]]
        if len(treated) and len(held):
            scale = len(treated) / len(held)
            result[name] = float(treated["orders"].sum() - scale * held["orders"].sum())
    return result


def _customer_book(orders: pd.DataFrame, window_start: int, window_end: int) -> pd.DataFrame:
    """Per buyer-seller pair whose first order came before window_end: `holdout`, its orders
    and seller_net in the window (0 if none), its first day and its last day before the
    window (NaN if none)."""
    known = orders[orders["day"] < window_end]
    keys = ["buyer", "seller"]
    book = known.groupby(keys, observed=True).agg(
        holdout=("holdout", "first"), first=("day", "min")
    )
    before = known[known["day"] < window_start].groupby(keys, observed=True)["day"].max()
    window = in_window(known, window_start, window_end)
    done = window.groupby(keys, observed=True).agg(
        orders=("day", "size"), net=("seller_net", "sum")
    )
    return (
        book.join(done, how="left")
        .fillna({"orders": 0, "net": 0.0})
        .assign(last_before=before.reindex(book.index))
    )


# --- carts -----------------------------------------------------------------------------------


def cart_abandonment(orders: pd.DataFrame, events: pd.DataFrame) -> Ratio:
    """Unpaid carts / carts, where carts = paid orders + 'abandonment' events, in the window."""
    abandoned = len(_of_kind(events, "abandonment"))
    return _ratio(abandoned, abandoned + len(orders))


def abandonment_by_reason(events: pd.DataFrame) -> dict[str, float]:
    """Reason -> share of 'abandonment' events whose main reason (`detail`, the one that
    struck hardest) it is; {} when none. Only reasons that occur are listed: they sum to 1."""
    counts = _counts(_of_kind(events, "abandonment")["detail"])
    total = sum(counts.values())
    return {reason: n / total for reason, n in counts.items()}


def abandonment_reasons_cited(events: pd.DataFrame) -> dict[str, float]:
    """Reason -> share of abandoned carts that the reason struck ('abandonment_reason'
    events / 'abandonment' events), as a survey counts every reason a respondent ticks: the
    shares may sum to more than 1. {} when no cart was abandoned."""
    carts = len(_of_kind(events, "abandonment"))
    if carts == 0:
        return {}
    counts = _counts(_of_kind(events, "abandonment_reason")["detail"])
    return {reason: n / carts for reason, n in counts.items()}


# --- crossing borders ------------------------------------------------------------------------


def cross_border_share(orders: pd.DataFrame) -> Ratio:
    """Orders from a seller in another country (terms other than 'domestic') / orders."""
    return _ratio(int((orders["terms"] != "domestic").sum()), len(orders))


def refusal_rate(orders: pd.DataFrame) -> Ratio:
    """Refused parcels / delivered duties-unpaid ('ddu') orders."""
    ddu = orders[(orders["terms"] == "ddu") & orders["delivered"]]
    return _ratio(int(ddu["refused"].sum()), len(ddu))


# --- loyalty ---------------------------------------------------------------------------------


def repeat_rate(orders: pd.DataFrame) -> Ratio:
    """Buyers with two or more paid orders / buyers with at least one."""
    per_buyer = _orders_per(orders, ["buyer"])
    return _ratio(int((per_buyer >= 2).sum()), len(per_buyer))


def seller_repeat_rate(orders: pd.DataFrame) -> Ratio:
    """Buyer-seller pairs with two or more orders / pairs with at least one."""
    per_pair = _orders_per(orders, ["buyer", "seller"])
    return _ratio(int((per_pair >= 2).sum()), len(per_pair))


def retention_90d(orders: pd.DataFrame, window_end: int) -> Ratio:
    """Share of buyers who order again on a later day within 90 days of their first order.

    `orders` is windowed, so "first order" is the buyer's first in the window. Only buyers whose
    whole 90-day follow-up lies inside the window count (first_day + 90 <= window_end - 1, the
    window's last day); a buyer is retained if some order has first_day < day <= first_day + 90
    (a second order on the first day does not count).
    """
    first_day = orders.groupby("buyer")["day"].transform("min")
    eligible = first_day + RETENTION_DAYS <= window_end - 1
    again = (orders["day"] > first_day) & (orders["day"] <= first_day + RETENTION_DAYS)
    per_buyer = again[eligible].groupby(orders.loc[eligible, "buyer"]).any()
    return _ratio(int(per_buyer.sum()), len(per_buyer))


def share_of_wallet(orders: pd.DataFrame) -> Ratio:
    """Mean, over buyers with two or more orders, of orders with their most used seller / orders."""
    per_pair = _orders_per(orders, ["buyer", "seller"])
    by_buyer = per_pair.groupby(level="buyer")
    total = by_buyer.sum()
    repeaters = total >= 2
    return _mean(by_buyer.max()[repeaters] / total[repeaters])


def churn_rate(orders: pd.DataFrame, window_start: int, window_end: int) -> Ratio:
    """Buyers active in the first half of the window but not the second / active in the first.

    mid = window_start + (window_end - window_start) // 2; halves are [window_start, mid) and
    [mid, window_end). `orders` may be windowed or not: only days in the halves are read.
    """
    mid = window_start + (window_end - window_start) // 2
    first = set(in_window(orders, window_start, mid)["buyer"])
    second = set(in_window(orders, mid, window_end)["buyer"])
    return _ratio(len(first - second), len(first))


def mean_tie(orders: pd.DataFrame) -> Ratio:
    """Mean tie strength between buyer and seller at purchase, over orders."""
    return _mean(orders["tie"])


# --- service ---------------------------------------------------------------------------------


def mean_satisfaction(orders: pd.DataFrame) -> Ratio:
    """Mean satisfaction over delivered orders (missing satisfaction values are skipped)."""
    return _mean(orders.loc[_flag(orders["delivered"]), "satisfaction"])


def return_rate(orders: pd.DataFrame) -> Ratio:
    """Returned delivered orders / delivered orders (an undelivered order cannot be returned)."""
    delivered = _flag(orders["delivered"])
    returned = _flag(orders["returned"]) & delivered
    return _ratio(int(returned.sum()), int(delivered.sum()))


def belief_error(orders: pd.DataFrame) -> Ratio:
    """Mean |expected_quality - true_quality| over orders: how wrong buyers were at purchase."""
    return _mean((orders["expected_quality"] - orders["true_quality"]).abs())


def belief_sd(orders: pd.DataFrame) -> Ratio:
    """Mean standard deviation of the buyer's belief about the seller's quality over orders:
    how unsure buyers were when they bought (a Beta belief's sd; 0.29 before any signal)."""
    return _mean(orders["belief_sd"])


def new_seller_order_share(orders: pd.DataFrame, window_start: int, window_end: int) -> Ratio:
    """Paid orders in the window whose seller had no review yet / paid orders in the window:
    how far buyers dare to try sellers they cannot judge (docs/model.md section 1.4's "share of
    orders from new sellers"; every seller starts without reviews, and one that flips back to
    selling keeps its old ones).

    Reads the WHOLE order log: reviews before the window count. A review counts from the day
    after its delivery day, as orders are paid before the day's deliveries.
    """
    reviewed = orders[orders["rating"].notna() & (orders["delivery_day"] >= 0)]
    first_review = reviewed.groupby("seller")["delivery_day"].min()
    o = in_window(orders, window_start, window_end)
    since = o["seller"].map(first_review)
    return _ratio(int((since.isna() | (since >= o["day"])).sum()), len(o))


def mean_match(orders: pd.DataFrame) -> Ratio:
    """Mean match of the bought product to the buyer's tastes over orders (docs/model.md section
    1.4's
    "match score of orders", which tag matching should raise)."""
    return _mean(orders["match"])


# --- money -----------------------------------------------------------------------------------


def gmv(orders: pd.DataFrame) -> float:
    """Gross merchandise value: sum of what buyers paid (`amount`), 0.0 for no orders."""
    return float(orders["amount"].sum())


def contact_cost(events: pd.DataFrame) -> float:
    """Sum of the cost (`value`) of 'contact' events (channels and samples), 0.0 for none."""
    return float(_of_kind(events, "contact")["value"].sum())


def marketing_cost(orders: pd.DataFrame, events: pd.DataFrame) -> float:
    """What marketing cost the sellers: contacts (with samples) plus coupon discounts, which
    are booked only when redeemed (the order's `discount`)."""
    return contact_cost(events) + float(orders["discount"].sum())


def service_cost(orders: pd.DataFrame) -> float:
    """What the service levers cost on the orders against the standard service
    (`service_cost`, sim/mechanisms/service_cost.py): fees for better service, shipping fees
    forgone, customs handling and return shipping beyond the standard's; 0.0 at the standard."""
    return float(orders["service_cost"].sum())


def lever_cost(orders: pd.DataFrame, events: pd.DataFrame) -> float:
    """What the sellers spend to win buyers: marketing plus service beyond the standard, the
    cost a policy's return is measured against."""
    return marketing_cost(orders, events) + service_cost(orders)


def seller_profit(orders: pd.DataFrame, events: pd.DataFrame) -> float:
    """Sum of `seller_net` over orders minus the cost of contacts (coupon discounts are
    already out of `seller_net`, as the price paid was lower)."""
    return float(orders["seller_net"].sum()) - contact_cost(events)


def roi(profit: float, baseline_profit: float, spend: float) -> Ratio:
    """Return on what a policy spends: (profit - baseline_profit) / spend, where spend is its
    lever cost (marketing and service beyond the standard) against a baseline that spends
    nothing on either; None for zero spend. `sim/analysis/paired.py` takes the spend beyond
    the paired baseline run's instead."""
    return _ratio(profit - baseline_profit, spend)


# --- roles -----------------------------------------------------------------------------------


def flips_per_1k_trader_days(events: pd.DataFrame, n_traders: int, window_days: int) -> Ratio:
    """'flip' events / (n_traders x window_days) x 1000; `events` windowed."""
    trader_days = n_traders * window_days
    flips = len(_of_kind(events, "flip"))
    return None if trader_days == 0 else 1000.0 * flips / trader_days


def ties_broken_by_flips(events: pd.DataFrame) -> float:
    """Sum of `value` (ties made dormant) over 'to_buyer' flip events; `events` windowed."""
    flips = _of_kind(events, "flip")
    return float(flips.loc[flips["detail"] == "to_buyer", "value"].sum())


def reactivated_customers(
    orders: pd.DataFrame, events: pd.DataFrame, window_start: int, window_end: int
) -> int:
    """Buyer-seller pairs that order in the window across a gap in which the seller had
    flipped to buying: the buyer ordered from it before a 'to_buyer' flip and again, in the
    window, after it came back to selling (docs/model.md section 1.4's "reactivated customers after
    a flip back": the seller's customer records outlived its time as a buyer).

    Reads the WHOLE logs up to the window's end: first orders and flips before the window count.
    """
    o = orders[orders["day"] < window_end]
    pairs = o.groupby(["buyer", "seller"])["day"].min().rename("first")
    last = in_window(o, window_start, window_end).groupby(["buyer", "seller"])
    pairs = pd.concat([pairs, last["day"].max().rename("last")], axis=1, join="inner")
    flips = _of_kind(events, "flip")
    exits = flips.loc[(flips["detail"] == "to_buyer") & (flips["day"] < window_end)]
    gaps = pairs.reset_index().merge(
        exits[["trader", "day"]], left_on="seller", right_on="trader", how="inner"
    )
    across = gaps[(gaps["first"] < gaps["day"]) & (gaps["day"] < gaps["last"])]
    return len(across[["buyer", "seller"]].drop_duplicates())


def dual_role_share(events: pd.DataFrame, n_traders: int, window_end: int) -> Ratio:
    """Distinct traders with a flip on any day < window_end / n_traders.

    Reads the WHOLE event log up to the window's end (warm-up included), not the windowed one:
    a trader who ever flipped has held both roles.
    """
    flips = _of_kind(events, "flip")
    flipped = flips.loc[flips["day"] < window_end, "trader"].nunique()
    return _ratio(flipped, n_traders)


# --- summary ---------------------------------------------------------------------------------


def summarize(
    orders: pd.DataFrame,
    events: pd.DataFrame,
    *,
    window_start: int,
    window_end: int,
    n_traders: int,
    baseline_profit: float | None = None,
) -> dict[str, float | dict[str, float] | None]:
    """Every metric of one run over the window [window_start, window_end), by name.

    `roi` is None unless `baseline_profit` (the profit of the same run without marketing) is
    given. Counts (`orders`, `sessions`, `contacts`, `buyers_with_orders`) are ints.
    """
    if window_end <= window_start:
        raise ValueError(f"empty window [{window_start}, {window_end})")
    if n_traders < 0:
        raise ValueError(f"n_traders must be >= 0, got {n_traders}")
    o = in_window(orders, window_start, window_end)
    e = in_window(events, window_start, window_end)
    marketed = _where(orders, orders["group"] != NO_MARKETING)
    cost = marketing_cost(o, e)
    profit = seller_profit(o, e)
    return {
        "orders": len(o),
        "sessions": _count_of_kind(e, "session"),
        "contacts": _count_of_kind(e, "contact"),
        "buyers_with_orders": int(o["buyer"].nunique()),
        "visit_conversion": visit_conversion(o, e),
        "contact_conversion": contact_conversion(o, e),
        "contact_conversion_by_channel": contact_conversion_by_channel(o, e),
        "contact_conversion_by_tool": contact_conversion_by_tool(o, e),
        "contact_conversion_by_segment": contact_conversion_by_segment(o, e),
        "contacts_by_channel": contacts_by(e, "channel"),
        "contacts_by_segment": contacts_by(e, "segment"),
        "marketing_cost_by_channel": marketing_cost_by(o, e, "channel"),
        "marketing_cost_by_segment": marketing_cost_by(o, e, "segment"),
        "redemptions": redemptions(o),
        "unsubscribes": unsubscribes(e),
        "segmentation_accuracy": segmentation_accuracy(e),
        "cart_abandonment": cart_abandonment(o, e),
        "abandonment_by_reason": abandonment_by_reason(e),
        "abandonment_reasons_cited": abandonment_reasons_cited(e),
        "cross_border_share": cross_border_share(o),
        "refusal_rate": refusal_rate(o),
        "repeat_rate": repeat_rate(o),
        "seller_repeat_rate": seller_repeat_rate(o),
        "retention_90d": retention_90d(o, window_end),
        "share_of_wallet": share_of_wallet(o),
        "churn_rate": churn_rate(o, window_start, window_end),
        "mean_tie": mean_tie(o),
        "mean_satisfaction": mean_satisfaction(o),
        "return_rate": return_rate(o),
        "belief_error": belief_error(o),
        "belief_sd": belief_sd(o),
        "new_seller_order_share": new_seller_order_share(orders, window_start, window_end),
        "mean_match": mean_match(o),
        "gmv": gmv(o),
        "marketing_cost": cost,
        "service_cost": service_cost(o),
        "lever_cost": lever_cost(o, e),
        "seller_profit": profit,
        "roi": None if baseline_profit is None else roi(profit, baseline_profit, lever_cost(o, e)),
        "flips_per_1k_trader_days": flips_per_1k_trader_days(
            e, n_traders, window_end - window_start
        ),
        "ties_broken_by_flips": ties_broken_by_flips(e),
        "dual_role_share": dual_role_share(events, n_traders, window_end),
        "reactivated_customers": reactivated_customers(orders, events, window_start, window_end),
        **holdout_effect(marketed, window_start, window_end, contact_cost(e)),
        "incremental_orders_by_stage": incremental_orders_by_stage(
            marketed, window_start, window_end
        ),
    }


def group_summaries(
    orders: pd.DataFrame,
    events: pd.DataFrame,
    seller_group: pd.Series,
    *,
    window_start: int,
    window_end: int,
) -> dict[str, dict[str, float | int | None]]:
    """Seller-side metrics per strategy group of a market that mixes strategies.

    `seller_group` maps a seller id to its group name. Buyer-side ratios (conversion per
    session, churn) belong to the market, not to a group of sellers, so they are left out.
    """
    o = in_window(orders, window_start, window_end)
    contacts = _of_kind(in_window(events, window_start, window_end), "contact")
    groups: dict[str, dict[str, float | int | None]] = {}
    for name in sorted(seller_group.unique()):
        mine = _where(o, o["group"] == name)
        sent = _where(contacts, contacts["trader"].map(seller_group) == name)
        groups[str(name)] = {
            "sellers": int((seller_group == name).sum()),
            "orders": len(mine),
            "gmv": gmv(mine),
            "contacts": len(sent),
            "contact_conversion": contact_conversion(mine, sent),
            "marketing_cost": marketing_cost(mine, sent),
            "lever_cost": lever_cost(mine, sent),
            "seller_profit": seller_profit(mine, sent),
            "seller_repeat_rate": seller_repeat_rate(mine),
            "share_of_wallet": share_of_wallet(mine),
            "mean_tie": mean_tie(mine),
            **holdout_effect(
                _where(orders, orders["group"] == name),
                window_start,
                window_end,
                contact_cost(sent),
            ),
        }
    return groups
