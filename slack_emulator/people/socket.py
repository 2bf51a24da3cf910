"""The same people, speaking to the bot over Socket Mode instead of signed HTTP: each request
goes to the app's WebSocket as an envelope, and its acknowledgement comes back as the answer."""

from __future__ import annotations

import json
import time
import urllib.parse
from datetime import timedelta
from typing import Any, Unpack

import httpx

from slack_emulator.emulator import FakeSlack
from slack_emulator.people.transport import SendOptions
from slack_emulator.people.views import SignedSlack


def envelope_of(body: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """The Socket Mode envelope type and payload of what would be POSTed to the app."""
    if content_type.startswith("application/json"):
        return "events_api", json.loads(body)
    form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    if "payload" in form:
        return "interactive", json.loads(form["payload"])
    return "slash_commands", form


class SocketSlack(SignedSlack):
    """`SignedSlack` whose requests travel as Socket Mode envelopes (`FakeSlack.socket`)."""

    def __init__(self, fake: FakeSlack, **kwargs: Any) -> None:
        super().__init__("http://socket-mode.invalid/", "", fake, **kwargs)

    def send(self, body: bytes, content_type: str, **opts: Unpack[SendOptions]) -> httpx.Response:
        kind, payload = envelope_of(body, content_type)
        started = time.monotonic()
        ack = self.fake.socket.send(kind, payload)
        elapsed = timedelta(seconds=time.monotonic() - started)
        request = httpx.Request(
            "POST", self.events_url, content=body, headers={"content-type": content_type}
        )
        answer = ack.get("payload")
        content = json.dumps(answer).encode() if answer else b""
        headers = {"content-type": "application/json"}
        response = httpx.Response(200, content=content, headers=headers, request=request)
        response.elapsed = elapsed  # how long the acknowledgement took (Slack allows 3 s)
        return response
