"""A run that cannot fit in memory is refused before anything is allocated."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import ConfigError
from sim.config.compose import load_config
from sim.simulation import memory
from sim.simulation.run import simulate


def sized(n_traders: int, days: int = 365):
    return load_config([f"population.n_traders={n_traders}", f"days={days}", "warm_up_days=1"])


def test_the_estimate_grows_with_traders_and_days() -> None:
    small, large, longer = sized(1_000), sized(1_000_000), sized(1_000_000, days=730)
    assert memory.estimate_peak_bytes(small) < memory.estimate_peak_bytes(large)
    assert memory.estimate_peak_bytes(large) < memory.estimate_peak_bytes(longer)
    # the measured peaks it bounds (sim/simulation/memory.py): never below one, and no run
    # below three quarters of its estimate
    measured = (
        (2_000, 365, 287),
        (30_000, 365, 455),
        (100_000, 365, 737),
        (300_000, 365, 1_630),
        (1_000_000, 365, 4_203),
        (100_000, 120, 547),
    )
    for n, days, mib in measured:
        estimate = memory.estimate_peak_bytes(sized(n, days)) / memory.MIB
        assert mib <= estimate < mib / 0.75, (n, days, estimate)


def test_a_run_larger_than_the_memory_available_is_refused_naming_key_estimate_and_limit() -> None:
    config = sized(100_000_000)
    with pytest.raises(ConfigError, match=r"population\.n_traders=100000000 .*GiB.* 8\.0 GiB"):
        memory.check_fits(config, available=8 * 2**30)
    with pytest.raises(ConfigError, match="n_traders"):
        simulate(config)  # the library refuses too, before building the market


def test_a_run_that_fits_passes_with_its_estimate() -> None:
    config = sized(1_000)
    assert memory.check_fits(config, available=8 * 2**30) == memory.estimate_peak_bytes(config)


def test_the_memory_available_is_known_on_linux() -> None:
    # MemAvailable moves between two reads, so the bound is the machine's total, which does not
    available = memory.available_bytes()  # /proc/meminfo is there on every Linux machine
    assert available is not None and 0 < available <= _meminfo_total()


def test_the_memory_available_is_the_tighter_of_the_system_and_the_control_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(memory, "_meminfo_available", lambda: 8 * 2**30)
    monkeypatch.setattr(memory, "_cgroup_headroom", lambda: 2 * 2**30)
    assert memory.available_bytes() == 2 * 2**30
    monkeypatch.setattr(memory, "_cgroup_headroom", lambda: None)
    assert memory.available_bytes() == 8 * 2**30
    monkeypatch.setattr(memory, "_meminfo_available", lambda: None)
    assert memory.available_bytes() is None


@pytest.mark.parametrize(
    ("limit", "usage", "headroom"),
    [("1000\n", "400\n", 600), ("max\n", "400\n", None), (f"{2**62}\n", "1\n", None)],
)
def test_a_control_group_headroom_is_its_limit_less_its_usage(
    tmp_path, limit: str, usage: str, headroom: int | None
) -> None:
    (tmp_path / "memory.max").write_text(limit)
    (tmp_path / "memory.current").write_text(usage)
    assert memory._headroom(tmp_path, *memory.CGROUP_V2) == headroom


def _meminfo_total() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("/proc/meminfo has no MemTotal")
