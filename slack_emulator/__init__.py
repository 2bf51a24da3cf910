"""A Slack emulator: the Slack Web API on 127.0.0.1 that rejects what real Slack rejects.

An app's ``WebClient(base_url=fake.api_url)`` talks to it over real HTTP. Every call is recorded
(`FakeSlack.calls`, `FakeSlack.wait_for`), messages, views and files are kept so one can read back
what a user would see, and faults (429, 5xx, dropped connections, delays) can be injected per
method. It stands in for Slack and knows nothing of the bot it serves.

What it holds to, as Slack does (tests/slack_emulator/ proves each):

* API errors are HTTP 200 with ``{"ok": false, "error": ...}``; 429 carries ``Retry-After``.
* Block Kit is validated (`slack_emulator.blockkit`): messages -> ``invalid_blocks``,
  views -> ``invalid_arguments`` with ``response_metadata.messages``.
* trigger_ids expire after 3 s and are single-use; ``files.upload`` is retired
  (``method_deprecated``); ``url_private_download`` needs the bot token, otherwise the emulator
  answers like Slack does to a browser without a session: HTTP 200 with an HTML sign-in page.
* response URLs take at most five POSTs within 30 minutes.

Modules: `emulator` (`FakeSlack`, the whole), `server` (HTTP), `api` (the Web API endpoint),
`methods` (chat, views, files, people), `state` (the workspace), `response_urls`, `file_hosts`,
`faults`, `records` (calls received), `readback` (what tests read), `blockkit` (the validator),
`people` (the people: signed commands, clicks and submissions to the app; needs httpx).
"""

from slack_emulator.emulator import FakeSlack
from slack_emulator.protocol import (
    JSON_METHODS,
    RESPONSE_URL_MAX_USES,
    RESPONSE_URL_TTL,
    TRIGGER_TTL,
    VIEW_MAX_BYTES,
    VIEW_STACK_MAX,
)
from slack_emulator.records import Call, Download, ResponseUrlPost
from slack_emulator.state import UploadedFile

__all__ = [
    "JSON_METHODS",
    "RESPONSE_URL_MAX_USES",
    "RESPONSE_URL_TTL",
    "TRIGGER_TTL",
    "VIEW_MAX_BYTES",
    "VIEW_STACK_MAX",
    "Call",
    "Download",
    "FakeSlack",
    "ResponseUrlPost",
    "UploadedFile",
]
