"""The market's state: the world and its conditions, the traders and their roles, ties and
beliefs, money, and the logs of what happened; `market.MarketState` holds it together."""
