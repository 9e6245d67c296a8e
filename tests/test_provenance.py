"""Every result says which code made it, and a changed model never reuses an old run."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

from sim.config.compose import load_config
from sim.recording import provenance
from sim.simulation.run import config_hash, simulate
from tests.helpers import ROOT


def test_a_summary_names_the_version_the_source_and_the_commit() -> None:
    config = load_config(["population.n_traders=60", "days=8", "warm_up_days=2", "progress=false"])
    summary = simulate(config).summary
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert summary["code_version"] == version
    assert summary["code_digest"] == provenance.source_digest()
    if (ROOT / ".git").exists():  # a clone: its commit, and whether sim/ differs from it
        assert re.fullmatch(r"[0-9a-f]{40}", summary["git_commit"])
        assert isinstance(summary["git_dirty"], bool)


def test_the_source_digest_follows_every_edit_of_the_code(tmp_path: Path) -> None:
    copy = tmp_path / "sim"
    shutil.copytree(provenance.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert provenance.digest_of(copy) == provenance.source_digest()
    model = copy / "simulation" / "model.py"
    model.write_text(model.read_text() + "\n# a change\n")
    assert provenance.digest_of(copy) != provenance.source_digest()


def test_the_reuse_key_changes_with_the_code(monkeypatch) -> None:
    config = load_config(["population=classroom"])
    before = config_hash(config)
    monkeypatch.setattr("sim.simulation.run.source_digest", lambda: "0123456789abcdef")
    assert config_hash(config) != before  # a sweep or comparison will run it again


def test_the_changelog_has_the_packages_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text()
