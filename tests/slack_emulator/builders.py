"""Block Kit builders and constants for the emulator's tests."""

from __future__ import annotations

from typing import Any

TOKEN = "xoxb-test"
SECRET = "rig-signing-secret"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hello", **kw: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **kw}


def button(text: str = "Go", action_id: str = "go", **kw: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, **kw}


def actions(*elements: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements), **kw}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def options(n: int) -> list[dict[str, Any]]:
    return [option(f"o{i}", f"v{i}") for i in range(n)]


def select(**kw: Any) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "sel", "options": options(3), **kw}


def input_block(element: dict[str, Any], block_id: str = "in", **kw: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain("Label"),
        "element": element,
        **kw,
    }


def confirm(**kw: Any) -> dict[str, Any]:
    base = {
        "title": plain("Sure?"),
        "text": plain("Really"),
        "confirm": plain("Yes"),
        "deny": plain("No"),
    }
    return {**base, **kw}


def modal(blocks: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": plain("Đơn hàng"), "blocks": blocks, **kw}
    if any(b["type"] == "input" for b in blocks) and "submit" not in kw:
        view["submit"] = plain("Đặt hàng")
    return view
