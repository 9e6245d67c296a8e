"""The benchmark scripts run end to end on a tiny market (timings are not checked here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "throughput.py"
DASHBOARD = SCRIPT.with_name("dashboard.py")


def test_benchmark_smoke(capsys, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("throughput", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = tmp_path / "results.md"
    tiny = ["strategy=full", "days=5", "warm_up_days=1"]
    sweep = ["--sweep-runs", "2", "--sweep-populations", "classroom"]
    measured = module.main(
        ["--sizes", "100", "--days", "5", *sweep, "--results", str(results), *tiny]
    )
    row = measured["sizes"][0]
    assert row["traders"] == 100 and row["days"] == 5
    assert row["trader_days_per_s"] > 0 and row["peak_mib"] > 0
    assert row["versus_boltzmann"] > 0
    sweep = measured["sweep"]["classroom"]
    assert sweep["basic"] > 0 and sweep["joblib"] > 0 and sweep["speedup"] > 0
    out = capsys.readouterr().out
    assert "trader-days/s" in out and "Boltzmann" in out and "Sweep of 2 classroom runs" in out
    assert "| 100 | 5 |" in results.read_text()


def test_dashboard_benchmark_smoke(capsys) -> None:
    spec = importlib.util.spec_from_file_location("dashboard_bench", DASHBOARD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines = module.main(["--traders", "200", "--from-days", "0", "5", "--no-browser"])
    assert "| 0-10 |" in lines[-2] and "| 5-15 |" in lines[-1]
    assert "Dashboard responsiveness" in capsys.readouterr().out
