"""Stylised facts of customer behaviour from any transaction log (a retailer's, or a run's
`orders.parquet`), to compare the simulation with real customers and to calibrate it.

A log has a row per order or per order line: a customer id, a date or timestamp, and either an
amount or a quantity and unit price; optionally an invoice id (lines of one invoice are one
order; without it each customer-day is one order) and a country. Cancellations (invoice ids
starting with a configurable prefix) and lines with a non-positive quantity, price or amount are
dropped, and so are invalid lines (no customer or invoice id; a missing or unparsable date; a
missing, non-numeric or infinite amount): the command says how many of each.

The command that reads a log and writes its facts is `python -m sim facts`
(`sim.commands.facts`).
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ORDER_BINS = ((1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4-5"), (6, 10, "6-10"))
REPEAT_WITHIN = (30, 90, 180)
COHORT_MONTH_DAYS = 30  # a "month" of the cohort curve: 30 days after the first order
TOP_SHARES = (0.01, 0.10, 0.20)
# Suffixes stripped from a log's name to name its facts file: online_retail.csv.gz -> online_retail
LOG_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".parquet", ".gz", ".bz2", ".xz", ".zip", ".zst"})
# What reading a corrupt or truncated CSV, gzip or Parquet file raises
READ_ERRORS = (ValueError, OSError, EOFError, zlib.error)


class LogError(ValueError):
    """A transaction log that cannot be read as one: the message says what is wrong."""


class OptionError(ValueError):
    """A command-line value that is not allowed: the message names the option, the value and what
    is allowed."""


@dataclass(frozen=True)
class LogColumns:
    """Which columns of a log hold what. `amount`, or else `quantity` times `unit_price`."""

    customer: str = "buyer"
    date: str = "date"
    amount: str | None = "amount"
    quantity: str | None = None
    unit_price: str | None = None
    invoice: str | None = "order_id"
    country: str | None = "buyer_country"
    cancel_prefix: str | None = None  # invoice ids starting with it are cancellations


SIMULATION = LogColumns()  # the columns of a run's orders.parquet
# Columns a log may lack: without an invoice id a customer's day is one order, and without a
# country every customer is from one place. On the command line their defaults apply only to a
# log that has those columns.
OPTIONAL = ("invoice", "country")


def read_log(path: Path, rows: int | None = None) -> pd.DataFrame:
    """A CSV (optionally compressed) or Parquet file as a table; with `rows`, only its first rows,
    so that a bad file or column is refused before a large log is read."""
    allowed = "give a CSV (optionally compressed) or Parquet file"
    if not path.exists():
        raise LogError(f"LOG={path} is not allowed: no such file; {allowed}")
    if not path.is_file():
        raise LogError(f"LOG={path} is not allowed: it is not a file; {allowed}")
    if path.stat().st_size == 0:
        raise LogError(f"LOG={path} is not allowed: the file is empty; {allowed}")
    parquet = path.suffix.lower() == ".parquet"
    try:
        if parquet:
            log = _read_parquet(path, rows)
        else:
            log = pd.read_csv(path, nrows=rows, low_memory=False, encoding_errors="replace")
    except READ_ERRORS as error:
        kind = "Parquet" if parquet else "CSV"
        raise LogError(f"LOG={path} is not allowed: not readable as {kind}: {error}") from error
    if log.empty:
        raise LogError(f"LOG={path} is not allowed: the log is empty (it has no rows)")
    return log


def _read_parquet(path: Path, rows: int | None) -> pd.DataFrame:
    if rows is None:
        return pd.read_parquet(path)
    file = pq.ParquetFile(path)
    return next(file.iter_batches(batch_size=rows), file.schema_arrow.empty_table()).to_pandas()


def orders(log: pd.DataFrame, columns: LogColumns) -> pd.DataFrame:
    """One row an order: customer, day (a date), amount and country, after cleaning."""
    return group_orders(clean_lines(log, columns)[0], columns)


def clean_lines(log: pd.DataFrame, columns: LogColumns) -> tuple[pd.DataFrame, dict[str, int]]:
    """The log's valid lines (customer, date, amount, order, country) and how many lines were
    dropped for each reason (the first that applies), so that the command can say so."""
    check_columns(log, columns)
    lines = pd.DataFrame({"customer": log[columns.customer], "date": _dates(log, columns.date)})
    lines["amount"], positive = _amounts(log, columns)
    lines["order"] = log[columns.invoice].astype(str) if columns.invoice else None
    lines["country"] = log[columns.country].astype(str) if columns.country else "unknown"
    no = pd.Series(False, index=lines.index)
    invoiced = columns.invoice is not None
    prefix = columns.cancel_prefix
    reasons = {
        "without a customer": lines["customer"].isna(),
        "with a missing or unparsable date": lines["date"].isna(),
        "with a missing, non-numeric or infinite amount": ~np.isfinite(lines["amount"]),
        "without an invoice id": lines["order"].isna() if invoiced else no,
        "cancelled": lines["order"].str.startswith(prefix) if invoiced and prefix else no,
        "with a non-positive quantity, price or amount": ~positive,
    }
    keep = pd.Series(True, index=lines.index)
    dropped = {}
    for reason, bad in reasons.items():
        count = int((keep & bad).sum())
        if count:
            dropped[reason] = count
        keep &= ~bad
    lines = lines[keep]
    if lines.empty:
        raise LogError(
            "the log has no order left after dropping cancellations and lines without "
            "a customer, a date or a positive amount"
        )
    return lines, dropped


def group_orders(lines: pd.DataFrame, columns: LogColumns) -> pd.DataFrame:
    """Clean lines as orders: an invoice, or without invoices a customer's day."""
    if columns.invoice is None:
        lines = lines.assign(
            order=lines["customer"].astype(str) + "@" + lines["date"].dt.date.astype(str)
        )
    with np.errstate(over="ignore"):  # a total beyond the largest float is inf, refused by facts
        return (
            lines.groupby(["customer", "order"], sort=False)
            .agg(date=("date", "min"), amount=("amount", "sum"), country=("country", "first"))
            .reset_index()
        )


