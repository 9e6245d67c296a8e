#!/usr/bin/env bash
# Create .venv with Python 3.12 and install the locked dependencies. Safe to run repeatedly:
# it does nothing when the environment already matches uv.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8

# Python 3.12 on PATH, else any pyenv-installed 3.12 (these machines default to 3.11).
find_python312() {
  local python
  for python in python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3; do
    if "$python" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      command -v "$python"
      return 0
    fi
  done
  echo "No Python 3.12 found (Mesa 3.5 needs it): install it, e.g. 'pyenv install 3.12'." >&2
  return 1
}

PYTHON=$(find_python312)
if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  "$PYTHON" -m venv .tools
  .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
# Byte-compile the dependencies once per lock: with PYTHONDONTWRITEBYTECODE set (as on these
# machines) Python would otherwise recompile pandas, Mesa and Hydra in every process it starts,
# seconds each time, which every sweep worker and CLI test pays.
# The stamp is checked after syncing: a sync that recreates .venv (say, for another
# interpreter) removes it, and the new environment gets compiled too.
.tools/bin/uv sync --frozen --all-extras --python "$PYTHON" --quiet
if [ ! -f .venv/.compiled ] || [ uv.lock -nt .venv/.compiled ]; then
  env -u PYTHONDONTWRITEBYTECODE .tools/bin/uv sync --frozen --all-extras --compile-bytecode --python "$PYTHON" --quiet
  touch .venv/.compiled
fi
