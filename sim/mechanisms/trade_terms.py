"""Sellers' terms of delivery adapt: duties paid or unpaid, whichever pays (docs/model.md 7.9).

Shipping duties paid (DDP) costs the seller a carrier's fee a parcel and shows buyers a dearer
price; duties unpaid (DDU) shows a cheaper one but loses carts to surprises and parcels refused
at the door. Which pays depends on the route, the category and the rules of the day, so sellers
learn it from their peers, as firms imitate the practice that visibly earns more: once a month
the sellers of each category compare the mean profit the DDP and the DDU sellers among them
made since the last review, and each seller on the poorer side switches with a chance of
`service.ddp_adaptation` times the relative gap. Sellers with local warehouses keep their terms.
"""

from __future__ import annotations

import numpy as np

from sim.state.market import MarketState

REVIEW_DAYS = 30  # sellers review their terms monthly, with their books


class TermsAdaptation:
    """Monthly review of each seller's delivery terms against its category's peers."""

    def __init__(self, state: MarketState, rng: np.random.Generator) -> None:
        self.state = state
        self.rng = rng

    def review(self, day: int) -> None:
        """On review days, let sellers on the poorer terms of their category switch."""
        t, rate = self.state.traders, self.state.config.service.ddp_adaptation
        if day == 0 or day % REVIEW_DAYS:
            return
        draws = self.rng.random(len(t))  # drawn at any rate, so a sweep over it stays paired
        if rate > 0:
            chance = rate * self._poorer_side_gap()
            switch = t.is_seller & ~t.warehouse & (draws < chance)
            t.ddp[switch] = ~t.ddp[switch]
        t.period_profit[:] = 0

    def _poorer_side_gap(self) -> np.ndarray:
        """Per trader: the relative gap in mean profit since the last review between its
        category's DDP and DDU sellers when the trader is on the poorer side, else 0 (and 0
        where a side has no seller)."""
        t = self.state.traders
        category, ddp, profit = t.specialty, t.ddp, t.period_profit
        selling = t.is_seller & ~t.warehouse
        gap = np.zeros(len(category))
        for c in range(self.state.world.n_categories):
            here = selling & (category == c)
            on, off = here & ddp, here & ~ddp
            if not on.any() or not off.any():
                continue
            mean_on, mean_off = profit[on].mean(), profit[off].mean()
            scale = abs(mean_on) + abs(mean_off)
            if scale == 0:
                continue
            relative = abs(mean_on - mean_off) / scale
            poorer = off if mean_on > mean_off else on
            gap[poorer] = relative
        return gap
