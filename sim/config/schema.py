"""The schema of one simulation run: typed dataclasses, each field with its default and its
allowed range or choices declared beside it (`bounded`, `probability`, `one_of`).

Hydra composes YAML presets onto these (`sim.config.compose`); `sim.config.checks` checks the
declared ranges and the rules across fields that types alone cannot express. The library never
imports Hydra: a plain `SimConfig` built in Python runs the same model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sim.config.vocabulary import (
    CHANNEL_CHOICES,
    CHANNEL_NAMES,
    PRODUCT_SELECTIONS,
    PROMOTION_CHOICES,
    SEGMENTATIONS,
    SHOCK_KINDS,
    TIMINGS,
)

NO_EFFECT = ("progress", "chunk_rows")  # settings that cannot change a run's numbers
MAX_TAG = 100.0  # a category's weight on a tag
MAX_ROUTE_VALUE = 1e5  # a route's shipping cost (USD) or delivery days


def bounded(default: Any = dataclasses.MISSING, *, lo=None, hi=None, factory=None, lo_open=False):
    """A dataclass field with an allowed range, checked by `validate`."""
    meta = {"lo": lo, "hi": hi, "lo_open": lo_open}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def probability(default: float):
    """A field that must lie in [0, 1]."""
    return bounded(default, lo=0.0, hi=1.0)


def one_of(default: str, choices: tuple[str, ...]):
    """A text field that takes one of `choices`, checked by `validate`."""
    return field(default=default, metadata={"choices": choices})


@dataclass
class FestivalConfig:
    """A festival or platform sale: needs are multiplied by `boost` for `length` days."""

    name: str = "festival"
    day: int = bounded(0, lo=0, hi=365)
    length: int = bounded(1, lo=1, hi=60)
    boost: float = bounded(1.5, lo=0.0, hi=20.0, lo_open=True)


@dataclass
class CountryConfig:
    """A country: its currency, trade barriers, people and calendar."""

    currency: str = "USD"
    fx_rate: float = bounded(1.0, lo=1e-4, hi=1e6)  # local units per USD
    fx_volatility: float = bounded(0.004, lo=0.0, hi=0.2)
    tariff: float = bounded(0.0, lo=0.0, hi=5.0)
    population_share: float = bounded(1.0, lo=1e-6, hi=1e6)  # a relative weight
    income: float = bounded(3000.0, lo=1.0, hi=1e6)  # USD a month
    local_payment_preference: float = probability(0.2)
    festivals: list[FestivalConfig] = field(default_factory=list)


@dataclass
class CategoryConfig:
    """A product category: its world price, tag vector, and sourcing cost by country."""

    price: float = bounded(40.0, lo=0.01, hi=1e6)  # USD
    tags: list[float] = field(default_factory=list)
    sourcing_cost: dict[str, float] = field(default_factory=dict)


@dataclass
class ShockConfig:
    """A scheduled change of trading conditions from `day` on.

    kind fx: the target currency's rate is multiplied by (1 + size) (size > 0 depreciates it);
    tariff: the target's import tariff rises by size (target "CN>US": only US imports from CN);
    shipping: costs and days on routes touching the target (or the one route) scale by (1 + size);
    demand: shopping needs in the target country scale by (1 + size).
    """

    day: int = bounded(0, lo=0, hi=36_500)
    kind: str = one_of("fx", SHOCK_KINDS)
    target: str = ""  # a country code, or a route "FROM>TO"
    size: float = bounded(0.0, lo=-1.0, hi=10.0, lo_open=True)


@dataclass
class RoleConfig:
    """When traders switch between buying and selling (hysteresis on the resale margin)."""

    entry_margin: float = bounded(0.30, lo=-1.0, hi=1.0)
    exit_margin: float = bounded(0.12, lo=-1.0, hi=1.0)
    patience: int = bounded(14, lo=1, hi=3650)
    switching_cost: float = bounded(150.0, lo=0.0, hi=1e6)
    entry_rate: float = probability(0.05)


@dataclass
class MarketConfig:
    """The world: countries, categories, routes, calendar and shocks."""

    name: str = "default"
    reference_currency: str = "USD"
    start_date: str = "2025-01-01"
    tag_names: list[str] = field(default_factory=list)
    countries: dict[str, CountryConfig] = field(default_factory=dict)
    categories: dict[str, CategoryConfig] = field(default_factory=dict)
    # origin -> destination -> value; typed loosely because OmegaConf cannot type nested dicts
    # of floats given as integers; `validate` checks every cell is a number >= 0.
    shipping_cost: dict[str, Any] = field(default_factory=dict)
    delivery_days: dict[str, Any] = field(default_factory=dict)
    sale_days: list[FestivalConfig] = field(default_factory=list)
    shocks: list[ShockConfig] = field(default_factory=list)
    sourcing_volatility: float = bounded(0.01, lo=0.0, hi=0.5)
    sourcing_half_life: float = bounded(90.0, lo=0.0, hi=1e5, lo_open=True)  # days
    fx_jump_probability: float = probability(0.0)
    fx_jump_size: float = bounded(0.1, lo=0.0, hi=2.0)
    roles: RoleConfig = field(default_factory=RoleConfig)


@dataclass
class UtilityConfig:
    """Weights of the buyer's utility (docs/model.md section 7.7)."""

    match: float = bounded(1.5, lo=0.0, hi=50.0)
    quality: float = bounded(3.0, lo=0.0, hi=50.0)
    signals: float = bounded(0.5, lo=0.0, hi=50.0)
    tie: float = bounded(2.0, lo=0.0, hi=50.0)
    promotion: float = bounded(1.0, lo=0.0, hi=50.0)
    no_purchase: float = bounded(1.0, lo=-50.0, hi=50.0)


