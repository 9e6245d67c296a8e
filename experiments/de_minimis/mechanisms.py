"""Per-country and mechanism figures of the de minimis study, from the runs' own outputs.

    .venv/bin/python experiments/de_minimis/mechanisms.py

Paired by seed: each number is the mean over 10 seeds, and the difference is the mean of the
paired (de_minimis_end - default) differences with a 95% Student-t interval. "After" is days
120-364 (the shock falls on day 120).
"""

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from scipy import stats

from sim.config.vocabulary import ABANDONMENT_REASONS

SWEEP = "outputs/compare/de_minimis"
FIG = "experiments/de_minimis/figures"
SHOCK = 120
MARKETS = ("default", "de_minimis_end")
REASONS = ABANDONMENT_REASONS
runs = pd.read_parquet(f"{SWEEP}/sweep.parquet")


def paired(table):
    """Rows: seeds; columns (market, name). Mean per market and the paired difference."""
    rows = {}
    for name in table["default"].columns:
        a, b = table["default"][name], table["de_minimis_end"][name]
        d = (b - a).dropna()
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        rows[name] = {
            "default": a.mean(),
            "de_minimis_end": b.mean(),
            "difference": d.mean(),
            "ci_low": d.mean() - half,
            "ci_high": d.mean() + half,
            "significant": bool(d.mean() - half > 0 or d.mean() + half < 0),
        }
    return pd.DataFrame(rows).T


def measures(run_dir):
    """One run's per-country and mechanism figures."""
    o = pd.read_parquet(f"{run_dir}/orders.parquet")
    e = pd.read_parquet(f"{run_dir}/events.parquet")
    ts = pd.read_parquet(f"{run_dir}/timeseries.parquet")
    country = pd.read_parquet(f"{run_dir}/traders.parquet").set_index("trader").country
    m = {}
    after = o[o.day >= SHOCK]
    us = after[after.buyer_country == "US"]
    abroad = us[us.terms != "domestic"]
    m["US buyers: orders from abroad"] = len(abroad)
    m["US buyers: orders at home"] = int((us.terms == "domestic").sum())
    m["US buyers: cross-border share"] = len(abroad) / len(us)
    m["US buyers: share of orders from abroad paying duty"] = (abroad.duty > 0).mean()
    m["US buyers: paid at checkout per order from abroad (USD)"] = abroad.amount.mean()
    m["US buyers: paid incl. door charges per order from abroad (USD)"] = (
        abroad.amount + abroad.door_charges.where(~abroad.refused, 0.0)
    ).mean()
    m["US buyers: duty per order from abroad (USD)"] = abroad.duty.mean()
    ddu = abroad[abroad.terms == "ddu"]
    m["US buyers: DDU orders from abroad"] = len(ddu)
    m["US buyers: DDU parcels refused (share)"] = ddu.refused.mean()
    m["US buyers: door charges per DDU order (USD)"] = ddu.door_charges.mean()
    m["US buyers: collection fee per DDU order (USD)"] = ddu.collection_fee.mean()
    m["sellers' net per refused US-bound DDU parcel (USD)"] = ddu.seller_net[ddu.refused].mean()
    m["sellers' net per kept US-bound DDU parcel (USD)"] = ddu.seller_net[~ddu.refused].mean()
    for c in ("US", "CN", "DE", "GB", "BR", "IN"):
        m[f"{c} buyers: orders after day 120"] = int((after.buyer_country == c).sum())
    gb_de = after[after.buyer_country.isin(["GB", "DE"])]
    m["GB and DE buyers: orders from abroad"] = int((gb_de.terms != "domestic").sum())
    m["GB and DE buyers: orders at home"] = int((gb_de.terms == "domestic").sum())
    rated = after[after.rating.notna()]
    m["mean rating of reviews after day 120"] = rated.rating.mean()
    m["1-2 star reviews after day 120"] = int((rated.rating <= 2).sum())
    for c in ("CN", "DE", "GB", "BR", "IN", "US"):
        m[f"orders into the US from {c} sellers"] = int((us.seller_country == c).sum())
        m[f"US-bound parcels from {c} sellers refused"] = int(
            (us.refused & (us.seller_country == c)).sum()
        )
    into_us = after[(after.buyer_country == "US") & (after.seller_country != "US")]
    m["foreign sellers' profit on US-bound orders (USD)"] = into_us.seller_net.sum()
    m["foreign sellers' net on refused US-bound parcels (USD)"] = into_us.seller_net[
        into_us.refused
    ].sum()
    profit = after.groupby("seller_country", observed=False).seller_net.sum()
    for c in ("US", "CN", "DE", "GB", "BR", "IN"):
        m[f"{c} sellers' profit after day 120 (USD)"] = profit.get(c, 0.0)
    share = ts.ddp_sellers / ts.sellers
    m["DDP share of sellers, days 60-119"] = share[(ts.day >= 60) & (ts.day < SHOCK)].mean()
    m["DDP share of sellers, days 120-364"] = share[ts.day >= SHOCK].mean()
    m["DDP share of sellers, day 364"] = share.iloc[-1]
    ea = e[e.day >= SHOCK]
    m["role flips after day 120"] = int((ea.kind == "flip").sum())
    buyer_us = ea.trader.map(country) == "US"
    m["refusals of US buyers' parcels"] = int(((ea.kind == "refusal") & buyer_us).sum())
    carts = ea[(ea.kind == "abandonment") & buyer_us]
    cited = ea[(ea.kind == "abandonment_reason") & buyer_us]
    m["US buyers' abandoned carts"] = len(carts)
    m["US buyers' abandoned carts at foreign sellers"] = int(
        (carts.other.map(country) != "US").sum()
    )
    for r in REASONS:
        m[f"US carts citing {r}"] = (cited.detail == r).sum() / max(len(carts), 1)
    return m


