"""Column buffers for the order log and the event log of a run.

Rows are appended a day's batch at a time into growing numpy columns (amortised doubling), and
fields resolved later (delivery, satisfaction, returns, reviews) are filled in place by order id.
Finished rows can be drained from the front (sim.log_stream moves them to Parquet in chunks), so
a buffer holds the rows of ids `offset` to `offset + size`. `orders_frame` and `events_frame`
turn a buffer into the DataFrame written to Parquet (docs/model.md section 7.14).
"""

from __future__ import annotations

import mmap
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.config.vocabulary import (
    ABANDONMENT_REASONS,
    CHANNELS,
    CONTACT_OUTCOMES,
    DELIVERY_TERMS,
    EVENT_KINDS,
    FLIP_DIRECTIONS,
    INQUIRY_OUTCOMES,
    PRODUCTS,
    PROMOTIONS,
    SEGMENTS,
)


class ColumnBuffer:
    """Growable typed columns with a shared row count."""

    def __init__(self, dtypes: Mapping[str, str], capacity: int = 1024) -> None:
        self.dtypes = dict(dtypes)
        self.size = 0  # rows in memory
        self.offset = 0  # id of the first row in memory (rows before it were drained)
        self.columns = {n: column_of(capacity, d) for n, d in self.dtypes.items()}

    def append(self, **values: np.ndarray | float | int) -> np.ndarray:
        """Append rows (arrays of one length, scalars broadcast); return their row ids."""
        arrays = (v.size for v in values.values() if isinstance(v, np.ndarray) and v.ndim)
        n = max(arrays, default=1)
        self._reserve(self.size + n)
        start = self.size
        for name, column in self.columns.items():
            column[start : start + n] = values.get(name, 0)
        self.size += n
        return np.arange(self.offset + start, self.offset + start + n)

    def view(self, name: str) -> np.ndarray:
        """The rows in memory of a column (a view: writes go to the buffer); row id `i` is
        at position `i - offset`."""
        return self.columns[name][: self.size]

    def drain(self, n: int) -> ColumnBuffer:
        """Hand over the first `n` rows in memory, as a buffer of their own, and forget them.
        When all of them go, they go without a copy: the buffer hands over its columns and
        starts afresh (a year's log drained at the end is not held twice)."""
        chunk = ColumnBuffer(self.dtypes, capacity=0)
        chunk.size, chunk.offset = n, self.offset
        if n == self.size:
            capacity = len(next(iter(self.columns.values())))
            chunk.columns = {name: column[:n] for name, column in self.columns.items()}
            self.columns = {name: column_of(capacity, d) for name, d in self.dtypes.items()}
            self.size, self.offset = 0, self.offset + n
            return chunk
        chunk.columns = {name: column[:n].copy() for name, column in self.columns.items()}
        for column in self.columns.values():
            column[: self.size - n] = column[n : self.size]
        self.size -= n
        self.offset += n
        return chunk

    def _reserve(self, needed: int) -> None:
        capacity = len(next(iter(self.columns.values())))
        if needed <= capacity:
            return
        capacity = max(needed, 2 * capacity)
        for name, column in self.columns.items():
            grown = column_of(capacity, column.dtype)
            grown[: self.size] = column[: self.size]
            self.columns[name] = grown


def column_of(n: int, dtype: np.dtype) -> np.ndarray:
    """`n` zeros of `dtype` in pages of their own (an anonymous memory map). A log's columns
    grow by doubling: from the heap, a column outgrown stays in the allocator's keeping when
    freed, and at a million traders those held back about 500 MiB of a year's peak; a map
    goes back to the system when freed, and the room not yet used costs no memory."""
    dtype = np.dtype(dtype)
    return np.frombuffer(mmap.mmap(-1, max(n * dtype.itemsize, 1)), dtype=dtype, count=n)


