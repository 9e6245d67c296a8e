"""The schema of one simulation run: typed dataclasses, each field with its default and its
allowed range or choices declared beside it (`bounded`, `probability`, `one_of`), and every
field documented there too: what it means (`doc`), its unit and its basis, i.e. whether its
value is calibrated, taken from a source or an assumption (`described`, the metadata of the
fields without a declared range). `python -m sim.commands.parameters` writes the parameter
reference, `docs/parameters.md`, from them.

Hydra composes YAML presets onto these (`sim.config.compose`); `sim.config.checks` checks the
declared ranges and the rules across fields that types alone cannot express. The library never
imports Hydra: a plain `SimConfig` built in Python runs the same model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sim.config.vocabulary import (
    BUYER_TYPES,
    CHANNEL_CHOICES,
    CHANNEL_NAMES,
    NO_MARKETING,
    PRODUCT_SELECTIONS,
    PROMOTION_CHOICES,
    SEGMENTATIONS,
    SHOCK_KINDS,
    STAGES,
    TIMINGS,
)

NO_EFFECT = ("progress", "chunk_rows")  # settings that cannot change a run's numbers
MAX_TAG = 100.0  # a category's weight on a tag
MAX_ROUTE_VALUE = 1e5  # a route's shipping cost (USD) or delivery days

# Where a knob's value comes from: fitted by `python -m sim calibrate` to a real retailer's
# facts (configs/calibration/), taken from a source its doc names, or a modelling assumption.
BASES = ("calibrated", "source", "assumption")
NAME_RULE = "a name that is not empty"


def described(
    *, doc: str, unit: str = "", basis: str = "assumption", rule: str = ""
) -> dict[str, str]:
    """A field's documentation, the metadata of a field without a declared range
    (`field(default=..., metadata=described(doc=...))`) and part of every other's: `doc`
    what the knob means, in plain words; `unit` ("" when unitless); `basis` one of BASES;
    `rule` what `validate` asks of it beyond a declared range, in words. Validation never
    reads these keys: it reads `lo`, `hi`, `lo_open` and `choices` alone."""
    if not doc.strip():
        raise ValueError("a field needs a doc: what the knob means, in plain words")
    if basis not in BASES:
        raise ValueError(f"basis={basis!r} is not allowed: one of {', '.join(BASES)}")
    meta = {"doc": doc, "unit": unit, "basis": basis}
    if rule:
        meta["rule"] = rule
    return meta


def bounded(
    default: Any = dataclasses.MISSING,
    *,
    lo=None,
    hi=None,
    factory=None,
    lo_open=False,
    doc: str,
    unit: str = "",
    basis: str = "assumption",
    rule: str = "",
):
    """A dataclass field with an allowed range, checked by `validate`, and its documentation
    (`described`)."""
    meta = {"lo": lo, "hi": hi, "lo_open": lo_open}
    meta |= described(doc=doc, unit=unit, basis=basis, rule=rule)
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def probability(
    default: float, *, doc: str, unit: str = "share", basis: str = "assumption", rule: str = ""
):
    """A field that must lie in [0, 1]."""
    return bounded(default, lo=0.0, hi=1.0, doc=doc, unit=unit, basis=basis, rule=rule)


def one_of(
    default: str,
    choices: tuple[str, ...],
    *,
    doc: str,
    unit: str = "",
    basis: str = "assumption",
    rule: str = "",
):
    """A text field that takes one of `choices`, checked by `validate`, and its documentation
    (`described`)."""
    meta = {"choices": choices, **described(doc=doc, unit=unit, basis=basis, rule=rule)}
    return field(default=default, metadata=meta)


@dataclass
class FestivalConfig:
    """A festival or platform sale: needs are multiplied by `boost` for `length` days."""

    name: str = field(
        default="festival",
        metadata=described(
            doc="Label of the festival or sale (it names the event in configs only).",
            rule=NAME_RULE,
        ),
    )
    day: int = bounded(
        0,
        lo=0,
        hi=365,
        doc="First day of the event, as days after day 0 (market.start_date) in a calendar "
        "that repeats every 365 days. The default market puts the countries' festivals (Black "
        "Friday, Christmas, Spring Festival, 618, Singles' Day, Diwali) near their real dates.",
        unit="day of year",
    )
    length: int = bounded(
        1, lo=1, hi=60, doc="How many consecutive days the event lasts.", unit="days"
    )
    boost: float = bounded(
        1.5,
        lo=0.0,
        hi=20.0,
        lo_open=True,
        doc="Multiplier on shopping needs on the event's days (overlapping events multiply; "
        "below 1 it dampens them).",
        unit="multiplier",
    )


@dataclass
class CountryConfig:
    """A country: its currency, trade barriers, people and calendar."""

    currency: str = field(
        default="USD",
        metadata=described(
            doc="The country's currency, by its ISO 4217 code: in the default market the six "
            "countries' real currencies.",
            basis="source",
            rule="a code different from every other country's (no currency unions)",
        ),
    )
    fx_rate: float = bounded(
        1.0,
        lo=1e-4,
        hi=1e6,
        doc="Exchange rate on day 0, in local currency units per USD (the reference "
        "currency's own rate is always 1). The default market's are market rates of early "
        "2024, rounded.",
        unit="local units per USD",
        basis="source",
    )
    fx_volatility: float = bounded(
        0.004,
        lo=0.0,
        hi=0.2,
        doc="Daily standard deviation of the log exchange rate, a random walk from day 1 "
        "(ignored for the reference currency, which never moves).",
        unit="log-sd per day",
    )
    duty: float = bounded(
        0.0,
        lo=0.0,
        hi=5.0,
        doc="Import duty on goods from every other country, as a share of the goods' value, "
        "for every category duty_by_category does not name (domestic trade pays none).",
        unit="share of value",
        basis="source",
    )
    duty_by_category: dict[str, float] = field(
        default_factory=dict,
        metadata=described(
            doc="Import duty of named categories, in place of `duty` (the default market's "
            "follow each regime's tariff lines for apparel, electronics, toys and so on, "
            "rounded).",
            unit="share of value",
            basis="source",
            rule="a category of market.categories, each rate in [0, 5]",
        ),
    )
    vat: float = probability(
        0.0,
        doc="VAT (sales tax, GST) on goods sold to the country's buyers, domestic or imported, "
        "on the goods, shipping fee and duty.",
        unit="share of value",
        basis="source",
    )
    prices_include_vat: bool = field(
        default=True,
        metadata=described(
            doc="Whether domestic listings show prices with VAT (as in Europe); false where "
            "sales tax is added at checkout (as in the United States).",
            basis="source",
        ),
    )
    vat_at_checkout: bool = field(
        default=False,
        metadata=described(
            doc="Whether the platform collects import VAT at checkout (the EU's IOSS, the UK's "
            "marketplace rule, US marketplace-facilitator sales tax); if not, a parcel shipped "
            "duties unpaid owes it at the door.",
            basis="source",
        ),
    )
    duty_de_minimis: float = bounded(
        0.0,
        lo=0.0,
        hi=1e9,
        doc="Goods value, in the country's own currency, up to which an imported parcel "
        "enters free of duty (0: every parcel pays).",
        unit="local currency",
        basis="source",
        rule="a number in the country's own currency (e.g. 800 for the US's former USD 800)",
    )
    vat_de_minimis: float = bounded(
        0.0,
        lo=0.0,
        hi=1e9,
        doc="Goods value, in the country's own currency, up to which an imported parcel "
        "enters free of VAT (0: every parcel pays).",
        unit="local currency",
        basis="source",
        rule="a number in the country's own currency",
    )
    customs_days: float = bounded(
        2.0,
        lo=0.0,
        hi=365.0,
        doc="Mean days customs takes to clear an imported parcel (each parcel's is drawn "
        "exponentially around it); checkout's delivery estimate includes it.",
        unit="days",
    )
    customs_hold_chance: float = probability(
        0.02,
        doc="Chance customs holds an imported parcel for inspection (customs_hold_days more).",
        unit="probability",
    )
    customs_hold_days: float = bounded(
        7.0, lo=0.0, hi=365.0, doc="Days a held parcel waits.", unit="days"
    )
    collection_fee: float = bounded(
        0.0,
        lo=0.0,
        hi=1e4,
        doc="Fee the carrier charges a buyer for collecting duty or VAT at the door on a "
        "parcel shipped duties unpaid.",
        unit="USD",
        basis="source",
    )
    population_share: float = bounded(
        1.0,
        lo=1e-6,
        hi=1e6,
        doc="Relative weight of the country: traders are drawn into countries in proportion "
        "(weights are normalised to sum to 1), and the resale margin weighs destinations by it.",
        unit="weight",
    )
    income: float = bounded(
        3000.0,
        lo=1.0,
        hi=1e6,
        doc="Mean monthly income of the country's traders (each one's is lognormal around "
        "it), paid every 30 days; a buyer's typical spend per order is about 5% of it.",
        unit="USD a month",
    )
    local_payment_preference: float = probability(
        0.2,
        doc="Share of the country's buyers who want to pay by their local payment method; a "
        "seller who does not accept it adds payment friction and a chance the payment fails.",
    )
    festivals: list[FestivalConfig] = field(
        default_factory=list,
        metadata=described(
            doc="The country's festivals: days on which its buyers' shopping needs are boosted.",
            rule="a list of festivals (name, day, length, boost)",
        ),
    )


@dataclass
class CategoryConfig:
    """A product category: its world price, tag vector, and sourcing cost by country."""

    price: float = bounded(
        40.0,
        lo=0.01,
        hi=1e6,
        doc="World price of the category's standard product; sellers' list prices scatter "
        "around it (population.price_dispersion) and stay fixed for the run.",
        unit="USD",
    )
    tags: list[float] = field(
        default_factory=list,
        metadata=described(
            doc="The category's weight on each product tag, in the order of market.tag_names; "
            "normalised, it is the centre of its sellers' product tags.",
            unit="weight",
            rule=f"one weight per tag name, each in [0, {MAX_TAG:g}], at least one > 0",
        ),
    )
    sourcing_cost: dict[str, float] = field(
        default_factory=dict,
        metadata=described(
            doc="Cost of goods as a share of the category's world price, by the seller's country "
            "(before the seller's cost efficiency and the moving sourcing index).",
            unit="share of price",
            rule="a share in (0, 1) for each country",
        ),
    )


@dataclass
class ShockConfig:
    """A scheduled change of trading conditions from `day` on.

    kind fx: the target currency's rate is multiplied by (1 + size) (size > 0 depreciates it);
    duty: the target's import duty rises by size (target "CN>US": only US imports from CN);
    shipping: costs and days on routes touching the target (or the one route) scale by (1 + size);
    demand: shopping needs in the target country scale by (1 + size);
    de_minimis: the target's duty and VAT thresholds scale by (1 + size) (size -1 ends them);
    vat_at_checkout: the platform starts (size >= 0) or stops (size < 0) collecting the
    target's import VAT at checkout.
    """

    day: int = bounded(
        0,
        lo=0,
        hi=36_500,
        doc="Day of the run on which the shock strikes; it lasts for the rest of the run.",
        unit="day",
    )
    kind: str = one_of(
        "fx",
        SHOCK_KINDS,
        doc="What changes: fx multiplies the target's exchange rate by (1 + size) (size > 0 "
        "depreciates it); duty adds size to the target's import duty on every category; "
        "shipping scales cost and days of the routes touching the target (or of the one "
        "route) by (1 + size); demand scales the target country's shopping needs by "
        "(1 + size); de_minimis scales the target's duty and VAT thresholds by (1 + size) "
        "(-1 ends them); vat_at_checkout makes the platform collect the target's import VAT "
        "at checkout from that day (size >= 0) or stop (size < 0).",
    )
    target: str = field(
        default="",
        metadata=described(
            doc='A country code, or a route "FROM>TO" (e.g. "CN>US": only US imports from CN).',
            rule="a country, or a route A>B between two countries; a single country for kind fx "
            "and demand",
        ),
    )
    size: float = bounded(
        0.0,
        lo=-1.0,
        hi=10.0,
        doc="Size of the change, read as kind says: a relative change, or duty points.",
        rule="above -1 for kind fx (a rate cannot fall to 0)",
        unit="share",
    )


@dataclass
class RoleConfig:
    """When traders switch between buying and selling (hysteresis on the resale margin)."""

    entry_margin: float = bounded(
        0.30,
        lo=-1.0,
        hi=1.0,
        doc="Resale margin (what selling its specialty abroad would earn, per unit of price) "
        "above which a buyer who can pay the switching cost becomes a seller.",
        unit="share of price",
        rule="above market.roles.exit_margin (the band between them is the hysteresis)",
    )
    exit_margin: float = bounded(
        0.12,
        lo=-1.0,
        hi=1.0,
        doc="Resale margin below which a seller starts a low-margin spell; after `patience` "
        "days in it, it becomes a buyer.",
        unit="share of price",
    )
    patience: int = bounded(
        14,
        lo=1,
        hi=3650,
        doc="Days a seller's margin must stay below exit_margin before it stops selling.",
        unit="days",
    )
    switching_cost: float = bounded(
        150.0,
        lo=0.0,
        hi=1e6,
        doc="Sunk cost a buyer pays the platform to become a seller; with less cash it cannot.",
        unit="USD",
    )
    entry_rate: float = probability(
        0.05,
        doc="Daily chance that an eligible buyer (margin above entry_margin, cash for the "
        "switching cost) takes up selling.",
        unit="per day",
    )


@dataclass
class MarketConfig:
    """The world: countries, categories, routes, calendar and shocks."""

    name: str = field(
        default="default",
        metadata=described(
            doc="Label of the market preset (the run's config records it).", rule=NAME_RULE
        ),
    )
    reference_currency: str = field(
        default="USD",
        metadata=described(
            doc="The currency all money is counted in (prices, costs, incomes, logs); its "
            "country's exchange rate is 1.",
            rule="the currency of one of the countries",
        ),
    )
    start_date: str = field(
        default="2025-01-01",
        metadata=described(
            doc="Calendar date of day 0: it dates the order log only (festival days count "
            "from day 0).",
            unit="date",
            rule="a date written YYYY-MM-DD",
        ),
    )
    tag_names: list[str] = field(
        default_factory=list,
        metadata=described(
            doc="Names of the product tags over which categories, products and buyers' tastes are "
            "described and matched.",
            rule="a list of names; each category gives one weight per name",
        ),
    )
    countries: dict[str, CountryConfig] = field(
        default_factory=dict,
        metadata=described(
            doc="The countries, by code: currency, exchange rate, import regime (duty, VAT, "
            "de minimis, customs), people and calendar.",
            rule="at least two countries, each with its own currency",
        ),
    )
    categories: dict[str, CategoryConfig] = field(
        default_factory=dict,
        metadata=described(
            doc="The product categories: world price, tags and sourcing cost by country.",
            rule="at least one category",
        ),
    )
    # origin -> destination -> value; typed loosely because OmegaConf cannot type nested dicts
    # of floats given as integers; `validate` checks every cell is a number >= 0.
    shipping_cost: dict[str, Any] = field(
        default_factory=dict,
        metadata=described(
            doc="Cost of shipping one parcel from the origin (row) to the destination (column) "
            "country; the seller pays it and charges the buyer service.shipping_fee_share of it.",
            unit="USD a parcel",
            rule=f"a row and a column for each country; every cell a number in "
            f"[0, {MAX_ROUTE_VALUE:g}]",
        ),
    )
    delivery_days: dict[str, Any] = field(
        default_factory=dict,
        metadata=described(
            doc="Days to deliver a parcel from the origin (row) to the destination (column) "
            "country, before service.logistics_speed and a random delay.",
            unit="days",
            rule=f"a row and a column for each country; every cell a number in "
            f"[0, {MAX_ROUTE_VALUE:g}]",
        ),
    )
    sale_days: list[FestivalConfig] = field(
        default_factory=list,
        metadata=described(
            doc="The platform's sale days: shopping needs of every country's buyers are boosted.",
            rule="a list of festivals (name, day, length, boost)",
        ),
    )
    shocks: list[ShockConfig] = field(
        default_factory=list,
        metadata=described(
            doc="Scheduled changes of exchange rates, duties, de minimis thresholds, VAT "
            "collection, shipping or demand (e.g. market=currency_shock, market=de_minimis_end).",
            rule="a list of shocks (day, kind, target, size)",
        ),
    )
    sourcing_volatility: float = bounded(
        0.01,
        lo=0.0,
        hi=0.5,
        doc="Daily standard deviation of the log sourcing-cost index of each country and "
        "category: suppliers' costs wander and revert.",
        unit="log-sd per day",
    )
    sourcing_half_life: float = bounded(
        90.0,
        lo=0.01,  # a quarter of an hour: shorter means nothing in a model of days
        hi=1e5,
        doc="Days for a deviation of the sourcing-cost index to halve.",
        unit="days",
    )
    fx_jump_probability: float = probability(
        0.0,
        doc="Daily chance of a random jump of each floating currency's exchange rate.",
        unit="per day",
    )
    fx_jump_size: float = bounded(
        0.1,
        lo=0.0,
        hi=2.0,
        doc="Standard deviation of a random exchange-rate jump, in log units.",
        unit="log-sd",
    )
    roles: RoleConfig = field(
        default_factory=RoleConfig,
        metadata=described(
            doc="When traders switch between buying and selling: hysteresis on the resale margin, "
            "patience, a switching cost."
        ),
    )


@dataclass
class UtilityConfig:
    """Weights of the buyer's utility (DESIGN section 4, step 5)."""

    match: float = bounded(
        1.5,
        lo=0.0,
        hi=50.0,
        doc="Weight of the match of the product's tags to the buyer's tastes (a cosine).",
        unit="weight",
    )
    quality: float = bounded(
        3.0,
        lo=0.0,
        hi=50.0,
        doc="Weight of the expected quality: the mean of the buyer's belief about the seller.",
        unit="weight",
    )
    signals: float = bounded(
        0.5,
        lo=0.0,
        hi=50.0,
        doc="Weight of the listing's signals: picture quality and a product video.",
        unit="weight",
    )
    tie: float = bounded(
        2.0,
        lo=0.0,
        hi=50.0,
        doc="Weight of the buyer's tie to the seller (times the buyer type's tie weight).",
        unit="weight",
    )
    promotion: float = bounded(
        1.0,
        lo=0.0,
        hi=50.0,
        doc="Weight of the appeal to the buyer of the promotion an offer carries.",
        unit="weight",
    )
    awareness: float = bounded(
        0.5,
        lo=0.0,
        hi=50.0,
        doc="Weight of the buyer's awareness of the seller, which a contact that reached it "
        "leaves and which decays (platform.awareness_half_life): 1 on the day of the contact.",
        unit="weight",
    )
    no_purchase: float = bounded(
        1.0,
        lo=-50.0,
        hi=50.0,
        doc="Utility of buying nothing, the choice's outside option (a better service.ux "
        "lowers it).",
        unit="utility",
    )