@dataclass
class PopulationConfig:
    """The traders: how many, their hidden types and tastes."""

    name: str = "default"
    n_traders: int = bounded(10_000, lo=2, hi=10**9)  # and what fits in memory (sim.memory)
    type_shares: dict[str, float] = field(
        default_factory=lambda: {
            "loyal": 0.2,
            "bargain_hunter": 0.3,
            "occasional": 0.42,
            "risky": 0.08,
        }
    )
    # need_rate, activity_shape and basket_dispersion are fitted to a real online retailer's
    # customers (configs/calibration/online_retail.yaml; README, Calibration). Before the fit
    # they were 0.03, 1.2 and 0.
    need_rate: float = bounded(0.0214, lo=0.0, hi=1.0)
    activity_shape: float = bounded(0.4887, lo=0.01, hi=100.0)
    # spread (sd of the log) of the units a buyer takes per order; 0: one unit each. Bulk
    # buyers are what concentrates a real retailer's revenue in its top customers.
    basket_dispersion: float = bounded(0.9112, lo=0.0, hi=3.0)
    price_sensitivity: float = bounded(2.0, lo=0.0, hi=50.0)
    risk_aversion: float = bounded(20.0, lo=0.0, hi=1000.0)
    shipping_fee_sensitivity: float = bounded(2.0, lo=0.0, hi=50.0)
    delivery_sensitivity: float = bounded(0.08, lo=0.0, hi=10.0)
    return_sensitivity: float = bounded(1.0, lo=0.0, hi=50.0)
    payment_sensitivity: float = bounded(1.0, lo=0.0, hi=50.0)
    quality_alpha: float = bounded(4.0, lo=0.01, hi=1000.0)
    quality_beta: float = bounded(2.5, lo=0.01, hi=1000.0)
    cost_efficiency_median: float = bounded(1.9, lo=0.01, hi=100.0)
    cost_efficiency_sd: float = bounded(0.35, lo=0.0, hi=2.0)
    price_dispersion: float = bounded(0.15, lo=0.0, hi=2.0)
    tag_noise: float = bounded(0.3, lo=0.0, hi=10.0)
    initial_cash_months: float = bounded(1.0, lo=0.0, hi=120.0)
    utility: UtilityConfig = field(default_factory=UtilityConfig)


