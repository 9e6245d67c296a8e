"""Reference throughput: Mesa's Boltzmann wealth model written in Mesa's best practice.

Each agent with wealth gives one unit to a random other agent; the model steps its agents with
`shuffle_do("step")` and agents draw partners from a list cached once (indexing the AgentSet
in a per-agent loop would rebuild a list every call). The marketplace's trader-days per second
are quoted against these agent-steps per second.
"""

from __future__ import annotations

import time

import mesa


class MoneyAgent(mesa.Agent):
    def __init__(self, model: BoltzmannWealth) -> None:
        super().__init__(model)
        self.wealth = 1

    def step(self) -> None:
        if self.wealth > 0:
            other = self.random.choice(self.model.everyone)
            other.wealth += 1
            self.wealth -= 1


class BoltzmannWealth(mesa.Model):
    def __init__(self, n: int, seed: int = 0) -> None:
        super().__init__(rng=seed)
        MoneyAgent.create_agents(self, n)
        self.everyone = list(self.agents)  # the cached partner list

    def step(self) -> None:
        self.agents.shuffle_do("step")


def agent_steps_per_second(n: int = 10_000, steps: int = 100, seed: int = 0) -> float:
    """Agent-steps per second of `steps` steps of `n` agents (model building excluded)."""
    model = BoltzmannWealth(n, seed)
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return n * steps / (time.perf_counter() - start)


if __name__ == "__main__":
    print(f"Boltzmann wealth, 10,000 agents: {agent_steps_per_second():,.0f} agent-steps/s")
