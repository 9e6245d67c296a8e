"""The project's Hydra sweeper (Hydra finds plugins under the `hydra_plugins` namespace)."""
