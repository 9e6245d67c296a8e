"""Which of a seller's products a contact features (docs/model.md section 7.11).

bestseller: the seller's most sold product; tag_matching: the product whose tags best match the
customer's observed tastes (its browsing behaviour, as the platform shows it); tiered: the entry
product for prospects and new customers, the premium one for loyal customers.
"""

from __future__ import annotations

import numpy as np

from sim.config.vocabulary import PRODUCTS
from sim.marketing.customers import STAGE
from sim.state.traders import STANDARD, TraderTable

ENTRY, PREMIUM = PRODUCTS.index("entry"), PRODUCTS.index("premium")
PREFER_STANDARD = np.array([0.0, 1e-9, 0.0])  # ties between products go to the standard one


def choose_products(
    kind: str, traders: TraderTable, buyers: np.ndarray, sellers: np.ndarray, stage: np.ndarray
) -> np.ndarray:
    """Product index (vocabulary.PRODUCTS) per contact."""
    if kind == "bestseller":
        return (np.take(traders.product_sales, sellers, axis=0) + PREFER_STANDARD).argmax(axis=1)
    if kind == "tag_matching":
        match = np.einsum(
            "rt,rpt->rp",
            np.take(traders.observed_tastes, buyers, axis=0),
            np.take(traders.product_tags, sellers, axis=0),
        )
        return (match + PREFER_STANDARD).argmax(axis=1)
    product = np.full(len(buyers), STANDARD)
    product[(stage == STAGE["prospect"]) | (stage == STAGE["new"])] = ENTRY
    product[stage == STAGE["loyal"]] = PREMIUM
    return product
