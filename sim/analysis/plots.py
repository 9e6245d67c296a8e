"""Figures of the comparison report: each function draws one PNG from in-memory tables.

Figures are plain `Figure` objects on the Agg canvas, so nothing touches pyplot's global state
and plotting is safe in worker processes and tests. Every policy keeps its `tab10` colour, in
the order the policies are given, so a reader can follow it from one figure to the next.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter
from PIL import Image

DPI = 100
MIN_AT_RISK = 20  # fewer buyers than this make a retention share too noisy to draw
MAX_PANELS = 6


def paired_differences(rows: pd.DataFrame, path: Path, fmt: Callable[..., str]) -> Path:
    """Grid of small panels, one a metric: each policy's paired difference from the baseline
    as a point with its 95% CI as a bar and zero marked, which is what the paired test tests
    (two policies' own intervals may overlap where the paired difference is clear). Filled
    points are significant (Holm p < 0.05); ticks read in the metric's unit via `fmt`."""
    rows = rows[rows["difference"].notna()]
    if rows.empty:
        return _no_data(path)
    metrics = list(dict.fromkeys(rows["metric"]))
    policies = list(dict.fromkeys(rows["policy"]))
    colours = _colours(policies)
    ncols = min(4, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    label_width = min(4.0, 0.5 + 0.065 * max(len(p) for p in policies))
    height = max(1.5, 0.25 * len(policies) + 0.8)
    fig = _figure(min(2.3 * ncols + label_width, 13.0), min(height * nrows, 14.0))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        _difference_panel(ax, rows[rows["metric"] == metric], policies, colours)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _, m=metric: fmt(m, v, True)))
        ax.set_title(metric, fontsize="medium")
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    axes[0].set_yticks(range(len(policies)), policies)
    for ax in axes:
        ax.tick_params(axis="y", labelsize="small")
    axes[0].set_ylim(len(policies) - 0.5, -0.5)  # the first policy on top
    return _save(fig, path)


def _difference_panel(
    ax: Axes, rows: pd.DataFrame, policies: list[str], colours: dict[str, tuple]
) -> None:
    """One metric: a point per policy at its paired difference, its CI as a bar, zero dashed."""
    ax.axvline(0.0, color="0.4", linewidth=0.8, linestyle="--")
    for row in rows.itertuples(index=False):
        y = policies.index(row.policy)
        colour = colours[row.policy]
        significant = bool(row.p_holm < 0.05)
        if not (np.isnan(row.ci_low) or np.isnan(row.ci_high)):
            ax.hlines(y, row.ci_low, row.ci_high, color=colour, linewidth=2)
        face = colour if significant else "white"
        ax.plot(row.difference, y, "o", color=colour, markerfacecolor=face, markersize=6)
    ax.xaxis.set_major_locator(MaxNLocator(3))
    ax.tick_params(axis="x", labelsize="x-small")
    ax.grid(axis="x", alpha=0.3)


def daily_series(
    runs: dict[str, dict[str, list[pd.DataFrame]]], columns: list[str], path: Path, window: int = 7
) -> Path:
    """A row of panels a context (its heading above), one panel a column: for each policy,
    the mean across seeds of the `window`-day rolling mean, with a band from the 5th to the
    95th percentile across seeds to show seed noise. `runs` maps context -> policy -> each
    seed's time series ("" for a sweep without contexts)."""
    drawn = {
        context: {p: [f for f in frames if not f.empty] for p, frames in policies.items()}
        for context, policies in list(runs.items())[:MAX_PANELS]
    }
    drawn = {c: {p: f for p, f in ps.items() if f} for c, ps in drawn.items()}
    drawn = {c: ps for c, ps in drawn.items() if ps}
    if not drawn or not columns:
        return _no_data(path)
    colours = _colours(list(dict.fromkeys(p for ps in drawn.values() for p in ps)))
    ncols = len(columns)
    fig = _figure(4.0 * ncols, 2.6 * len(drawn) + 0.8)
    rows = np.atleast_1d(fig.subfigures(len(drawn), 1, squeeze=False).ravel())
    for row, (context, policies) in zip(rows, drawn.items(), strict=False):
        axes = row.subplots(1, ncols, squeeze=False, sharex=True).ravel()
        for ax, column in zip(axes, columns, strict=True):
            for policy, frames in policies.items():
                _band(ax, _rolling(frames, column, window), colours[policy], policy)
            ax.set_title(f"{column} ({window}-day mean)", fontsize="medium")
            ax.set_xlabel("day")
            ax.grid(alpha=0.3)
        if context:
            row.suptitle(context, fontsize="medium", fontweight="bold")
    _policy_legend(fig, list(colours), colours)
    return _save(fig, path)


