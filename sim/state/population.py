"""Drawing the initial traders from the population stream.

Every random number is drawn here, in a fixed order, from the population generator alone; service
levers and platform knobs only transform those draws afterwards. So two runs with the same seed
and different levers (say free shipping, or identity verification) start from the same people
with the same hidden qualities: their comparison is paired.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv

from sim.config import BUYER_TYPES, PlatformConfig, PopulationConfig, ServiceConfig
from sim.config.vocabulary import PRODUCTS
from sim.state.traders import (
    TYPE_ABUSIVE_RETURNS,
    TYPE_ACTIVITY,
    TYPE_PRICE_SENSITIVITY,
    TYPE_TIE_WEIGHT,
    TraderTable,
)
from sim.state.world import World

CHANNEL_TASTE = 0.5  # log-sd of a buyer's hidden liking of each contact channel
CATEGORY_FOCUS = 4.0  # how sharply tastes pick categories (softmax temperature inverse)


def draw_traders(
    n: int,
    world: World,
    population: PopulationConfig,
    platform: PlatformConfig,
    service: ServiceConfig,
    rng: np.random.Generator,
) -> TraderTable:
    """Draw n traders: who they are, what they could sell, and what they like."""
    draws = _base_draws(n, world, population, rng)
    country, specialty, btype = draws["country"], draws["specialty"], draws["buyer_type"]
    quality = draws["quality"]
    picture = np.clip(service.picture_quality + 0.2 * draws["z_picture"], 0.0, 1.0)
    video = draws["u_video"] < service.video_share
    noise = platform.signal_noise * (1.5 - picture) * np.where(video, 0.7, 1.0)
    preferences = _unit(draws["z_preferences"])
    affinity = CATEGORY_FOCUS * preferences @ world.category_tags.T
    weights = np.exp(affinity - affinity.max(axis=1, keepdims=True))
    price_factor = np.exp(population.price_dispersion * draws["z_price"]) * (0.85 + 0.3 * quality)
    income = world.income[country] * np.exp(0.4 * draws["z_income"] - 0.08)
    sensitivity = np.exp(0.3 * draws["z_sensitivity"])  # (N, 6), one column per trait
    return TraderTable(
        country=country.astype(np.int16),
        specialty=specialty.astype(np.int16),
        buyer_type=btype.astype(np.int8),
        is_seller=np.zeros(n, dtype=bool),
        monthly_income=np.round(income * 100).astype(np.int64),
        cost_efficiency=np.exp(
            np.log(population.cost_efficiency_median)
            + population.cost_efficiency_sd * draws["z_cost"]
        ),
        price_factor=price_factor,
        list_price=world.category_price[specialty] * price_factor,
        quality=quality,
        product_tags=_unit(
            world.category_tags[specialty][:, None, :]
            + population.tag_noise * draws["z_tags"][:, None, :]
            + population.tag_noise * draws["z_variants"]
        ).astype(np.float32),
        product_sales=np.zeros((n, len(PRODUCTS)), dtype=np.int64),
        listing_signal=np.clip(quality + noise * draws["z_signal"], 0.01, 0.99),
        listing_noise=noise,
        picture_quality=picture,
        has_video=video,
        reply_hours=service.reply_hours * np.exp(0.6 * draws["z_reply"]),
        accepts_local_payment=draws["u_local"] < service.local_payment,
        ddp=draws["u_ddp"] < service.ddp_share,
        warehouse=draws["u_warehouse"] < service.local_warehouse,
        period_profit=np.zeros(n, dtype=np.int64),
        verified=draws["u_verified"] < platform.identity_verification,
        review_count=np.zeros(n, dtype=np.int32),
        review_score=np.zeros(n),
        low_margin_since=np.full(n, -1, dtype=np.int32),
        group=np.zeros(n, dtype=np.int8),
        preferences=preferences.astype(np.float32),
        category_cdf=np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1),
        activity=TYPE_ACTIVITY[btype] * draws["activity"],
        lapse_chance=lapse_chances(population, draws["u_lapse"]),
        lapsed=np.zeros(n, dtype=bool),
        budget=0.05 * income * np.exp(0.3 * draws["z_budget"]),
        basket=_basket(population.basket_dispersion, draws["z_basket"]),
        price_sensitivity=population.price_sensitivity
        * TYPE_PRICE_SENSITIVITY[btype]
        * sensitivity[:, 0],
        risk_aversion=population.risk_aversion * sensitivity[:, 1],
        fee_sensitivity=population.shipping_fee_sensitivity * sensitivity[:, 2],
        delay_sensitivity=population.delivery_sensitivity * sensitivity[:, 3],
        return_sensitivity=population.return_sensitivity * sensitivity[:, 4],
        payment_sensitivity=population.payment_sensitivity * sensitivity[:, 5],
        prefers_local_payment=draws["u_prefers_local"] < world.local_payment_preference[country],
        channel_affinity=np.exp(CHANNEL_TASTE * draws["z_channel"]),
        promotion_affinity=_promotion_affinity(btype, draws["z_promotion"]),
        behaviour_tags=_behaviour_tags(btype, platform.behaviour_noise, draws["z_behaviour"]),
        observed_tastes=_unit(preferences + platform.taste_noise * draws["z_tastes"]).astype(
            np.float32
        ),
    )


def _promotion_affinity(btype: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Hidden appeal of coupon, sample and trial: bargain hunters love coupons, the cautious
    (loyal, occasional) value trying before buying."""
    #                      coupon sample trial
    base = np.array(
        [
            [0.6, 1.0, 0.8],  # loyal
            [1.6, 0.5, 0.5],  # bargain hunter
            [0.8, 1.2, 1.3],  # occasional
            [1.2, 0.8, 1.0],
        ]
    )  # risky
    return base[btype] * np.exp(0.3 * z)