@dataclass
class PopulationConfig:
    """The traders: how many, their hidden types and tastes."""

    name: str = field(
        default="default",
        metadata=described(
            doc="Label of the population preset (the run's config records it).", rule=NAME_RULE
        ),
    )
    n_traders: int = bounded(
        10_000,
        lo=2,
        hi=10**9,
        doc="Number of traders, buyers and sellers together; also bounded by what fits in "
        "memory (sim/simulation/memory.py refuses a run too large for the machine).",
        unit="traders",
    )
    type_shares: dict[str, float] = field(
        default_factory=lambda: {
            "loyal": 0.2,
            "bargain_hunter": 0.3,
            "occasional": 0.42,
            "risky": 0.08,
        },
        metadata=described(
            doc="Shares of the hidden buyer types (docs/model.md section 2.1), which shift "
            "activity, price sensitivity, tie weight, payment risk and abusive returns; "
            "sellers never see them.",
            unit="share",
            rule=f"a share in [0, 1] for each of {', '.join(BUYER_TYPES)}, summing to 1",
        ),
    )
    # need_rate, activity_shape, basket_dispersion, lapse_chance and winback_chance are fitted to
    # a real online retailer's customers (configs/calibration/online_retail.yaml; README,
    # Calibration). Before the first fit (0.1.0) the first three were 0.03, 1.2 and 0; the
    # 0.2.0 fit, before customers could lapse, gave 0.0214, 0.4887 and 0.9112.
    need_rate: float = bounded(
        0.0498,
        lo=0.0,
        hi=1.0,
        doc="Mean shopping needs a day of a buyer of average activity (1), before festivals, "
        "sale days and demand shocks. Fitted by python -m sim calibrate to a real online retailer "
        "(configs/calibration/online_retail.yaml; README, Calibration); 0.0214 before lapses.",
        unit="per day",
        basis="calibrated",
    )
    activity_shape: float = bounded(
        0.4815,
        lo=0.01,
        hi=100.0,
        doc="Shape of the gamma distribution (mean 1) of buyers' activity: the smaller, the "
        "more a few buyers shop much more than most. Fitted by python -m sim calibrate "
        "(configs/calibration/online_retail.yaml); 0.4887 before lapses.",
        basis="calibrated",
    )
    basket_dispersion: float = bounded(
        0.7668,
        lo=0.0,
        hi=3.0,
        doc="Spread (sd of the log) of the units a buyer takes per order, lognormal with mean "
        "1; 0: one unit each. Bulk buyers are what concentrates a real retailer's revenue in "
        "its top customers. Fitted by python -m sim calibrate "
        "(configs/calibration/online_retail.yaml); 0.9112 before lapses.",
        unit="log-sd",
        basis="calibrated",
    )
    lapse_chance: float = probability(
        0.1161,
        doc="Mean over buyers of the chance that a buyer lapses after an order (stops shopping "
        "on the platform until won back: docs/model.md section 7.5); each buyer's own chance "
        "is Beta-distributed around it, as in the buy-till-you-die customer-base models. "
        "Fitted by python -m sim calibrate to the real retailer's cohort curve and repeat "
        "purchase (configs/calibration/online_retail.yaml).",
        unit="probability",
        basis="calibrated",
    )
    lapse_concentration: float = bounded(
        2.0,
        lo=0.01,
        hi=1000.0,
        doc="Concentration (alpha + beta) of the Beta distribution of buyers' lapse chances: "
        "the smaller, the more some buyers lapse soon and others never.",
        unit="pseudo-counts",
    )
    bad_experience_lapse: float = bounded(
        3.0,
        lo=1.0,
        hi=100.0,
        doc="Multiplier on a buyer's lapse chance after an order that disappointed it (a "
        "satisfaction under one half, or a return); 1: experience does not matter.",
        unit="multiplier",
    )
    winback_chance: float = probability(
        0.0268,
        doc="Chance that a shopping need of a lapsed buyer brings it back to the platform on "
        "its own (festivals and sale days, with more needs, bring more back); a contact that "
        "lands always does. Fitted by python -m sim calibrate "
        "(configs/calibration/online_retail.yaml).",
        unit="probability",
        basis="calibrated",
    )
    price_sensitivity: float = bounded(
        2.0,
        lo=0.0,
        hi=50.0,
        doc="Weight of the landed price, relative to the buyer's budget, in utility and at "
        "checkout (each buyer's is lognormal around it, times its type's multiplier).",
        unit="weight",
    )
    risk_aversion: float = bounded(
        20.0,
        lo=0.0,
        hi=1000.0,
        doc="Weight of the uncertainty about a seller (the variance of the buyer's belief) in "
        "utility and in the checkout's trust hazard.",
        unit="weight",
    )
    shipping_fee_sensitivity: float = bounded(
        2.0,
        lo=0.0,
        hi=50.0,
        doc="Weight of the shipping fee, relative to the goods price, in utility and at checkout.",
        unit="weight",
    )
    delivery_sensitivity: float = bounded(
        0.08,
        lo=0.0,
        hi=10.0,
        doc="Weight of each day of delivery in utility and at checkout.",
        unit="weight a day",
    )
    return_sensitivity: float = bounded(
        1.0,
        lo=0.0,
        hi=50.0,
        doc="Weight of the return hassle (service.return_hassle) in utility and at checkout.",
        unit="weight",
    )
    payment_sensitivity: float = bounded(
        1.0,
        lo=0.0,
        hi=50.0,
        doc="Weight in utility of payment friction: a seller abroad, or one who does not "
        "accept the local payment method the buyer wants.",
        unit="weight",
    )
    quality_alpha: float = bounded(
        4.0,
        lo=0.01,
        hi=1000.0,
        doc="First parameter of the Beta distribution of sellers' hidden quality (mean "
        "alpha / (alpha + beta)).",
    )
    quality_beta: float = bounded(
        2.5,
        lo=0.01,
        hi=1000.0,
        doc="Second parameter of the Beta distribution of sellers' hidden quality.",
    )
    cost_efficiency_median: float = bounded(
        1.9,
        lo=0.01,
        hi=100.0,
        doc="Median over sellers (lognormal) of the multiplier on their country's sourcing "
        "cost share: with the list price it sets what goods cost a seller, hence margins.",
        unit="multiplier",
    )
    cost_efficiency_sd: float = bounded(
        0.35,
        lo=0.0,
        hi=2.0,
        doc="Spread (sd of the log) of sellers' cost-efficiency multiplier.",
        unit="log-sd",
    )
    price_dispersion: float = bounded(
        0.15,
        lo=0.0,
        hi=2.0,
        doc="Spread (sd of the log) of sellers' list prices around the category's world price "
        "(better quality also prices higher).",
        unit="log-sd",
    )
    tag_noise: float = bounded(
        0.3,
        lo=0.0,
        hi=10.0,
        doc="Spread of a seller's product tags around its category's tags (and of its three "
        "products around each other).",
        unit="sd",
    )
    initial_cash_months: float = bounded(
        1.0,
        lo=0.0,
        hi=120.0,
        doc="Traders' cash on day 0, in months of their income.",
        unit="months",
    )
    utility: UtilityConfig = field(
        default_factory=UtilityConfig,
        metadata=described(
            doc="Weights of the buyer's utility (docs/model.md section 7.7): the terms that add "
            "to an offer's appeal; the costs' weights are the sensitivities above."
        ),
    )


