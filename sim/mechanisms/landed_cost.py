"""The landed cost of an order: duty, VAT and fees on top of the goods, and when the buyer
learns of each (docs/model.md section 7.9).

An order into another country pays import duty on the goods (by category) unless their value
is within the destination's duty de minimis, and VAT on goods, shipping fee and duty unless
within its VAT de minimis; domestic sales (and sales from a warehouse in the buyer's country)
always pay VAT. Paying in another currency costs a conversion fee. What the listing shows
depends on the terms of delivery: duties paid (DDP) or from a local warehouse, the seller
prices duty and VAT in; duties unpaid (DDU), VAT is added at checkout where the platform
collects it and is owed at the door otherwise, and the duty is owed at the door with the
carrier's collection fee; domestically, VAT is in the listed price or, where sales tax is
added at checkout, revealed there. The shipping fee and the conversion fee show only at
checkout. All amounts are in reference units for a batch of orders (any shape).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.vocabulary import DDP, DDU, DOMESTIC, WAREHOUSE
from sim.state.world import MarketConditions


def delivery_terms(
    origin: np.ndarray, home: np.ndarray, ddp: np.ndarray, warehouse: np.ndarray
) -> np.ndarray:
    """Each order's DELIVERY_TERMS code from the seller's country and terms, and the buyer's."""
    cross = np.where(ddp, DDP, DDU)
    return np.where(origin == home, DOMESTIC, np.where(warehouse, WAREHOUSE, cross))


def crossing(terms: np.ndarray) -> np.ndarray:
    """Whether each parcel crosses a border (and so customs)."""
    return (terms == DDU) | (terms == DDP)


@dataclass
class LandedCost:
    """What each order owes beyond goods and shipping fee, by tax and by when it is paid:
    every part is either the whole duty (or VAT) or nothing, so their cents add up exactly."""

    duty: np.ndarray
    vat: np.ndarray
    duty_in_price: np.ndarray  # the listed price includes it (DDP, a local warehouse)
    vat_in_price: np.ndarray
    vat_at_checkout: np.ndarray  # the platform adds it at checkout
    duty_at_door: np.ndarray  # owed to the carrier on delivery (DDU)
    vat_at_door: np.ndarray
    collection: np.ndarray  # the carrier's fee for collecting at the door
    conversion: np.ndarray  # the conversion fee, added at checkout

    @property
    def in_price(self) -> np.ndarray:
        return self.duty_in_price + self.vat_in_price

    @property
    def at_checkout(self) -> np.ndarray:
        """Taxes added at checkout (the conversion fee is apart)."""
        return self.vat_at_checkout

    @property
    def at_door(self) -> np.ndarray:
        """Duty and VAT owed at the door, with the collection fee."""
        return self.duty_at_door + self.vat_at_door + self.collection

    def select(self, at) -> LandedCost:
        """The same costs for the orders `at` indexes (an index into every array)."""
        return LandedCost(**{name: values[at] for name, values in vars(self).items()})

    @property
    def hidden(self) -> np.ndarray:
        """What the listing does not show, besides the shipping fee."""
        return self.at_checkout + self.conversion + self.at_door


def landed_cost(
    conditions: MarketConditions,
    conversion_fee: float,
    origin: np.ndarray,
    home: np.ndarray,
    category: np.ndarray,
    terms: np.ndarray,
    goods: np.ndarray,
    fee: np.ndarray,
) -> LandedCost:
    """The landed cost of orders of `goods` (price paid for the goods) and shipping `fee`
    from sellers in `origin` to buyers in `home` under the delivery `terms` (codes)."""
    w = conditions.world
    value_local = goods * conditions.rates[home]
    crosses = crossing(terms)
    dutiable = (terms == WAREHOUSE) | (crosses & (value_local > conditions.duty_de_minimis[home]))
    duty = np.where(dutiable, conditions.duties[origin, home, category] * goods, 0.0)
    taxable = ~crosses | (value_local > conditions.vat_de_minimis[home])
    vat = np.where(taxable, w.vat[home] * (goods + fee + duty), 0.0)
    sold_here = (terms == DOMESTIC) | (terms == WAREHOUSE)
    vat_in_price = np.where(sold_here, w.prices_include_vat[home], terms == DDP)
    vat_collected = np.where(terms == DDU, conditions.vat_at_checkout[home], ~vat_in_price)
    unpaid = terms == DDU
    vat_at_door = unpaid & ~vat_collected
    owes_at_door = unpaid & ((duty > 0) | (vat_at_door & (vat > 0)))
    cost = LandedCost(
        duty=duty,
        vat=vat,
        duty_in_price=np.where(unpaid, 0.0, duty),
        vat_in_price=np.where(vat_in_price, vat, 0.0),
        vat_at_checkout=np.where(vat_collected, vat, 0.0),
        duty_at_door=np.where(unpaid, duty, 0.0),
        vat_at_door=np.where(vat_at_door, vat, 0.0),
        collection=np.where(owes_at_door, w.collection_fee[home], 0.0),
        conversion=np.zeros_like(duty),
    )
    paid_at_checkout = goods + fee + cost.in_price + cost.at_checkout
    cost.conversion = np.where(origin != home, conversion_fee * paid_at_checkout, 0.0)
    return cost
