"""The numbers of experiments/sensitivity/README.md that the reports do not print: the scores
that chose the Sobol knobs, and how much of the design's variation is seed noise.

    .venv/bin/python experiments/sensitivity/checks.py > experiments/sensitivity/checks_output.txt

Reads only files the two commands wrote: results_morris/ and results_sobol/ (indices and
design tables) and the sweeps' tables, outputs/sensitivity/{morris,sobol}/sweep.parquet (a row
a run, so each seed's value at each point).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
METRICS = ["repeat_rate", "retention_90d", "visit_conversion", "seller_profit"]


def scores() -> None:
    """Each metric's mu* divided by that metric's largest mu*, summed over the four metrics."""
    t = pd.read_csv(HERE / "results_morris" / "tables" / "indices.csv")
    t["scaled"] = t["mu_star"] / t.groupby("metric")["mu_star"].transform("max")
    wide = t.pivot_table(index="parameter", columns="metric", values="scaled")[METRICS]
    wide["sum"] = wide.sum(axis=1)
    print("Scaled mu* (mu* / the metric's largest mu*), summed over the four metrics:")
    print(wide.sort_values("sum", ascending=False).round(3).to_string())
    top = t.loc[t.groupby("metric")["mu_star"].idxmax(), ["metric", "parameter"]]
    print("\nTop knob of each metric:")
    print(top.to_string(index=False))


def per_seed(folder: str, design: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Each seed's metrics at the design's points, in design order."""
    runs = pd.read_parquet(Path("outputs") / "sensitivity" / folder / "sweep.parquet")
    knobs = [c for c in design.columns if c not in METRICS]

    def key(frame: pd.DataFrame) -> pd.Series:
        return frame[knobs].astype(float).round(5).astype(str).agg("|".join, axis=1)

    runs = runs.assign(key=key(runs))
    keys = key(design)
    found = {
        s: runs[runs.seed == s].set_index("key")[METRICS].loc[keys].reset_index(drop=True)
        for s in sorted(runs.seed.unique())
    }
    assert np.allclose((found[0] + found[1]) / 2, design[METRICS]), "design means do not match"
    return found


def morris_noise() -> None:
    """Every elementary effect computed on each seed alone: their difference measures the seed
    noise in an elementary effect of the two seeds' mean."""
    design = pd.read_csv(HERE / "results_morris" / "tables" / "design.csv")
    knobs = [c for c in design.columns if c not in METRICS]
    seeds = per_seed("morris", design)
    x = (design[knobs] - design[knobs].min()) / (design[knobs].max() - design[knobs].min())
    x = x.to_numpy()
    k = len(knobs)
    effects = {s: {m: [] for m in METRICS} for s in seeds}
    for start in range(0, len(design), k + 1):
        for a in range(start, start + k):
            step = x[a + 1] - x[a]
            assert (np.abs(step) > 1e-6).sum() == 1, "not a one-knob step"
            i = int(np.argmax(np.abs(step)))
            for s in seeds:
                for m in METRICS:
                    effects[s][m].append((seeds[s][m][a + 1] - seeds[s][m][a]) / step[i])
    print("\nMorris: seed noise of an elementary effect (of the 2-seed mean), from the two seeds'")
    print("effects (sd = sqrt(mean((EE_seed0 - EE_seed1)^2) / 4)); a knob with no influence")
    print("would show mu* of about 0.8 x sd (the mean absolute value of normal noise) and sigma")
    print("of about sd:")
    for m in METRICS:
        diff = np.array(effects[0][m]) - np.array(effects[1][m])
        sd = np.sqrt(np.mean(diff**2) / 4)
        print(
            f"  {m:17s} {len(diff)} effects: noise sd {sd:.4g}, "
            f"mu* of a knob without influence about {np.sqrt(2 / np.pi) * sd:.4g}"
        )


def sobol_noise() -> None:
    """The seed noise of a point's 2-seed mean against the variance of the points' means."""
    design = pd.read_csv(HERE / "results_sobol" / "tables" / "design.csv")
    seeds = per_seed("sobol", design)
    print("\nSobol design: seed noise of a point (the part that varies from point to point:")
    print("the common offset between the seeds cancels under common random numbers):")
    for m in METRICS:
        diff = seeds[0][m] - seeds[1][m]
        one_run = diff.var() / 2  # variance of one run's point-varying seed noise
        share = one_run / 2 / design[m].var()  # of a 2-seed mean, against the points' variance
        print(
            f"  {m:17s} seed 1 - seed 0 on average {-diff.mean():.4g}; seed sd of one run "
            f"{np.sqrt(one_run):.4g}, of a 2-seed mean {np.sqrt(one_run / 2):.4g}; points' "
            f"means sd {design[m].std():.4g}, range {design[m].min():.4g} to "
            f"{design[m].max():.4g}; seed noise share of their variance {share:.3f}"
        )
    s = pd.read_csv(HERE / "results_sobol" / "tables" / "indices.csv")
    print("\nSobol: sums of S1 and of ST over the three knobs:")
    print(s.groupby("metric", sort=False)[["S1", "ST"]].sum().round(3).to_string())


if __name__ == "__main__":
    scores()
    morris_noise()
    sobol_noise()
