"""What each metric a report shows means and in what unit, for readers who are not its authors.

The definitions are those of docs/model.md section 7.13, said in a strategist's words; the unit
decides how a value is printed (`sim.analysis.report.values.fmt`). Nested metrics (dotted
names such as `groups.rfm.repeat_rate` or `contact_conversion_by_channel.email`) take the unit
of their leaf or of the family they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass

# units: how a value reads
SHARE = "share"  # a fraction shown in %, its differences in percentage points
MONEY = "money"  # the market's reference currency
COUNT = "count"  # whole things (orders, contacts), means over seeds rounded
RATIO = "ratio"  # money back per unit of money spent
SCORE = "score"  # a 0-1 scale that is not a share of anything
RATE = "rate"  # per 1,000 trader-days
SECONDS = "seconds"


@dataclass(frozen=True)
class Term:
    """A metric's meaning in one sentence and its unit (one of the unit names above)."""

    meaning: str
    unit: str


GLOSSARY: dict[str, Term] = {
    "repeat_rate": Term("buyers with two or more orders, of the buyers with one", SHARE),
    "retention_90d": Term(
        "buyers who order again within 90 days of their first order (buyers whose 90 days "
        "fit in the measured period)",
        SHARE,
    ),
    "share_of_wallet": Term(
        "of a repeat buyer's orders, the share with its most used seller", SHARE
    ),
    "churn_rate": Term(
        "buyers active in the first half of the measured period but not in the second", SHARE
    ),
    "seller_repeat_rate": Term(
        "buyer-seller pairs with two or more orders, of the pairs with one: customers a seller "
        "keeps",
        SHARE,
    ),
    "visit_conversion": Term("paid orders per shopping visit", SHARE),
    "contact_conversion": Term(
        "orders credited to a contact (its last one within the attribution window) per "
        "contact sent; may pass 100% as one contact can bring several orders",
        SHARE,
    ),
    "cart_abandonment": Term("carts left unpaid at checkout, of all carts", SHARE),
    "orders": Term("paid orders in the measured period", COUNT),
    "gmv": Term(
        "gross merchandise value: what buyers paid at checkout (goods, fees, taxes)", MONEY
    ),
    "marketing_cost": Term(
        "what marketing cost the sellers: contacts, samples and redeemed coupons", MONEY
    ),
    "lever_cost": Term(
        "what the policy spends to win buyers: marketing, plus what its service costs the "
        "sellers beyond the standard service (fees forgone, return shipping, express "
        "shipping, listings, replies, payment fees, customs handling)",
        MONEY,
    ),
    "extra_spend": Term(
        "what the policy spends beyond its paired baseline run on marketing and service "
        "(the difference of their lever costs); the denominator of roi",
        MONEY,
    ),
    "service_cost": Term("what the service costs the sellers beyond the standard service", MONEY),
    "seller_profit": Term(
        "sellers' profit: revenue less commission, shipping, returns, service and marketing",
        MONEY,
    ),
    "roi": Term(
        "return on what the policy spends: extra profit over the baseline per unit of extra "
        "spending on marketing and service; +0.64 = 0.64 of profit on top of every unit of "
        "money spent, -1 = every unit spent lost",
        RATIO,
    ),
    "sessions": Term("shopping visits", COUNT),
    "contacts": Term("marketing contacts sent", COUNT),
    "buyers_with_orders": Term("buyers who paid at least one order", COUNT),
    "redemptions": Term("coupons redeemed", COUNT),
    "unsubscribes": Term("contacts answered by an unsubscribe", COUNT),
    "segmentation_accuracy": Term(
        "how well the k-means segments recover buyers' hidden types (adjusted Rand index: "
        "0 chance, 1 perfect)",
        SCORE,
    ),
    "mean_tie": Term("mean strength of the buyer-seller tie at purchase (0-1)", SCORE),
    "mean_satisfaction": Term("mean satisfaction of delivered orders (0-1)", SCORE),
    "return_rate": Term("delivered orders sent back (refused parcels included)", SHARE),
    "cross_border_share": Term("orders from a seller in another country", SHARE),
    "refusal_rate": Term("duties-unpaid parcels refused at the door", SHARE),
    "belief_error": Term(
        "how wrong buyers were about the seller's quality when they bought (mean absolute "
        "error, 0-1)",
        SCORE,
    ),
    "belief_sd": Term("how unsure buyers were when they bought (belief's spread, 0-1)", SCORE),
    "new_seller_order_share": Term("orders from sellers with no review yet", SHARE),
    "mean_match": Term("how well bought products matched buyers' tastes (cosine, 0-1)", SCORE),
    "flips_per_1k_trader_days": Term(
        "traders switching between buying and selling, per 1,000 trader-days", RATE
    ),
    "ties_broken_by_flips": Term(
        "customer ties made dormant when their seller turned buyer", COUNT
    ),
    "dual_role_share": Term("traders who have both bought and sold (flipped once)", SHARE),
    "reactivated_customers": Term(
        "customers who came back to a seller after it returned to selling", COUNT
    ),
    "treated_customers": Term("customers of marketing sellers open to contacts", COUNT),
    "holdout_customers": Term(
        "customers of marketing sellers held out of every contact, for comparison", COUNT
    ),
    "incremental_orders": Term(
        "orders marketing added inside its sellers' customer books: contacted customers' "
        "orders less what as many held-out customers ordered",
        COUNT,
    ),
    "incremental_profit": Term(
        "profit marketing added inside its sellers' customer books, against the holdout, "
        "net of contact costs",
        MONEY,
    ),
    "wall_seconds": Term("the run's wall time", SECONDS),
}

