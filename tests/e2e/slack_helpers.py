"""Reading what the bot sent: the text of messages and views, their buttons."""

from __future__ import annotations

from typing import Any


def text_of(blocks_or_message: Any) -> str:
    """Every text in a message or view (fallback text, sections, fields, contexts, headers)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                parts.append(node["text"])
            for key, value in node.items():
                if key not in ("type",):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str) and not parts:
            pass

    if isinstance(blocks_or_message, dict) and isinstance(blocks_or_message.get("text"), str):
        parts.append(blocks_or_message["text"])
    walk(
        blocks_or_message.get("blocks")
        if isinstance(blocks_or_message, dict)
        else blocks_or_message
    )
    return "\n".join(parts)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("type") == "button"
    ]