@dataclass
class ChannelSpec:
    """A contact channel: what it costs, whom it reaches and how customers tire of it."""

    cost: float = bounded(
        0.05,
        lo=0.0,
        hi=1000.0,
        doc="Cost to the seller of one contact by this channel.",
        unit="USD a contact",
    )
    reach: float = probability(
        0.9, doc="Chance the message reaches the customer.", unit="probability"
    )
    response: float = probability(
        0.1,
        doc="Chance a reached customer takes it up (times the customer's hidden liking of the "
        "channel and the appeal of the promotion it carries).",
        unit="probability",
    )
    fatigue: float = bounded(
        0.5,
        lo=0.0,
        hi=50.0,
        doc="How customers tire of contacts: response falls by exp(-fatigue * recent contacts), "
        "the seller's earlier contacts to the customer this budget period.",
        unit="per contact",
    )
    unsubscribe: float = probability(
        0.01,
        doc="Chance per contact that a reached customer who does not take it up unsubscribes "
        "from the seller, times the recent contacts (1 + earlier ones this period).",
        unit="probability",
    )
    needs_relationship: bool = field(
        default=False,
        metadata=described(
            doc="Only customers who have ordered from the seller can be reached (instant "
            "messengers); a prospect given such a channel by fixed or by_stage gets edm."
        ),
    )