def dropped_message(dropped: dict[str, int], total: int) -> str:
    """One line saying how many of the log's lines were dropped, and why."""
    reasons = ", ".join(f"{count:,} {reason}" for reason, count in dropped.items())
    return f"dropped {sum(dropped.values()):,} of {total:,} lines: {reasons}"


def check_columns(log: pd.DataFrame, columns: LogColumns) -> None:
    if log.empty:
        raise LogError("the log is empty")
    needed = {
        "--customer": columns.customer,
        "--date": columns.date,
        "--amount": columns.amount,
        "--quantity": columns.quantity,
        "--unit-price": columns.unit_price,
        "--invoice": columns.invoice,
        "--country": columns.country,
    }
    if columns.amount is None and not (columns.quantity and columns.unit_price):
        raise LogError("give --amount, or --quantity and --unit-price, to value the orders")
    if columns.cancel_prefix and not columns.invoice:
        raise LogError(
            f"--cancel-prefix {columns.cancel_prefix} is not allowed without --invoice: "
            "cancellations are told by their invoice id"
        )
    for option, name in needed.items():
        if name is not None and name not in log.columns:
            raise LogError(
                f"{option} {name} is not allowed: the log has no such column; its columns are "
                f"{', '.join(map(str, log.columns))}"
            )


def _dates(log: pd.DataFrame, column: str) -> pd.Series:
    """The column as naive datetimes (a time zone's wall clock), NaT where a value is missing or
    unparsable; a column with no date at all, numbers or mixed time zones is refused, since it
    is most likely the wrong column."""
    values = log[column]
    if pd.api.types.is_numeric_dtype(values):
        raise LogError(f"--date {column} is not allowed: its values are numbers, not dates")
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    else:
        try:
            parsed = pd.to_datetime(values, errors="coerce", format="mixed")
        except ValueError as error:  # mixed time zones
            raise LogError(f"--date {column} is not allowed: {error}") from error
    if parsed.isna().all():
        example = values.dropna().iloc[0] if values.notna().any() else None
        raise LogError(
            f"--date {column} is not allowed: none of its values is a date or timestamp "
            f"(for example {example!r})"
        )
    return parsed.dt.tz_localize(None) if parsed.dt.tz is not None else parsed


def _amounts(log: pd.DataFrame, columns: LogColumns) -> tuple[pd.Series, pd.Series]:
    """Each line's amount (NaN or inf where a value is missing, not a number or infinite) and
    whether its amount, quantity and price are all positive."""
    quantity = _numbers(log[columns.quantity]) if columns.quantity else None
    if columns.amount is not None:
        amount = _numbers(log[columns.amount])
        positive = amount > 0
    else:
        price = _numbers(log[columns.unit_price])
        amount = quantity * price
        positive = (amount > 0) & (price > 0)
    if quantity is not None:
        positive &= quantity > 0
    return amount, positive


def _numbers(values: pd.Series) -> pd.Series:
    """A column as floats, NaN where a value is missing or not a number."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(numbers, index=values.index)


def parse_day(text: str, option: str = "--first-seen-from") -> date:
    """An ISO date: anything else (`today`, `03/01/2011`) is refused rather than guessed at."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OptionError(
            f"{option} {text!r} is not allowed: give a date as YYYY-MM-DD, e.g. 2011-03-01"
        ) from None


