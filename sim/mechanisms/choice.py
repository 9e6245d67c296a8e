"""How a buyer scores the offers it considers and picks one (docs/model.md section 7.7).

Two small parts, passed in from outside so either can be swapped: a `UtilityModel` scores each
offer, and a `ChoiceRule` chooses among the scores with a no-purchase option. Both work on a
whole day's shoppers at once: rows are shoppers, columns their candidate offers. A utility
scores each offer from its own features and its buyer's traits alone, so shopping may hand it
the real offers one a row (the padding of the shopper-by-candidate grid left out) and lay the
scores back on the grid for the choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.config import UtilityConfig

NO_PURCHASE = -1


@dataclass
class Offers:
    """Features of each shopper's candidate offers, arrays of shape (M, K).

    Costs are already in the units the buyer feels them: prices relative to the buyer's budget
    in its own currency, the shipping fee relative to the goods' price, delivery in days.
    """

    valid: np.ndarray  # bool: a real offer (rows are padded to K)
    match: np.ndarray  # cosine of buyer tastes and product tags, [0, 1]
    quality_mean: np.ndarray  # belief mean
    quality_variance: np.ndarray  # belief variance
    signals: np.ndarray  # appeal of pictures and video, [0, 1]
    tie: np.ndarray  # tie strength, [0, 1]
    awareness: np.ndarray  # awareness a recent contact left, [0, 1]
    promotion: np.ndarray  # value of a promotion attached to the offer, >= 0
    price: np.ndarray  # landed price of the goods / the buyer's budget
    fee: np.ndarray  # shipping fee / price of the goods
    delivery_days: np.ndarray
    return_hassle: np.ndarray  # [0, 1]
    payment_friction: np.ndarray  # >= 0


@dataclass
class BuyerTraits:
    """The shoppers' own sensitivities, arrays of shape (M,)."""

    price: np.ndarray
    fee: np.ndarray
    delay: np.ndarray
    returns: np.ndarray
    payment: np.ndarray
    risk_aversion: np.ndarray
    tie_weight: np.ndarray

    def at(self, rows: np.ndarray) -> BuyerTraits:
        """The traits of the shoppers `rows` (a shopper may repeat: one row per offer)."""
        return BuyerTraits(**{name: np.take(values, rows) for name, values in vars(self).items()})


class UtilityModel(Protocol):
    def score(self, offers: Offers, traits: BuyerTraits) -> np.ndarray:
        """Utility of each offer, shape of the offers; an offer's utility depends on its own
        features and its row's traits only (no comparison across a row's offers)."""
        ...


class ChoiceRule(Protocol):
    def choose(self, utilities: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...


class LinearUtility:
    """Utility adds match, expected quality, signals, promotion, tie and awareness, and
    subtracts the landed price, shipping fee, delivery time, return hassle, payment friction
    and risk (belief variance times risk aversion). Invalid offers score -inf."""

    def __init__(self, weights: UtilityConfig) -> None:
        self.w = weights

    def score(self, offers: Offers, traits: BuyerTraits) -> np.ndarray:
        w, o = self.w, offers
        col = {name: getattr(traits, name)[:, None] for name in vars(traits)}
        gains = (
            w.match * o.match
            + w.quality * o.quality_mean
            + w.signals * o.signals
            + w.promotion * o.promotion
            + w.tie * col["tie_weight"] * o.tie
            + w.awareness * o.awareness
        )
        costs = (
            col["price"] * o.price
            + col["fee"] * o.fee
            + col["delay"] * o.delivery_days
            + col["returns"] * o.return_hassle
            + col["payment"] * o.payment_friction
            + col["risk_aversion"] * o.quality_variance
        )
        return np.where(o.valid, gains - costs, -np.inf)


class MultinomialLogit:
    """Multinomial logit with an outside option of fixed utility (buy nothing today)."""

    def __init__(self, no_purchase_utility: float) -> None:
        self.no_purchase_utility = no_purchase_utility

    def probabilities(self, utilities: np.ndarray) -> np.ndarray:
        """Choice probabilities; the last column is the no-purchase option."""
        u = self._with_outside(utilities)
        e = np.exp(u - u.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def choose(self, utilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Column of the chosen offer per row, or NO_PURCHASE (Gumbel-max sampling)."""
        u = self._with_outside(utilities)
        pick = (u + rng.gumbel(size=u.shape)).argmax(axis=1)
        return np.where(pick == utilities.shape[1], NO_PURCHASE, pick)

    def _with_outside(self, utilities: np.ndarray) -> np.ndarray:
        outside = np.full((utilities.shape[0], 1), self.no_purchase_utility)
        return np.hstack([utilities, outside])
