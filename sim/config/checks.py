"""Checking a config against its schema: every declared range and choice (one walk over the
config, `knobs`, that tools share too) and the rules across fields; `ConfigError` names the key,
the value and what is allowed."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sim.config import schema
from sim.config.schema import (
    MAX_ROUTE_VALUE,
    MAX_TAG,
    MarketConfig,
    PopulationConfig,
    ShockConfig,
    SimConfig,
    StrategyConfig,
)
from sim.config.vocabulary import BUYER_TYPES, CHANNEL_NAMES, NO_MARKETING, STAGES


class ConfigError(ValueError):
    """An invalid config value; the message names the key, the value and what is allowed."""


def check_key(key: str, value: Any) -> None:
    """Raise ConfigError if `key` (dotted) names no field of the schema, or names a bounded
    field and `value` is a number outside its range; keys inside tables (countries,
    categories, mixes, ...) are the tables' own and are checked after composing."""
    node: Any = SimConfig
    walked: list[str] = []
    for part in key.split("."):
        if not dataclasses.is_dataclass(node):
            return
        fields = {f.name: f for f in dataclasses.fields(node)}
        if part not in fields:
            where = ".".join(walked) or "the top level"
            _fail(key, value, f"an existing key; the keys of {where} are {', '.join(fields)}")
        walked.append(part)
        found = fields[part]
        annotation = found.type
        node = _SCHEMAS.get(annotation) if isinstance(annotation, str) else annotation
    if "lo" in found.metadata and isinstance(value, int | float) and not isinstance(value, bool):
        _check_bound(key, value, found.metadata)


def validate(config: SimConfig) -> SimConfig:
    """Check every range and cross-field rule; raise ConfigError naming the first bad key."""
    _check_ranges(config)
    _check_rules(config)
    return config


def _fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{key}={value!r} is not allowed: {allowed}")


@dataclass(frozen=True)
class Knob:
    """A field of a config with declared constraints: a range (`lo`, `hi`, `lo_open`) or
    `choices`. `owner` is the object holding it, so a tool can read or set its value."""

    key: str
    owner: Any
    name: str
    meta: Any

    @property
    def value(self) -> Any:
        return getattr(self.owner, self.name)


def knobs(node: Any, path: str = "") -> Iterator[Knob]:
    """Every constrained field of a config, tables (countries, channels, shocks, mixes, ...)
    included, by its dotted key: the one walk that validation, tests and tools share."""
    if dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            if "lo" in f.metadata or "choices" in f.metadata:
                yield Knob(f"{path}{f.name}", node, f.name, f.metadata)
            yield from knobs(getattr(node, f.name), f"{path}{f.name}.")
    elif isinstance(node, dict | list):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for name, value in items:
            yield from knobs(value, f"{path}{name}.")


def _check_ranges(config: SimConfig) -> None:
    for knob in knobs(config):
        if "choices" in knob.meta:
            _check_choice(knob.key, knob.value, knob.meta["choices"])
        else:
            _check_bound(knob.key, knob.value, knob.meta)


def _check_bound(key: str, value: Any, meta: dict) -> None:
    if not _is_finite_number(value) or not _within(value, meta):
        _fail(key, value, _range_text(meta))


def _within(value: float, meta: dict) -> bool:
    lo, hi = meta["lo"], meta["hi"]
    above = lo is None or value > lo or (value == lo and not meta["lo_open"])
    return above and (hi is None or value <= hi)


def interval(meta: Any, show: Callable[[float], str] = "{:g}".format) -> str:
    """A bounded field's range as written in messages and docs: `[0, 1]`, `(0, 100]`, `>= 0`."""
    lo, hi, lo_open = meta["lo"], meta["hi"], meta["lo_open"]
    if lo is not None and hi is not None:
        return f"{'(' if lo_open else '['}{show(lo)}, {show(hi)}]"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {show(lo)}"
    return "any finite number" if hi is None else f"<= {show(hi)}"


