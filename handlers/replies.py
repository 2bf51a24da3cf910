"""A reply to a person: fallback text and blocks, sent in an ack or through response_url; and
opening a modal, which is answering too."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.blocks.kit import Block, section

log = logging.getLogger(__name__)

# What a Web API call raises when Slack is down, slow or refuses (timeouts are OSErrors).
SLACK_FAILURES = (SlackApiError, SlackClientError, OSError)


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[Block] = field(default_factory=list)

    @classmethod
    def message(cls, text: str) -> Reply:
        return cls(text=text, blocks=[section(text)])

    def ephemeral(self) -> dict[str, Any]:
        return {"response_type": "ephemeral", "text": self.text, "blocks": self.blocks}


def tell(respond: Respond, text: str) -> None:
    """A private note to the person who clicked, leaving the message they clicked as it is.

    response_url can fail like any Slack endpoint: a refusal (429, 5xx) is tried once more,
    then logged; the person can click again.
    """
    status: Any = None
    for attempt in range(2):
        if attempt:
            time.sleep(0.5)
        try:
            status = respond(text=text, response_type="ephemeral", replace_original=False)
            status = status.status_code
        except OSError as exc:  # the connection failed (the client already retried once)
            status = repr(exc)
            break
        if status == 200 or not (status == 429 or status >= 500):
            break
    if status != 200:
        log.warning("could not tell the person (response_url: %s)", status)


def open_modal(
    client: WebClient, trigger_id: str, view: dict[str, Any], *, push: bool = False
) -> bool:
    """Open a modal (`push`: over the modal clicked in); False (logged) when Slack could not:
    down, too slow, trigger expired."""
    try:
        if push:
            client.views_push(trigger_id=trigger_id, view=view)
        else:
            client.views_open(trigger_id=trigger_id, view=view)
    except SLACK_FAILURES as exc:
        log.warning("views.open %s failed: %r", view.get("callback_id"), exc)
        return False
    return True
