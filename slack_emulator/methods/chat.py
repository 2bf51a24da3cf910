"""chat.* and the conversation reads (conversations.history, conversations.replies)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from slack_emulator import blockkit
from slack_emulator.protocol import ApiError, param, truthy
from slack_emulator.state import Workspace, is_reply


def valid_metadata(metadata: Any) -> bool:
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and bool(metadata["event_type"])
        and isinstance(metadata.get("event_payload"), dict)
    )


def check_message(p: Mapping[str, Any], *, need_content: bool = True) -> None:
    """Refuse a message Slack would refuse: no content, too long, bad blocks or metadata."""
    if need_content and not blockkit.has_message_content(p):
        raise ApiError("no_text")
    attachments = p.get("attachments")
    if isinstance(attachments, list) and len(attachments) > blockkit.MAX_ATTACHMENTS:
        raise ApiError("too_many_attachments")
    text = p.get("text")
    if isinstance(text, str) and len(text) > blockkit.MESSAGE_TEXT_MAX:
        raise ApiError("msg_too_long")
    errors = blockkit.validate_message(p)
    if errors:
        raise ApiError(
            "invalid_blocks",
            errors=errors,
            response_metadata={"messages": blockkit.as_slack_messages(errors)},
        )
    metadata = p.get("metadata")
    if metadata is not None and not valid_metadata(metadata):
        raise ApiError("invalid_metadata_format")


def post_message(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = ws.resolve_channel(param(p, "channel"))
    check_message(p)
    ts = ws.next_ts()
    msg = ws.new_message(p, ts)
    thread_ts = param(p, "thread_ts")
    if thread_ts and truthy(p.get("reply_broadcast")):
        msg["subtype"] = "thread_broadcast"
    ws.store(channel, msg, thread_ts)
    ws.post_times.setdefault(channel, []).append(ws.now())
    return {"channel": channel, "ts": ts, "message": deepcopy(msg)}


def post_ephemeral(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = ws.resolve_channel(param(p, "channel"))
    user = param(p, "user")
    if user is None:
        raise ApiError("user_not_found")
    ws.member(user)
    check_message(p)
    ts = ws.next_ts()
    msg = ws.new_message(p, ts)
    if param(p, "thread_ts"):
        msg["thread_ts"] = param(p, "thread_ts")
    ws.ephemerals.append(
        {"channel": channel, "user": user, "message_ts": ts, "message": msg, "source": "api"}
    )
    return {"message_ts": ts}


def update(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    msg = ws.stored(param(p, "channel"), param(p, "ts"))
    bot_user_id = ws.team.bot_user_id
    if msg.get("user") != bot_user_id:
        raise ApiError("cant_update_message")
    if not any(p.get(k) is not None for k in ("text", "blocks", "attachments", "metadata")):
        raise ApiError("no_text")
    check_message(p, need_content=False)
    if p.get("text") is not None:
        msg["text"] = p["text"]
    if p.get("blocks") is not None:  # omitted blocks are kept; [] removes them
        msg["blocks"] = ws.with_generated_ids(p["blocks"])
    if p.get("attachments") is not None:
        msg["attachments"] = deepcopy(p["attachments"])
    if p.get("metadata") is not None:
        msg["metadata"] = deepcopy(p["metadata"])
    msg["edited"] = {"user": bot_user_id, "ts": ws.next_ts()}
    channel = ws.ts_channel[msg["ts"]]
    return {"channel": channel, "ts": msg["ts"], "text": msg["text"], "message": deepcopy(msg)}


def delete(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    msg = ws.stored(param(p, "channel"), param(p, "ts"))
    if msg.get("user") != ws.team.bot_user_id:
        raise ApiError("cant_delete_message")
    channel = ws.ts_channel[msg["ts"]]
    del ws.messages[channel][msg["ts"]]
    return {"channel": channel, "ts": msg["ts"]}


def get_permalink(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    msg = ws.stored(param(p, "channel"), param(p, "message_ts"))
    channel = ws.ts_channel[msg["ts"]]
    domain = ws.team.team_domain
    link = f"https://{domain}.slack.com/archives/{channel}/p{msg['ts'].replace('.', '')}"
    if is_reply(msg):
        link += f"?thread_ts={msg['thread_ts']}&cid={channel}"
    return {"channel": channel, "permalink": link}


def page(msgs: list[dict[str, Any]], p: Mapping[str, Any], *, newest_first: bool) -> dict[str, Any]:
    """One page of messages with Slack's oldest/latest/inclusive, limit and cursor."""
    inclusive = truthy(p.get("inclusive"))
    oldest, latest = param(p, "oldest"), param(p, "latest")

    def in_range(ts: str) -> bool:
        t = float(ts)
        if oldest is not None and (t < float(oldest) or (t == float(oldest) and not inclusive)):
            return False
        return latest is None or t < float(latest) or (t == float(latest) and inclusive)

    selected = sorted((m for m in msgs if in_range(m["ts"])), key=lambda m: float(m["ts"]))
    if newest_first:
        selected.reverse()
    try:
        limit = int(p.get("limit") or 100)
    except ValueError as exc:
        raise ApiError("invalid_limit") from exc
    limit = max(1, min(limit, 999))
    offset = 0
    cursor = param(p, "cursor")
    if cursor:
        try:
            offset = int(base64.b64decode(cursor).decode().removeprefix("offset:"))
        except ValueError as exc:
            raise ApiError("invalid_cursor") from exc
    chosen = selected[offset : offset + limit]
    has_more = offset + limit < len(selected)
    next_cursor = base64.b64encode(f"offset:{offset + limit}".encode()).decode() if has_more else ""
    out = deepcopy(chosen)
    if not truthy(p.get("include_all_metadata")):
        for m in out:
            m.pop("metadata", None)
    return {
        "messages": out,
        "has_more": has_more,
        "response_metadata": {"next_cursor": next_cursor},
    }