def _range_text(meta: dict) -> str:
    """What a bounded field allows, as `a number in [0, 1]` or `a number > 0`."""
    text = interval(meta)
    if text.startswith(("[", "(")):
        return f"a number in {text}"
    return "a finite number" if text == "any finite number" else f"a number {text}"


def _is_finite_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _check_names(node: Any, path: str) -> None:
    """Every `name` is a label of results (a strategy group, a report's row): it must say
    something."""
    if dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if f.name == "name" and (not isinstance(value, str) or not value.strip()):
                _fail(f"{path}name", value, "a name that is not empty")
            _check_names(value, f"{path}{f.name}.")
    elif isinstance(node, dict | list):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for name, value in items:
            _check_names(value, f"{path}{name}.")


def _check_date(key: str, value: str) -> None:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        _fail(key, value, "a date written YYYY-MM-DD")


def _check_rules(c: SimConfig) -> None:
    _check_names(c, "")
    _check_date("market.start_date", c.market.start_date)
    if c.warm_up_days >= c.days:
        _fail("warm_up_days", c.warm_up_days, f"fewer days than days={c.days}")
    for key, strategy in [("strategy", c.strategy), *((f"mix.{n}", m) for n, m in c.mix.items())]:
        _check_strategy(key, strategy)
    names = [g.name for g in c.strategy_groups()]
    if len(set(names)) != len(names) or NO_MARKETING in names:
        _fail("mix", names, f"distinct strategy names other than {NO_MARKETING!r}")
    total = sum(g.share for g in c.strategy_groups())
    if total > 1.0 + 1e-9:
        _fail("mix", {g.name: g.share for g in c.strategy_groups()}, "shares summing to <= 1")
    if set(c.platform.channels) != set(CHANNEL_NAMES):
        _fail(
            "platform.channels", sorted(c.platform.channels), f"exactly {', '.join(CHANNEL_NAMES)}"
        )
    _check_population(c.population)
    _check_market(c.market)
    roles = c.market.roles
    if roles.entry_margin <= roles.exit_margin:
        _fail(
            "market.roles.entry_margin",
            roles.entry_margin,
            f"a value above market.roles.exit_margin={roles.exit_margin} (hysteresis)",
        )


