#!/usr/bin/env bash
# Set up and run the bot: HTTP mode on $PORT (default 3000), migrations applied on start.
# Settings come from the environment or .env (see .env.example); a missing one is named.
# With no Slack bot token configured, it starts the sandbox instead: the real bot with an
# emulated Slack workspace in the browser, demo data included.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
token=${SLACK_BOT_TOKEN:-}
if [ -z "$token" ] && [ -f .env ]; then
  token=$(sed -n 's/^[[:space:]]*SLACK_BOT_TOKEN[[:space:]]*=[[:space:]]*//p' .env | tail -n 1 | tr -d "\"'[:space:]")
fi
if [ -z "$token" ]; then
  echo "No SLACK_BOT_TOKEN configured: starting the sandbox (for real Slack, set the tokens in .env from .env.example and run again)." >&2
  exec .venv/bin/python -m bot sandbox --port "${PORT:-3000}" "$@"
fi
exec .venv/bin/python -m bot serve --port "${PORT:-3000}" "$@"