def history(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = ws.resolve_channel(param(p, "channel"))
    msgs = [
        m
        for m in ws.messages.get(channel, {}).values()
        if not is_reply(m) or m.get("subtype") == "thread_broadcast"
    ]
    return {**page(msgs, p, newest_first=True), "pin_count": 0}


def replies(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = ws.resolve_channel(param(p, "channel"))
    ts = param(p, "ts")
    stored = ws.messages.get(channel, {})
    if ts is None or ts not in stored:
        raise ApiError("thread_not_found")
    root = stored[ts].get("thread_ts", ts)
    msgs = [m for m in stored.values() if m["ts"] == root or m.get("thread_ts") == root]
    return page(msgs, p, newest_first=False)


def unfurl(ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
    """chat.unfurl: previews for the links of a posted message (channel and ts) or of one
    being written (unfurl_id and source), keyed by the URLs; each preview is Block Kit."""
    unfurl_id, source = param(p, "unfurl_id"), param(p, "source")
    if unfurl_id is None and source is None:
        channel, ts = param(p, "channel"), param(p, "ts")
        if not channel:
            raise ApiError("missing_channel")
        if not ts:
            raise ApiError("missing_ts")
        if ts not in ws.messages.get(ws.resolve_channel(channel), {}):
            raise ApiError("cannot_find_message")
    elif not unfurl_id:
        raise ApiError("missing_unfurl_id")
    elif source not in ("composer", "conversations_history"):
        raise ApiError("invalid_source")
    unfurls = p.get("unfurls")
    if isinstance(unfurls, str):
        try:
            unfurls = json.loads(unfurls)
        except ValueError as exc:
            raise ApiError("invalid_unfurls_format") from exc
    if not isinstance(unfurls, dict) or not unfurls:
        raise ApiError("invalid_unfurls_format")
    errors: list[str] = []
    for url, preview in unfurls.items():
        if not isinstance(url, str) or not isinstance(preview, dict):
            raise ApiError("invalid_unfurls_format")
        if "blocks" in preview:
            errors += blockkit.validate_blocks(preview["blocks"], pointer=f"/unfurls/{url}/blocks")
    if errors:
        raise ApiError(
            "invalid_blocks",
            errors=errors,
            response_metadata={"messages": blockkit.as_slack_messages(errors)},
        )
    channel, ts = param(p, "channel"), param(p, "ts")
    if unfurl_id and "." in unfurl_id and not (channel and ts):
        channel, _, rest = unfurl_id.partition(".")
        ts = rest.rsplit(".unfurl", 1)[0]
    message = ws.messages.get(channel or "", {}).get(ts or "")
    if message is not None:  # shown under the message, as Slack does
        message.setdefault("unfurls", {}).update(deepcopy(unfurls))
    return {}


METHODS = {
    "chat.postMessage": post_message,
    "chat.unfurl": unfurl,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
    "conversations.history": history,
    "conversations.replies": replies,
}
