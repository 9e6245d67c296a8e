"""Stylised facts of customer behaviour from any transaction log (a retailer's, or a run's
`orders.parquet`), to compare the simulation with real customers and to calibrate it.

A log has a row per order or per order line: a customer id, a date or timestamp, and either an
amount or a quantity and unit price; optionally an invoice id (lines of one invoice are one
order; without it each customer-day is one order) and a country. Cancellations (invoice ids
starting with a configurable prefix) and lines with a non-positive quantity, price or amount are
dropped.

    python -m sim.facts LOG.csv.gz --customer CustomerID --date InvoiceDate --quantity Quantity \\
        --unit-price UnitPrice --invoice InvoiceNo --country Country
    python -m sim.facts outputs/runs/.../orders.parquet      # a run's orders: columns known
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from sim.atomic import write_text

ORDER_BINS = ((1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4-5"), (6, 10, "6-10"))
REPEAT_WITHIN = (30, 90, 180)
TOP_SHARES = (0.01, 0.10, 0.20)


class LogError(ValueError):
    """A transaction log that cannot be read as one: the message says what is wrong."""


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


def read_log(path: Path) -> pd.DataFrame:
    """A CSV (optionally compressed) or Parquet file as a table."""
    if not path.is_file():
        raise LogError(f"LOG={path} is not allowed: no such file")
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, low_memory=False, encoding_errors="replace")
    except (ValueError, OSError) as error:
        raise LogError(f"LOG={path} cannot be read as CSV or Parquet: {error}") from error


def orders(log: pd.DataFrame, columns: LogColumns) -> pd.DataFrame:
    """One row an order: customer, day (a date), amount and country, after cleaning."""
    _check_columns(log, columns)
    lines = pd.DataFrame({"customer": log[columns.customer], "date": _dates(log, columns.date)})
    lines["amount"] = _amounts(log, columns)
    lines["order"] = log[columns.invoice].astype(str) if columns.invoice else None
    lines["country"] = log[columns.country].astype(str) if columns.country else "unknown"
    keep = lines["customer"].notna() & (lines["amount"] > 0)
    if columns.quantity:
        keep &= pd.to_numeric(log[columns.quantity], errors="coerce") > 0
    if columns.invoice and columns.cancel_prefix:
        keep &= ~lines["order"].str.startswith(columns.cancel_prefix)
    lines = lines[keep]
    if lines.empty:
        raise LogError(
            "the log has no order left after dropping cancellations and lines without "
            "a customer or a positive amount"
        )
    if columns.invoice is None:
        lines["order"] = lines["customer"].astype(str) + "@" + lines["date"].dt.date.astype(str)
    return (
        lines.groupby(["customer", "order"], sort=False)
        .agg(date=("date", "min"), amount=("amount", "sum"), country=("country", "first"))
        .reset_index()
    )


def _check_columns(log: pd.DataFrame, columns: LogColumns) -> None:
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
    for option, name in needed.items():
        if name is not None and name not in log.columns:
            raise LogError(
                f"{option} {name} is not allowed: the log has no such column; its columns are "
                f"{', '.join(map(str, log.columns))}"
            )


def _dates(log: pd.DataFrame, column: str) -> pd.Series:
    values = log[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = values[parsed.isna() & values.notna()]
    if len(bad) or parsed.isna().all():
        example = bad.iloc[0] if len(bad) else values.iloc[0]
        raise LogError(
            f"--date {column} is not allowed: {len(bad):,} values are not dates or timestamps "
            f"(for example {example!r})"
        )
    return parsed


def _amounts(log: pd.DataFrame, columns: LogColumns) -> pd.Series:
    if columns.amount is not None:
        return pd.to_numeric(log[columns.amount], errors="coerce")
    quantity = pd.to_numeric(log[columns.quantity], errors="coerce")
    price = pd.to_numeric(log[columns.unit_price], errors="coerce")
    return quantity * price.where(price > 0)


def facts(
    order_table: pd.DataFrame, home: str | None = None, first_seen_from: str | None = None
) -> dict:
    """Every stylised fact of an order table (as `orders` makes it), by name.

    `home` is the home country (default: the country with most customers). With
    `first_seen_from`, only customers whose first order is on or after that date count.
    """
    table = order_table.sort_values("date")
    first = table.groupby("customer")["date"].transform("min")
    if first_seen_from is not None:
        table = table[first >= pd.Timestamp(first_seen_from)]
        first = first[table.index]
        if table.empty:
            raise LogError(f"no customer is first seen on or after {first_seen_from}")
    per_customer = table.groupby("customer").agg(
        orders=("order", "nunique"), revenue=("amount", "sum"), country=("country", "first")
    )
    home = home or str(per_customer["country"].value_counts().idxmax())
    return {
        "customers": len(per_customer),
        "orders": int(per_customer["orders"].sum()),
        "share_two_plus_orders": float((per_customer["orders"] >= 2).mean()),
        "orders_per_customer": orders_per_customer(per_customer["orders"]),
        "days_between_orders": days_between_orders(table),
        "repeat_within": repeat_within(table, table["date"].max()),
        "revenue_top_share": {
            f"top_{round(100 * q)}pct": top_share(per_customer["revenue"], q) for q in TOP_SHARES
        },
        "revenue_gini": gini(per_customer["revenue"].to_numpy()),
        "home_country": home,
        "outside_home": outside_home(table, per_customer, home),
        "monthly_revenue_index": monthly_revenue_index(table),
    }


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


def monthly_revenue_index(table: pd.DataFrame) -> dict[str, float]:
    """Revenue of each calendar month (YYYY-MM) as an index whose mean over the months is 100.
    A first or last month the log covers only in part is left out: it would read as a slump."""
    day = table["date"].dt.normalize()
    start, end = day.min(), day.max()
    month = table["date"].dt.to_period("M")
    complete = (month.dt.start_time >= start) & (month.dt.end_time.dt.normalize() <= end)
    monthly = table[complete].groupby(month[complete].astype(str))["amount"].sum()
    if monthly.empty:
        return {}
    return {name: float(100 * v / monthly.mean()) for name, v in monthly.items()}


def format_facts(found: dict) -> str:
    """The facts as a short plain-text table."""
    pct = "{:.1%}".format
    bins = found["orders_per_customer"]
    gaps = found["days_between_orders"]
    rows = [
        ("customers / orders", f"{found['customers']:,} / {found['orders']:,}"),
        ("share with 2+ orders", pct(found["share_two_plus_orders"])),
        ("orders per customer " + " / ".join(bins), " / ".join(pct(v) for v in bins.values())),
        ("days between orders median (p25-p75)", _gaps(gaps)),
        (
            "ordered again within 30 / 90 / 180 days",
            " / ".join("n/a" if v is None else pct(v) for v in found["repeat_within"].values()),
        ),
        (
            "revenue share of top 1 / 10 / 20%",
            " / ".join(pct(v) for v in found["revenue_top_share"].values()),
        ),
        ("revenue Gini", f"{found['revenue_gini']:.3f}"),
        (
            f"outside {found['home_country']}: customers / orders / revenue",
            " / ".join(pct(v) for v in found["outside_home"].values()),
        ),
        (
            "monthly revenue index (mean 100)",
            ", ".join(f"{m} {v:.0f}" for m, v in found["monthly_revenue_index"].items()),
        ),
    ]
    return "\n".join(f"  {label:<44} {value}" for label, value in rows)


def _gaps(gaps: dict) -> str:
    if gaps["median"] is None:
        return "n/a"
    return f"{gaps['median']:.0f} ({gaps['p25']:.0f}-{gaps['p75']:.0f})"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim.facts",
        description="Stylised facts of customer behaviour from a transaction log (CSV or "
        "Parquet). Column defaults are those of a run's orders.parquet.",
    )
    parser.add_argument("log", type=Path, help="the transaction log")
    for field in fields(LogColumns):
        option = "--" + field.name.replace("_", "-")
        if field.name in OPTIONAL:
            text = f"(default: {field.default} if the log has it; '' for none)"
            parser.add_argument(option, default=None, help=text)
        else:
            parser.add_argument(option, default=field.default, help=f"(default: {field.default})")
    parser.add_argument("--home", help="home country (default: the one with most customers)")
    parser.add_argument(
        "--first-seen-from", metavar="DATE", help="only customers first seen on or after DATE"
    )
    parser.add_argument("--out", type=Path, default=Path("facts.json"), help="JSON file to write")
    return parser.parse_args(argv)


def log_columns(args: argparse.Namespace, log: pd.DataFrame) -> LogColumns:
    """The columns the command line names, with the optional ones' defaults where the log has
    them."""
    names = {f.name: getattr(args, f.name) for f in fields(LogColumns)}
    for name in OPTIONAL:
        default = getattr(SIMULATION, name)
        if names[name] is None and default in log.columns:
            names[name] = default
    names = {name: value or None for name, value in names.items()}
    if names["quantity"] and names["unit_price"] and names["amount"] == LogColumns.amount:
        names["amount"] = None  # quantity x unit price replaces the default amount column
    return LogColumns(**names)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        log = read_log(args.log)
        found = facts(orders(log, log_columns(args, log)), args.home, args.first_seen_from)
    except LogError as error:
        print(f"Log error: {error}", file=sys.stderr)
        return 2
    write_text(args.out, json.dumps(found, indent=2) + "\n")
    print(
        f"Stylised facts of {args.log}"
        + (
            f" (customers first seen on or after {args.first_seen_from})"
            if args.first_seen_from
            else ""
        )
        + f"; written to {args.out}"
    )
    print(format_facts(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
