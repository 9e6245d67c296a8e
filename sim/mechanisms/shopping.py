"""Shopping sessions: consideration set, choice and inquiry (docs/model.md section 7.7-7.8).

A shopper considers the platform's search results for the category it needs, the sellers of
that category it has bought from or that a recent contact made it aware of, and an offer it
was sent. It scores each with the utility model and
chooses with the choice rule, buying nothing being an option. It may inquire first: a slow reply
loses some buyers, and the conversation itself is a signal of the seller's quality that enters
the buyer's belief. What it chose goes to the cart, with everything checkout needs to know.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.config.vocabulary import INQUIRY_OUTCOMES, NO_PROMOTION, TRIAL, WAREHOUSE
from sim.mechanisms.choice import BuyerTraits, ChoiceRule, Offers, UtilityModel
from sim.mechanisms.landed_cost import LandedCost, crossing, delivery_terms, landed_cost
from sim.mechanisms.search import SearchIndex, drop_repeats
from sim.state.arrays import take_pairs
from sim.state.beliefs import mean, pseudo_counts, variance
from sim.state.market import MarketState
from sim.state.traders import PRODUCT_PRICE, STANDARD, TYPE_TIE_WEIGHT

PROMOTION_APPEAL = 0.5  # utility of a promotion to a buyer of average taste for it
CROSS_BORDER_FRICTION = 0.3  # payment friction of paying abroad with a supported method
UX_FUNNEL_RELIEF = 0.6  # share of drop-out a perfect platform UX removes at each stage
UX_REFERENCE = 0.5  # the default market's UX, at which the no-purchase utility is calibrated
CONSIDERED_AWARENESS = 0.1  # awareness that still brings a seller to mind (3.3 half-lives)


def funnel_relief(ux: float) -> float:
    """The share of drop-out a platform UX of `ux` leaves at a funnel stage."""
    return 1.0 - UX_FUNNEL_RELIEF * ux


def no_purchase_utility(calibrated: float, ux: float) -> float:
    """The utility of leaving a session without buying under a platform UX of `ux`: its odds
    scale with the drop-out the UX leaves, as at the inquiry and checkout stages, relative to
    the reference UX the `calibrated` value was fitted at (the same value there)."""
    return calibrated + math.log(funnel_relief(ux) / funnel_relief(UX_REFERENCE))


@dataclass
class Carts:
    """The day's carts, one per shopper who chose an offer and kept it after any inquiry."""

    buyer: np.ndarray
    seller: np.ndarray
    price: np.ndarray  # reference units, after any discount, for all the units bought
    discount: np.ndarray
    units: np.ndarray  # how many of the product (the buyer's basket size)
    fee: np.ndarray
    terms: np.ndarray  # DELIVERY_TERMS code
    route: np.ndarray  # the country the parcel ships from (a warehouse's is the buyer's)
    cost: LandedCost  # duty, VAT and fees, and when each is paid
    foresight: np.ndarray  # share of the unlisted costs the buyer expected
    repeat: np.ndarray  # bool: the buyer has bought from this seller before
    promised_days: np.ndarray  # the delivery estimate checkout shows (customs included)
    expected_quality: np.ndarray
    belief_sd: np.ndarray  # how unsure: the standard deviation of that belief
    tie: np.ndarray
    product: np.ndarray
    match: np.ndarray
    promotion: np.ndarray
    # the utility penalties the buyer weighed, and what checkout reveals
    surprise_term: np.ndarray  # fee sensitivity x unforeseen costs / the total expected
    delay_term: np.ndarray  # on the full delivery estimate
    return_term: np.ndarray
    trust_term: np.ndarray
    payment_unsupported: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.buyer)


