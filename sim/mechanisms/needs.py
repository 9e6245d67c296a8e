"""Shopping needs: who goes shopping today, and for what (docs/model.md section 7.5).

Needs arrive as a Poisson process per trader at a rate scaled by the trader's activity and by
its country's festivals, platform sale days and demand shocks. Instead of a draw per trader,
the day's number of needs per country is drawn and spread over that country's traders in
proportion to activity; needs that fall on sellers are dropped (a seller does not shop as a
buyer). So a day costs in proportion to its shoppers, not to the population.

A lapsed buyer's need brings it back only with the chance `population.winback_chance` (so
festivals, with more needs, bring more back); a contact that lands always brings it back.
"""

from __future__ import annotations

import numpy as np

from sim.state.arrays import CumulativeSearch
from sim.state.market import MarketState


class Needs:
    """Draws the day's shoppers and the category each one needs."""

    def __init__(self, state: MarketState, rng: np.random.Generator) -> None:
        self.state = state
        self.rng = rng
        t = state.traders
        self.by_country = np.argsort(t.country, kind="stable")
        self.cumulative = np.cumsum(t.activity[self.by_country])
        self.search = CumulativeSearch(self.cumulative, slices_per_entry=1)
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
        index = self.search(u)
        picked = self.by_country[np.minimum(index, len(self.by_country) - 1)]
        natural = np.unique(picked[~t.is_seller[picked]])
        natural = natural[~np.isin(natural, contacted)]
        natural = self._lapsed_return(day, natural)
        categories = self._categories(natural)
        offered = ~t.is_seller[contacted]
        self._come_back(day, contacted[offered & t.lapsed[contacted]], contact=True)
        buyers = np.concatenate([natural, contacted[offered]])
        return buyers, np.concatenate([categories, offered_category[offered]])

    def _lapsed_return(self, day: int, shoppers: np.ndarray) -> np.ndarray:
        """The shoppers who act on their need: the active ones, and lapsed ones who come back."""
        lapsed = self.state.traders.lapsed[shoppers]
        if not lapsed.any():
            return shoppers
        chance = self.state.config.population.winback_chance
        back = lapsed & (self.rng.random(len(shoppers)) < chance)
        self._come_back(day, shoppers[back], contact=False)
        return shoppers[~lapsed | back]

    def _come_back(self, day: int, buyers: np.ndarray, contact: bool) -> None:
        self.state.traders.lapsed[buyers] = False
        self.state.events.record(day, "comeback", buyers, detail=int(contact))

    def _categories(self, buyers: np.ndarray) -> np.ndarray:
        cdf = np.take(self.state.traders.category_cdf, buyers, axis=0)
        u = self.rng.random(len(buyers))[:, None]
        return np.minimum((u > cdf).sum(axis=1), cdf.shape[1] - 1)
