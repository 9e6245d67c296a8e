"""Traders: one Mesa agent class whose role is buyer or seller, and the arrays behind it.

Every trader is a `Trader` agent registered with the Mesa model. Its state lives in one
`TraderTable` of numpy arrays indexed by `Trader.index`, so the daily mechanisms can act on all
acting traders at once (docs/model.md section 3.3), while the agent stays the place to look at one
trader. The table is the single source of truth: `Trader.role` reads it, and the model selects
buyers and sellers through its AgentSet with that property, so nothing can drift.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, fields

import mesa
import numpy as np

from sim.config import BUYER_TYPES
from sim.config.vocabulary import PRODUCTS, ROLES

BUYER, SELLER = ROLES

# Hidden buyer types shift behaviour; sellers never see the type, only what it causes.
#                         loyal  bargain  occasional  risky
TYPE_ACTIVITY = np.array([1.6, 1.0, 0.5, 1.0])
TYPE_PRICE_SENSITIVITY = np.array([0.8, 1.7, 1.0, 1.0])
TYPE_TIE_WEIGHT = np.array([1.6, 0.6, 1.0, 0.8])
TYPE_PAYMENT_RISK = np.array([0.0, 0.0, 0.0, 1.0])
TYPE_ABUSIVE_RETURNS = np.array([0.0, 0.0, 0.0, 0.35])

# A seller's product line: the listing shoppers find is the standard product.
PRODUCT_PRICE = np.array([0.75, 1.0, 1.35])
STANDARD = PRODUCTS.index("standard")


@dataclass
class TraderTable:
    """Per-trader state as arrays of length N (and N x T for tag vectors)."""

    # who they are
    country: np.ndarray  # int16 country index
    specialty: np.ndarray  # int16 category the trader can source cheaply
    buyer_type: np.ndarray  # int8 index into BUYER_TYPES, hidden from sellers
    is_seller: np.ndarray  # bool: the role today
    monthly_income: np.ndarray  # int64 cents
    # as a seller
    cost_efficiency: np.ndarray  # multiplier on the country's sourcing cost (1 = typical)
    price_factor: np.ndarray  # listing price / category world price
    list_price: np.ndarray  # reference units: the category's world price times price_factor
    quality: np.ndarray  # hidden true quality in [0, 1]
    product_tags: np.ndarray  # (N, P, T) unit tag vectors of the trader's products
    product_sales: np.ndarray  # (N, P) units sold of each product
    listing_signal: np.ndarray  # what pictures and video suggest about quality
    listing_noise: np.ndarray  # sd of that reading: better pictures and a video, less noise
    picture_quality: np.ndarray  # [0, 1]
    has_video: np.ndarray  # bool
    reply_hours: np.ndarray  # typical reply time to an inquiry
    accepts_local_payment: np.ndarray  # bool
    ddp: np.ndarray  # bool: ships cross-border parcels duties paid (else duties unpaid)
    warehouse: np.ndarray  # bool: ships from warehouses in the buyers' countries
    period_profit: np.ndarray  # int64 cents earned since the terms were last reviewed
    verified: np.ndarray  # bool: identity verified by the platform
    review_count: np.ndarray  # int32, kept across flips
    review_score: np.ndarray  # sum over reviews of (rating - 1) / 4
    low_margin_since: np.ndarray  # int32 day the margin fell below exit, -1 if it is above
    group: np.ndarray  # int8 strategy group when selling: 0 = no marketing, 1 = the strategy
    # as a buyer
    preferences: np.ndarray  # (N, T) unit vectors of hidden tastes
    category_cdf: np.ndarray  # (N, C) cumulative probability of needing each category
    activity: np.ndarray  # relative rate of shopping needs
    lapse_chance: np.ndarray  # chance of lapsing after an order (more after a bad one)
    lapsed: np.ndarray  # bool: stopped shopping on the platform until won back
    budget: np.ndarray  # typical spend per order, reference units
    basket: np.ndarray  # units bought per order (mean 1 over buyers): bulk buyers take more
    price_sensitivity: np.ndarray
    risk_aversion: np.ndarray
    fee_sensitivity: np.ndarray
    delay_sensitivity: np.ndarray
    return_sensitivity: np.ndarray
    payment_sensitivity: np.ndarray
    prefers_local_payment: np.ndarray  # bool
    channel_affinity: np.ndarray  # (N, channels) hidden response multiplier by channel
    promotion_affinity: np.ndarray  # (N, tools) hidden appeal of coupon, sample, trial
    behaviour_tags: np.ndarray  # (N, 4) what the platform shows sellers of a buyer's behaviour
    observed_tastes: np.ndarray  # (N, T) the buyer's tastes as its browsing shows them

    def __len__(self) -> int:
        return len(self.country)

    def __post_init__(self) -> None:
        n = len(self.country)
        for f in fields(self):
            if len(getattr(self, f.name)) != n:
                raise ValueError(
                    f"TraderTable.{f.name} has {len(getattr(self, f.name))} rows, not {n}"
                )


class Trader(mesa.Agent):
    """A trader of the marketplace; its `role` flips between buyer and seller over time."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @classmethod
    def populate(cls, model: mesa.Model, n: int) -> None:
        """Register `n` traders with `model`, one per table row. Made one by one rather than
        by `create_agents`, which builds an agent set the model does not need, and with the
        cyclic garbage collector paused: a million new agents would otherwise set off full
        collections that walk every agent made so far (a 1,000,000-trader build took 10.1 s
        with both, 7.3 s without, the same hour: benchmarks/results.md)."""
        paused = gc.isenabled()
        gc.disable()
        try:
            for index in range(n):
                cls(model, index)
        finally:
            if paused:
                gc.enable()

    @property
    def table(self) -> TraderTable:
        return self.model.traders

    @property
    def role(self) -> str:
        return SELLER if self.table.is_seller[self.index] else BUYER

    @property
    def country(self) -> str:
        return self.model.world.countries[self.table.country[self.index]]

    @property
    def cash(self) -> float:
        """Cash in reference currency units."""
        return self.model.ledger.cash[self.index] / 100.0

    @property
    def quality(self) -> float:
        """Hidden true quality of what this trader sells (when it sells)."""
        return float(self.table.quality[self.index])

    @property
    def buyer_type(self) -> str:
        """Hidden type: sellers never read this; tests and analysis do."""
        return BUYER_TYPES[self.table.buyer_type[self.index]]

    @property
    def reviews(self) -> int:
        return int(self.table.review_count[self.index])