@dataclass
class ChannelSpec:
    """A contact channel: what it costs, whom it reaches and how customers tire of it."""

    cost: float = bounded(0.05, lo=0.0, hi=1000.0)  # USD per contact
    reach: float = probability(0.9)  # chance the message reaches the customer
    response: float = probability(0.1)  # chance a reached customer takes it up
    fatigue: float = bounded(
        0.5, lo=0.0, hi=50.0
    )  # response falls by exp(-fatigue * recent contacts)
    unsubscribe: float = probability(0.01)  # per contact, times the recent contacts
    needs_relationship: bool = False  # only customers who have ordered can be reached


def default_channels() -> dict[str, ChannelSpec]:
    return {
        "onsite": ChannelSpec(cost=0.02, reach=0.6, response=0.08, fatigue=0.3, unsubscribe=0.0),
        "edm": ChannelSpec(cost=0.01, reach=0.8, response=0.04, fatigue=0.6, unsubscribe=0.02),
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

    commission: float = probability(0.08)
    identity_verification: float = probability(0.0)
    search_results: int = bounded(6, lo=1, hi=50)
    search_reputation: float = bounded(0.5, lo=0.0, hi=50.0)
    checkout_hesitation: float = bounded(0.15, lo=0.0, hi=50.0)
    review_probability: float = probability(0.35)
    review_noise: float = bounded(0.15, lo=0.0, hi=10.0)
    review_trust: float = bounded(1.0, lo=0.0, hi=100.0)
    signal_noise: float = bounded(0.25, lo=0.0, hi=10.0)
    listing_weight: float = bounded(2.0, lo=0.0, hi=1000.0)
    verification_weight: float = bounded(6.0, lo=0.0, hi=1000.0)
    experience_weight: float = bounded(3.0, lo=0.0, hi=1000.0)
    inquiry_probability: float = probability(0.3)
    reply_patience_hours: float = bounded(24.0, lo=0.01, hi=1000.0)
    reply_weight: float = bounded(1.0, lo=0.0, hi=50.0)
    cross_border_payment_failure: float = probability(0.04)
    unsupported_method_failure: float = probability(0.25)
    risky_payment_failure: float = probability(0.3)
    return_window_days: int = bounded(14, lo=0, hi=365)
    tie_gain: float = probability(0.3)
    tie_loss: float = probability(0.5)
    tie_half_life: float = bounded(90.0, lo=0.0, hi=1e5, lo_open=True)
    attribution_days: int = bounded(7, lo=0, hi=365)
    memory_slots: int = bounded(8, lo=1, hi=64)
    behaviour_noise: float = bounded(
        0.3, lo=0.0, hi=10.0
    )  # noise of the behaviour tags sellers see
    taste_noise: float = bounded(0.1, lo=0.0, hi=10.0)  # noise of the tag profile sellers see
    channels: dict[str, ChannelSpec] = field(default_factory=default_channels)


@dataclass
class ServiceConfig:
    """Service levers of sellers and platform, compared with marketing by strategists."""

    name: str = "default"
    shipping_fee_share: float = probability(1.0)
    return_hassle: float = probability(0.5)
    logistics_speed: float = bounded(1.0, lo=0.01, hi=100.0)
    local_payment: float = probability(0.3)
    picture_quality: float = probability(0.5)
    video_share: float = probability(0.2)
    reply_hours: float = bounded(12.0, lo=0.0, hi=1000.0)
    ux: float = probability(0.5)


@dataclass
class SegmentationConfig:
    """How a seller groups its customers: not at all, k-means on observed features, RFM tiers."""

    kind: str = one_of("none", SEGMENTATIONS)
    k: int = bounded(4, lo=1, hi=50)
    refresh_days: int = bounded(30, lo=1, hi=3650)
    fit_sample: int = bounded(20_000, lo=1, hi=10**7)  # k-means fits on at most this many records
    recency_days: list[int] = field(default_factory=lambda: [30, 90, 180])  # recent/lapsing/lost
    frequency: list[int] = field(default_factory=lambda: [2, 4])  # repeat / frequent buyer
    monetary: float = bounded(150.0, lo=0.0, hi=1e7)  # spend (USD) that makes a champion


@dataclass
class ProductConfig:
    """Which of the seller's products a contact features."""

    kind: str = one_of("bestseller", PRODUCT_SELECTIONS)


@dataclass
class ChannelConfig:
    """Which channel carries a contact: one fixed channel, a map by stage, or learned."""

    kind: str = one_of("fixed", CHANNEL_CHOICES)
    fixed: str = one_of("edm", CHANNEL_NAMES)
    by_stage: dict[str, str] = field(
        default_factory=lambda: {
            "prospect": "onsite",
            "new": "edm",
            "active": "edm",
            "loyal": "whatsapp",
            "at_risk": "skype",
            "churned": "edm",
        }
    )


@dataclass
class PromotionConfig:
    """What a contact offers: nothing, a coupon, a sample, a risk-free trial, or the tool the
    customer has been seen to respond to."""

    kind: str = one_of("none", PROMOTION_CHOICES)
    coupon_discount: float = bounded(0.15, lo=0.0, hi=0.9)
    sample_cost: float = bounded(4.0, lo=0.0, hi=1e4)
    sample_weight: float = bounded(4.0, lo=0.0, hi=1000.0)


@dataclass
class TimingConfig:
    """When to contact: a fixed cadence, the customer's life cycle, the calendar, or both."""

    kind: str = one_of("cadence", TIMINGS)
    cadence_days: int = bounded(30, lo=1, hi=3650)
    lead_days: int = bounded(3, lo=1, hi=30)
    repurchase_days: float = bounded(
        35.0, lo=1.0, hi=3650.0
    )  # expected gap before a customer's 2nd order
    at_risk_days: int = bounded(60, lo=1, hi=3650)
    churned_days: int = bounded(180, lo=1, hi=3650)


@dataclass
class BudgetConfig:
    """Spend cap per seller and period, and contact cap per customer and period."""

    period_days: int = bounded(30, lo=1, hi=3650)
    spend_cap: float = bounded(25.0, lo=0.0, hi=1e7)
    frequency_cap: int = bounded(2, lo=0, hi=1000)


@dataclass
class StrategyConfig:
    """The sellers' marketing strategy: a composition of components (docs/model.md section 7.11).

    `active: false` is the baseline: no targeted marketing. `share` of the sellers run the
    strategy and the others none, so a strategy can be tested against the baseline inside one
    market; `holdout_share` of each marketing seller's customers are never contacted.
    """

    name: str = "baseline"
    active: bool = False
    share: float = probability(1.0)
    holdout_share: float = probability(0.1)
    segmentation: SegmentationConfig = field(default_factory=SegmentationConfig)
    product: ProductConfig = field(default_factory=ProductConfig)
    channel: ChannelConfig = field(default_factory=ChannelConfig)
    promotion: PromotionConfig = field(default_factory=PromotionConfig)
    timing: TimingConfig = field(default_factory=TimingConfig)
    budget: BudgetConfig = field(default_factory=BudgetConfig)


@dataclass
class SimConfig:
    """One run: the seed, its length, and the parts of the market."""

    seed: int = bounded(0, lo=0, hi=2**63 - 1)
    days: int = bounded(365, lo=1, hi=36_500)
    warm_up_days: int = bounded(60, lo=0, hi=36_500)
    progress: bool = True
    chunk_rows: int = bounded(
        1_000_000, lo=1, hi=10**9
    )  # log rows in memory before they go to Parquet
    market: MarketConfig = field(default_factory=MarketConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    platform: PlatformConfig = field(default_factory=PlatformConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    mix: dict[str, StrategyConfig] = field(default_factory=dict)

    def strategy_groups(self) -> list[StrategyConfig]:
        """The marketing strategies of the market: `strategy`, then the `mix` in name order.
        Group i + 1 runs the i-th; group 0 (the sellers left over) does no marketing."""
        return [self.strategy, *(self.mix[name] for name in sorted(self.mix))]
