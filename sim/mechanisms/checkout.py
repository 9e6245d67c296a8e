"""Checkout: carts become paid orders or are abandoned for reasons (docs/model.md section 7.9).

Checkout reveals what the listing did not show: the shipping fee, taxes collected here and the
conversion fee. A buyer who never bought from the seller expected only part of them
(platform.cost_foresight) and may leave over the surprise, the likelier the larger it is
against the total it expected. It now sees the full delivery estimate, customs included, and
may have second thoughts about it and about the return policy; giving its card details to a
foreign seller it never bought from tests its trust; a buyer who wants its local payment method
finds it missing; a card can be declined (paying abroad, risky buyers caught by fraud checks,
or cash short of the total). A good platform UX removes part of every drop-out. Every reason
that strikes is recorded, as a survey's respondents tick every reason that applies, and the one
that struck hardest as the cart's reason. Paid carts move money and become orders.
"""

from __future__ import annotations

import numpy as np

from sim.config.vocabulary import ABANDONMENT_REASONS, DDP, DOMESTIC, WAREHOUSE
from sim.mechanisms import service_cost
from sim.mechanisms.shopping import Carts, funnel_relief
from sim.state.arrays import scatter
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
        cart, cited = np.nonzero(struck)
        s.events.record(
            day, "abandonment_reason", carts.buyer[cart], other=carts.seller[cart], detail=cited
        )
        s.today["carts"] += len(carts)
        s.today["abandoned"] += int(abandoned.sum())
        return self._settle(day, carts, bill, np.flatnonzero(~abandoned))

    def _bill(self, carts: Carts) -> dict[str, np.ndarray]:
        """What each cart costs the buyer, and what the seller pays out of it, in cents."""
        s, t, w = self.state, self.state.traders, self.state.world
        p, service = s.config.platform, s.config.service
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
        cost = carts.cost
        handling = np.select(
            [carts.terms == DDP, carts.terms == WAREHOUSE], [p.ddp_fee, service.warehouse_fee], 0.0
        )
        shipping = s.conditions.shipping_cost[carts.route, home]
        fees = service_cost.upgrade_fees(service, p, carts.price, shipping)
        bill = {
            "price": to_cents(carts.price),
            "discount": to_cents(carts.discount),
            "fee": to_cents(carts.fee),
            "duty": to_cents(cost.duty),
            "vat": to_cents(cost.vat),
            "taxes_now": sum(
                to_cents(part)
                for part in (cost.duty_in_price, cost.vat_in_price, cost.vat_at_checkout)
            ),
            "conversion": to_cents(cost.conversion),
            "door": sum(
                to_cents(part) for part in (cost.duty_at_door, cost.vat_at_door, cost.collection)
            ),
            "collection": to_cents(cost.collection),
            "door_surprise": to_cents((1.0 - carts.foresight) * cost.at_door),
            "commission": to_cents(p.commission * carts.price),
            "shipping_cost": to_cents(shipping),
            "handling": to_cents(handling),
            "service_fee": to_cents(fees),
            "service_cost": to_cents(
                service_cost.checkout_cost(service, p, fees, shipping, carts.terms == DOMESTIC)
            ),
            "cogs": to_cents(cogs),
        }
        bill["amount"] = bill["price"] + bill["fee"] + bill["taxes_now"] + bill["conversion"]
        return bill

    def _hazards(self, carts: Carts, amount: np.ndarray) -> np.ndarray:
        """Chance, per cart and reason, that the reason makes the buyer abandon."""
        s, t = self.state, self.state.traders
        p = s.config.platform
        relief = funnel_relief(s.config.service.ux)
        k = p.checkout_hesitation * relief
        foreign = t.country[carts.seller] != t.country[carts.buyer]
        declined = (
            p.cross_border_payment_failure * foreign
            + p.risky_payment_failure * TYPE_PAYMENT_RISK[t.buyer_type[carts.buyer]]
        )
        distrust = np.where(foreign & ~carts.repeat, p.card_distrust * relief, k)
        short = s.ledger.cash[carts.buyer] < amount
        hazards = np.empty((len(carts), len(ABANDONMENT_REASONS)))
        hazards[:, REASON["extra_costs"]] = 1 - np.exp(
            -p.surprise_aversion * relief * carts.surprise_term
        )
        hazards[:, REASON["delivery_time"]] = 1 - np.exp(-k * carts.delay_term)
        hazards[:, REASON["trust"]] = 1 - np.exp(-distrust * carts.trust_term)
        hazards[:, REASON["return_policy"]] = 1 - np.exp(-k * carts.return_term)
        hazards[:, REASON["payment_method"]] = np.clip(
            p.unsupported_method_failure * carts.payment_unsupported * relief, 0.0, 1.0
        )
        hazards[:, REASON["card_declined"]] = np.where(
            short, 1.0, np.clip(declined * relief, 0.0, 1.0)
        )
        return hazards

    def _settle(self, day: int, carts: Carts, bill: dict, paid: np.ndarray) -> np.ndarray:
        """Move the money of paid carts and write their orders."""
        s, t = self.state, self.state.traders
        b = {name: values[paid] for name, values in bill.items()}
        buyer, seller = carts.buyer[paid], carts.seller[paid]
        s.ledger.transfer(buyer, seller, b["price"] + b["fee"])
        s.ledger.pay_out(buyer, "customs", b["taxes_now"])  # a DDP seller remits them for it
        s.ledger.pay_out(buyer, "payments", b["conversion"])
        s.ledger.pay_out(seller, "platform", b["commission"])
        s.ledger.pay_out(seller, "shipping", b["shipping_cost"] + b["handling"])
        s.ledger.pay_out(seller, "services", b["service_fee"])
        s.ledger.pay_out(seller, "suppliers", b["cogs"])
        earned = (
            b["price"]
            + b["fee"]
            - b["commission"]
            - b["shipping_cost"]
            - b["handling"]
            - b["service_fee"]
        )
        scatter(np.add, t.period_profit, seller, earned - b["cogs"])
        slots = s.relations.ensure(buyer, seller, day)  # buyers are distinct: always a slot
        touch = s.relations.last_touch(buyer, slots, day, s.config.platform.attribution_days)
        s.relations.record_order(buyer, slots, day, b["amount"] / 100.0)
        scatter(np.add, t.product_sales, (seller, carts.product[paid]), 1)
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
            duty=b["duty"],
            vat=b["vat"],
            conversion_fee=b["conversion"],
            door_charges=b["door"],
            collection_fee=b["collection"],
            door_surprise=b["door_surprise"],
            platform_fee=b["commission"],
            shipping_cost=b["shipping_cost"],
            handling_fee=b["handling"],
            service_fee=b["service_fee"],
            service_cost=b["service_cost"],
            cogs=b["cogs"],
            terms=carts.terms[paid],
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
            refused=False,
            rating=np.nan,
            satisfaction=np.nan,
        )
