"""The benchmark script runs end to end on a tiny market (timings are not checked here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "throughput.py"


def test_benchmark_smoke(capsys) -> None:
    spec = importlib.util.spec_from_file_location("throughput", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--sizes", "100", "--days", "5"])
    assert rows[0]["traders"] == 100 and rows[0]["days"] == 5
    assert rows[0]["trader_days_per_s"] > 0 and rows[0]["peak_mib"] > 0
    assert rows[0]["versus_boltzmann"] > 0
    out = capsys.readouterr().out
    assert "trader-days/s" in out and "Boltzmann" in out
