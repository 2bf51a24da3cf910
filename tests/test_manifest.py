"""app_manifest.yml is valid for Slack and declares what the bot uses."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from handlers import ids

# Slack's official app manifest JSON schemas (MIT licence alongside).
SCHEMAS = sorted((Path(__file__).parent / "data" / "slack").glob("manifest.schema.*.json"))
MANIFEST = yaml.safe_load(Path("app_manifest.yml").read_text())


def _validator(schema_path: Path) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(schema_path.read_text()))


@pytest.mark.parametrize("schema_path", SCHEMAS, ids=lambda p: p.name)
def test_manifest_matches_slack_schema(schema_path: Path) -> None:
    errors = [e.message for e in _validator(schema_path).iter_errors(MANIFEST)]
    assert errors == []


@pytest.mark.parametrize("schema_path", SCHEMAS, ids=lambda p: p.name)
def test_schema_check_can_fail(schema_path: Path) -> None:
    broken = copy.deepcopy(MANIFEST)
    broken["display_information"]["name"] = "x" * 36
    broken["settings"]["interactivity"]["unknown"] = True
    assert len(list(_validator(schema_path).iter_errors(broken))) >= 2


def test_manifest_declares_the_command_interactivity_and_events() -> None:
    assert SCHEMAS, "Slack's manifest schemas are missing"
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/misa"
    assert command["url"].endswith("/slack/events")
    interactivity = MANIFEST["settings"]["interactivity"]
    assert interactivity["is_enabled"] and interactivity["request_url"].endswith("/slack/events")
    assert "app_home_opened" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "files:write", "users:read"} <= scopes
    assert ids.Action.STORAGE_ORDER_START == "storage_order.start"


SOCKET_MANIFEST_FILE = Path("app_manifest.socket.yml")


def test_the_socket_mode_manifest_is_made_from_the_http_one() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("socket_manifest", "scripts/socket_manifest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert SOCKET_MANIFEST_FILE.read_text() == module.render(MANIFEST), (
        "run scripts/socket_manifest.py"
    )
    socket = yaml.safe_load(SOCKET_MANIFEST_FILE.read_text())
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "url" not in json.dumps(socket).replace("_url", "").replace("unfurl", "")
    for schema_path in SCHEMAS:
        assert [e.message for e in _validator(schema_path).iter_errors(socket)] == []


def test_manifest_declares_the_shortcut_and_link_previews() -> None:
    (shortcut,) = MANIFEST["features"]["shortcuts"]
    assert shortcut["callback_id"] == ids.ShortcutCallback.LOOKUP
    assert shortcut["type"] == "global" and shortcut["name"] == "Tra cứu khách hàng"
    assert "link_shared" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {"links:read", "links:write"} <= set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert MANIFEST["features"]["unfurl_domains"] == ["bot.example.com"]
