"""POSTs to response URLs: at most five within 30 minutes each, validated like messages, that
reply ephemerally, in the channel, or replace or delete the message they came from."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from slack_emulator import blockkit
from slack_emulator.faults import Faults
from slack_emulator.protocol import (
    RESPONSE_URL_MAX_USES,
    RESPONSE_URL_TTL,
    Reply,
    json_reply,
    param,
    truthy,
)
from slack_emulator.records import Recorder, ResponseUrlPost
from slack_emulator.state import ResponseUrl, Workspace


def issue(
    ws: Workspace,
    *,
    channel: str | None,
    message_ts: str | None,
    user_id: str | None,
    age: float,
) -> str:
    """A new response URL, optionally tied to the message it came from."""
    with ws.lock:
        key = f"{ws.team.team_id}/{ws.new_id('B')}/{ws.rng.getrandbits(96):024x}"
        ws.response_urls[key] = ResponseUrl(ws.now() - age, channel, message_ts, user_id)
        return f"{ws.base_url}/actions/{key}"


def post(
    ws: Workspace,
    faults: Faults,
    records: Recorder,
    key: str,
    headers: Mapping[str, str],
    body: bytes,
) -> Reply:
    """A POST to ``/actions/<key>``: recorded, refused as Slack refuses it, else carried out."""
    fault = faults.apply("response_url")
    if fault is not None:
        return fault
    url = f"{ws.base_url}/actions/{key}"

    def answer(
        payload: dict[str, Any],
        status: int,
        error: str | None,
        entry: ResponseUrl | None,
        errors: list[str] | None = None,
    ) -> Reply:
        return _record(ws, records, url, payload, status, error, entry, errors)

    content_type = headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            payload = json.loads(body or b"{}")
        else:
            form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
            payload = json.loads(form.get("payload", "{}"))
        if not isinstance(payload, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        return answer({}, 400, "invalid_payload", None)
    with ws.cond:
        entry = ws.response_urls.get(key)
        if entry is None:
            return answer(payload, 404, "no_service", None)
        if ws.now() - entry.issued_at > RESPONSE_URL_TTL:
            return answer(payload, 404, "expired_url", entry)
        if entry.uses >= RESPONSE_URL_MAX_USES:
            return answer(payload, 404, "used_url", entry)
        if not truthy(payload.get("delete_original")):
            if not blockkit.has_message_content(payload):
                return answer(payload, 400, "no_text", entry)
            errors = blockkit.validate_message(payload)
            if errors:
                return answer(payload, 400, "invalid_blocks", entry, errors)
        entry.uses += 1
        _apply(ws, entry, payload)
        return answer(payload, 200, None, entry)


def _apply(ws: Workspace, entry: ResponseUrl, payload: dict[str, Any]) -> None:
    original = None
    ephemeral = None
    target_ts = entry.message_ts or entry.last_ts
    if target_ts is not None:
        if entry.channel and target_ts in ws.messages.get(entry.channel, {}):
            original = ws.messages[entry.channel][target_ts]
        else:
            ephemeral = next((e for e in ws.ephemerals if e["message_ts"] == target_ts), None)
    if truthy(payload.get("delete_original")):
        if original is not None:
            del ws.messages[entry.channel or ""][original["ts"]]
        elif ephemeral is not None:
            ws.ephemerals.remove(ephemeral)
        return
    if truthy(payload.get("replace_original")):
        target = original if original is not None else (ephemeral or {}).get("message")
        if target is not None:
            target["text"] = payload.get("text") or ""
            for key in ("blocks", "attachments"):
                if payload.get(key) is not None:
                    target[key] = (
                        ws.with_generated_ids(payload[key])
                        if key == "blocks"
                        else deepcopy(payload[key])
                    )
                else:
                    target.pop(key, None)
            target["edited"] = {"user": ws.team.bot_user_id, "ts": ws.next_ts()}
        return
    ts = ws.next_ts()
    msg = ws.new_message(payload, ts)
    if entry.message_ts is None:
        entry.last_ts = ts
    if payload.get("response_type") == "in_channel" and entry.channel:
        ws.store(entry.channel, msg, param(payload, "thread_ts"))
    else:
        ws.ephemerals.append(
            {
                "channel": entry.channel,
                "user": entry.user_id,
                "message_ts": ts,
                "message": msg,
                "source": "response_url",
            }
        )


def _record(
    ws: Workspace,
    records: Recorder,
    url: str,
    payload: dict[str, Any],
    status: int,
    error: str | None,
    entry: ResponseUrl | None,
    errors: list[str] | None,
) -> Reply:
    records.response(
        ResponseUrlPost(
            url=url,
            body=payload,
            at=ws.now(),
            status=status,
            error=error,
            channel=entry.channel if entry else None,
            message_ts=entry.message_ts if entry else None,
            user_id=entry.user_id if entry else None,
        )
    )
    if error is None:
        return json_reply({"ok": True})
    body: dict[str, Any] = {"ok": False, "error": error}
    if errors:
        body["errors"] = errors
        body["response_metadata"] = {"messages": blockkit.as_slack_messages(errors)}
    return json_reply(body, status)
