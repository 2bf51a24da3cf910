"""Field factories for modal inputs: one function per kind of input, Slack's limits applied.

Each input's element has the block id as its action_id, so a submitted value is found by one
id, and values are read back in one place (`value_of`, `selected_of`, `files_of`).
"""

from __future__ import annotations

from typing import Any

from handlers.blocks import kit
from handlers.blocks.kit import Block

LABEL_LIMIT = 2000
OPTION_TEXT_LIMIT = 75
MODAL_TITLE_LIMIT = 24


def _input(
    block_id: str,
    label: str,
    element: Block,
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": kit.plain(label, LABEL_LIMIT),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = kit.plain(hint, LABEL_LIMIT)
    if dispatch:
        block["dispatch_action"] = True
    return block


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    optional: bool = False,
    max_length: int = 3000,
    multiline: bool = False,
    placeholder: str | None = None,
    hint: str | None = None,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": block_id,
        "max_length": max_length,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = kit.plain(placeholder, 150)
    return _input(block_id, label, element, optional=optional, hint=hint)


def email_input(
    block_id: str, label: str, *, initial: str | None = None, hint: str | None = None
) -> Block:
    element: Block = {"type": "email_text_input", "action_id": block_id}
    if initial:
        element["initial_value"] = initial
    return _input(block_id, label, element, hint=hint)


def whole_number_input(
    block_id: str,
    label: str,
    *,
    initial: int,
    minimum: int,
    maximum: int,
    hint: str | None = None,
    on_change: str | None = None,
) -> Block:
    """A whole number; with `on_change` (an action id) every keystroke is sent to the bot."""
    element: Block = {
        "type": "number_input",
        "action_id": on_change or block_id,
        "is_decimal_allowed": False,
        "initial_value": str(initial),
        "min_value": str(minimum),
        "max_value": str(maximum),
    }
    if on_change:
        element["dispatch_action_config"] = {"trigger_actions_on": ["on_character_entered"]}
    return _input(block_id, label, element, hint=hint, dispatch=on_change is not None)


def file_input(
    block_id: str, label: str, *, filetypes: tuple[str, ...], hint: str, optional: bool = False
) -> Block:
    element: Block = {
        "type": "file_input",
        "action_id": block_id,
        "filetypes": list(filetypes),
        "max_files": 1,
    }
    return _input(block_id, label, element, hint=hint, optional=optional)


def option(text: str, value: str, description: str | None = None) -> Block:
    opt: Block = {"text": kit.plain(text, OPTION_TEXT_LIMIT), "value": value}
    if description:
        opt["description"] = kit.plain(description, OPTION_TEXT_LIMIT)
    return opt


def checkboxes_input(
    block_id: str, label: str, options: list[Block], *, initial: list[Block], hint: str | None
) -> Block:
    element: Block = {"type": "checkboxes", "action_id": block_id, "options": options[:10]}
    if initial:
        element["initial_options"] = initial
    return _input(block_id, label, element, hint=hint)


def external_select_input(
    block_id: str,
    action_id: str,
    label: str,
    *,
    placeholder: str,
    initial: Block | None = None,
    min_query_length: int = 2,
) -> Block:
    """A searched select that tells the app when a choice is made (to refill the form)."""
    element: Block = {
        "type": "external_select",
        "action_id": action_id,
        "placeholder": kit.plain(placeholder, 150),
        "min_query_length": min_query_length,
    }
    if initial:
        element["initial_option"] = initial
    return _input(block_id, label, element, dispatch=True)


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    close: str,
    private_metadata: str = "",
) -> Block:
    view: Block = {
        "type": "modal",
        "callback_id": callback_id,
        "title": kit.plain(title, MODAL_TITLE_LIMIT),
        "close": kit.plain(close, MODAL_TITLE_LIMIT),
        "blocks": blocks[: kit.VIEW_BLOCK_LIMIT],
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = kit.plain(submit, MODAL_TITLE_LIMIT)
    return view


# -- reading submitted values ---------------------------------------------------------------


def _entry(state: dict[str, Any], block_id: str) -> dict[str, Any]:
    entries = (state.get("values") or {}).get(block_id) or {}
    return next(iter(entries.values()), {}) if entries else {}


def value_of(state: dict[str, Any], block_id: str) -> str | None:
    """A text or number input's value (None when empty)."""
    value = _entry(state, block_id).get("value")
    return value if isinstance(value, str) else None


def selected_of(state: dict[str, Any], block_id: str) -> str | None:
    """A single select's chosen value."""
    chosen = _entry(state, block_id).get("selected_option") or {}
    return chosen.get("value")


def selections_of(state: dict[str, Any], block_id: str) -> list[str]:
    """Checkboxes or a multi-select's chosen values."""
    return [o.get("value", "") for o in _entry(state, block_id).get("selected_options") or []]


def files_of(state: dict[str, Any], block_id: str) -> list[dict[str, Any]]:
    """A file_input's files (Slack file objects)."""
    return list(_entry(state, block_id).get("files") or [])


def block_ids_with_prefix(state: dict[str, Any], prefix: str) -> list[str]:
    return [bid for bid in (state.get("values") or {}) if bid.startswith(prefix)]