@dataclass
class Offered:
    """Offers that marketing put in front of today's shoppers: one per shopper, seller -1 if
    none, with the product and the promotion (a vocabulary.PROMOTIONS code) it came with."""

    seller: np.ndarray
    product: np.ndarray
    promotion: np.ndarray
    discount_share: np.ndarray

    def at(self, rows: np.ndarray) -> Offered:
        """The offers of the shoppers `rows` (a shopper may repeat)."""
        return Offered(**{name: values[rows] for name, values in vars(self).items()})

    @classmethod
    def nothing(cls, m: int) -> Offered:
        return cls(
            seller=np.full(m, -1),
            product=np.full(m, STANDARD),
            promotion=np.zeros(m, dtype=np.int64),
            discount_share=np.zeros(m),
        )


class Shopping:
    """Runs the day's shopping sessions."""

    def __init__(
        self,
        state: MarketState,
        search: SearchIndex,
        utility: UtilityModel,
        rule: ChoiceRule,
        rng: np.random.Generator,
    ) -> None:
        self.state = state
        self.search = search
        self.utility = utility
        self.rule = rule
        self.rng = rng

    def visit(
        self, day: int, buyers: np.ndarray, categories: np.ndarray, offered: Offered
    ) -> Carts:
        """Sessions of the given shoppers; returns the carts they fill."""
        s = self.state
        self.state.today["sessions"] += len(buyers)
        candidates = self._consider(day, buyers, categories, offered.seller)
        # most of the (shopper, candidate) grid is padding: score only the real offers, each
        # as a row of its own, and lay the scores back on the grid for the choice
        valid = candidates >= 0
        row, col = np.nonzero(valid)
        real = candidates[row, col][:, None]
        slots = s.relations.find(buyers[row], real)
        is_offer = real == offered.seller[row][:, None]
        offers, extra = self._features(day, buyers, row, real, slots, is_offer, offered.at(row))
        scores = np.full(candidates.shape, -np.inf)
        scores[row, col] = self.utility.score(offers, self._traits(buyers).at(row))[:, 0]
        pick = self.rule.choose(scores, self.rng)
        rows = np.arange(len(buyers))
        chosen = np.where(pick >= 0, candidates[rows, np.maximum(pick, 0)], -1)
        s.events.record(day, "session", buyers, other=chosen)
        keep = self._inquire(day, buyers, chosen)
        rows = np.flatnonzero(keep)
        position = np.cumsum(valid).reshape(valid.shape) - 1  # a real offer's row, by cell
        at = (position[rows, pick[keep]], 0)  # the chosen offers' rows in the features
        return self._carts(buyers, rows, at, real, offers, extra, is_offer, offered)

    def _consider(
        self, day: int, buyers: np.ndarray, categories: np.ndarray, offer: np.ndarray
    ) -> np.ndarray:
        """Candidate sellers (M, K): the offer, sellers of the category the buyer has bought
        from or is still aware of from a contact, search results."""
        s, t = self.state, self.state.traders
        k = s.config.platform.search_results
        preferences = np.take(t.preferences, buyers, axis=0)
        found = self.search.results(categories, preferences, k, self.rng)
        r = s.relations
        known = np.take(r.seller, buyers, axis=0).astype(np.int64)
        safe = np.maximum(known, 0)
        every_slot = np.broadcast_to(np.arange(known.shape[1]), known.shape)
        half_life = s.config.platform.awareness_half_life
        aware = r.awareness_now(buyers[:, None], every_slot, day, half_life)
        tied = (
            (known >= 0)
            & t.is_seller[safe]
            & (t.specialty[safe] == categories[:, None])
            & ((np.take(r.orders, buyers, axis=0) > 0) | (aware >= CONSIDERED_AWARENESS))
        )
        known = np.where(tied, known, -1)
        offer = np.where((offer >= 0) & t.is_seller[np.maximum(offer, 0)], offer, -1)
        return drop_repeats(np.hstack([offer[:, None], known, found]))

    def _features(self, day, shoppers, row, candidates, slots, is_offer, offered):
        """Offer features as the buyer sees them, and extra columns checkout needs; `row` is
        each offer's shopper (a row of `shoppers`).

        Search results and tied sellers show their standard product; a marketing offer shows
        the product and promotion it was sent with: a coupon lowers the price, a trial takes
        away the risk and the return hassle of a first order, and each tool has a hidden appeal.
        """
        s, t, c = self.state, self.state.traders, self.state.conditions
        service, platform = s.config.service, s.config.platform
        buyers = shoppers[row]

        def of_buyer(values: np.ndarray) -> np.ndarray:
            """Each offer's buyer's value: gathered per shopper, then spread over its offers
            (a gather from the day's few shoppers stays in cache; the same values)."""
            return np.take(np.take(values, shoppers, axis=0), row, axis=0)

        valid = candidates >= 0
        sellers = np.maximum(candidates, 0)
        home = np.broadcast_to(of_buyer(t.country)[:, None], sellers.shape)
        origin = t.country[sellers]
        terms = delivery_terms(origin, home, t.ddp[sellers], t.warehouse[sellers])
        route = np.where(terms == WAREHOUSE, home, origin)
        fx_factor = (c.rates / s.world.base_rates)[home]
        product = np.where(is_offer, offered.product[:, None], STANDARD)
        promotion = np.where(is_offer, offered.promotion[:, None], NO_PROMOTION)
        list_price = t.list_price[sellers] * PRODUCT_PRICE[product]
        discount = np.where(is_offer, offered.discount_share[:, None], 0.0) * list_price
        price = list_price - discount
        units = of_buyer(t.basket)[:, None]
        budget = of_buyer(t.budget)[:, None]
        fee = service.shipping_fee_share * c.shipping_cost[route, home]
        category = t.specialty[sellers]
        cost = landed_cost(
            c, platform.conversion_fee, origin, home, category, terms, price * units, fee
        )
        repeat = (slots >= 0) & (s.relations.at(s.relations.orders, buyers[:, None], slots) > 0)
        foresight = np.where(repeat, 1.0, platform.cost_foresight)
        listed = price + cost.in_price / units  # a unit's price as the listing shows it
        customs = np.where(crossing(terms), s.world.customs_days[home], 0.0)
        route_days = c.delivery_days[route, home] * service.logistics_speed
        a, b = s.beliefs.of(buyers, sellers, slots)
        trial = promotion == TRIAL
        unsupported = of_buyer(t.prefers_local_payment)[:, None] & ~t.accepts_local_payment[sellers]
        appeal = np.hstack([np.zeros((len(buyers), 1)), of_buyer(t.promotion_affinity)])
        offers = Offers(
            valid=valid,
            match=np.einsum(
                "mt,mkt->mk",
                of_buyer(t.preferences),
                take_pairs(t.product_tags, sellers, product),
            ),
            quality_mean=mean(a, b),
            quality_variance=np.where(trial, 0.0, variance(a, b)),
            signals=(t.picture_quality[sellers] + 0.5 * t.has_video[sellers]) / 1.5,
            tie=s.relations.tie_now(buyers[:, None], slots, day),
            awareness=s.relations.awareness_now(
                buyers[:, None], slots, day, platform.awareness_half_life
            ),
            promotion=PROMOTION_APPEAL * np.take_along_axis(appeal, promotion, axis=1),
            price=(listed + foresight * cost.hidden / units) * fx_factor / budget,
            fee=foresight * fee / listed,
            delivery_days=route_days + foresight * customs,
            return_hassle=np.where(trial, 0.0, service.return_hassle),
            payment_friction=unsupported + CROSS_BORDER_FRICTION * (origin != home),
        )
        extra = {
            "price": price,
            "discount": discount,
            "fee": fee,
            "terms": terms,
            "route": route,
            "cost": cost,
            "foresight": foresight,
            "repeat": repeat,
            "listed": listed,
            "estimate": route_days + customs,
            "unsupported": unsupported,
            "product": product,
        }
        return offers, extra

    def _traits(self, buyers: np.ndarray) -> BuyerTraits:
        t = self.state.traders
        return BuyerTraits(
            price=t.price_sensitivity[buyers],
            fee=t.fee_sensitivity[buyers],
            delay=t.delay_sensitivity[buyers],
            returns=t.return_sensitivity[buyers],
            payment=t.payment_sensitivity[buyers],
            risk_aversion=t.risk_aversion[buyers],
            tie_weight=TYPE_TIE_WEIGHT[t.buyer_type[buyers]],
        )

    def _inquire(self, day: int, buyers: np.ndarray, chosen: np.ndarray) -> np.ndarray:
        """Some buyers ask the seller first; a slow reply loses them. Returns who goes on."""
        s = self.state
        platform = s.config.platform
        asking = np.flatnonzero(chosen >= 0)
        asks = self.rng.random(len(asking)) < platform.inquiry_probability
        asking = asking[asks]
        hours = s.traders.reply_hours[chosen[asking]] * np.exp(
            0.3 * self.rng.standard_normal(len(asking))
        )
        relief = funnel_relief(s.config.service.ux)
        stay = self.rng.random(len(asking)) < np.exp(
            -relief * hours / platform.reply_patience_hours
        )
        s.events.record(
            day,
            "inquiry",
            buyers[asking],
            other=chosen[asking],
            detail=np.where(stay, INQUIRY_OUTCOMES.index("kept"), INQUIRY_OUTCOMES.index("lost")),
            value=hours,
        )
        self._learn_from_replies(day, buyers[asking], chosen[asking], hours)
        keep = chosen >= 0
        keep[asking[~stay]] = False
        return keep

    def _learn_from_replies(
        self, day: int, buyers: np.ndarray, sellers: np.ndarray, hours: np.ndarray
    ) -> None:
        """A conversation tells the buyer something about the seller: a noisy reading of its
        quality, worth more the sooner the reply came and the less noisy it is."""
        s = self.state
        p = s.config.platform
        noise = p.signal_noise * self.rng.standard_normal(len(buyers))
        reading = np.clip(s.traders.quality[sellers] + noise, 0.01, 0.99)
        weight = pseudo_counts(
            p.reply_weight * np.exp(-hours / p.reply_patience_hours), p.signal_noise
        )
        slots = s.relations.ensure(buyers, sellers, day)  # buyers are distinct: always a slot
        s.relations.add_experience(buyers, slots, weight * reading, weight * (1.0 - reading))

    def _carts(self, buyers, rows, at, real, offers, extra, is_offer, offered) -> Carts:
        """Carts of the shoppers `rows`, whose chosen offers `at` indexes among the real offers
        (`real`: their sellers, one a row, as the features are)."""
        b = buyers[rows]
        traits = self._traits(b)
        from_offer = is_offer[at]
        sellers = real[at]
        trial = from_offer & (offered.promotion[rows] == TRIAL)  # no risk in a trial order
        # the belief at the moment of purchase, after anything learnt from an inquiry
        a, beta = self.state.beliefs.of(b, sellers, self.state.relations.find(b, sellers))
        units = self.state.traders.basket[b]
        foresight = extra["foresight"][at]
        cost = extra["cost"].select(at)
        fee = extra["fee"][at]
        unforeseen = (1.0 - foresight) * (fee + cost.at_checkout + cost.conversion)
        expected = extra["listed"][at] * units + foresight * (fee + cost.hidden)
        return Carts(
            buyer=b,
            seller=sellers,
            price=extra["price"][at] * units,
            discount=extra["discount"][at] * units,
            units=units,
            fee=fee,
            terms=extra["terms"][at],
            route=extra["route"][at],
            cost=cost,
            foresight=foresight,
            repeat=extra["repeat"][at],
            promised_days=extra["estimate"][at],
            expected_quality=mean(a, beta),
            belief_sd=np.sqrt(variance(a, beta)),
            tie=offers.tie[at],
            product=extra["product"][at],
            match=offers.match[at],
            promotion=np.where(from_offer, offered.promotion[rows], NO_PROMOTION),
            surprise_term=traits.fee * unforeseen / np.maximum(expected, 1e-9),
            delay_term=traits.delay * extra["estimate"][at],
            return_term=traits.returns * offers.return_hassle[at],  # a trial has no hassle
            trust_term=np.where(trial, 0.0, traits.risk_aversion * variance(a, beta)),
            payment_unsupported=extra["unsupported"][at],
        )
