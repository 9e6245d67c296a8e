# The two commands of the README: `make run` (a default market for a year) and `make test`.
# Each sets up .venv (Python 3.12, locked dependencies) first when needed.
.PHONY: run test lint bench setup dashboard

ARGS ?=

setup:
	@scripts/setup.sh

run: setup
	.venv/bin/python -m sim $(ARGS)

test: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	.venv/bin/python -m pytest $(ARGS)

dashboard: setup
	.venv/bin/python -m sim dashboard $(ARGS)

bench: setup
	.venv/bin/python benchmarks/throughput.py $(ARGS)