ORDER_DTYPES = {
    "day": "int32",
    "buyer": "int32",
    "seller": "int32",
    "buyer_country": "int16",
    "seller_country": "int16",
    "category": "int16",
    "price": "int64",  # cents paid for the goods, after any discount
    "discount": "int64",
    "shipping_fee": "int64",
    "duty": "int64",  # import duty due (paid in the price, or at the door under DDU)
    "vat": "int64",  # VAT or sales tax due
    "conversion_fee": "int64",  # paid at checkout to the payment provider
    "door_charges": "int64",  # duty and VAT owed at the door under DDU, collection fee included
    "collection_fee": "int64",  # the carrier's part of the door charges
    "door_surprise": "int64",  # the part of the door charges the buyer did not expect
    "platform_fee": "int64",
    "shipping_cost": "int64",
    "handling_fee": "int64",  # the seller's DDP or warehouse fee
    "service_fee": "int64",  # what service better than the standard cost the seller
    "service_cost": "int64",  # the levers' cost against the standard service (accounting)
    "cogs": "int64",
    "terms": "int8",  # DELIVERY_TERMS code
    "fx_rate": "float64",  # buyer's currency units per reference unit on the day
    "product": "int8",
    "units": "float64",  # how many of the product (the buyer's basket); price is for all
    "match": "float64",  # cosine of the buyer's tastes and the product's tags
    "promotion": "int8",
    "channel": "int8",
    "segment": "int16",  # SEGMENTS code of the contact the order is attributed to
    "contact_tool": "int8",  # PROMOTIONS code of that contact's promotion tool
    "group": "int8",  # the seller's strategy group
    "holdout": "bool",  # the pair is in the seller's holdout (never contacted)
    "contact_day": "int32",
    "expected_quality": "float64",
    "belief_sd": "float64",  # sd of the buyer's Beta belief at purchase: how unsure it was
    "true_quality": "float64",
    "tie": "float64",
    "promised_days": "float64",
    "delivery_day": "int32",
    "delivered": "bool",
    "satisfaction": "float64",
    "returned": "bool",
    "refused": "bool",  # a DDU parcel the buyer refused at the door (returned too)
    "refund": "int64",
    "return_cost": "int64",  # the seller's share of the return shipping
    "rating": "float64",
}

EVENT_DTYPES = {
    "day": "int32",
    "kind": "int8",
    "trader": "int32",
    "other": "int32",
    "detail": "int16",
    "tool": "int8",
    "segment": "int16",
    "outcome": "int8",
    "value": "float64",
}

EVENT_DETAILS = {
    "session": ("",),
    "inquiry": INQUIRY_OUTCOMES,
    "abandonment": ABANDONMENT_REASONS,  # the reason that struck hardest
    "flip": FLIP_DIRECTIONS,
    "contact": CHANNELS,
    "segmentation": ("",),  # value: adjusted Rand index of a k-means refit vs hidden types
    "lapse": ("", "disappointed"),  # disappointed: after an order that let the buyer down
    "comeback": ("", "contact"),  # contact: a landed contact brought the buyer back
    "abandonment_reason": ABANDONMENT_REASONS,  # every reason that struck the cart
    "refusal": ("",),  # value: the charges the buyer would have paid at the door
}

# The tables as written to Parquet (`orders_frame`, `events_frame`): columns in order and their
# dtypes; money in the reference currency, codes as categories. tests/test_tables.py holds every
# written file to these.
# The order log's money columns, in cents in memory and reference units in the table
MONEY = (
    "price",
    "discount",
    "shipping_fee",
    "duty",
    "vat",
    "conversion_fee",
    "door_charges",
    "collection_fee",
    "door_surprise",
    "platform_fee",
    "shipping_cost",
    "handling_fee",
    "service_fee",
    "service_cost",
    "cogs",
    "refund",
    "return_cost",
)
ORDERS_TABLE = {
    "order_id": "int64",
    "day": "int32",
    "date": "datetime64[us]",
    "buyer": "int32",
    "seller": "int32",
    "buyer_country": "category",
    "seller_country": "category",
    "category": "category",
    **dict.fromkeys(MONEY[:-2], "float64"),
    "terms": "category",
    "amount": "float64",
    "currency": "category",
    "amount_local": "float64",
    "product": "category",
    "units": "float64",
    "match": "float64",
    **dict.fromkeys(("promotion", "channel", "segment", "contact_tool"), "category"),
    "contact_day": "int32",
    "group": "category",
    "holdout": "bool",
    "expected_quality": "float64",
    "belief_sd": "float64",
    "true_quality": "float64",
    "belief_error": "float64",
    "tie": "float64",
    "delivery_day": "int32",
    "delivered": "bool",
    "satisfaction": "float64",
    "returned": "bool",
    "refused": "bool",
    "refund": "float64",
    "return_cost": "float64",
    "rating": "float64",
    "seller_net": "float64",
}
EVENTS_TABLE = {
    "day": "int32",
    "kind": "category",
    "trader": "int32",
    "other": "int32",
    **dict.fromkeys(("detail", "tool", "segment", "outcome"), "category"),
    "value": "float64",
}


class OrderLog(ColumnBuffer):
    def __init__(self) -> None:
        super().__init__(ORDER_DTYPES)


