"""Archives of results: what goes in (reports, tables, each run's config and provenance, the
lock file) and what stays out (the runs' bulky logs), checksums that catch a changed file, the
same bytes from the same inputs, and bad input refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import yaml

from sim.commands import archive
from tests.helpers import assert_refused, run_module


def a_sweep(folder: Path) -> Path:
    """A sweep as `python -m sim -m` leaves it, with a report beside its runs."""
    for seed in (0, 1):
        run = folder / f"seed={seed},strategy=rfm"
        (run / ".hydra").mkdir(parents=True)
        (run / ".hydra" / "overrides.yaml").write_text(
            yaml.safe_dump([f"seed={seed}", "strategy=rfm"])
        )
        (run / ".hydra" / "config.yaml").write_text(yaml.safe_dump({"seed": seed}))
        summary = {"seed": seed, "code_version": "0.5.0", "code_digest": "abc", "git_commit": "123"}
        (run / "summary.json").write_text(json.dumps(summary))
        (run / "orders.parquet").write_bytes(b"x" * 1000)  # a run's log: stays out
    (folder / "sweep.parquet").write_bytes(b"table")
    (folder / "figures").mkdir()
    (folder / "figures" / "daily.png").write_bytes(b"\x89PNG")
    (folder / "report.md").write_text("# Comparison\n")
    return folder


def test_an_archive_holds_the_results_and_each_runs_record_not_its_logs(tmp_path: Path) -> None:
    sweep = a_sweep(tmp_path / "showdown")
    out = archive.write(sweep, [], tmp_path / "showdown.zip")
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        listing = json.loads(z.read("MANIFEST.json"))
    assert {"showdown/report.md", "showdown/sweep.parquet", "showdown/figures/daily.png"} <= names
    assert "runs/showdown/seed=0,strategy=rfm/summary.json" in names
    assert "runs/showdown/seed=1,strategy=rfm/.hydra/config.yaml" in names
    assert not any(n.endswith("orders.parquet") for n in names)
    assert {"project/uv.lock", "project/pyproject.toml", "project/CITATION.cff"} <= names
    assert {"MANIFEST.json", "README.txt"} <= names
    assert listing["runs"] == 2
    assert listing["provenance"] == {
        "code_version": ["0.5.0"],
        "code_digest": ["abc"],
        "git_commit": ["123"],
    }
    assert set(listing["files"]) == names - {"MANIFEST.json", "README.txt"}
    assert archive.check(out) == []
    # the same inputs, the same bytes
    assert archive.write(sweep, [], tmp_path / "again.zip").read_bytes() == out.read_bytes()


def test_a_study_folder_takes_its_runs_from_their_sweep(tmp_path: Path) -> None:
    sweep = a_sweep(tmp_path / "outputs" / "showdown")
    study = tmp_path / "experiments" / "showdown"
    study.mkdir(parents=True)
    (study / "README.md").write_text("# Study\n")
    out = archive.write(study, [sweep], tmp_path / "study.zip")
    names = set(zipfile.ZipFile(out).namelist())
    assert "showdown/README.md" in names
    assert "runs/showdown/seed=0,strategy=rfm/summary.json" in names


def test_check_finds_a_changed_file(tmp_path: Path) -> None:
    out = archive.write(a_sweep(tmp_path / "s"), [], tmp_path / "s.zip")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, b"# edited\n" if item.filename == "s/report.md" else data)
    assert archive.check(tampered) == ["s/report.md"]
    done = run_module("sim", "archive", "--check", str(tampered))
    assert done.returncode == 1 and "s/report.md" in done.stderr
    ok = run_module("sim.archive", "--check", str(out))
    assert ok.returncode == 0 and "OK" in ok.stdout


def test_bad_input_is_refused(tmp_path: Path) -> None:
    assert_refused(
        run_module("sim", "archive", str(tmp_path / "nowhere")), "nowhere", "no such folder"
    )
    not_zip = tmp_path / "plain.txt"
    not_zip.write_text("hello")
    assert_refused(run_module("sim", "archive", "--check", str(not_zip)), "not a zip archive")