def _behaviour_tags(btype: np.ndarray, noise: float, z: np.ndarray) -> np.ndarray:
    """The platform's behaviour tags of a buyer, standardised traits that its hidden type
    drives (visit frequency, deal seeking, return habit, loyalty), read with noise."""
    traits = np.stack(
        [
            np.log(TYPE_ACTIVITY[btype]),
            np.log(TYPE_PRICE_SENSITIVITY[btype]),
            TYPE_ABUSIVE_RETURNS[btype],
            np.log(TYPE_TIE_WEIGHT[btype]),
        ],
        axis=1,
    )
    spread = np.array([0.5, 0.4, 0.15, 0.4])  # a trait's spread across types, for scale
    return traits / spread + noise * z


def _base_draws(
    n: int, world: World, population: PopulationConfig, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """All random draws of the population, in a fixed order that no lever can change."""
    n_tags = world.category_tags.shape[1]
    type_shares = np.array([population.type_shares[t] for t in BUYER_TYPES])
    return {
        "country": rng.choice(world.n_countries, size=n, p=world.population_share),
        "specialty": rng.integers(0, world.n_categories, size=n),
        "buyer_type": rng.choice(len(BUYER_TYPES), size=n, p=type_shares / type_shares.sum()),
        "quality": rng.beta(population.quality_alpha, population.quality_beta, size=n),
        "z_cost": rng.standard_normal(n),
        "z_price": rng.standard_normal(n),
        "z_tags": rng.standard_normal((n, n_tags)),
        "z_signal": rng.standard_normal(n),
        "z_picture": rng.standard_normal(n),
        "u_video": rng.random(n),
        "z_reply": rng.standard_normal(n),
        "u_local": rng.random(n),
        "u_verified": rng.random(n),
        "z_preferences": np.abs(rng.standard_normal((n, n_tags))),
        "activity": rng.gamma(population.activity_shape, 1.0 / population.activity_shape, n),
        "z_income": rng.standard_normal(n),
        "z_budget": rng.standard_normal(n),
        "z_sensitivity": rng.standard_normal((n, 6)),
        "u_prefers_local": rng.random(n),
        "z_variants": rng.standard_normal((n, len(PRODUCTS), n_tags)),
        "z_channel": rng.standard_normal((n, 4)),
        "z_promotion": rng.standard_normal((n, 3)),
        "z_behaviour": rng.standard_normal((n, 4)),
        "z_tastes": rng.standard_normal((n, n_tags)),
        "u_lapse": rng.random(n),
        "u_ddp": rng.random(n),
        "u_warehouse": rng.random(n),
        # drawn last, and only when used, so that it changes no other draw
        "z_basket": rng.standard_normal(n) if population.basket_dispersion > 0 else np.zeros(n),
    }


def lapse_chances(population: PopulationConfig, u: np.ndarray) -> np.ndarray:
    """Each buyer's chance of lapsing after an order: the `u` quantile of a Beta with mean
    `lapse_chance` (by quantile, so the same buyers are the most lapse-prone at any mean)."""
    mean, k = population.lapse_chance, population.lapse_concentration
    if mean in (0.0, 1.0):
        return np.full(len(u), mean)
    return betaincinv(mean * k, (1.0 - mean) * k, u)


def _basket(dispersion: float, z: np.ndarray) -> np.ndarray:
    """Units per order, lognormal with mean 1: one unit each when `dispersion` is 0."""
    return np.exp(dispersion * z - dispersion**2 / 2)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
