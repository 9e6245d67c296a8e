"""Checkout: carts become paid orders or are abandoned for a reason (docs/model.md section 7.9).

At checkout the buyer sees every cost in full. Each barrier it weighed while choosing (the
shipping fee, delivery time, return policy, doubt about the seller, the price) may now make it
leave, with a chance that grows with that barrier's weight in its utility; payment can fail
(paying abroad, an unsupported local method, risky buyers caught by fraud checks); a buyer who
cannot afford the total leaves on price. A good platform UX removes part of every drop-out.
The first reason to strike is recorded. Paid carts move money and become orders.
"""

from __future__ import annotations

import numpy as np

from sim.config.vocabulary import ABANDONMENT_REASONS
from sim.mechanisms.shopping import Carts, funnel_relief
from sim.state.ledger import to_cents
from sim.state.market import MarketState
from sim.state.traders import PRODUCT_PRICE, TYPE_PAYMENT_RISK

REASON = {name: i for i, name in enumerate(ABANDONMENT_REASONS)}


class Checkout:
    """Turns carts into orders, recording why the others were abandoned."""

    def __init__(self, state: MarketState, rng: np.random.Generator) -> None:
        self.state = state
        self.rng = rng

    def pay(self, day: int, carts: Carts) -> np.ndarray:
        """Settle today's carts; returns the row ids of the new orders."""
        s = self.state
        bill = self._bill(carts)
        hazards = self._hazards(carts, bill["amount"])
        u = self.rng.random(hazards.shape)
        struck = u < hazards
        abandoned = struck.any(axis=1)
        reason = np.argmax(np.where(struck, hazards / np.maximum(u, 1e-12), -1.0), axis=1)
        s.events.record(
            day,
            "abandonment",
            carts.buyer[abandoned],
            other=carts.seller[abandoned],
            detail=reason[abandoned],
            value=bill["amount"][abandoned] / 100.0,
        )
        s.today["carts"] += len(carts)
        s.today["abandoned"] += int(abandoned.sum())
        return self._settle(day, carts, bill, np.flatnonzero(~abandoned))

    def _bill(self, carts: Carts) -> dict[str, np.ndarray]:
        """What each cart costs the buyer, and what the seller pays out of it, in cents."""
        s, t, w = self.state, self.state.traders, self.state.world
        origin = t.country[carts.seller]
        home = t.country[carts.buyer]
        category = t.specialty[carts.seller]
        cogs = (
            w.sourcing_cost[origin, category]
            * s.conditions.sourcing_index[origin, category]
            * t.cost_efficiency[carts.seller]
            * w.category_price[category]
            * PRODUCT_PRICE[carts.product]
            * carts.units
            * w.base_rates[origin]
            / s.conditions.rates[origin]
        )
        bill = {
            "price": to_cents(carts.price),
            "discount": to_cents(carts.discount),
            "fee": to_cents(carts.fee),
            "tariff": to_cents(carts.price * carts.tariff_rate),
            "commission": to_cents(s.config.platform.commission * carts.price),
            "shipping_cost": to_cents(s.conditions.shipping_cost[origin, home]),
            "cogs": to_cents(cogs),
        }
        bill["amount"] = bill["price"] + bill["fee"] + bill["tariff"]
        return bill

    def _hazards(self, carts: Carts, amount: np.ndarray) -> np.ndarray:
        """Chance, per cart and reason, that the reason makes the buyer abandon."""
        s, t = self.state, self.state.traders
        p = s.config.platform
        relief = funnel_relief(s.config.service.ux)
        k = p.checkout_hesitation * relief
        cross_border = t.country[carts.seller] != t.country[carts.buyer]
        payment = (
            p.cross_border_payment_failure * cross_border
            + p.unsupported_method_failure * carts.payment_unsupported
            + p.risky_payment_failure * TYPE_PAYMENT_RISK[t.buyer_type[carts.buyer]]
        )
        hazards = np.empty((len(carts), len(ABANDONMENT_REASONS)))
        hazards[:, REASON["shipping_fee"]] = 1 - np.exp(-k * carts.fee_term)
        hazards[:, REASON["payment_failure"]] = np.clip(payment * relief, 0.0, 1.0)
        hazards[:, REASON["delivery_time"]] = 1 - np.exp(-k * carts.delay_term)
        hazards[:, REASON["return_policy"]] = 1 - np.exp(-k * carts.return_term)
        hazards[:, REASON["trust"]] = 1 - np.exp(-k * carts.trust_term)
        short = s.ledger.cash[carts.buyer] < amount
        hazards[:, REASON["price"]] = np.where(short, 1.0, 1 - np.exp(-k * carts.price_term))
        return hazards

    def _settle(self, day: int, carts: Carts, bill: dict, paid: np.ndarray) -> np.ndarray:
        """Move the money of paid carts and write their orders."""
        s, t = self.state, self.state.traders
        b = {name: values[paid] for name, values in bill.items()}
        buyer, seller = carts.buyer[paid], carts.seller[paid]
        s.ledger.transfer(buyer, seller, b["price"] + b["fee"])
        s.ledger.pay_out(buyer, "customs", b["tariff"])
        s.ledger.pay_out(seller, "platform", b["commission"])
        s.ledger.pay_out(seller, "shipping", b["shipping_cost"])
        s.ledger.pay_out(seller, "suppliers", b["cogs"])
        slots = s.relations.ensure(buyer, seller, day)  # buyers are distinct: always a slot
        touch = s.relations.last_touch(buyer, slots, day, s.config.platform.attribution_days)
        s.relations.record_order(buyer, slots, day, b["amount"] / 100.0)
        np.add.at(t.product_sales, (seller, carts.product[paid]), 1)
        s.today["orders"] += len(paid)
        s.today["gmv"] += int(b["amount"].sum())
        return s.orders.append(
            day=day,
            buyer=buyer,
            seller=seller,
            buyer_country=t.country[buyer],
            seller_country=t.country[seller],
            category=t.specialty[seller],
            price=b["price"],
            discount=b["discount"],
            shipping_fee=b["fee"],
            tariff=b["tariff"],
            platform_fee=b["commission"],
            shipping_cost=b["shipping_cost"],
            cogs=b["cogs"],
            fx_rate=s.conditions.rates[t.country[buyer]],
            product=carts.product[paid],
            units=carts.units[paid],
            match=carts.match[paid],
            promotion=carts.promotion[paid],
            channel=touch["channel"],
            segment=touch["segment"],
            contact_tool=touch["tool"],
            contact_day=touch["day"],
            group=t.group[seller],
            holdout=s.holdout(buyer, seller),
            expected_quality=carts.expected_quality[paid],
            belief_sd=carts.belief_sd[paid],
            true_quality=t.quality[seller],
            tie=carts.tie[paid],
            promised_days=carts.promised_days[paid],
            delivery_day=-1,
            rating=np.nan,
            satisfaction=np.nan,
        )
