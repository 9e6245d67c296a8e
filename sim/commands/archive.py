"""`python -m sim archive DIR` (or `python -m sim.archive DIR`): pack a sweep, a comparison or a
study into one file a reader can check and re-run.

    python -m sim archive outputs/compare/strategy_showdown
    python -m sim archive experiments/strategy_showdown --runs outputs/compare/strategy_showdown
    python -m sim archive --check strategy_showdown.zip

The zip holds DIR's own files (reports, figures, tables, README) without the runs' bulky logs,
and for every run (found under DIR and under each `--runs` folder) its resolved config, its
overrides and its summary, which names the code that made it (`code_version`, `code_digest`,
`git_commit`); the project's lock file, pyproject.toml and CITATION.cff; and MANIFEST.json, a
SHA-256 checksum of every file with the code versions, commits and digests of the runs, plus
README.txt on checking and re-running. Entries are sorted and dated 1980-01-01, so the same
inputs always give the same archive. `--check FILE` recomputes every checksum.

Exit status: 0 when written (or every checksum matches), 1 when a checksum does not match, 2 for
bad input.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path

from sim.config import ConfigError
from sim.recording import run_folder
from sim.recording.atomic import atomic

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = ("uv.lock", "pyproject.toml", "CITATION.cff")
RUN_FILES = (".hydra/config.yaml", ".hydra/overrides.yaml", run_folder.SUMMARY, run_folder.ERROR)
MANIFEST = "MANIFEST.json"
EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim archive",
        description="Pack a sweep, comparison or study into one checkable file.",
    )
    parser.add_argument("dir", nargs="?", type=Path, help="the folder to pack")
    parser.add_argument(
        "--runs", type=Path, action="append", default=[], help="a sweep folder of its runs"
    )
    parser.add_argument("--out", type=Path, help="the archive (default: DIR's name + .zip)")
    parser.add_argument("--check", type=Path, metavar="FILE", help="verify an archive")
    args = parser.parse_args(argv)
    if (args.dir is None) == (args.check is None):
        parser.error("give either DIR or --check FILE")
    return args


def contents(folder: Path, sweeps: list[Path]) -> dict[str, Path]:
    """Archive name -> file: the folder's files less run logs, every run's record files."""
    files = {}
    runs = {d for sweep in [folder, *sweeps] for d in _runs(sweep)}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        inside_run = any(run in path.parents for run in runs)
        if not inside_run and not path.name.endswith(".partial"):
            files[f"{folder.name}/{path.relative_to(folder).as_posix()}"] = path
    for run in sorted(runs):
        for name in RUN_FILES:
            if (run / name).exists():
                files[f"runs/{run.parent.name}/{run.name}/{name}"] = run / name
    for name in PROJECT_FILES:
        if (ROOT / name).exists():
            files[f"project/{name}"] = ROOT / name
    return files


def _runs(sweep: Path) -> list[Path]:
    return sorted(p.parent.parent for p in sweep.rglob(str(run_folder.OVERRIDES)))


def manifest(files: dict[str, Path]) -> dict:
    """Checksums of every file, and the code behind the runs."""
    summaries = [
        json.loads(p.read_text()) for n, p in files.items() if n.endswith(run_folder.SUMMARY)
    ]
    provenance = {
        key: sorted({str(s.get(key)) for s in summaries})
        for key in ("code_version", "code_digest", "git_commit")
    }
    return {
        "runs": len({"/".join(n.split("/")[:3]) for n in files if n.startswith("runs/")}),
        "provenance": provenance,
        "files": {
            n: {"sha256": _sha256(p.read_bytes()), "bytes": p.stat().st_size}
            for n, p in files.items()
        },
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


README = """This archive was written by `python -m sim archive` (xborder-sim).

Check it:   python -m sim archive --check THIS_FILE
            (every file's SHA-256 against MANIFEST.json)

Re-run it:  check out the commit named in MANIFEST.json ("provenance": "git_commit"), run
            `make setup` (project/uv.lock pins every package), then run each run again with
            its overrides, runs/SWEEP/RUN/.hydra/overrides.yaml:
                python -m sim KEY=VALUE ...
            or the whole sweep or comparison with the command its report or README gives.
            The same overrides and seed give the same numbers (README, Reproducibility).
"""


def write(folder: Path, sweeps: list[Path], out: Path) -> Path:
    files = contents(folder, sweeps)
    listing = manifest(files)
    with atomic(out) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in files.items():
            archive.writestr(zipfile.ZipInfo(name, EPOCH), path.read_bytes(), zipfile.ZIP_DEFLATED)
        for name, text in (
            (MANIFEST, json.dumps(listing, indent=1, sort_keys=True)),
            ("README.txt", README),
        ):
            archive.writestr(zipfile.ZipInfo(name, EPOCH), text, zipfile.ZIP_DEFLATED)
    return out


def check(path: Path) -> list[str]:
    """The archive's files whose checksum does not match its manifest (or that are missing)."""
    with zipfile.ZipFile(path) as archive:
        listing = json.loads(archive.read(MANIFEST))
        names = set(archive.namelist())
        return [
            name
            for name, entry in listing["files"].items()
            if name not in names or _sha256(archive.read(name)) != entry["sha256"]
        ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.check:
            if not zipfile.is_zipfile(args.check):
                raise ConfigError(f"--check {args.check} is not allowed: not a zip archive")
            bad = check(args.check)
            for name in bad:
                print(f"checksum mismatch or missing: {name}", file=sys.stderr)
            print(f"{args.check}: {'OK' if not bad else f'{len(bad)} file(s) do not match'}")
            return 1 if bad else 0
        for folder in [args.dir, *args.runs]:
            if not folder.is_dir():
                raise ConfigError(f"{folder} is not allowed: no such folder")
        out = args.out or Path(f"{args.dir.resolve().name}.zip")
        written = write(args.dir, args.runs, out)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    print(f"Archive: {written}")
    return 0