def default_channels() -> dict[str, ChannelSpec]:
    return {
        "onsite": ChannelSpec(cost=0.02, reach=0.6, response=0.08, fatigue=0.3, unsubscribe=0.0),
        # EDM's response is fitted to Hillstrom's e-mail test by python -m sim calibrate
        # (configs/calibration/hillstrom.yaml; README, Calibration); 0.04 before the fit
        "edm": ChannelSpec(cost=0.01, reach=0.8, response=0.1939, fatigue=0.6, unsubscribe=0.02),
        "skype": ChannelSpec(
            cost=0.3,
            reach=0.7,
            response=0.15,
            fatigue=0.4,
            unsubscribe=0.01,
            needs_relationship=True,
        ),
        "whatsapp": ChannelSpec(
            cost=0.2,
            reach=0.9,
            response=0.2,
            fatigue=0.8,
            unsubscribe=0.03,
            needs_relationship=True,
        ),
    }


@dataclass
class PlatformConfig:
    """The marketplace operator's rules and what buyers can learn on it."""

    commission: float = probability(
        0.08,
        doc="Share of the goods price the platform takes from the seller on every order.",
        unit="share of price",
    )
    identity_verification: float = probability(
        0.0,
        doc="Share of sellers whose identity the platform verifies: buyers read a reliable "
        "quality badge of a verified seller (verification_weight).",
    )
    search_results: int = bounded(
        6, lo=1, hi=50, doc="Sellers a search shows a shopper.", unit="sellers"
    )
    search_reputation: float = bounded(
        0.5,
        lo=0.0,
        hi=50.0,
        doc="How strongly reviews (their number and rating) move a seller's chance of being "
        "drawn into search results.",
        unit="weight",
    )
    checkout_hesitation: float = bounded(
        0.2277,
        lo=0.0,
        hi=50.0,
        doc="Scale of the second thoughts at checkout: how readily a buyer drops the cart over "
        "the delivery estimate it now sees in full (customs included), the return policy, or "
        "doubt about a seller it knows (service.ux lowers it).",
        unit="weight",
        basis="calibrated",
    )
    cost_foresight: float = probability(
        0.5,
        doc="Share of the costs a listing does not show (a shipping fee, taxes collected at "
        "checkout or at the door, conversion fees) that a buyer anticipates while choosing a "
        "seller it never bought from; a repeat buyer knows them all. The rest is a surprise.",
        basis="assumption",
    )
    surprise_aversion: float = bounded(
        2.0554,
        lo=0.0,
        hi=100.0,
        doc="How readily a buyer leaves over extra costs revealed at checkout: the hazard is "
        "1 - exp(-surprise_aversion x fee sensitivity x surprise / expected total).",
        unit="weight",
        basis="calibrated",
    )
    card_distrust: float = bounded(
        0.8026,
        lo=0.0,
        hi=100.0,
        doc="How readily a buyer leaves rather than give its card details to a foreign seller "
        "it never bought from: the hazard scales its risk (risk aversion x belief variance).",
        unit="weight",
        basis="calibrated",
    )
    conversion_fee: float = probability(
        0.02,
        doc="Currency conversion fee, as a share of what is paid at checkout, where the "
        "buyer's currency is not the seller's; it goes to the payment provider and is shown "
        "only at checkout (card issuers and wallets charge 1-4%).",
        unit="share of value",
        basis="source",
    )
    door_refusal: float = bounded(
        2.0,
        lo=0.0,
        hi=100.0,
        doc="How readily a buyer refuses a duties-unpaid parcel over the charges due at the "
        "door: it refuses with chance 1 - exp(-door_refusal x unforeseen charges / paid).",
        unit="weight",
    )
    ddp_fee: float = bounded(
        1.5,
        lo=0.0,
        hi=1e4,
        doc="Carrier's fee a seller pays per parcel shipped duties paid (it declares, pays "
        "and recovers the duty and VAT in its price).",
        unit="USD",
    )
    express_premium: float = bounded(
        0.6,
        lo=0.0,
        hi=100.0,
        doc="What faster delivery than the standard (service.logistics_speed below 1) costs "
        "the seller per parcel, as a share of the route's shipping cost per unit of "
        "1/logistics_speed - 1: 0.6 makes delivery in half the time cost 1.6 times the "
        "shipping (express international services cost about 1.5-3 times standard post for "
        "a third to half the time). Slower than standard saves nothing.",
        unit="share of shipping cost",
    )
    listing_cost: float = bounded(
        0.04,
        lo=0.0,
        hi=10.0,
        doc="What listings better than the standard cost the seller per order, as a share of "
        "the goods price per unit of picture quality above service.picture_quality's "
        "standard 0.5 and of video share above its standard 0.2 (photography and video "
        "production spread over the orders they sell).",
        unit="share of price",
    )
    reply_cost: float = bounded(
        0.25,
        lo=0.0,
        hi=1e4,
        doc="What replying faster than the standard 12 hours costs the seller per order, per "
        "halving of (reply_hours + 1): staff or software time on inquiries.",
        unit="USD",
    )
    local_payment_cost: float = probability(
        0.02,
        doc="What accepting buyers' local payment methods beyond the standard share of "
        "sellers (0.3) costs, per order, as a share of the goods price per unit of "
        "service.local_payment above it (local methods' own fees, 1-3%, and their "
        "integration).",
        unit="share of price",
    )
    review_probability: float = probability(
        0.35,
        doc="Base chance a delivered order is reviewed (likelier when the buyer is very "
        "pleased or very displeased).",
        unit="probability",
    )
    review_noise: float = bounded(
        0.15,
        lo=0.0,
        hi=10.0,
        doc="Noise (sd, on the 0-1 satisfaction scale) of a review's stars around the buyer's "
        "satisfaction.",
        unit="sd",
    )
    review_trust: float = bounded(
        1.0,
        lo=0.0,
        hi=100.0,
        doc="Weight buyers give each review in their beliefs about a seller (pseudo-counts a "
        "review).",
        unit="weight",
    )
    signal_noise: float = bounded(
        0.25,
        lo=0.0,
        hi=10.0,
        doc="Noise (sd) of what a listing, a reply to an inquiry or a sample tells about a "
        "seller's quality (better pictures and a video make a listing's less noisy).",
        unit="sd",
    )
    listing_weight: float = bounded(
        2.0,
        lo=0.0,
        hi=1000.0,
        doc="Weight (pseudo-counts) of the listing's reading in buyers' beliefs, raised by "
        "picture quality and a video.",
        unit="weight",
    )
    verification_weight: float = bounded(
        6.0,
        lo=0.0,
        hi=1000.0,
        doc="Weight (pseudo-counts) of a verified seller's badge, a reading of its true "
        "quality, in buyers' beliefs.",
        unit="weight",
    )
    experience_weight: float = bounded(
        3.0,
        lo=0.0,
        hi=1000.0,
        doc="Weight (pseudo-counts) of each delivered order's realised quality in the buyer's "
        "belief about that seller.",
        unit="weight",
    )
    inquiry_probability: float = probability(
        0.3,
        doc="Chance that a shopper who chose an offer asks the seller a question first.",
        unit="probability",
    )
    reply_patience_hours: float = bounded(
        24.0,
        lo=0.01,
        hi=1000.0,
        doc="How long buyers wait for a reply: an inquiring buyer stays with probability "
        "exp(-reply hours / patience) (service.ux relieves it); quick replies also teach more.",
        unit="hours",
    )
    reply_weight: float = bounded(
        1.0,
        lo=0.0,
        hi=50.0,
        doc="Weight (pseudo-counts) of a reply's reading of the seller's quality, times "
        "exp(-reply hours / reply_patience_hours).",
        unit="weight",
    )
    cross_border_payment_failure: float = probability(
        0.0436,
        doc="Chance a card payment to a seller in another country is declined (before "
        "service.ux's relief, as for the risky buyers' below); a buyer whose cash falls short "
        "of the total is declined too.",
        unit="probability",
        basis="calibrated",
    )
    unsupported_method_failure: float = probability(
        0.25,
        doc="Chance a buyer who wants its local payment method leaves a seller who does not "
        "accept it (not enough payment methods).",
        unit="probability",
    )
    risky_payment_failure: float = probability(
        0.2118,
        doc="Added chance a risky buyer's card is declined by fraud checks (its hidden type).",
        unit="probability",
        basis="calibrated",
    )
    return_window_days: int = bounded(
        14,
        lo=0,
        hi=365,
        doc="Days after delivery in which an item may be returned; not used by the model yet "
        "(docs/model.md section 7.10).",
        unit="days",
    )
    tie_gain: float = probability(
        0.3,
        doc="Share of the gap to a full tie (1) that a satisfying order closes.",
    )
    tie_loss: float = probability(
        0.5, doc="Share of the tie that a dissatisfying or returned order destroys."
    )
    tie_half_life: float = bounded(
        90.0,
        lo=0.01,  # a quarter of an hour: shorter means nothing in a model of days
        hi=1e5,
        doc="Days for a buyer-seller tie to decay to half without orders.",
        unit="days",
    )
    awareness_half_life: float = bounded(
        3.0,
        lo=0.01,
        hi=1000.0,
        doc="Days for the awareness a contact leaves to fall by half. A contact's response "
        "(its channel's response chance) may come any day while the awareness lasts, likelier "
        "early, and an aware customer considers the seller when it shops its category "
        "(docs/model.md section 7.11.4).",
        unit="days",
    )
    attribution_days: int = bounded(
        7,
        lo=0,
        hi=365,
        doc="An order is credited to the pair's last contact if it was sent at most this "
        "many days before payment.",
        unit="days",
    )
    memory_slots: int = bounded(
        8,
        lo=1,
        hi=64,
        doc="Sellers a buyer remembers (experience, tie, customer record); when all are in "
        "use, the weakest tie is forgotten.",
        unit="sellers",
    )
    behaviour_noise: float = bounded(
        0.3,
        lo=0.0,
        hi=10.0,
        doc="Noise of the behaviour tags sellers see: standardised traits a buyer's hidden "
        "type drives (visit frequency, deal seeking, return habit, loyalty).",
        unit="sd",
    )
    taste_noise: float = bounded(
        0.1,
        lo=0.0,
        hi=10.0,
        doc="Noise of the tag profile (tastes) of a buyer that sellers see.",
        unit="sd",
    )
    channels: dict[str, ChannelSpec] = field(
        default_factory=default_channels,
        metadata=described(
            doc="The contact channels, an entry each (its numbers below): the seed texts' "
            "contact methods, on-site message, EDM, Skype and WhatsApp (DESIGN section 2; "
            "docs/model.md section 7.11.4).",
            basis="source",
            rule=f"exactly {', '.join(CHANNEL_NAMES)}",
        ),
    )