def facts(
    order_table: pd.DataFrame, home: str | None = None, first_seen_from: str | None = None
) -> dict:
    """Every stylised fact of an order table (as `orders` makes it), by name; a fact that is
    undefined is None.

    `home` is the home country (default: the country with most customers). With
    `first_seen_from` (YYYY-MM-DD), only customers whose first order is on or after that date
    count.
    """
    overflowed = int((~np.isfinite(order_table["amount"])).sum())
    if overflowed:
        raise LogError(
            f"{overflowed:,} orders' totals are beyond the largest float (1.8e308): amounts that "
            "large are not money; check the amount column or its unit"
        )
    table = order_table.sort_values("date")
    # every fact is scale-free: amounts as fractions of the largest cannot overflow a sum
    table["amount"] = table["amount"] / table["amount"].max()
    first = table.groupby("customer")["date"].transform("min")
    if first_seen_from is not None:
        table = table[first >= pd.Timestamp(parse_day(first_seen_from))]
        first = first[table.index]
        if table.empty:
            raise LogError(f"no customer is first seen on or after {first_seen_from}")
    per_customer = table.groupby("customer").agg(
        orders=("order", "nunique"), revenue=("amount", "sum"), country=("country", "first")
    )
    home = home or str(per_customer["country"].value_counts().idxmax())
    return finite_or_none(
        {
            "customers": len(per_customer),
            "orders": int(per_customer["orders"].sum()),
            "share_two_plus_orders": float((per_customer["orders"] >= 2).mean()),
            "orders_per_customer": orders_per_customer(per_customer["orders"]),
            "days_between_orders": days_between_orders(table),
            "repeat_within": repeat_within(table, table["date"].max()),
            "revenue_top_share": {
                f"top_{round(100 * q)}pct": top_share(per_customer["revenue"], q)
                for q in TOP_SHARES
            },
            "revenue_gini": gini(per_customer["revenue"].to_numpy()),
            "home_country": home,
            "outside_home": outside_home(table, per_customer, home),
            "monthly_revenue_index": monthly_revenue_index(table),
            "cohort_retention_by_month": cohort_retention_by_month(table, table["date"].max()),
        }
    )


def finite_or_none(found: dict) -> dict:
    """`found` with every NaN or infinite float replaced by None: JSON has no NaN, and a fact
    that is not a number is undefined."""
    return {key: _finite(value) for key, value in found.items()}


