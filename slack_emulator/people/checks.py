"""What the Slack client checks: the inputs it refuses to submit, and whether the bot's
acknowledgement is one Slack would accept."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

import httpx

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_empty(entry: Mapping[str, Any]) -> bool:
    for key, value in entry.items():
        if key != "type" and value not in (None, "", [], {}):
            return False
    return True


def client_side_problems(
    inputs: Mapping[str, Mapping[str, Any]], state: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """What the Slack client itself refuses before sending view_submission."""
    problems = []
    for bid, block in inputs.items():
        el = block["element"]
        entry = state.get(bid, {}).get(el.get("action_id"), {"type": el.get("type")})
        label = f"{bid} ({el.get('type')})"
        if is_empty(entry):
            if not block.get("optional"):
                problems.append(f"{label}: required field is empty")
            continue
        value = entry.get("value")
        kind = el.get("type")
        if kind == "plain_text_input" and isinstance(value, str):
            if "min_length" in el and len(value) < el["min_length"]:
                problems.append(f"{label}: shorter than min_length {el['min_length']}")
            if "max_length" in el and len(value) > el["max_length"]:
                problems.append(f"{label}: longer than max_length {el['max_length']}")
            if not el.get("multiline") and "\n" in value:
                problems.append(f"{label}: single-line input cannot contain a newline")
        elif kind == "number_input" and isinstance(value, str):
            problems += number_problems(label, el, value)
        elif kind == "email_text_input" and isinstance(value, str) and not EMAIL.match(value):
            problems.append(f"{label}: {value!r} is not an email address")
        elif kind == "url_text_input" and isinstance(value, str):
            if not re.match(r"^https?://\S+$", value):
                problems.append(f"{label}: {value!r} is not a URL")
        elif kind == "file_input":
            files = entry.get("files") or []
            if len(files) > el.get("max_files", 10):
                problems.append(f"{label}: more than max_files {el.get('max_files', 10)}")
            allowed = [t.lower() for t in el.get("filetypes") or []]
            for f in files:
                if allowed and str(f.get("filetype", "")).lower() not in allowed:
                    problems.append(f"{label}: {f.get('name')!r} is not one of {allowed}")
        elif kind and kind.startswith("multi_") and "max_selected_items" in el:
            chosen = next((v for k, v in entry.items() if k.startswith("selected_")), [])
            if len(chosen) > el["max_selected_items"]:
                problems.append(f"{label}: more than max_selected_items {el['max_selected_items']}")
    return problems


def number_problems(label: str, el: Mapping[str, Any], value: str) -> list[str]:
    try:
        number = float(value)
    except ValueError:
        return [f"{label}: {value!r} is not a number"]
    problems = []
    if not el.get("is_decimal_allowed") and not re.fullmatch(r"-?\d+", value.strip()):
        problems.append(f"{label}: decimals are not allowed ({value!r})")
    if "min_value" in el and number < float(el["min_value"]):
        problems.append(f"{label}: {value} is below min_value {el['min_value']}")
    if "max_value" in el and number > float(el["max_value"]):
        problems.append(f"{label}: {value} is above max_value {el['max_value']}")
    return problems


def json_or_none(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        return None


def request_kind(request: httpx.Request) -> tuple[str, dict[str, Any]]:
    """Classify the request an ack answers: command, block_actions, view_submission, ..."""
    body = request.content
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        data = json.loads(body or b"{}")
        return str(data.get("type", "event")), data
    form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    if "payload" in form:
        payload = json.loads(form["payload"])
        return str(payload.get("type")), payload
    if "command" in form:
        return "command", form
    return "unknown", form