def _rolling(frames: list[pd.DataFrame], column: str, window: int) -> pd.DataFrame:
    """Days by seeds: each seed's rolling mean of `column`, aligned on the day."""
    seeds = [
        f.set_index("day")[column].sort_index().rolling(window, min_periods=1).mean()
        for f in frames
        if column in f
    ]
    return pd.concat(seeds, axis=1) if seeds else pd.DataFrame()


def _band(ax: Axes, wide: pd.DataFrame, colour: tuple, label: str) -> None:
    """Mean line across seeds (columns) with the 5th-95th percentile band."""
    if wide.empty:
        return
    low, high = wide.quantile(0.05, axis=1), wide.quantile(0.95, axis=1)
    ax.fill_between(wide.index, low, high, color=colour, alpha=0.2, linewidth=0)
    ax.plot(wide.index, wide.mean(axis=1), color=colour, linewidth=1.2, label=label)


def funnel(counts: pd.DataFrame, path: Path) -> Path:
    """The conversion funnel: grouped bars of each stage as a share of the first stage, a group
    per policy, so that drop-outs at each step compare across policies of different volume."""
    if counts.empty or counts.shape[1] == 0:
        return _no_data(path)
    first = counts.iloc[:, 0].where(counts.iloc[:, 0] > 0)
    shares = counts.div(first, axis=0)
    policies, stages = [str(p) for p in counts.index], [str(s) for s in counts.columns]
    colours = _colours(policies)
    k = len(stages)
    height = 0.8 / k
    label_width = min(4.0, 0.5 + 0.065 * max(len(p) for p in policies))
    fig = _figure(5.5 + label_width, min(max(2.4, 0.22 * k * len(policies) + 1.0), 12.0))
    ax = fig.subplots()
    for i, policy in enumerate(policies):
        for j, stage in enumerate(stages):
            y = i - 0.4 + height * (j + 0.5)
            share = float(shares.iloc[i, j])
            alpha = 1.0 - 0.55 * j / max(k - 1, 1)
            if not np.isnan(share):
                ax.barh(y, share, height=height * 0.9, color=colours[policy], alpha=alpha)
            text = "n/a" if np.isnan(share) else f"{share:.1%}"
            end = 0.0 if np.isnan(share) else share
            ax.text(end, y, f" {stage} {text}", va="center", fontsize="x-small")
    ax.set_yticks(range(len(policies)), policies, fontsize="small")
    ax.set_ylim(len(policies) - 0.5, -0.5)
    ax.set_xlim(0, 1.3)  # room for the labels right of a full bar
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"share of {stages[0]}")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def repeat_shares(orders: list[pd.DataFrame], horizon: int, cohort_days: int) -> pd.DataFrame:
    """Share of each first-order cohort that has ordered again within d days, d = 0..horizon,
    pooling seeds; NaN where fewer than `MIN_AT_RISK` buyers could be observed that long.

    A buyer is at risk at delay d only if its first day + d is no later than the last day of
    its seed's log (right-censoring); a repeat is an order on a later day than the first, within
    d days. Buyers are per seed, so each log is handled on its own before pooling.
    """
    delays = pd.RangeIndex(horizon + 1, name="delay")
    seeds = [_first_and_repeat(log) for log in orders if not log.empty]
    if not seeds:
        return pd.DataFrame(index=delays)
    buyers = pd.concat(seeds, ignore_index=True)
    buyers["cohort"] = buyers["first"] // cohort_days
    columns = {}
    for cohort, group in buyers.groupby("cohort", sort=True):
        at_risk, repeated = _counts(group["room"], group["gap"], horizon)
        share = np.where(at_risk >= MIN_AT_RISK, repeated / np.maximum(at_risk, 1), np.nan)
        start = int(cohort) * cohort_days
        columns[f"days {start}-{start + cohort_days - 1}"] = share
    return pd.DataFrame(columns, index=delays)


def _first_and_repeat(log: pd.DataFrame) -> pd.DataFrame:
    """Per buyer of one seed: first order day, days until the next later order (NaN if none)
    and `room`, the longest delay observed before the log ends."""
    first = log.groupby("buyer")["day"].min().rename("first")
    later = log.join(first, on="buyer")
    later = later[later["day"] > later["first"]]
    second = later.groupby("buyer")["day"].min()
    return pd.DataFrame(
        {
            "first": first,
            "gap": (second - first).reindex(first.index),
            "room": log["day"].max() - first,
        }
    ).reset_index(drop=True)


