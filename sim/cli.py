"""Command line: `python -m sim [hydra overrides]` runs one simulation with Hydra configs.

This is the only module that imports Hydra. It registers the schema so Hydra checks types and
keys while composing, converts the composed config to a `SimConfig`, validates ranges, runs,
and writes the outputs into Hydra's run directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, SimConfig, check_key, validate
from sim.run import format_summary, run_to_directory

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")

ConfigStore.instance().store(name="sim_schema", node=SimConfig)


def check_overrides(arguments: list[str]) -> None:
    """Reject `key=value` overrides of keys the schema does not have, naming the keys that
    exist (Hydra's own message names the key only). Group choices (`strategy=rfm`,
    `strategy/promotion=sample`), Hydra's own keys and +/~ edits are left to Hydra."""
    for argument in arguments:
        key, sep, value = argument.partition("=")
        if not sep or key.startswith(("hydra", "+", "~", "-")) or "/" in key:
            continue
        check_key(key, value)


def to_sim_config(cfg: DictConfig) -> SimConfig:
    """A validated SimConfig from a composed Hydra config (raises ConfigError)."""
    config = OmegaConf.to_object(cfg)
    assert isinstance(config, SimConfig)
    return validate(config)


def load_config(overrides: list[str] | tuple[str, ...] = ()) -> SimConfig:
    """Compose `configs/` with overrides, as the command line would, into a SimConfig."""
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides))
    return to_sim_config(cfg)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def main(cfg: DictConfig) -> None:
    try:
        config = to_sim_config(cfg)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    result = run_to_directory(config, out_dir, progress=config.progress)
    print(
        f"Simulated {config.days} days of {config.population.n_traders:,} traders "
        f"(seed {config.seed}, strategy {config.strategy.name}); outputs in {out_dir}"
    )
    print(format_summary(result.summary))
