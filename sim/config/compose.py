"""Composing a run's config with Hydra: the config folder, the overrides a user gives (checked
against the schema before Hydra sees them) and the composed config turned into a validated
`SimConfig`. The one place, with the commands, where the project meets Hydra; the simulator
itself never imports it.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config.checks import ConfigError, check_key, validate
from sim.config.schema import SimConfig

# `configs/` beside the package in a clone; inside it in an installed wheel (pyproject.toml)
_PACKAGED_CONFIGS = Path(__file__).resolve().parent.parent / "configs"
CONFIG_DIR = str(
    _PACKAGED_CONFIGS if _PACKAGED_CONFIGS.is_dir() else _PACKAGED_CONFIGS.parent.parent / "configs"
)
MAX_RUN_NAME = 120

ConfigStore.instance().store(name="sim_schema", node=SimConfig)


def run_name(override_dirname: str) -> str:
    """A sweep run's folder name from its sorted overrides (`seed=3,strategy=rfm`), so that the
    same run lands in the same folder however the sweep is ordered, and a rerun can skip it."""
    name = override_dirname.replace("/", ".") or "defaults"
    if len(name) > MAX_RUN_NAME:
        name = name[:MAX_RUN_NAME] + "-" + hashlib.sha256(name.encode()).hexdigest()[:12]
    return name


OmegaConf.register_new_resolver("run_name", run_name, replace=True)


def check_overrides(arguments: list[str]) -> None:
    """Reject `key=value` overrides of keys the schema does not have, naming the keys that
    exist (Hydra's own message names the key only), and numbers outside a key's range, each
    value of a sweep (`seed=0,1,2`, `range(...)`) included, so a sweep is refused before its
    first run. Group choices (`strategy=rfm`, `strategy/promotion=sample`,
    `experiment=...`), Hydra's own keys and +/~ edits are left to Hydra, and a value Hydra
    cannot parse to Hydra's message."""
    for argument in arguments:
        key, sep, value = argument.partition("=")
        if not sep or key.startswith(("hydra", "+", "~", "-")) or "/" in key:
            continue
        if (Path(CONFIG_DIR) / key).is_dir():
            continue
        check_key(key, value)
        for number in _numbers(argument):
            check_key(key, number)


def _numbers(argument: str) -> list[float]:
    """The numbers an override gives its key: its value, or each value of its sweep."""
    try:
        override = OverridesParser.create().parse_override(argument)
        values = override.sweep_iterator() if override.is_sweep_override() else [override.value()]
        values = list(values)
    except Exception:  # Hydra's grammar errors: Hydra reports them as it composes
        return []
    return [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def to_sim_config(cfg: DictConfig) -> SimConfig:
    """A validated SimConfig from a composed Hydra config (raises ConfigError)."""
    check_composed_keys(OmegaConf.to_container(cfg))
    config = OmegaConf.to_object(cfg)
    assert isinstance(config, SimConfig)
    return validate(config)


def check_composed_keys(node: dict, path: str = "") -> None:
    """Reject keys the schema does not have anywhere in a composed config: Hydra lets
    `+key=value` (and a preset) add them, and the run would silently ignore them. Keys inside
    tables (countries, mixes, ...) are the tables' own."""
    for name, value in node.items():
        key = f"{path}{name}"
        if isinstance(value, dict) and value:
            check_composed_keys(value, key + ".")  # named by its leaves: `+foo.bar=1`
        else:
            check_key(key, value)


def load_config(overrides: list[str] | tuple[str, ...] = ()) -> SimConfig:
    """Compose `configs/` with overrides, as the command line would, into a SimConfig; any
    override Hydra cannot apply (a wrong type, an unknown group option, bad grammar) is a
    ConfigError too."""
    try:
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(config_name="config", overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as error:
        raise ConfigError(hydra_message(error)) from error
    return to_sim_config(cfg)


def hydra_message(error: BaseException) -> str:
    """Hydra's or OmegaConf's message on one line: the override it is about, its lines without
    the config search path, the options it lists, and the first line of its cause (the reason
    a value failed)."""
    lines = []
    for line in str(error).strip().splitlines():
        if line.startswith(("Available options", "Config search path", "See https://")):
            break
        lines.append(line.strip())
    text = " ".join(line for line in lines if line) or type(error).__name__
    if (override := getattr(error, "override", None)) and override not in text:
        text = f"{override}: {text}"
    if options := getattr(error, "options", None):
        text += f"; the options are {', '.join(options)}"
    if error.__cause__ is not None and str(error.__cause__).strip():
        text += f": {str(error.__cause__).strip().splitlines()[0]}"
    return text


def sweep_size(overrides: list[str]) -> int:
    """How many runs `python -m sim -m OVERRIDES` launches: the product of the values of the
    experiment's sweep parameters (`hydra.sweeper.params`) and of the command line's."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=fixed, return_hydra_config=True)
    params = [f"{k}={v}" for k, v in (cfg.hydra.sweeper.params or {}).items()]
    values = {}  # as Hydra's basic sweeper: a later value of a key replaces an earlier one
    for override in OverridesParser.create().parse_overrides([*params, *overrides]):
        sweep_values = override.sweep_string_iterator() if override.is_sweep_override() else [0]
        values[override.get_key_element()] = len(list(sweep_values))
    return math.prod(values.values())


def read_mapping(path: Path, where: str) -> dict:
    """A YAML file of settings or targets as a mapping; ConfigError, prefixed by `where` (the
    option and its value), for a missing file, one that is not YAML text, or not a mapping."""
    if not path.is_file():
        raise ConfigError(f"{where}: no such file {path}")
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        first = str(error).splitlines()[0]
        raise ConfigError(f"{where}: {path} is not a YAML text file ({first})") from None
    if not isinstance(data, dict):
        held = "nothing" if data is None else f"a {type(data).__name__}"
        raise ConfigError(f"{where}: {path} holds {held}, not a mapping")
    return data