def _counts(room: pd.Series, gap: pd.Series, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Buyers at risk and buyers repeated at each delay 0..horizon, in O(buyers + horizon):
    a buyer is at risk for d <= room and counts as repeated for gap <= d <= room."""
    size = horizon + 2
    room_i = np.clip(room.to_numpy(int), -1, horizon) + 1  # first delay no longer at risk
    at_risk = np.bincount(room_i, minlength=size)[::-1].cumsum()[::-1][1:]
    seen = gap.notna().to_numpy() & (gap.fillna(0).to_numpy() <= horizon)
    starts = gap.to_numpy()[seen].astype(int)
    steps = np.bincount(starts, minlength=size) - np.bincount(room_i[seen], minlength=size)
    repeated = steps.cumsum()[: horizon + 1]
    return at_risk[: horizon + 1], repeated


def retention_curves(
    orders: dict[str, list[pd.DataFrame]], path: Path, horizon: int = 180, cohort_days: int = 90
) -> Path:
    """Share of a first-order cohort that has ordered again within d days, d = 0..horizon: one
    panel a policy (the first six), a line a cohort, to see whether policies bring buyers back
    and whether that changes as the market matures."""
    colours = _colours(list(orders))
    shares = {p: repeat_shares(logs, horizon, cohort_days) for p, logs in orders.items() if logs}
    shares = dict(list(shares.items())[:MAX_PANELS])
    drawn = {c for s in shares.values() for c in s.columns if s[c].notna().any()}
    cohorts = sorted(drawn, key=_cohort_start)
    if not cohorts:
        return _no_data(path)
    shades = colormaps["viridis"](np.linspace(0, 0.85, len(cohorts)))
    cohort_colour = dict(zip(cohorts, shades, strict=True))
    ncols = min(3, len(shares))
    nrows = math.ceil(len(shares) / ncols)
    fig = _figure(2.8 * ncols + 1.6, 2.4 * nrows + 0.3)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
    for ax, (policy, table) in zip(axes, shares.items(), strict=False):
        for cohort in [c for c in table.columns if c in cohort_colour]:
            ax.plot(table.index, table[cohort], color=cohort_colour[cohort], linewidth=1.2)
        if table.notna().sum().sum() == 0:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(policy, fontsize="small", color=colours[policy])
        ax.grid(alpha=0.3)
    for ax in axes[len(shares) :]:
        ax.set_visible(False)
    axes[0].set_ylim(0, 1)
    axes[0].set_xlim(0, horizon)
    fig.supxlabel("days since first order", fontsize="small")
    fig.supylabel("share ordered again", fontsize="small")
    handles = [Line2D([], [], color=cohort_colour[c]) for c in cohorts]
    fig.legend(handles, cohorts, loc="outside right center", fontsize="x-small", title="cohort")
    return _save(fig, path)


def _cohort_start(label: str) -> int:
    """The first day of a cohort labelled "days A-B", to order cohorts by time."""
    return int(label.split()[1].split("-")[0])


ROLE_COLUMNS = ["sellers", "flips_to_seller", "flips_to_buyer"]
WEEK = 7
MIN_SPAN = 0.1  # a level axis spans at least this share of its level, so noise looks flat


def roles_over_time(runs: dict[str, dict[str, list[pd.DataFrame]]], path: Path) -> Path:
    """A panel a context (the first six, its heading above): sellers over time (mean across
    seeds), every policy on one axis that spans at least a tenth of the level, so a flat line
    looks flat and a shock's jump shows; below, role flips per week (both ways, mean across
    seeds) as bars side by side, so policies compare. `runs` maps context -> policy -> each
    seed's time series."""
    means = {
        context: {p: _seed_mean(frames, ROLE_COLUMNS) for p, frames in policies.items()}
        for context, policies in list(runs.items())[:MAX_PANELS]
    }
    means = {c: {p: m for p, m in ps.items() if not m.empty} for c, ps in means.items()}
    means = {c: ps for c, ps in means.items() if ps}
    if not means:
        return _no_data(path)
    colours = _colours(list(dict.fromkeys(p for ps in means.values() for p in ps)))
    ncols = min(2, len(means))
    nrows = math.ceil(len(means) / ncols)
    fig = _figure(6.0 * ncols, 4.2 * nrows + 0.6)
    panels = np.atleast_1d(fig.subfigures(nrows, ncols, squeeze=False).ravel())
    for panel, (context, policies) in zip(panels, means.items(), strict=False):
        _roles_panel(panel, policies, colours)
        if context:
            panel.suptitle(context, fontsize="medium", fontweight="bold")
    _policy_legend(fig, list(colours), colours)
    return _save(fig, path)


