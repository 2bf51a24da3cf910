"""What travels between a Slack app and the emulator: Slack's limits, replies, decoded arguments."""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

TRIGGER_TTL = 3.0
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_MAX_USES = 5
VIEW_STACK_MAX = 3
VIEW_MAX_BYTES = 250 * 1024

# Methods that accept a JSON body (Slack's "Content types" per method); others need form encoding.
JSON_METHODS = frozenset(
    {
        "auth.test",
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.delete",
        "chat.scheduleMessage",
        "chat.meMessage",
        "chat.unfurl",
        "conversations.open",
        "files.completeUploadExternal",
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
    }
)
# Args that Slack takes as JSON strings in form bodies, and the error a malformed one gets.
JSON_ARGS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "view": "invalid_arguments",
    "metadata": "invalid_metadata_format",
    "files": "invalid_arguments",
}

# An HTTP reply: status, headers, body.
Reply = tuple[int, dict[str, str], bytes]


class ApiError(Exception):
    """A Web API method refuses the call: HTTP 200 with ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


class Drop(Exception):
    """Close the socket without an HTTP response."""


def json_reply(body: Mapping[str, Any], status: int = 200, **headers: str) -> Reply:
    data = json.dumps(body, ensure_ascii=False).encode()
    return status, {"Content-Type": "application/json; charset=utf-8", **headers}, data


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def param(params: Mapping[str, Any], key: str) -> str | None:
    """A string argument; None when it is missing or empty."""
    value = params.get(key)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def error_with_messages(error: str, messages: list[str]) -> dict[str, Any]:
    return {
        "ok": False,
        "error": error,
        "response_metadata": {"messages": [f"[ERROR] {m}" for m in messages]},
    }


def decode_json_args(params: dict[str, Any]) -> str | None:
    """Decode JSON-string args in place; return a Slack error code if one is malformed."""
    for key, error in JSON_ARGS.items():
        value = params.get(key)
        if isinstance(value, str):
            if value == "" and key != "view":
                params[key] = None
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                return error
    return None


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """Split a multipart/form-data body into text fields and file parts."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if not isinstance(name, str):
            continue
        if part.get_filename() is not None:
            files[name] = payload
        else:
            fields[name] = payload.decode("utf-8", "replace")
    return fields, files
