"""Promotion tools by a customer's promotional preference (docs/model.md section 7.11).

coupon: a discount on the offered product, its cost booked only when redeemed (as the discount
on the order); sample: sent with the contact at a cost, it gives the customer a private reading
of the seller's quality, which narrows its belief; trial: the first order carries no risk for
the buyer, the seller bears the return; matched: for each customer, the tool it has been seen
to respond to (Thompson sampling over its own response history); by_segment: for each
segment, the tool its customers have been seen to respond to (Thompson sampling over the
segment's responses, pooled over the strategy's sellers), so segments are treated differently
and a better segmentation finds better tools (docs/model.md section 7.11).
"""

from __future__ import annotations

import numpy as np

from sim.config import PromotionConfig
from sim.config.vocabulary import COUPON, NO_PROMOTION, PROMOTIONS, SAMPLE, TRIAL
from sim.marketing.bandit import thompson_scores

TOOL_CODES = np.array([COUPON, SAMPLE, TRIAL])  # the relations' tool axis, as PROMOTIONS codes
LEARNED = ("matched", "by_segment")  # kinds that learn the tool from responses


def choose_promotions(
    config: PromotionConfig,
    orders: np.ndarray,
    tool_tries: np.ndarray,
    tool_wins: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """PROMOTIONS code per contact. A trial is only for a first order. For matched and
    by_segment, `tool_tries` and `tool_wins` are (contacts, tools): the responses so far of
    the customer, or of its segment."""
    first_order = orders == 0
    n = len(orders)
    if config.kind in LEARNED:
        draw = thompson_scores(tool_wins, tool_tries, rng)
        draw[~first_order, 2] = -np.inf
        return TOOL_CODES[draw.argmax(axis=1)]
    code = PROMOTIONS.index(config.kind)
    promotion = np.full(n, code)
    if code == TRIAL:
        promotion[~first_order] = NO_PROMOTION
    return promotion


def promotion_cost(config: PromotionConfig, promotion: np.ndarray) -> np.ndarray:
    """Cost at sending time (USD): only samples cost before anything is redeemed."""
    return np.where(promotion == SAMPLE, config.sample_cost, 0.0)


def discount_share(config: PromotionConfig, promotion: np.ndarray) -> np.ndarray:
    return np.where(promotion == COUPON, config.coupon_discount, 0.0)
