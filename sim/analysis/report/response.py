"""The report's response curve: a metric against a numeric policy knob (a spend cap), the level
that maximises it and the levels that change nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis import curve, paired, plots
from sim.analysis.report.document import Block, figure_block
from sim.analysis.report.values import amount, fmt, header, interval, intervals


def curve_blocks(found: list[curve.Curve], figure_dir: Path, currency: str) -> list[Block]:
    """The response curve: a table of levels, the best level with its interval, a figure."""
    if not found:
        return []
    key, metric = found[0].key, found[0].metric
    blocks = [Block("heading", f"{metric} by {key}: the level that maximises it")]
    for each in found:
        if len(found) > 1:
            blocks.append(Block("heading", f"In context {each.context}", 3))
        blocks.append(Block("text", curve_text(each, currency)))
        levels = each.levels
        blocks.append(
            Block(
                "table",
                pd.DataFrame(
                    {
                        key: levels["level"],
                        "seeds": levels["seeds"],
                        f"{header(metric, currency)} vs baseline": [
                            fmt(metric, v, True) for v in levels["mean"]
                        ],
                        "95% CI": intervals(metric, levels),
                        f"extra spend ({currency})": [
                            fmt("extra_spend", v, True) for v in levels["spend"]
                        ],
                    }
                ),
            )
        )
    figure = plots.response_curve(found, figure_dir / "curve.png", fmt)
    caption = (
        f"{metric} against {key}: paired difference from the baseline level with its 95% CI "
        "(band); dashed, the best level; grey, its 95% bootstrap interval; below, what each "
        "level spends beyond the baseline level"
    )
    return [*blocks, figure_block(caption, figure)]


def curve_text(c: curve.Curve, currency: str) -> str:
    """The best level, its effect and interval, and the levels that change nothing."""
    row = c.levels.set_index("level").loc[c.best]
    parts = [
        f"{c.metric} is {'lowest' if c.metric in paired.LOWER_IS_BETTER else 'highest'} at "
        f"{c.key} = {c.best:g}: {amount(c.metric, row['mean'], currency)} against the "
        f"baseline level, 95% CI {interval(c.metric, row['ci_low'], row['ci_high'])}."
    ]
    if c.best_low == c.best_high:
        parts.append(f"Every resample of the {int(row['seeds'])} seeds finds the same best level.")
    else:
        parts.append(
            f"Over resamples of the {int(row['seeds'])} seeds the best level lies between "
            f"{c.best_low:g} and {c.best_high:g} (95%): levels in that range are not told apart."
        )
    why = (
        "the cap never binds (what the sellers' due contacts cost in a period, under the "
        "frequency cap, stays below it), so raising it changes nothing"
        if c.key.endswith("spend_cap")
        else "the knob changes nothing there"
    )
    for a, b in c.identical:
        parts.append(
            f"{c.key} = {a:g} and {b:g} give identical runs on every seed: above {a:g} {why}."
        )
    return " ".join(parts)
