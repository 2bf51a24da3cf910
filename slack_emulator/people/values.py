"""What a person's inputs are, in Slack's shapes: the element a person acts on, the state
entry it holds once they have typed or picked something, and a view's ``state.values``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from copy import deepcopy
from typing import Any

from slack_emulator import blockkit

VIEW_TYPES = ("modal", "home")


def is_view(obj: Mapping[str, Any]) -> bool:
    return obj.get("type") in VIEW_TYPES and "ts" not in obj


def find_element(
    blocks: Any, action_id: str, block_id: str | None
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    available = []
    for block, element in blockkit.iter_elements(blocks):
        available.append(f"{block.get('block_id')}/{element.get('action_id')}")
        if element.get("action_id") == action_id and (
            block_id is None or block.get("block_id") == block_id
        ):
            return block, element
    where = f" in block {block_id!r}" if block_id else ""
    raise AssertionError(
        f"no element with action_id {action_id!r}{where} is displayed; "
        f"elements (block_id/action_id): {available}"
    )


def holds_state(element: Mapping[str, Any]) -> bool:
    return element.get("type") not in ("button", "overflow", "workflow_button")


def all_options(element: Mapping[str, Any]) -> list[dict[str, Any]]:
    opts = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        opts.extend(group.get("options") or [])
    return opts


def option(element: Mapping[str, Any], value: Mapping[str, Any] | str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    options = all_options(element)
    if not options and element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": value}, "value": value}
    for opt in options:
        if opt.get("value") == value:
            return deepcopy(opt)
    raise AssertionError(
        f"{element.get('action_id')!r} has no option with value {value!r}; "
        f"options: {[o.get('value') for o in options]}"
    )


def action_value(
    element: Mapping[str, Any],
    *,
    value: Any = None,
    selected_option: Mapping[str, Any] | str | None = None,
    selected_options: Sequence[Mapping[str, Any] | str] | None = None,
    selected_date: str | dt.date | None = None,
    selected_user: str | None = None,
    input_value: bool = False,
) -> dict[str, Any]:
    """The state/action entry for ``element`` holding the given value (Slack's shapes)."""
    kind = str(element.get("type"))
    entry: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        entry["value"] = None if value is None or value == "" else str(value)
    elif kind == "button":
        chosen = value if value is not None else element.get("value")
        if chosen is not None:
            entry["value"] = chosen
    elif kind in ("static_select", "external_select", "radio_buttons", "overflow"):
        choice = selected_option if selected_option is not None else value
        entry["selected_option"] = None if choice in (None, "") else option(element, choice)
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        choices = selected_options if selected_options is not None else value
        if isinstance(choices, (str, Mapping)):
            choices = [choices]
        entry["selected_options"] = [option(element, c) for c in (choices or [])]
    elif kind == "datepicker":
        chosen = selected_date if selected_date is not None else value
        entry["selected_date"] = chosen.isoformat() if isinstance(chosen, dt.date) else chosen
    elif kind == "timepicker":
        entry["selected_time"] = value
    elif kind == "datetimepicker":
        entry["selected_date_time"] = value
    elif kind == "users_select":
        entry["selected_user"] = selected_user if selected_user is not None else value
    elif kind == "multi_users_select":
        entry["selected_users"] = list(value or [])
    elif kind == "conversations_select":
        entry["selected_conversation"] = value
    elif kind == "multi_conversations_select":
        entry["selected_conversations"] = list(value or [])
    elif kind == "channels_select":
        entry["selected_channel"] = value
    elif kind == "multi_channels_select":
        entry["selected_channels"] = list(value or [])
    elif kind == "rich_text_input":
        entry["rich_text_value"] = value
    elif input_value:
        entry["value"] = value
    return entry


def initial_entry(element: Mapping[str, Any]) -> dict[str, Any]:
    """What Slack reports for an element the user has not touched."""
    kind = str(element.get("type"))
    entry: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        entry["value"] = element.get("initial_value")
    elif kind in ("static_select", "external_select", "radio_buttons"):
        entry["selected_option"] = deepcopy(element.get("initial_option"))
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        entry["selected_options"] = deepcopy(element.get("initial_options") or [])
    elif kind == "datepicker":
        entry["selected_date"] = element.get("initial_date")
    elif kind == "timepicker":
        entry["selected_time"] = element.get("initial_time")
    elif kind == "datetimepicker":
        entry["selected_date_time"] = element.get("initial_date_time")
    elif kind == "users_select":
        entry["selected_user"] = element.get("initial_user")
    elif kind == "multi_users_select":
        entry["selected_users"] = list(element.get("initial_users") or [])
    elif kind == "conversations_select":
        entry["selected_conversation"] = element.get("initial_conversation")
    elif kind == "multi_conversations_select":
        entry["selected_conversations"] = list(element.get("initial_conversations") or [])
    elif kind == "channels_select":
        entry["selected_channel"] = element.get("initial_channel")
    elif kind == "multi_channels_select":
        entry["selected_channels"] = list(element.get("initial_channels") or [])
    elif kind == "file_input":
        entry["files"] = []
    elif kind == "rich_text_input":
        entry["rich_text_value"] = element.get("initial_value")
    return entry


def view_state(view: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """state.values of a view: stored entries, else initial values, for every input element."""
    stored = (view.get("state") or {}).get("values") or {}
    values: dict[str, dict[str, Any]] = {}
    for block, element in blockkit.iter_elements(view.get("blocks")):
        if not holds_state(element):
            continue
        bid, aid = block.get("block_id"), element.get("action_id")
        if not isinstance(bid, str) or not isinstance(aid, str):
            continue
        current = stored.get(bid, {}).get(aid)
        values.setdefault(bid, {})[aid] = deepcopy(current) if current else initial_entry(element)
    return values


def message_state(blocks: Any) -> dict[str, dict[str, Any]]:
    return view_state({"blocks": blocks or []})