def _check_choice(key: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        _fail(key, value, f"one of {', '.join(allowed)}")


def _check_strategy(key: str, s: StrategyConfig) -> None:
    if set(s.channel.by_stage) != set(STAGES):
        _fail(
            f"{key}.channel.by_stage",
            dict(s.channel.by_stage),
            f"a channel for each of {', '.join(STAGES)}",
        )
    for stage, channel in s.channel.by_stage.items():
        _check_choice(f"{key}.channel.by_stage.{stage}", channel, CHANNEL_NAMES)
    seg = s.segmentation
    if (
        len(seg.recency_days) != 3
        or sorted(seg.recency_days) != list(seg.recency_days)
        or min(seg.recency_days) < 1
    ):
        _fail(
            f"{key}.segmentation.recency_days",
            list(seg.recency_days),
            "three increasing day counts >= 1",
        )
    if len(seg.frequency) != 2 or not 1 <= seg.frequency[0] <= seg.frequency[1]:
        _fail(
            f"{key}.segmentation.frequency",
            list(seg.frequency),
            "two increasing order counts >= 1",
        )
    if seg.kind == "kmeans" and seg.fit_sample < seg.k:
        _fail(
            f"{key}.segmentation.fit_sample",
            seg.fit_sample,
            f"at least {key}.segmentation.k={seg.k} records (one a cluster)",
        )
    if s.timing.at_risk_days >= s.timing.churned_days:
        _fail(
            f"{key}.timing.at_risk_days",
            s.timing.at_risk_days,
            f"fewer days than {key}.timing.churned_days={s.timing.churned_days}",
        )


def _check_population(p: PopulationConfig) -> None:
    shares = p.type_shares
    if set(shares) != set(BUYER_TYPES):
        _fail("population.type_shares", dict(shares), f"exactly the types {', '.join(BUYER_TYPES)}")
    for name, share in shares.items():
        if not 0.0 <= share <= 1.0:
            _fail(f"population.type_shares.{name}", share, "a share in [0, 1]")
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        _fail("population.type_shares", dict(shares), "shares that sum to 1")


def _check_market(m: MarketConfig) -> None:
    names = list(m.countries)
    if len(names) < 2:
        _fail("market.countries", names, "at least two countries")
    currencies = [c.currency for c in m.countries.values()]
    if len(set(currencies)) != len(currencies):
        _fail("market.countries", currencies, "one currency per country (no currency unions)")
    if m.reference_currency not in currencies:
        _fail("market.reference_currency", m.reference_currency, "the currency of a country")
    if not m.categories:
        _fail("market.categories", [], "at least one category")
    n_tags = len(m.tag_names)
    for cat, spec in m.categories.items():
        tags = list(spec.tags)
        if (
            len(tags) != n_tags
            or not all(_is_finite_number(t) and 0 <= t <= MAX_TAG for t in tags)
            or not any(t > 0 for t in tags)
        ):
            _fail(
                f"market.categories.{cat}.tags",
                tags,
                f"{n_tags} weights in [0, {MAX_TAG}], one > 0",
            )
        if set(spec.sourcing_cost) != set(names):
            _fail(
                f"market.categories.{cat}.sourcing_cost",
                dict(spec.sourcing_cost),
                f"a cost share for each of {', '.join(names)}",
            )
        for country, share in spec.sourcing_cost.items():
            if not 0.0 < share < 1.0:
                _fail(
                    f"market.categories.{cat}.sourcing_cost.{country}", share, "a share in (0, 1)"
                )
    for table in ("shipping_cost", "delivery_days"):
        _check_matrix(f"market.{table}", getattr(m, table), names)
    for name, country in m.countries.items():
        _check_duties(f"market.countries.{name}.duty_by_category", country.duty_by_category, m)
    for i, shock in enumerate(m.shocks):
        _check_shock(f"market.shocks.{i}", shock, names)


def _check_matrix(key: str, matrix: dict[str, dict[str, float]], names: list[str]) -> None:
    if set(matrix) != set(names):
        _fail(key, sorted(matrix), f"a row for each of {', '.join(names)}")
    for origin, row in matrix.items():
        if set(row) != set(names):
            _fail(f"{key}.{origin}", sorted(row), f"a column for each of {', '.join(names)}")
        for dest, value in row.items():
            if not _is_finite_number(value) or not 0 <= value <= MAX_ROUTE_VALUE:
                _fail(f"{key}.{origin}.{dest}", value, f"a number in [0, {MAX_ROUTE_VALUE:g}]")


def _check_duties(key: str, duties: dict[str, float], m: MarketConfig) -> None:
    for category, rate in duties.items():
        if category not in m.categories:
            _fail(key, dict(duties), f"categories of market.categories ({', '.join(m.categories)})")
        if not _is_finite_number(rate) or not 0.0 <= rate <= 5.0:
            _fail(f"{key}.{category}", rate, "a duty rate in [0, 5]")


SINGLE_COUNTRY_SHOCKS = ("fx", "demand", "de_minimis", "vat_at_checkout")


def _check_shock(key: str, shock: ShockConfig, names: list[str]) -> None:
    parts = shock.target.split(">")
    if len(parts) > 2 or any(p not in names for p in parts):
        _fail(f"{key}.target", shock.target, f"a country ({', '.join(names)}) or a route A>B")
    if len(parts) == 2 and shock.kind in SINGLE_COUNTRY_SHOCKS:
        _fail(f"{key}.target", shock.target, f"a single country for kind={shock.kind}")
    if shock.kind == "fx" and shock.size <= -1.0:
        _fail(f"{key}.size", shock.size, "a size above -1 for kind=fx (a rate cannot fall to 0)")


# Dataclass annotations are strings (postponed evaluation): map them back for check_key.
_SCHEMAS = {
    name: cls
    for name, cls in vars(schema).items()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls)
}
