"""Socket Mode as Slack speaks it: apps.connections.open, hello, envelopes of the three kinds
acknowledged with their payloads, and a `disconnect` after which the app reconnects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from slack_emulator import FakeSlack

TOKEN = "xoxb-test"


@pytest.fixture
def app(fake: FakeSlack) -> Iterator[tuple[App, list[dict[str, Any]]]]:
    app = App(
        client=WebClient(token=TOKEN, base_url=fake.api_url), token_verification_enabled=False
    )
    events: list[dict[str, Any]] = []

    @app.command("/misa")
    def command(ack: Any, command: dict[str, Any]) -> None:
        ack(text=f"you said {command['text']}")

    @app.view("form")
    def submit(ack: Any) -> None:
        ack(response_action="errors", errors={"email": "not an email"})

    @app.event("app_home_opened")
    def home(event: dict[str, Any]) -> None:
        events.append(event)

    handler = SocketModeHandler(app, fake.app_token)
    handler.connect()
    yield app, events
    handler.close()


def test_envelopes_are_acknowledged_with_their_payloads(
    fake: FakeSlack, app: tuple[App, list[dict[str, Any]]]
) -> None:
    _, events = app
    fake.socket.wait_connected()
    assert fake.calls_to("apps.connections.open")[0].ok
    command = {"command": "/misa", "text": "0101243150", "user_id": "U1", "team_id": "T0001"}
    ack = fake.socket.send("slash_commands", command)
    assert ack["payload"]["text"] == "you said 0101243150"
    view = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U1"},
        "view": {"type": "modal", "id": "V1", "callback_id": "form", "state": {"values": {}}},
    }
    ack = fake.socket.send("interactive", view)
    assert ack["payload"] == {"response_action": "errors", "errors": {"email": "not an email"}}
    event = {
        "type": "event_callback",
        "team_id": "T0001",
        "event": {"type": "app_home_opened", "user": "U1"},
    }
    fake.socket.send("events_api", event)
    assert [e["user"] for e in events] == ["U1"]


def test_a_disconnect_is_followed_by_a_new_connection(
    fake: FakeSlack, app: tuple[App, list[dict[str, Any]]]
) -> None:
    fake.socket.wait_connected()
    fake.socket.disconnect()
    fake.socket.wait_connected(timeout=15, opened=2)
    command = {"command": "/misa", "text": "again", "user_id": "U1", "team_id": "T0001"}
    assert fake.socket.send("slash_commands", command)["payload"]["text"] == "you said again"
    assert len(fake.calls_to("apps.connections.open")) >= 2