@dataclass
class ServiceConfig:
    """Service levers of sellers and platform, compared with marketing by strategists."""

    name: str = field(
        default="default",
        metadata=described(
            doc="Label of the service preset (the run's config records it).", rule=NAME_RULE
        ),
    )
    shipping_fee_share: float = probability(
        1.0,
        doc="Share of the shipping cost charged to the buyer as a fee; 0 = free shipping (the "
        "seller absorbs it).",
    )
    return_hassle: float = probability(
        0.5,
        doc="0 = free, easy returns; 1 = returns are a pain: it deters buyers and dissatisfied "
        "returns, and is the buyer's share of return shipping.",
        unit="0-1 scale",
    )
    logistics_speed: float = bounded(
        1.0,
        lo=0.01,
        hi=100.0,
        doc="Multiplier on route delivery days; 0.5 = twice as fast.",
        unit="multiplier",
    )
    local_payment: float = probability(
        0.3, doc="Share of sellers accepting the buyer's local payment method."
    )
    picture_quality: float = probability(
        0.5,
        doc="Mean listing picture quality (sellers' scatter around it): better pictures make "
        "the listing's reading more precise and weightier, and raise search rank and appeal.",
        unit="0-1 scale",
    )
    video_share: float = probability(
        0.2,
        doc="Share of listings with a product video (a more precise, weightier listing).",
    )
    reply_hours: float = bounded(
        12.0,
        lo=0.0,
        hi=1000.0,
        doc="Typical time sellers take to reply to an inquiry (each seller's is lognormal "
        "around it).",
        unit="hours",
    )
    ux: float = probability(
        0.5,
        doc="Platform UX quality: lowers drop-out at every funnel stage (choice, inquiry, "
        "checkout).",
        unit="0-1 scale",
    )
    ddp_share: float = probability(
        0.3,
        doc="Share of sellers who ship cross-border parcels duties paid (DDP: the seller "
        "declares and pays duty and VAT and prices them in, so the buyer sees the whole cost "
        "and pays nothing at the door); the others ship duties unpaid (DDU).",
    )
    ddp_adaptation: float = probability(
        0.2,
        doc="Chance a month that a seller switches to the delivery terms (DDP or DDU) on which "
        "its category's sellers earned more, times the relative gap in their mean profit; 0 "
        "keeps every seller's terms (docs/model.md section 7.9).",
        unit="per month",
    )
    local_warehouse: float = probability(
        0.0,
        doc="Share of sellers who stock their goods in warehouses in the buyers' countries: "
        "orders ship domestically (domestic cost and days, no customs), duty and VAT are paid "
        "on import and priced in, and each order pays warehouse_fee.",
    )
    warehouse_fee: float = bounded(
        2.0,
        lo=0.0,
        hi=1e4,
        doc="Fee a seller pays per order shipped from a local warehouse (storage and picking).",
        unit="USD",
    )