def _roles_panel(panel: Figure, policies: dict[str, pd.DataFrame], colours: dict) -> None:
    top, bottom = panel.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    for policy, mean in policies.items():
        top.plot(mean.index, mean["sellers"], color=colours[policy], linewidth=1.3)
    _pad_level_axis(top, pd.concat([m["sellers"] for m in policies.values()]))
    top.set_ylabel("sellers", fontsize="small")
    top.grid(alpha=0.3)
    width = WEEK * 0.8 / len(policies)
    for i, (policy, mean) in enumerate(policies.items()):
        weekly = _weekly_flips(mean)
        offset = (i - (len(policies) - 1) / 2) * width
        bottom.bar(weekly.index + offset, weekly.to_numpy(), width, color=colours[policy])
    bottom.set_ylabel("flips per week", fontsize="small")
    bottom.set_xlabel("day", fontsize="small")
    bottom.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    bottom.grid(axis="y", alpha=0.3)
    for ax in (top, bottom):
        ax.tick_params(labelsize="small")


def _weekly_flips(mean: pd.DataFrame) -> pd.Series:
    """Flips both ways summed by week, indexed by the week's middle day."""
    flips = mean[["flips_to_seller", "flips_to_buyer"]].fillna(0.0).sum(axis=1)
    weeks = (flips.index.to_numpy() // WEEK) * WEEK + WEEK / 2
    return flips.groupby(weeks).sum()


def _pad_level_axis(ax: Axes, values: pd.Series) -> None:
    """Limits around the values spanning at least MIN_SPAN of their level."""
    low, high = float(values.min()), float(values.max())
    span = max(high - low, MIN_SPAN * max(abs(high), 1.0))
    middle = (low + high) / 2
    ax.set_ylim(middle - 0.6 * span, middle + 0.6 * span)


def _seed_mean(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Each day's mean across seeds of `columns` (missing ones are NaN)."""
    frames = [f.reindex(columns=["day", *columns]) for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames).groupby("day").mean()


def _colours(policies: list[str]) -> dict[str, tuple]:
    """`tab10` colours in the order policies are given, the same in every figure."""
    cmap = colormaps["tab10"]
    return {p: cmap(i % cmap.N) for i, p in enumerate(policies)}


def _policy_legend(fig: Figure, policies: list[str], colours: dict[str, tuple]) -> None:
    handles = [Line2D([], [], color=colours[p], linewidth=2) for p in policies]
    ncols = min(len(policies), 3)
    fig.legend(handles, policies, loc="outside lower center", ncols=ncols, fontsize="small")


def _figure(width: float, height: float) -> Figure:
    """A figure on the Agg canvas, detached from pyplot."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _no_data(path: Path) -> Path:
    """A small placeholder, so a report never lacks a figure it refers to."""
    fig = _figure(4.0, 2.0)
    fig.text(0.5, 0.5, "no data", ha="center", va="center", fontsize="large", color="0.4")
    return _save(fig, path)


def _save(fig: Figure, path: Path) -> Path:
    """Write a palette PNG: a quarter of the size of a full-colour one and looks the same,
    which matters for reports that embed every figure and studies that commit them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, format="png")
    image = Image.open(buffer).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    image.save(path, format="PNG", optimize=True)
    return path


def fact_distributions(simulated: dict, real: dict, path: Path) -> Path:
    """Simulated against real stylised facts: orders per customer, repeat purchase within 30,
    90 and 180 days of the first order, and revenue share of the top customers."""
    panels = (
        ("orders per customer", "orders_per_customer"),
        ("ordered again within", "repeat_within"),
        ("revenue share of the top", "revenue_top_share"),
    )
    fig = _figure(10.0, 3.2)
    axes = fig.subplots(1, len(panels), sharey=True)
    for ax, (title, key) in zip(axes, panels, strict=True):
        labels = list(real[key])
        x = np.arange(len(labels))
        sim = [np.nan if simulated[key].get(k) is None else simulated[key][k] for k in labels]
        ax.bar(x - 0.2, [real[key][k] for k in labels], 0.4, label="real", color="0.55")
        ax.bar(x + 0.2, sim, 0.4, label="simulated", color=colormaps["tab10"](0))
        ax.set_xticks(x, [k.replace("top_", "").replace("pct", "%") for k in labels])
        ax.set_title(title, fontsize="medium")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize="small")
    return _save(fig, path)


