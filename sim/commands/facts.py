"""`python -m sim facts LOG`: the stylised facts of a transaction log (`sim.analysis.facts`).

    python -m sim facts LOG.csv.gz --customer CustomerID --date InvoiceDate --quantity Quantity \\
        --unit-price UnitPrice --invoice InvoiceNo --country Country
    python -m sim facts outputs/runs/.../orders.parquet      # a run's orders: columns known

Every option is checked before the log is read in full, and a bad one stops the command with a
one-line message and exit status 2. The facts go to `--out` (default `<LOG's name>.facts.json`
in the current folder, `<LOG's name>.from-DATE.facts.json` with `--first-seen-from DATE`),
written atomically as strict JSON: a fact that is undefined is `null`.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import fields
from datetime import date
from pathlib import Path

import pandas as pd

from sim.analysis import facts as log_facts
from sim.analysis.facts import (
    LOG_SUFFIXES,
    OPTIONAL,
    SIMULATION,
    LogColumns,
    LogError,
    OptionError,
    dropped_message,
    format_facts,
    parse_day,
    read_log,
    to_json,
)
from sim.recording.atomic import partial_path, write_text


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim facts",
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
        "--first-seen-from",
        metavar="DATE",
        help="only customers first seen on or after DATE (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="JSON file to write; missing folders are created (default: LOG's name without its "
        "extensions, plus .from-DATE with --first-seen-from, plus .facts.json, in the current "
        "folder: orders.facts.json, online_retail.from-2011-03-01.facts.json)",
    )
    return parser.parse_args(argv)


def default_out(log: Path, first_seen_from: date | None) -> Path:
    """`<log's name>[.from-DATE].facts.json` in the current folder: different logs and cohorts
    don't overwrite each other's facts, and the log's folder may be read-only."""
    name = Path(log.name)
    while name.suffix.lower() in LOG_SUFFIXES:
        name = Path(name.stem)
    cohort = f".from-{first_seen_from.isoformat()}" if first_seen_from else ""
    return Path(f"{name}{cohort}.facts.json")


def check_out(out: Path, log: Path) -> None:
    """Refuse an --out that could not be written (a folder, under a file, in a read-only
    folder) or that is the log itself, before any work rather than after it."""
    if out.is_dir():
        raise OptionError(
            f"--out {out} is not allowed: it is a folder; give a file, e.g. {out / 'facts.json'}"
        )
    if out.resolve() == log.resolve():
        raise OptionError(f"--out {out} is not allowed: it is the log itself; give another file")
    folder = out.parent
    while not folder.exists():  # folders that are missing are created when the facts are written
        folder = folder.parent
    if not folder.is_dir():
        raise OptionError(
            f"--out {out} is not allowed: {folder} is a file, not a folder; give a file in a folder"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OptionError(f"--out {out} is not allowed: the folder {folder} is not writable")


def write_facts(out: Path, found: dict) -> None:
    """Strict JSON, written atomically (via `<out>.partial`) into a folder created if missing,
    so a failed write never leaves a file that looks complete."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text(out, to_json(found))
    except OSError as error:
        partial_path(out).unlink(missing_ok=True)
        raise OptionError(f"--out {out} could not be written: {error}") from error


def log_columns(args: argparse.Namespace, log: pd.DataFrame) -> LogColumns:
    """The columns the command line names, with the optional ones' defaults where the log has
    them."""
    names = {f.name: getattr(args, f.name) for f in fields(LogColumns)}
    for name in ("customer", "date"):
        if not names[name]:
            raise OptionError(f"--{name} '' is not allowed: name the log's column of the {name}")
    for name in OPTIONAL:
        default = getattr(SIMULATION, name)
        if names[name] is None and default in log.columns:
            names[name] = default
    names = {name: value or None for name, value in names.items()}
    if names["quantity"] and names["unit_price"] and names["amount"] == LogColumns.amount:
        names["amount"] = None  # quantity x unit price replaces the default amount column
    return LogColumns(**names)


def check_home(home: str | None, countries: pd.Series) -> None:
    """Refuse a --home that no order comes from: every customer would count as abroad."""
    known = countries.value_counts().index.astype(str)  # the likeliest home first
    if home is not None and home not in known:
        shown = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        raise OptionError(
            f"--home {home} is not allowed: the log's countries are {shown} (most orders first)"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        run(args)
    except OptionError as error:
        print(f"Option error: {error}", file=sys.stderr)
        return 2
    except LogError as error:
        print(f"Log error: {error}", file=sys.stderr)
        return 2
    return 0


def run(args: argparse.Namespace) -> None:
    """Check every option and the log's first line before reading the whole log, so a bad value
    is refused in a moment and nothing is written; then compute and write the facts."""
    first_seen = None if args.first_seen_from is None else parse_day(args.first_seen_from)
    home = args.home or None
    out = args.out or default_out(args.log, first_seen)
    check_out(out, args.log)
    header = read_log(args.log, rows=1)
    columns = log_columns(args, header)
    log_facts.check_columns(header, columns)
    if home and columns.country is None:
        raise OptionError(f"--home {home} is not allowed: the log has no --country column")
    log = read_log(args.log)
    lines, dropped = log_facts.clean_lines(log, columns)
    table = log_facts.group_orders(lines, columns)
    check_home(home, table["country"])
    if dropped:
        print(f"Warning: {dropped_message(dropped, len(log))}", file=sys.stderr)
    found = log_facts.facts(table, home, None if first_seen is None else first_seen.isoformat())
    write_facts(out, found)
    cohort = f" (customers first seen on or after {first_seen})" if first_seen else ""
    print(f"Stylised facts of {args.log}{cohort}; written to {out}")
    print(format_facts(found))


if __name__ == "__main__":
    sys.exit(main())