@dataclass
class SegmentationConfig:
    """How a seller groups its customers: not at all, k-means on observed features, RFM tiers."""

    kind: str = one_of(
        "none",
        SEGMENTATIONS,
        doc="How customers are grouped: none (one segment); kmeans (clusters of what sellers "
        "observe: country, spend, orders, behaviour tags, responses); rfm (tiers by recency, "
        "frequency and money).",
    )
    k: int = bounded(4, lo=1, hi=50, doc="Number of k-means clusters.", unit="segments")
    refresh_days: int = bounded(30, lo=1, hi=3650, doc="Days between k-means refits.", unit="days")
    fit_sample: int = bounded(
        20_000,
        lo=1,
        hi=10**7,
        doc="Records a k-means refit uses at most (a random sample of them beyond that).",
        unit="records",
        rule="at least k when kind is kmeans (one record a cluster)",
    )
    recency_days: list[int] = field(
        default_factory=lambda: [30, 90, 180],
        metadata=described(
            doc="RFM recency cut points, in days since the last order: up to the first a customer "
            "is recent; beyond the second a repeat buyer is at risk; beyond the third hibernating.",
            unit="days",
            rule="three day counts >= 1, none below the one before",
        ),
    )
    frequency: list[int] = field(
        default_factory=lambda: [2, 4],
        metadata=described(
            doc="RFM frequency cut points: the orders that make a repeat buyer (who can be at "
            "risk) and a frequent, loyal one.",
            unit="orders",
            rule="two order counts, 1 <= repeat <= frequent",
        ),
    )
    monetary: float = bounded(
        150.0,
        lo=0.0,
        hi=1e7,
        doc="Spend with the seller that makes a recent, frequent buyer a champion (RFM).",
        unit="USD",
    )


