"""The project's set-up: every package the code imports is declared, the licence it promises
is there, and `make`'s environment check leaves an up-to-date environment alone."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.helpers import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SHIPPED = ("sim", "hydra_plugins")  # the packages the wheel carries (pyproject.toml)


def imported_top_level(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def normalized(name: str) -> str:
    return name.lower().replace("_", "-")


# what a declared distribution brings under another name: solara installs solara-ui
PROVIDED_BY = {"solara-ui": "solara"}


def test_every_package_the_shipped_code_imports_is_declared() -> None:
    declared = {normalized(Requirement(r).name) for r in PROJECT["project"]["dependencies"]}
    for extra in PROJECT["project"]["optional-dependencies"].values():
        declared |= {normalized(Requirement(r).name) for r in extra}
    owners = packages_distributions()
    undeclared = {}
    for module in set().union(*(imported_top_level(ROOT / p) for p in SHIPPED)):
        if module in sys.stdlib_module_names or module in SHIPPED:
            continue
        distributions = {normalized(d) for d in owners.get(module, [module])}
        distributions |= {PROVIDED_BY[d] for d in distributions if d in PROVIDED_BY}
        if not distributions & declared:
            undeclared[module] = sorted(distributions)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_the_licence_pyproject_promises_is_in_the_repository() -> None:
    for name in PROJECT["project"]["license-files"]:
        assert (ROOT / name).is_file(), name


@pytest.mark.skipif(not (ROOT / ".venv" / ".setup-stamp").exists(), reason="no set-up stamp")
def test_setup_leaves_an_up_to_date_environment_untouched() -> None:
    venv = ROOT / ".venv"
    marker = venv / "untouched-by-setup"  # a rebuild of .venv would remove it
    marker.write_text("")
    try:
        before = (venv / "bin" / "python").lstat().st_mtime_ns
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        done = subprocess.run(
            ["bash", "scripts/setup.sh"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert marker.exists()
        assert (venv / "bin" / "python").lstat().st_mtime_ns == before
        assert done.stdout == "" and done.stderr == ""  # nothing to do, nothing said
    finally:
        marker.unlink(missing_ok=True)
