#!/usr/bin/env bash
# Create .venv with Python 3.12 and install the locked dependencies. Safe to run repeatedly:
# an environment already built from the same lock, project file and script is detected from a
# stamp in well under a second, and nothing is touched (a sweep running from it goes on).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
STAMP=.venv/.setup-stamp

# What the environment is built from: when none of it changed, there is nothing to do.
inputs_digest() {
  cat uv.lock pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1
}

if [ -x .venv/bin/python ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(inputs_digest)" ]; then
  exit 0
fi

# Python 3.12 on PATH, else any pyenv-installed 3.12 (these machines default to 3.11). The
# interpreter's own path, not a pyenv shim: uv compares it with the one .venv was made from and
# would remove and rebuild .venv for a shim.
find_python312() {
  local python
  for python in python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3; do
    if "$python" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      "$python" -c 'import sys; print(sys.executable)'
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
# Byte-compiled once per build: with PYTHONDONTWRITEBYTECODE set (as on these machines) Python
# would otherwise recompile pandas, Mesa and Hydra in every process it starts, seconds each
# time, which every sweep worker and CLI test pays.
rm -f "$STAMP"
env -u PYTHONDONTWRITEBYTECODE .tools/bin/uv sync --frozen --all-extras --compile-bytecode \
  --python "$PYTHON" --quiet
inputs_digest >"$STAMP"
