"""Shopping needs: who goes shopping today, and for what (docs/model.md section 7.5).

Needs arrive as a Poisson process per trader at a rate scaled by the trader's activity and by
its country's festivals, platform sale days and demand shocks. Instead of a draw per trader,
the day's number of needs per country is drawn and spread over that country's traders in
proportion to activity; needs that fall on sellers are dropped (a seller does not shop as a
buyer). So a day costs in proportion to its shoppers, not to the population.
"""

from __future__ import annotations

import numpy as np

from sim.state.market import MarketState


class Needs:
    """Draws the day's shoppers and the category each one needs."""

    def __init__(self, state: MarketState, rng: np.random.Generator) -> None:
        self.state = state
        self.rng = rng
        t = state.traders
        self.by_country = np.argsort(t.country, kind="stable")
        self.cumulative = np.cumsum(t.activity[self.by_country])
        cum = np.r_[0.0, self.cumulative]
        bounds = np.searchsorted(t.country[self.by_country], np.arange(state.world.n_countries + 1))
        self.lo, self.hi = cum[bounds[:-1]], cum[bounds[1:]]

    def draw(self, day: int, contacted: np.ndarray, offered_category: np.ndarray):
        """Today's shoppers (unique buyers) and the category each needs.

        `contacted` buyers whose contact landed shop today for `offered_category` (a buyer
        reached by several sellers shops for the first offer).
        """
        t = self.state.traders
        contacted, first = np.unique(contacted, return_index=True)  # the first offer counts
        offered_category = offered_category[first]
        rate = self.state.config.population.need_rate
        expected = rate * self.state.conditions.need_multiplier(day) * (self.hi - self.lo)
        counts = self.rng.poisson(expected)
        lo = np.repeat(self.lo, counts)
        hi = np.repeat(self.hi, counts)
        u = lo + self.rng.random(len(lo)) * (hi - lo)
        index = np.searchsorted(self.cumulative, u, side="right")
        picked = self.by_country[np.minimum(index, len(self.by_country) - 1)]
        natural = np.unique(picked[~t.is_seller[picked]])
        natural = natural[~np.isin(natural, contacted)]
        categories = self._categories(natural)
        offered = ~t.is_seller[contacted]
        buyers = np.concatenate([natural, contacted[offered]])
        return buyers, np.concatenate([categories, offered_category[offered]])

    def _categories(self, buyers: np.ndarray) -> np.ndarray:
        cdf = np.take(self.state.traders.category_cdf, buyers, axis=0)
        u = self.rng.random(len(buyers))[:, None]
        return np.minimum((u > cdf).sum(axis=1), cdf.shape[1] - 1)