@dataclass
class ProductConfig:
    """Which of the seller's products a contact features."""

    kind: str = one_of(
        "bestseller",
        PRODUCT_SELECTIONS,
        doc="The product a contact features: bestseller (the seller's most sold); "
        "tag_matching (the best match to the customer's observed tastes); tiered (entry for "
        "prospects and new customers, premium for loyal ones, standard otherwise).",
    )


@dataclass
class ChannelConfig:
    """Which channel carries a contact: one fixed channel, a map by stage, or learned."""

    kind: str = one_of(
        "fixed",
        CHANNEL_CHOICES,
        doc="How the channel is chosen: fixed (one channel); by_stage (a channel for each "
        "stage of the customer); learned (Thompson sampling per segment on the responses the "
        "seller observes).",
    )
    fixed: str = one_of("edm", CHANNEL_NAMES, doc="The channel of kind fixed.")
    by_stage: dict[str, str] = field(
        default_factory=lambda: {
            "prospect": "onsite",
            "new": "edm",
            "active": "edm",
            "loyal": "whatsapp",
            "at_risk": "skype",
            "churned": "edm",
        },
        metadata=described(
            doc="The channel for each stage of the customer's life cycle, for kind by_stage.",
            rule=f"a channel ({', '.join(CHANNEL_NAMES)}) for each of {', '.join(STAGES)}",
        ),
    )


@dataclass
class PromotionConfig:
    """What a contact offers: nothing, a coupon, a sample, a risk-free trial, or the tool the
    customer, or its segment, has been seen to respond to."""

    kind: str = one_of(
        "none",
        PROMOTION_CHOICES,
        doc="What a contact offers: none; coupon (a discount); sample (a free sample, a "
        "first-hand reading of quality); trial (a risk-free first order: the seller bears the "
        "return); matched (the tool the customer has been seen to respond to); by_segment "
        "(the tool the customer's segment has been seen to respond to).",
    )
    coupon_discount: float = bounded(
        0.15,
        lo=0.0,
        hi=0.9,
        doc="Share of the featured product's price a coupon takes off; its cost is booked "
        "only when redeemed.",
        unit="share of price",
    )
    sample_cost: float = bounded(
        4.0, lo=0.0, hi=1e4, doc="Cost to the seller of sending one sample.", unit="USD"
    )
    sample_weight: float = bounded(
        4.0,
        lo=0.0,
        hi=1000.0,
        doc="Weight (pseudo-counts) of a sample's reading of quality in the customer's belief.",
        unit="weight",
    )


