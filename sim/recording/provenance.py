"""Which code made a result: the package version, a digest of the simulator's source, and the
git commit (with a dirty flag) when it runs from a clone.

Every run records these in `summary.json` (and so in a sweep's table), and the source digest is
part of the key a sweep reuses a finished run by (`sim.simulation.run.config_hash`): a changed
model never reuses a run made by older code, whether or not anyone bumped the version.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the sim package
DISTRIBUTION = "xborder-sim"


@functools.cache
def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


@functools.cache
def source_digest() -> str:
    """The digest of this package's source, once a process."""
    return digest_of(PACKAGE_DIR)


def digest_of(package_dir: Path) -> str:
    """A digest of every Python file of a package, by path and content: it changes with any
    edit of the simulator's code, committed or not, and is the same for the same code on any
    machine (a clone or an installed wheel)."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def git_state() -> tuple[str | None, bool | None]:
    """The clone's commit and whether the package has changes not in it; (None, None) outside
    a clone or without git."""
    root = PACKAGE_DIR.parent
    if not (root / ".git").exists():
        return None, None
    try:
        commit = _git(root, "rev-parse", "HEAD")
        dirty = bool(_git(root, "status", "--porcelain", "--", PACKAGE_DIR.name))
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit, dirty


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=10
    )
    return result.stdout.strip()


def code_record() -> dict[str, str | bool | None]:
    """What a run's summary says of the code that made it."""
    commit, dirty = git_state()
    return {
        "code_version": package_version(),
        "code_digest": source_digest(),
        "git_commit": commit,
        "git_dirty": dirty,
    }