def by_seed(selection):
    """Measures of the runs in `selection`, a row per seed and a column per (market, name)."""
    rows = {(r.market, r.seed): measures(r.run_dir) for r in selection.itertuples()}
    table = pd.DataFrame(rows).T.astype(float)
    table.index.names = ["market", "seed"]
    wide = table.reset_index().pivot_table(index="seed", columns="market", dropna=False)
    return wide.swaplevel(axis=1).sort_index(axis=1)


pd.set_option("display.width", 200)
none = runs[(runs.lever == "none") & (runs.strategy == "baseline")]
table = paired(by_seed(none))
print("lever=none, strategy=baseline, 10 seeds: means and paired difference (end - keep)")
print(table.to_string(float_format=lambda x: f"{x:,.4g}"))

# The paired effect of the end, per lever and strategy, on two outcomes.
effects = {}
for (lever, strategy), sel in runs.groupby(["lever", "strategy"]):
    t = by_seed(sel)
    effects[lever, strategy] = paired(t).loc[
        [
            "US buyers: orders from abroad",
            "refusals of US buyers' parcels",
            "foreign sellers' profit on US-bound orders (USD)",
            "CN sellers' profit after day 120 (USD)",
            "US sellers' profit after day 120 (USD)",
            "DDP share of sellers, days 120-364",
            "DDP share of sellers, day 364",
        ]
    ]
effects = pd.concat(effects, names=["lever", "strategy", "measure"])
print("\nPaired effect of the end per lever and strategy (days 120-364)")
print(
    effects[
        ["default", "de_minimis_end", "difference", "ci_low", "ci_high", "significant"]
    ].to_string(float_format=lambda x: f"{x:,.4g}")
)


# Figures: US buyers' daily orders from abroad, and the DDP share of sellers, over time.
def daily(selection):
    out = {}
    for r in selection.itertuples():
        columns = ["day", "buyer_country", "terms"]
        o = pd.read_parquet(f"{r.run_dir}/orders.parquet", columns=columns)
        x = o[(o.buyer_country == "US") & (o.terms != "domestic")].groupby("day").size()
        ts = pd.read_parquet(f"{r.run_dir}/timeseries.parquet")
        out[r.market, r.seed] = pd.DataFrame(
            {
                "abroad": x.reindex(range(365), fill_value=0),
                "ddp": (ts.ddp_sellers / ts.sellers).to_numpy(),
            }
        )
    return out


series = daily(none)
fig, ax = plt.subplots(figsize=(8, 4))
for market, colour in zip(MARKETS, ("tab:blue", "tab:red"), strict=False):
    x = pd.concat([series[k].abroad for k in series if k[0] == market], axis=1).mean(axis=1)
    ax.plot(x.rolling(7, min_periods=1).mean(), colour, label=f"market={market}")
ax.axvline(SHOCK, color="grey", ls="--", lw=1)
ax.set(
    xlabel="day",
    ylabel="orders a day (7-day mean)",
    title="US buyers' orders from abroad (lever none, strategy baseline, mean of 10 seeds)",
)
ax.legend()
fig.tight_layout()
fig.savefig(f"{FIG}/us_cross_border_orders.png", dpi=110)

fig, ax = plt.subplots(figsize=(8, 4))
for lever, ls in (("none", "-"), ("free_shipping", ":")):
    sel = runs[(runs.lever == lever) & (runs.strategy == "baseline")]
    s = daily(sel) if lever != "none" else series
    for market, colour in zip(MARKETS, ("tab:blue", "tab:red"), strict=False):
        x = pd.concat([s[k].ddp for k in s if k[0] == market], axis=1).mean(axis=1)
        ax.plot(x, colour, ls=ls, label=f"market={market}, lever={lever}")
ax.axvline(SHOCK, color="grey", ls="--", lw=1)
ax.set(
    xlabel="day",
    ylabel="DDP sellers / sellers",
    title="Sellers shipping duties paid (strategy baseline, mean of 10 seeds)",
)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(f"{FIG}/ddp_share.png", dpi=110)

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
levers = ["none", "duties_paid", "local_warehouse", "free_shipping"]
titles = {
    "US buyers: orders from abroad": "US buyers' orders from abroad",
    "foreign sellers' profit on US-bound orders (USD)": (
        "foreign sellers' profit on US-bound orders (USD)"
    ),
}
for ax, measure in zip(axes, titles, strict=False):
    for i, strategy in enumerate(("baseline", "rfm")):
        d = effects.xs(measure, level="measure").xs(strategy, level="strategy").loc[levers]
        y = np.arange(len(levers)) + (0.15 if i else -0.15)
        ax.errorbar(
            d.difference,
            y,
            xerr=[d.difference - d.ci_low, d.ci_high - d.difference],
            fmt="o",
            capsize=3,
            label=f"strategy={strategy}",
        )
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(range(len(levers)), [f"lever={v}" for v in levers])
    ax.set(title=titles[measure], xlabel="de_minimis_end - default, days 120-364")
axes[1].legend(fontsize=8, loc="upper right")
fig.suptitle("Paired effect of the de minimis end per lever (mean, 95% CI over 10 seeds)")
fig.tight_layout()
fig.savefig(f"{FIG}/effect_by_lever.png", dpi=110)
print("\nFigures written to", FIG)
