#!/usr/bin/env bash
# Debian's chromium for the dashboard's browser tests, installed when missing (about a minute).
# Playwright drives it; `playwright install` is never used, as it downloads a browser of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
  command -v sudo >/dev/null 2>&1 || { echo "chromium is missing: install it as root with 'apt-get install -y chromium'" >&2; exit 1; }
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium
