#!/usr/bin/env bash
# Set up and run the bot: HTTP mode on $PORT (default 3000), migrations applied on start.
# Settings come from the environment or .env (see .env.example); a missing one is named.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
if [ ! -f .env ] && [ -z "${SLACK_BOT_TOKEN:-}" ]; then
  cp .env.example .env
  echo "Created .env from .env.example: fill in the Slack tokens and the rest, then run again." >&2
  exit 1
fi
exec .venv/bin/python -m bot serve --port "${PORT:-3000}" "$@"
