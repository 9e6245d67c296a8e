"""Command line: `python -m sim [hydra overrides]` runs one simulation with Hydra configs.

This is the only module that imports Hydra. It registers the schema so Hydra checks types and
keys while composing, converts the composed config to a `SimConfig`, validates ranges, runs,
and writes the outputs into Hydra's run directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, SimConfig, validate
from sim.run import format_summary, simulate, write_outputs

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")

ConfigStore.instance().store(name="sim_schema", node=SimConfig)


def to_sim_config(cfg: DictConfig) -> SimConfig:
    """A validated SimConfig from a composed Hydra config (raises ConfigError)."""
    config = OmegaConf.to_object(cfg)
    assert isinstance(config, SimConfig)
    return validate(config)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def main(cfg: DictConfig) -> None:
    try:
        config = to_sim_config(cfg)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    result = simulate(config, progress=config.progress)
    write_outputs(result, out_dir)
    print(
        f"Simulated {config.days} days of {config.population.n_traders:,} traders "
        f"(seed {config.seed}, strategy {config.strategy.name}); outputs in {out_dir}"
    )
    print(format_summary(result.summary))