NESTED_TERMS: dict[str, Term] = {
    "contact_conversion_by_channel": Term(
        "orders credited to contacts by this channel per contact it sent", SHARE
    ),
    "contact_conversion_by_tool": Term(
        "orders credited to contacts carrying this promotion tool per such contact", SHARE
    ),
    "contact_conversion_by_segment": Term(
        "orders credited to contacts of this segment per contact sent to it", SHARE
    ),
    "contacts_by_channel": Term("contacts this channel sent", COUNT),
    "contacts_by_segment": Term("contacts sent to customers of this segment", COUNT),
    "marketing_cost_by_channel": Term(
        "what this channel's contacts cost, with the coupons redeemed on their orders", MONEY
    ),
    "marketing_cost_by_segment": Term(
        "what contacts to this segment cost, with the coupons redeemed on their orders", MONEY
    ),
    "incremental_orders_by_stage": Term(
        "orders marketing added among customers at this stage when the period began (new, "
        "active in the 90 days before, lapsed), against the held-out customers of that stage",
        COUNT,
    ),
    "abandonment_by_reason": Term("abandoned carts whose main reason this was", SHARE),
    "abandonment_reasons_cited": Term(
        "abandoned carts this reason struck (several may strike one cart)", SHARE
    ),
}


def term(metric: str) -> Term:
    """The metric's entry: its own, its family's (`contact_conversion_by_channel.email`) or its
    leaf's (`groups.rfm.repeat_rate`); an unknown metric reads as a plain number."""
    if metric in GLOSSARY:
        return GLOSSARY[metric]
    family, _, rest = metric.partition(".")
    if family in NESTED_TERMS:
        return NESTED_TERMS[family]
    leaf = rest.rpartition(".")[2]
    if family == "groups" and leaf in GLOSSARY:
        group = rest.partition(".")[0]
        own = GLOSSARY[leaf]
        return Term(f"{own.meaning}, among sellers of the {group} group", own.unit)
    return Term("", SCORE)


def unit(metric: str) -> str:
    return term(metric).unit


def unit_text(metric: str, currency: str) -> str:
    """The unit as a reader sees it in a glossary: `%`, `USD`, `orders`."""
    kind = unit(metric)
    return {
        SHARE: "% (differences in points, pp)",
        MONEY: currency,
        COUNT: "count",
        RATIO: f"{currency} of profit per {currency} spent",
        SCORE: "0-1 scale",
        RATE: "per 1,000 trader-days",
        SECONDS: "seconds",
    }[kind]