def _finite(value: object) -> object:
    if isinstance(value, dict):
        return finite_or_none(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(found: dict) -> str:
    """The facts as strict JSON (allow_nan=False: a NaN that slipped through fails here, not in
    the reader of the file)."""
    return json.dumps(finite_or_none(found), indent=2, allow_nan=False) + "\n"


def orders_per_customer(counts: pd.Series) -> dict[str, float]:
    """Share of customers by number of orders: 1, 2, 3, 4-5, 6-10, more than 10."""
    shares = {label: float(counts.between(lo, hi).mean()) for lo, hi, label in ORDER_BINS}
    return shares | {">10": float((counts > 10).mean())}


def days_between_orders(table: pd.DataFrame) -> dict[str, float | None]:
    """Quartiles of the days between a customer's consecutive order days (same-day orders
    merged into one)."""
    days = table.assign(day=table["date"].dt.normalize())[["customer", "day"]].drop_duplicates()
    gaps = days.sort_values("day").groupby("customer")["day"].diff().dt.days.dropna()
    if gaps.empty:
        return {"p25": None, "median": None, "p75": None}
    p25, median, p75 = np.percentile(gaps, [25, 50, 75])
    return {"p25": float(p25), "median": float(median), "p75": float(p75)}


def repeat_within(table: pd.DataFrame, end: pd.Timestamp) -> dict[str, float | None]:
    """Share of customers ordering again (on a later day) within d days of their first order,
    among customers whose first order is at least d days before the log's end."""
    day = table["date"].dt.normalize()
    first = day.groupby(table["customer"]).min()
    later = day[day > table["customer"].map(first)]
    second = later.groupby(table.loc[later.index, "customer"]).min()
    gap = (second.reindex(first.index) - first).dt.days
    shares = {}
    for d in REPEAT_WITHIN:
        observed = first <= end.normalize() - pd.Timedelta(days=d)
        shares[f"{d}d"] = float((gap[observed] <= d).mean()) if observed.any() else None
    return shares


def cohort_retention_by_month(table: pd.DataFrame, end: pd.Timestamp) -> dict[str, float]:
    """The cohort curve: the share of customers who order in month m after their first order,
    for m = 1, 2, ..., as {"1": share, "2": share, ...}.

    Days are calendar days (timestamps normalised). Month m is the m-th 30-day period after a
    customer's first order day f: the days f + 30(m-1) + 1 to f + 30m, so a second order on the
    first day counts in no month (as in `repeat_within`). A customer counts in month m's
    denominator only if the log covers that whole period, f + 30m <= the log's last day `end`,
    and in its numerator if, besides, they order on some day of it. Months run from 1 to the
    last one that some customer is observed for, floor((end - earliest f) / 30); a log shorter
    than 30 days after every first order has no month ({}). The customers are those of the
    table, so with `first_seen_from` the curve is that cohort's.
    """
    day = table["date"].dt.normalize()
    customer = table["customer"]
    first = day.groupby(customer).min()
    observed = (end.normalize() - first).dt.days  # days of follow-up after the first order day
    gap = (day - customer.map(first)).dt.days
    month = -(-gap // COHORT_MONTH_DAYS)  # gap 1..30 -> 1, 31..60 -> 2; 0 (first day) -> 0
    ordered = pd.DataFrame({"customer": customer, "month": month})[month > 0].drop_duplicates()
    ordered = ordered[ordered["customer"].map(observed) >= COHORT_MONTH_DAYS * ordered["month"]]
    counts = ordered.groupby("month").size()
    curve = {}
    for m in range(1, int(observed.max()) // COHORT_MONTH_DAYS + 1):
        eligible = int((observed >= COHORT_MONTH_DAYS * m).sum())
        curve[str(m)] = float(counts.get(m, 0) / eligible)
    return curve


def top_share(revenue: pd.Series, q: float) -> float:
    """Share of revenue from the top `q` of customers (at least one customer)."""
    ordered = revenue.sort_values(ascending=False)
    top = max(1, round(q * len(ordered)))
    return float(ordered.iloc[:top].sum() / ordered.sum())


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values: 0 when all are equal, near 1 when one has all."""
    x = np.sort(values.astype(float))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def outside_home(table: pd.DataFrame, per_customer: pd.DataFrame, home: str) -> dict[str, float]:
    """Share of customers, orders and revenue from outside the home country."""
    abroad = table["country"] != home
    return {
        "customers": float((per_customer["country"] != home).mean()),
        "orders": float(table.loc[abroad, "order"].nunique() / table["order"].nunique()),
        "revenue": float(table.loc[abroad, "amount"].sum() / table["amount"].sum()),
    }


def monthly_revenue_index(table: pd.DataFrame) -> dict[str, float | None]:
    """Revenue of each calendar month (YYYY-MM) as an index whose mean over the months is 100.
    A first or last month the log covers only in part is left out: it would read as a slump."""
    day = table["date"].dt.normalize()
    start, end = day.min(), day.max()
    month = table["date"].dt.to_period("M")
    complete = (month.dt.start_time >= start) & (month.dt.end_time.dt.normalize() <= end)
    monthly = table[complete].groupby(month[complete].astype(str))["amount"].sum()
    mean = monthly.mean()  # 0 only if every amount of those months is too small for a float
    return {name: float(100 * v / mean) if mean > 0 else None for name, v in monthly.items()}


def format_facts(found: dict) -> str:
    """The facts as a short plain-text table ("n/a" for an undefined one)."""
    bins = found["orders_per_customer"]
    gaps = found["days_between_orders"]
    index = found["monthly_revenue_index"]
    rows = [
        ("customers / orders", f"{found['customers']:,} / {found['orders']:,}"),
        ("share with 2+ orders", _pct(found["share_two_plus_orders"])),
        ("orders per customer " + " / ".join(bins), " / ".join(map(_pct, bins.values()))),
        ("days between orders median (p25-p75)", _gaps(gaps)),
        (
            "ordered again within 30 / 90 / 180 days",
            " / ".join(map(_pct, found["repeat_within"].values())),
        ),
        (
            "revenue share of top 1 / 10 / 20%",
            " / ".join(map(_pct, found["revenue_top_share"].values())),
        ),
        ("revenue Gini", _number(found["revenue_gini"], ".3f")),
        (
            f"outside {found['home_country']}: customers / orders / revenue",
            " / ".join(map(_pct, found["outside_home"].values())),
        ),
        (
            "monthly revenue index (mean 100)",
            ", ".join(f"{m} {_number(v, '.0f')}" for m, v in index.items()) or "n/a",
        ),
    ]
    curve = found.get("cohort_retention_by_month")
    if curve is not None:  # a later fact: facts files written before it lack it
        rows.append(
            (
                "ordering again in 30-day month 1, 2, ...",
                " / ".join(map(_pct, curve.values())) or "n/a",
            )
        )
    return "\n".join(f"  {label:<44} {value}" for label, value in rows)


def _number(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def _pct(value: float | None) -> str:
    return _number(value, ".1%")


def _gaps(gaps: dict) -> str:
    if gaps["median"] is None:
        return "n/a"
    return f"{gaps['median']:.0f} ({gaps['p25']:.0f}-{gaps['p75']:.0f})"
