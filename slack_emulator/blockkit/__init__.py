"""Block Kit validation: reject what Slack's API rejects, so a green test means Slack accepts it.

Limits follow Slack's Block Kit reference (docs.slack.dev/reference/block-kit). Errors are strings
in Slack's own format: ``"<reason> [json-pointer:/blocks/0/text/text]"``.

Unknown properties are rejected on the blocks and elements this module knows in full, as Slack's
schema does ("invalid additional property"); newer or rarely used block types (rich_text, video,
markdown, table, ...) are tolerated with only light checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_emulator.blockkit.blocks import Checker, input_block_ids, iter_elements
from slack_emulator.blockkit.checks import error
from slack_emulator.blockkit.schema import (
    ID_MAX,
    MAX_ATTACHMENTS,
    MESSAGE_MAX_BLOCKS,
    MESSAGE_TEXT_MAX,
    TEXT_OBJECT_MAX,
    VIEW_MAX_BLOCKS,
)

__all__ = [
    "ID_MAX",
    "MAX_ATTACHMENTS",
    "MESSAGE_MAX_BLOCKS",
    "MESSAGE_TEXT_MAX",
    "TEXT_OBJECT_MAX",
    "VIEW_MAX_BLOCKS",
    "as_slack_messages",
    "error",
    "has_message_content",
    "input_block_ids",
    "input_block_ids_any",
    "iter_elements",
    "prefix_pointers",
    "validate_blocks",
    "validate_message",
    "validate_options_response",
    "validate_response_action",
    "validate_view",
]


def as_slack_messages(errors: list[str]) -> list[str]:
    """Errors as they appear in ``response_metadata.messages``."""
    return [f"[ERROR] {e}" for e in errors]


def has_message_content(payload: Mapping[str, Any]) -> bool:
    """Slack needs at least one of text, blocks or attachments (else ``no_text``)."""
    text = payload.get("text")
    return bool(text) or bool(payload.get("blocks")) or bool(payload.get("attachments"))


def validate_blocks(
    blocks: Any, *, max_blocks: int = MESSAGE_MAX_BLOCKS, pointer: str = "/blocks"
) -> list[str]:
    """Validate a list of blocks on its own."""
    checker = Checker()
    checker.blocks(blocks, pointer, max_blocks=max_blocks)
    return checker.errors


def validate_message(payload: Mapping[str, Any]) -> list[str]:
    """Validate a chat.postMessage / chat.update / postEphemeral / response_url body."""
    checker = Checker()
    if not isinstance(payload, Mapping):
        checker.err("/", "must provide an object")
        return checker.errors
    if "text" in payload and payload["text"] is not None:
        checker.string(payload["text"], "/text", max_len=MESSAGE_TEXT_MAX)
    if "blocks" in payload and payload["blocks"] is not None:
        checker.blocks(payload["blocks"], "/blocks", max_blocks=MESSAGE_MAX_BLOCKS)
    attachments = payload.get("attachments")
    if attachments is not None and checker.array(
        attachments, "/attachments", max_items=MAX_ATTACHMENTS
    ):
        for i, att in enumerate(attachments):
            aptr = f"/attachments/{i}"
            if checker.obj(att, aptr) and "blocks" in att:
                checker.blocks(att["blocks"], f"{aptr}/blocks", max_blocks=MESSAGE_MAX_BLOCKS)
    if "response_type" in payload and payload["response_type"] not in ("in_channel", "ephemeral"):
        checker.err("/response_type", "must be one of: in_channel, ephemeral")
    return checker.errors


def validate_view(view: Any) -> list[str]:
    """Validate a modal or Home tab view object (pointers relative to the view)."""
    checker = Checker()
    if not checker.obj(view, ""):
        return checker.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.err("/type", "must be one of: modal, home")
        return checker.errors
    if "blocks" not in view:
        checker.err("", "missing required field: blocks")
    else:
        checker.blocks(view["blocks"], "/blocks", max_blocks=VIEW_MAX_BLOCKS)
    if "private_metadata" in view:
        checker.string(view["private_metadata"], "/private_metadata", max_len=3000)
    for key in ("callback_id", "external_id"):
        if key in view and view[key] != "":
            checker.string(view[key], f"/{key}", max_len=ID_MAX)
    if kind == "modal":
        if "title" not in view:
            checker.err("", "missing required field: title")
        else:
            checker.text(view["title"], "/title", max_len=24, plain_only=True)
        for key in ("close", "submit"):
            if view.get(key) is not None:
                checker.text(view[key], f"/{key}", max_len=24, plain_only=True)
        for key in ("clear_on_close", "notify_on_close", "submit_disabled"):
            if key in view:
                checker.boolean(view[key], f"/{key}")
        if input_block_ids_any(view.get("blocks")) and view.get("submit") is None:
            checker.err("/submit", "submit is required when the view contains an input block")
    return checker.errors


def input_block_ids_any(blocks: Any) -> bool:
    """True when the blocks contain at least one input block."""
    return isinstance(blocks, list) and any(
        isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
    )


def validate_response_action(body: Any, view: Mapping[str, Any] | None = None) -> list[str]:
    """Validate a view_submission ack body (``response_action`` errors/update/push/clear).

    ``view`` is the submitted view; ``errors`` keys must name its input blocks.
    """
    checker = Checker()
    if not checker.obj(body, ""):
        return checker.errors
    action = body.get("response_action")
    if action not in ("errors", "update", "push", "clear"):
        checker.err("/response_action", "must be one of: errors, update, push, clear")
        return checker.errors
    if action == "errors":
        errors = body.get("errors")
        if not checker.obj(errors, "/errors"):
            return checker.errors
        if not errors:
            checker.err("/errors", "must provide at least 1 item")
        inputs = set(input_block_ids(view.get("blocks"))) if view is not None else None
        for block_id, message in errors.items():
            ptr = f"/errors/{block_id}"
            checker.string(message, ptr, min_len=1)
            if inputs is not None and block_id not in inputs:
                checker.err(ptr, f"{block_id} is not the block_id of an input block in the view")
    elif action in ("update", "push"):
        if "view" not in body:
            checker.err("", "missing required field: view")
        else:
            sub = validate_view(body["view"])
            checker.errors.extend(_prefix(sub, "/view"))
            if isinstance(body["view"], Mapping) and body["view"].get("type") != "modal":
                checker.err("/view/type", "must be modal")
    return checker.errors


def validate_options_response(body: Any) -> list[str]:
    """Validate a block_suggestion ack body (options for an external_select)."""
    checker = Checker()
    if not checker.obj(body, ""):
        return checker.errors
    has_opts, has_groups = "options" in body, "option_groups" in body
    if has_opts == has_groups:
        checker.err("", "must provide exactly one of: options, option_groups")
    if has_opts:
        checker.options(body["options"], "/options", min_items=0)
    if has_groups:
        checker.option_groups(body["option_groups"], "/option_groups")
    return checker.errors


def _prefix(errors: list[str], prefix: str) -> list[str]:
    return [e.replace("[json-pointer:", f"[json-pointer:{prefix}", 1) for e in errors]


def prefix_pointers(errors: list[str], prefix: str) -> list[str]:
    """Re-root error pointers, e.g. view errors under ``/view`` as the views.* API reports them."""
    return _prefix(errors, prefix)