def response_curve(curves: list, path: Path, fmt: Callable[..., str]) -> Path:
    """A panel a context (the first six): the metric's paired difference from the baseline
    level against the knob's level, with its 95% CI band and the best level marked; below it,
    what each level spends beyond the baseline level. `curves` are `sim.analysis.curve.Curve`s."""
    curves = curves[:MAX_PANELS]
    if not curves:
        return _no_data(path)
    ncols = min(2, len(curves))
    nrows = math.ceil(len(curves) / ncols)
    fig = _figure(5.5 * ncols, 4.4 * nrows)
    panels = np.atleast_1d(fig.subfigures(nrows, ncols, squeeze=False).ravel())
    colour = colormaps["tab10"](0)
    for panel, curve in zip(panels, curves, strict=False):
        top, bottom = panel.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        levels = curve.levels
        top.fill_between(
            levels["level"],
            levels["ci_low"],
            levels["ci_high"],
            alpha=0.2,
            color=colour,
            linewidth=0,
        )
        top.plot(levels["level"], levels["mean"], "o-", color=colour)
        top.axvspan(curve.best_low, curve.best_high, color="0.85", zorder=0)
        top.axvline(curve.best, color="0.3", linestyle="--", linewidth=1)
        top.axhline(0.0, color="0.5", linewidth=0.8)
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _, m=curve.metric: fmt(m, v, True)))
        top.set_ylabel(f"{curve.metric} vs baseline", fontsize="small")
        top.grid(alpha=0.3)
        bottom.plot(levels["level"], levels["spend"], "s-", color="0.35")
        bottom.set_ylabel("extra spend", fontsize="small")
        bottom.set_xlabel(curve.key, fontsize="small")
        bottom.grid(alpha=0.3)
        for ax in (top, bottom):
            ax.tick_params(labelsize="small")
        if curve.context:
            panel.suptitle(curve.context, fontsize="medium", fontweight="bold")
    return _save(fig, path)


def morris(indices: pd.DataFrame, path: Path) -> Path:
    """A panel a metric: each knob at (mu*, sigma), labelled, with mu*'s 95% interval as a
    horizontal bar: right is influential, up is non-linear or interacting."""
    metrics = list(dict.fromkeys(indices["metric"]))
    if not metrics:
        return _no_data(path)
    ncols = min(2, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    fig = _figure(5.2 * ncols, 3.8 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    colours = _colours(list(dict.fromkeys(indices["parameter"])))
    for ax, metric in zip(axes, metrics, strict=False):
        rows = indices[indices["metric"] == metric]
        for row in rows.itertuples(index=False):
            colour = colours[row.parameter]
            ax.hlines(row.sigma, row.mu_star_low, row.mu_star_high, color=colour, linewidth=1.5)
            ax.plot(row.mu_star, row.sigma, "o", color=colour)
            ax.annotate(
                row.parameter,
                (row.mu_star, row.sigma),
                fontsize="x-small",
                xytext=(4, 4),
                textcoords="offset points",
            )
        ax.set_title(metric, fontsize="medium")
        ax.set_xlabel("mu* (influence)", fontsize="small")
        ax.set_ylabel("sigma (non-linearity, interactions)", fontsize="small")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    return _save(fig, path)


def sobol(indices: pd.DataFrame, path: Path) -> Path:
    """A panel a metric: first-order (S1) and total (ST) indices of each knob as bars side by
    side, with 95% intervals."""
    metrics = list(dict.fromkeys(indices["metric"]))
    if not metrics:
        return _no_data(path)
    ncols = min(2, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    knobs = list(dict.fromkeys(indices["parameter"]))
    fig = _figure(max(4.5, 0.9 * len(knobs) + 2.0) * ncols, 3.6 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    x = np.arange(len(knobs))
    for ax, metric in zip(axes, metrics, strict=False):
        rows = indices[indices["metric"] == metric].set_index("parameter").reindex(knobs)
        for offset, name, colour in ((-0.2, "S1", "tab:blue"), (0.2, "ST", "tab:orange")):
            low = (rows[name] - rows[f"{name}_low"]).clip(lower=0)
            high = (rows[f"{name}_high"] - rows[name]).clip(lower=0)
            ax.bar(
                x + offset,
                rows[name],
                0.4,
                color=colour,
                label=name,
                yerr=[low, high],
                capsize=2,
                error_kw={"linewidth": 0.8},
            )
        ax.set_xticks(x, knobs, rotation=30, ha="right", fontsize="x-small")
        ax.set_title(metric, fontsize="medium")
        ax.axhline(0, color="0.4", linewidth=0.8)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize="x-small")
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    return _save(fig, path)