@dataclass
class TimingConfig:
    """When to contact: a fixed cadence, the customer's life cycle, the calendar, or both."""

    kind: str = one_of(
        "cadence",
        TIMINGS,
        doc="When to contact: cadence (every cadence_days); lifecycle (a welcome, near the "
        "expected repurchase, win-back when at risk); calendar (a welcome, then before "
        "festivals and sale days of the customer's country); combined (lifecycle or calendar).",
    )
    cadence_days: int = bounded(
        30,
        lo=1,
        hi=3650,
        doc="Days between contacts under cadence timing, and between win-back contacts to "
        "at-risk customers under lifecycle timing.",
        unit="days",
    )
    lead_days: int = bounded(
        3,
        lo=1,
        hi=30,
        doc="Days ahead of an expected repurchase or of a festival in which a contact is due.",
        unit="days",
    )
    repurchase_days: float = bounded(
        35.0,
        lo=1.0,
        hi=3650.0,
        doc="Expected gap before a customer's 2nd order; from then on its own mean gap between "
        "orders is used.",
        unit="days",
    )
    at_risk_days: int = bounded(
        60,
        lo=1,
        hi=3650,
        doc="Days without an order after which a customer's stage is at_risk.",
        unit="days",
        rule="fewer days than churned_days",
    )
    churned_days: int = bounded(
        180,
        lo=1,
        hi=3650,
        doc="Days without an order after which a customer's stage is churned.",
        unit="days",
    )


@dataclass
class BudgetConfig:
    """Spend cap per seller and period, and contact cap per customer and period."""

    period_days: int = bounded(
        30,
        lo=1,
        hi=3650,
        doc="Length of a budget period: spend and contact counts start afresh with each.",
        unit="days",
    )
    spend_cap: float = bounded(
        25.0,
        lo=0.0,
        hi=1e7,
        doc="Most a seller spends on contacts and samples in a period (coupons are booked "
        "when redeemed, outside the cap).",
        unit="USD",
    )
    frequency_cap: int = bounded(
        2,
        lo=0,
        hi=1000,
        doc="Most contacts a customer gets from one seller in a period.",
        unit="contacts",
    )


@dataclass
class StrategyConfig:
    """The sellers' marketing strategy: a composition of components (DESIGN section 5).

    `active: false` is the baseline: no targeted marketing. `share` of the sellers run the
    strategy and the others none, so a strategy can be tested against the baseline inside one
    market; `holdout_share` of each marketing seller's customers are never contacted.
    """

    name: str = field(
        default="baseline",
        metadata=described(
            doc="Label of the strategy: it names the strategy group in results.",
            rule=f"{NAME_RULE}, distinct among strategy and mix, and not {NO_MARKETING}",
        ),
    )
    active: bool = field(
        default=False,
        metadata=described(
            doc="Whether the strategy markets at all; false is the baseline: no marketing."
        ),
    )
    share: float = probability(
        1.0,
        doc="Share of traders who run this strategy whenever they sell; the others run the "
        "mix's strategies or none.",
        rule="with the mix's shares, at most 1 in all",
    )
    holdout_share: float = probability(
        0.1,
        doc="Share of each marketing seller's customers who are never contacted: the "
        "randomised control group marketing is measured against.",
    )
    segmentation: SegmentationConfig = field(
        default_factory=SegmentationConfig,
        metadata=described(
            doc="How a seller groups its customers: not at all, k-means on observed features, RFM "
            "tiers."
        ),
    )
    product: ProductConfig = field(
        default_factory=ProductConfig,
        metadata=described(doc="Which of the seller's products a contact features."),
    )
    channel: ChannelConfig = field(
        default_factory=ChannelConfig,
        metadata=described(
            doc="Which channel carries a contact: one fixed channel, a map by stage, or learned."
        ),
    )
    promotion: PromotionConfig = field(
        default_factory=PromotionConfig,
        metadata=described(
            doc="What a contact offers: nothing, a coupon, a sample, a risk-free trial, or the "
            "tool the customer has been seen to respond to."
        ),
    )
    timing: TimingConfig = field(
        default_factory=TimingConfig,
        metadata=described(
            doc="When to contact: a fixed cadence, the customer's life cycle, the calendar, or "
            "both."
        ),
    )
    budget: BudgetConfig = field(
        default_factory=BudgetConfig,
        metadata=described(
            doc="Spend cap per seller and period, and contact cap per customer and period."
        ),
    )


@dataclass
class SimConfig:
    """One run: the seed, its length, and the parts of the market."""

    seed: int = bounded(
        0,
        lo=0,
        hi=2**63 - 1,
        doc="The run's seed, split into independent random streams: runs with one seed and "
        "different policies meet the same population and conditions (paired comparisons).",
    )
    days: int = bounded(365, lo=1, hi=36_500, doc="Length of the run, one step a day.", unit="days")
    warm_up_days: int = bounded(
        60,
        lo=0,
        hi=36_500,
        doc="Days simulated before metrics are measured: the window is [warm_up_days, days).",
        unit="days",
        rule="fewer days than days",
    )
    progress: bool = field(
        default=True,
        metadata=described(
            doc="Show a progress bar while the run goes (cannot change a run's numbers)."
        ),
    )
    chunk_rows: int = bounded(
        1_000_000,
        lo=1,
        hi=10**9,
        doc="Order and event log rows held in memory before they stream to Parquet (cannot "
        "change a run's numbers).",
        unit="rows",
    )
    market: MarketConfig = field(
        default_factory=MarketConfig,
        metadata=described(doc="The world: countries, categories, routes, calendar and shocks."),
    )
    population: PopulationConfig = field(
        default_factory=PopulationConfig,
        metadata=described(doc="The traders: how many, their hidden types and tastes."),
    )
    platform: PlatformConfig = field(
        default_factory=PlatformConfig,
        metadata=described(doc="The marketplace operator's rules and what buyers can learn on it."),
    )
    service: ServiceConfig = field(
        default_factory=ServiceConfig,
        metadata=described(
            doc="Service levers of sellers and platform, compared with marketing by strategists."
        ),
    )
    strategy: StrategyConfig = field(
        default_factory=StrategyConfig,
        metadata=described(
            doc="The sellers' marketing strategy, a composition of components (docs/model.md "
            "section 7.11): segmentation, product, channel, promotion, timing and budget."
        ),
    )
    mix: dict[str, StrategyConfig] = field(
        default_factory=dict,
        metadata=described(
            doc="Further strategies in the same market, by name (e.g. mix=rfm_vs_personalized), "
            "each with the keys of strategy; traders left over by the shares do no marketing.",
            rule=f"strategies with distinct names other than {NO_MARKETING}; their shares and "
            "strategy.share sum to at most 1",
        ),
    )

    def strategy_groups(self) -> list[StrategyConfig]:
        """The marketing strategies of the market: `strategy`, then the `mix` in name order.
        Group i + 1 runs the i-th; group 0 (the sellers left over) does no marketing."""
        return [self.strategy, *(self.mix[name] for name in sorted(self.mix))]
