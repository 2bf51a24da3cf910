"""Write app_manifest.socket.yml from app_manifest.yml: the same app for Socket Mode (no
request URLs; `socket_mode_enabled: true`). Run after changing app_manifest.yml:

    .venv/bin/python scripts/socket_manifest.py

tests/test_manifest.py checks that the file is what this makes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
HEADER = """\
# The Slack app for Socket Mode (`python -m bot serve --socket`, SLACK_APP_TOKEN): made from
# app_manifest.yml by scripts/socket_manifest.py (do not edit by hand). Slack reaches the bot
# over a WebSocket the bot opens, so it needs no public URL; the order pages and the bank
# webhook still need PUBLIC_BASE_URL.
"""


def socket_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    socket = copy.deepcopy(manifest)
    for command in socket.get("features", {}).get("slash_commands", []):
        command.pop("url", None)
    settings = socket["settings"]
    settings.get("event_subscriptions", {}).pop("request_url", None)
    for key in ("request_url", "message_menu_options_url"):
        settings.get("interactivity", {}).pop(key, None)
    settings["socket_mode_enabled"] = True
    return socket


def render(manifest: dict[str, Any]) -> str:
    body = yaml.safe_dump(socket_manifest(manifest), sort_keys=False, allow_unicode=True)
    return HEADER + body


if __name__ == "__main__":
    source = yaml.safe_load((ROOT / "app_manifest.yml").read_text())
    (ROOT / "app_manifest.socket.yml").write_text(render(source))
