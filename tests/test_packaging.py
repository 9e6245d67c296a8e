"""The built wheel runs on its own: it carries the configs and the project's sweeper, so a
project installed with pip (say on a cluster) runs and sweeps outside a clone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT

SMALL = ("population=classroom", "days=5", "warm_up_days=0", "progress=false")


def uv() -> str:
    """uv as `make setup` installs it (or one on PATH)."""
    found = shutil.which("uv") or ROOT / ".tools" / "bin" / "uv"
    assert Path(found).exists(), "uv not found: run `make setup`"
    return str(found)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from this checkout and unpacked as pip would into site-packages."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [uv(), "build", "--wheel", "--out-dir", str(dist), "--quiet"],
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    (wheel,) = dist.glob("*.whl")
    site = tmp_path_factory.mktemp("site")
    zipfile.ZipFile(wheel).extractall(site)
    return site


def run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m sim ARGS` from a folder outside the clone, importing the unpacked wheel."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_the_wheel_carries_the_configs_and_the_sweeper(installed: Path) -> None:
    assert (installed / "sim" / "configs" / "config.yaml").is_file()
    assert (installed / "sim" / "configs" / "strategy" / "full.yaml").is_file()
    assert (installed / "hydra_plugins" / "sim_sweeper" / "one_of_each.py").is_file()


@pytest.mark.slow
def test_an_installed_wheel_runs_and_sweeps_outside_the_clone(
    installed: Path, tmp_path: Path
) -> None:
    show = "from sim.config.compose import CONFIG_DIR; print(CONFIG_DIR)"
    where = run_installed(installed, tmp_path, "-c", show)
    assert where.stdout.strip() == str(installed / "sim" / "configs"), where.stderr

    run = run_installed(installed, tmp_path, "-m", "sim", *SMALL, "hydra.run.dir=run")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "summary.json").is_file()

    sweep = run_installed(
        installed, tmp_path, "-m", "sim", "-m", *SMALL, "seed=0,1", "hydra.sweep.dir=sweep"
    )
    assert sweep.returncode == 0, sweep.stderr
    assert "Checking the configs of 1 of 2 runs" in sweep.stdout + sweep.stderr
    assert (tmp_path / "sweep" / "sweep.parquet").is_file()


def test_the_citation_names_the_version_and_licence_of_the_project() -> None:
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert citation["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "version", "license"} <= set(citation)
    assert citation["version"] == project["version"]
    assert citation["license"] == project["license"]
