"""The parameter reference: `docs/parameters.md` is what `python -m sim parameters`
generates from the schema and the default config, every field of the schema is documented
(meaning, unit, basis), and the knobs marked calibrated are exactly the fitted ones."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import yaml

from sim.commands import parameters
from sim.config import knobs, schema
from sim.config.compose import CONFIG_DIR, load_config
from tests.helpers import ROOT

REFERENCE = ROOT / "docs" / "parameters.md"
REGENERATE = "python -m sim parameters"
CALIBRATED = {
    "population.need_rate",
    "population.activity_shape",
    "population.basket_dispersion",
    "population.lapse_chance",
    "population.winback_chance",
}
CHECKOUT_CALIBRATED = {
    "platform.checkout_hesitation",
    "platform.surprise_aversion",
    "platform.card_distrust",
    "platform.cross_border_payment_failure",
    "platform.risky_payment_failure",
}
FIT = Path(CONFIG_DIR) / "calibration" / "online_retail.yaml"
CHECKOUT_FIT = Path(CONFIG_DIR) / "calibration" / "baymard.yaml"
EMAIL_FIT = Path(CONFIG_DIR) / "calibration" / "hillstrom.yaml"


@pytest.fixture(scope="module")
def generated() -> str:
    return parameters.reference()


def schema_classes() -> dict[str, type]:
    return {
        name: cls
        for name, cls in vars(schema).items()
        if isinstance(cls, type)
        and dataclasses.is_dataclass(cls)
        and cls.__module__ == schema.__name__
    }


def is_part(hint) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def keys_by_basis(cls: type, basis: str, path: str = "") -> set[str]:
    """The dotted keys of the fields of `cls` and of its parts (tables' entries as <name>)
    whose basis is `basis`."""
    found = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key, hint = f"{path}{f.name}", hints[f.name]
        if f.metadata["basis"] == basis:
            found.add(key)
        args = typing.get_args(hint)
        if is_part(hint):
            found |= keys_by_basis(hint, basis, key + ".")
        elif args and is_part(args[-1]):
            found |= keys_by_basis(args[-1], basis, key + ".<name>.")
    return found


def flat(node: dict, path: str = "") -> dict:
    out = {}
    for name, value in node.items():
        if isinstance(value, dict):
            out |= flat(value, f"{path}{name}.")
        else:
            out[f"{path}{name}"] = value
    return out


def test_the_committed_reference_is_the_generated_one(generated: str) -> None:
    assert parameters.DEFAULT_OUT == REFERENCE
    problem = parameters.stale(REFERENCE, generated)
    assert problem is None, problem


def test_every_field_of_the_schema_is_documented() -> None:
    missing = []
    for name, cls in schema_classes().items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            where, meta = f"{name}.{f.name}", f.metadata
            doc = meta.get("doc", "")
            if not isinstance(doc, str) or not doc.strip() or "\n" in doc:
                missing.append(f"{where}: a one-line doc (what the knob means)")
            if meta.get("basis") not in schema.BASES:
                missing.append(f"{where}: a basis, one of {', '.join(schema.BASES)}")
            if not isinstance(meta.get("unit"), str):
                missing.append(f"{where}: a unit ('' when unitless)")
            plain = hints[f.name] is bool or is_part(hints[f.name])
            constrained = "lo" in meta or "choices" in meta
            if not (constrained or plain or meta.get("rule")):
                missing.append(f"{where}: a rule (what validation allows, in words)")
    assert not missing, "fields of sim/config/schema.py lack:\n" + "\n".join(missing)


def test_every_field_is_in_the_reference(generated: str) -> None:
    for name, cls in schema_classes().items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if not is_part(hints[f.name]):
                assert f"{f.name}` |" in generated, f"{name}.{f.name} is not in the reference"


def test_only_constrained_fields_are_checked_as_knobs() -> None:
    """Documentation alone does not make a field a range-checked knob: validation sees the
    same knobs as before the fields were documented."""
    config = load_config([])
    for knob in knobs(config):
        assert "lo" in knob.meta or "choices" in knob.meta, knob.key
    assert {"progress", "market.name", "strategy.active"}.isdisjoint(k.key for k in knobs(config))


def test_the_calibrated_knobs_are_the_fitted_ones() -> None:
    fitted = flat(yaml.safe_load(FIT.read_text())) | flat(yaml.safe_load(CHECKOUT_FIT.read_text()))
    assert keys_by_basis(schema.SimConfig, "calibrated") == CALIBRATED | CHECKOUT_CALIBRATED
    assert set(fitted) == CALIBRATED | CHECKOUT_CALIBRATED
    config = load_config([])
    for key, value in fitted.items():
        section, name = key.split(".")
        assert getattr(getattr(config, section), name) == value, f"{key}: not the fitted value"


def test_the_email_channel_answers_as_fitted_to_the_email_test() -> None:
    fitted = yaml.safe_load(EMAIL_FIT.read_text())["platform"]["channels"]["edm"]
    edm = load_config([]).platform.channels["edm"]
    assert {name: getattr(edm, name) for name in fitted} == fitted
    assert load_config(["calibration=hillstrom"]) == load_config([])  # the preset is the default


def test_check_passes_on_a_fresh_file_and_fails_on_a_stale_one(
    generated: str, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh.md"
    assert parameters.main(["--out", str(fresh)]) == 0
    assert fresh.read_text(encoding="utf-8") == generated
    stale = tmp_path / "stale.md"
    stale.write_text("Edited by hand.\n" + generated, encoding="utf-8")
    command = [sys.executable, "-m", "sim.commands.parameters", "--check", "--out"]
    ok = subprocess.run([*command, str(fresh)], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    done = subprocess.run([*command, str(stale)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "stale" in done.stderr and f"{REGENERATE} --out {stale}" in done.stderr
    assert stale.read_text(encoding="utf-8") != generated  # --check writes nothing


def test_check_fails_on_a_missing_file(generated: str, tmp_path: Path) -> None:
    missing = tmp_path / "none.md"
    problem = parameters.stale(missing, generated)
    assert problem is not None and "does not exist" in problem and REGENERATE in problem
