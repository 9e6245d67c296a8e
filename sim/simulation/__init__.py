"""Running the market: `model` (the day's schedule), `run` (a whole run and its outputs), `live`
(a day at a time, for the dashboard) and `memory` (whether a run fits before it starts)."""
