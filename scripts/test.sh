#!/usr/bin/env bash
# Set up and run the whole test suite: system packages (PostgreSQL, Chromium) from Debian's
# packages when missing, the virtual environment, then ruff and pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
# Headless Chromium for the order page tests (driven by Playwright, no browser download).
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing ${need[*]} from Debian's packages…"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "Please install: ${need[*]}" >&2
    exit 1
  fi
fi

source scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