class EventLog(ColumnBuffer):
    def __init__(self) -> None:
        super().__init__(EVENT_DTYPES)

    def record(
        self,
        day: int,
        kind: str,
        trader,
        other=-1,
        detail=0,
        tool=0,
        value=0.0,
        segment=0,
        outcome=0,
    ) -> None:
        if np.ndim(trader) > 0 and np.size(trader) == 0:
            return
        self.append(
            day=day,
            kind=EVENT_KINDS.index(kind),
            trader=trader,
            other=other,
            detail=detail,
            tool=tool,
            segment=segment,
            outcome=outcome,
            value=value,
        )


def orders_frame(
    log: ColumnBuffer,
    countries: tuple[str, ...],
    currencies: tuple[str, ...],
    categories: tuple[str, ...],
    start_date: str,
    groups: tuple[str, ...] = ("no_marketing", "strategy"),
) -> pd.DataFrame:
    """The order log as a tidy table: money in reference units, names instead of codes."""
    c = {name: log.view(name) for name in log.columns}
    cents = {n: c[n] / 100.0 for n in MONEY}
    # what the buyer paid at checkout: the door's charges (owed on delivery) are not in it
    taxes_before = cents["duty"] + cents["vat"] - (cents["door_charges"] - cents["collection_fee"])
    amount = cents["price"] + cents["shipping_fee"] + taxes_before + cents["conversion_fee"]
    seller_net = (
        cents["price"]
        + cents["shipping_fee"]
        - cents["platform_fee"]
        - cents["shipping_cost"]
        - cents["handling_fee"]
        - cents["service_fee"]
        - cents["cogs"]
        - cents["refund"]
        - cents["return_cost"]
    )
    frame = pd.DataFrame(
        {
            "order_id": np.arange(log.offset, log.offset + log.size, dtype=np.int64),
            "day": c["day"],
            "date": pd.Timestamp(start_date) + pd.to_timedelta(c["day"], unit="D"),
            "buyer": c["buyer"],
            "seller": c["seller"],
            "buyer_country": _names(c["buyer_country"], countries),
            "seller_country": _names(c["seller_country"], countries),
            "category": _names(c["category"], categories),
            **{k: v for k, v in cents.items() if k not in ("refund", "return_cost")},
            "terms": _names(c["terms"], DELIVERY_TERMS),
            "amount": amount,
            "currency": _names(c["buyer_country"], currencies),
            "amount_local": amount * c["fx_rate"],
            "product": _names(c["product"], PRODUCTS),
            "units": c["units"],
            "match": c["match"],
            "promotion": _names(c["promotion"], PROMOTIONS),
            "channel": _names(c["channel"], CHANNELS),
            "segment": _names(c["segment"], SEGMENTS),
            "contact_tool": _names(c["contact_tool"], PROMOTIONS),
            "contact_day": c["contact_day"],
            "group": _names(c["group"], groups),
            "holdout": c["holdout"],
            "expected_quality": c["expected_quality"],
            "belief_sd": c["belief_sd"],
            "true_quality": c["true_quality"],
            "belief_error": np.abs(c["expected_quality"] - c["true_quality"]),
            "tie": c["tie"],
            "delivery_day": c["delivery_day"],
            "delivered": c["delivered"],
            "satisfaction": np.where(c["delivered"], c["satisfaction"], np.nan),
            "returned": c["returned"],
            "refused": c["refused"],
            "refund": cents["refund"],
            "return_cost": cents["return_cost"],
            "rating": c["rating"],
            "seller_net": seller_net,
        }
    )
    return frame


def events_frame(log: ColumnBuffer) -> pd.DataFrame:
    """The event log as a tidy table with kind, detail and tool as names."""
    kind = log.view("kind")
    detail_codes = log.view("detail")
    details = np.empty(log.size, dtype=object)
    for k, name in enumerate(EVENT_KINDS):
        rows = kind == k
        details[rows] = np.asarray(EVENT_DETAILS[name], dtype=object)[detail_codes[rows]]
    all_details = sorted({d for names in EVENT_DETAILS.values() for d in names})
    return pd.DataFrame(
        {
            "day": log.view("day"),
            "kind": _names(kind, EVENT_KINDS),
            "trader": log.view("trader"),
            "other": log.view("other"),
            "detail": pd.Categorical(details, categories=all_details),
            "tool": _names(log.view("tool"), PROMOTIONS),
            "segment": _names(log.view("segment"), SEGMENTS),
            "outcome": _names(log.view("outcome"), CONTACT_OUTCOMES),
            "value": log.view("value"),
        }
    )


def _names(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=list(names))
