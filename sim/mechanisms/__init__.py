"""The day's mechanisms, one module a step of `MarketModel.step`: roles flip, needs arise,
buyers search, choose and shop, check out, and orders are fulfilled."""
