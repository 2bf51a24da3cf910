"""Block Kit validation: reject what Slack's API rejects, so a green test means Slack accepts it.

Limits follow Slack's Block Kit reference (docs.slack.dev/reference/block-kit). Errors are strings
in Slack's own format: ``"<reason> [json-pointer:/blocks/0/text/text]"``.

Unknown properties are rejected on the blocks and elements this module knows in full, as Slack's
schema does ("invalid additional property"); newer or rarely used block types (rich_text, video,
markdown, table, ...) are tolerated with only light checks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_TEXT_MAX = 40_000
MAX_ATTACHMENTS = 100
TEXT_OBJECT_MAX = 3000
ID_MAX = 255

_STYLES = ("primary", "danger")
_SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
}
_MULTI_SELECTS = {"multi_" + s for s in _SELECTS}
_SECTION_ACCESSORIES = {
    "button",
    "checkboxes",
    "datepicker",
    "image",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
    *_SELECTS,
    *_MULTI_SELECTS,
}
_ACTIONS_ELEMENTS = {
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
    "rich_text_input",
    *_SELECTS,
    *_MULTI_SELECTS,
}
_INPUT_ELEMENTS = {
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "email_text_input",
    "file_input",
    "number_input",
    "plain_text_input",
    "radio_buttons",
    "rich_text_input",
    "timepicker",
    "url_text_input",
    *_SELECTS,
    *_MULTI_SELECTS,
}
# Block types Slack accepts that this module checks only lightly (shape, block_id).
_TOLERATED_BLOCKS = {
    "rich_text",
    "video",
    "file",
    "markdown",
    "table",
    "context_actions",
    "call",
    "plan",
    "task_card",
}
_BLOCK_KEYS: dict[str, set[str]] = {
    "section": {"type", "block_id", "text", "fields", "accessory", "expand"},
    "divider": {"type", "block_id"},
    "header": {"type", "block_id", "text"},
    "context": {"type", "block_id", "elements"},
    "actions": {"type", "block_id", "elements"},
    "image": {"type", "block_id", "image_url", "slack_file", "alt_text", "title"},
    "input": {"type", "block_id", "label", "element", "dispatch_action", "hint", "optional"},
}
_COMMON_EL = {"type", "action_id", "confirm", "focus_on_load", "placeholder"}
_ELEMENT_KEYS: dict[str, set[str]] = {
    "button": {
        "type",
        "text",
        "action_id",
        "url",
        "value",
        "style",
        "confirm",
        "accessibility_label",
    },
    "static_select": _COMMON_EL | {"options", "option_groups", "initial_option"},
    "multi_static_select": _COMMON_EL
    | {"options", "option_groups", "initial_options", "max_selected_items"},
    "external_select": _COMMON_EL | {"initial_option", "min_query_length"},
    "multi_external_select": _COMMON_EL
    | {"initial_options", "min_query_length", "max_selected_items"},
    "users_select": _COMMON_EL | {"initial_user"},
    "multi_users_select": _COMMON_EL | {"initial_users", "max_selected_items"},
    "conversations_select": _COMMON_EL
    | {"initial_conversation", "default_to_current_conversation", "response_url_enabled", "filter"},
    "multi_conversations_select": _COMMON_EL
    | {"initial_conversations", "default_to_current_conversation", "max_selected_items", "filter"},
    "channels_select": _COMMON_EL | {"initial_channel", "response_url_enabled"},
    "multi_channels_select": _COMMON_EL | {"initial_channels", "max_selected_items"},
    "plain_text_input": {
        "type",
        "action_id",
        "initial_value",
        "multiline",
        "min_length",
        "max_length",
        "dispatch_action_config",
        "focus_on_load",
        "placeholder",
    },
    "number_input": {
        "type",
        "is_decimal_allowed",
        "action_id",
        "initial_value",
        "min_value",
        "max_value",
        "dispatch_action_config",
        "focus_on_load",
        "placeholder",
    },
    "email_text_input": {
        "type",
        "action_id",
        "initial_value",
        "dispatch_action_config",
        "focus_on_load",
        "placeholder",
    },
    "url_text_input": {
        "type",
        "action_id",
        "initial_value",
        "dispatch_action_config",
        "focus_on_load",
        "placeholder",
    },
    "datepicker": _COMMON_EL | {"initial_date"},
    "timepicker": _COMMON_EL | {"initial_time", "timezone"},
    "datetimepicker": {"type", "action_id", "initial_date_time", "confirm", "focus_on_load"},
    "checkboxes": {"type", "action_id", "options", "initial_options", "confirm", "focus_on_load"},
    "radio_buttons": {"type", "action_id", "options", "initial_option", "confirm", "focus_on_load"},
    "overflow": {"type", "action_id", "options", "confirm"},
    "file_input": {"type", "action_id", "filetypes", "max_files"},
    "image": {"type", "image_url", "slack_file", "alt_text"},
}
# Elements accepted but only lightly checked.
_TOLERATED_ELEMENTS = {"rich_text_input", "workflow_button"}
_ACTIONABLE = (set(_ELEMENT_KEYS) | _TOLERATED_ELEMENTS) - {"image"}


def error(pointer: str, reason: str) -> str:
    """Format one validation error the way Slack does."""
    return f"{reason} [json-pointer:{pointer}]"


def as_slack_messages(errors: list[str]) -> list[str]:
    """Errors as they appear in ``response_metadata.messages``."""
    return [f"[ERROR] {e}" for e in errors]


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, pointer: str, reason: str) -> None:
        self.errors.append(error(pointer, reason))

    # -- primitives ---------------------------------------------------------------------------

    def obj(self, value: Any, ptr: str) -> bool:
        if not isinstance(value, Mapping):
            self.err(ptr, "must provide an object")
            return False
        return True

    def keys(self, value: Mapping[str, Any], allowed: set[str], ptr: str) -> None:
        for key in value:
            if key not in allowed:
                self.err(f"{ptr}/{key}", f"invalid additional property: {key}")

    def string(self, value: Any, ptr: str, *, max_len: int | None = None, min_len: int = 0) -> bool:
        if not isinstance(value, str):
            self.err(ptr, "must provide a string")
            return False
        if len(value) < min_len:
            self.err(ptr, f"must be more than {min_len - 1} characters")
            return False
        if max_len is not None and len(value) > max_len:
            self.err(ptr, f"must be less than {max_len + 1} characters")
            return False
        return True

    def boolean(self, value: Any, ptr: str) -> None:
        if not isinstance(value, bool):
            self.err(ptr, "must provide a boolean")

    def integer(
        self, value: Any, ptr: str, *, lo: int | None = None, hi: int | None = None
    ) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.err(ptr, "must provide an integer")
            return
        if lo is not None and value < lo:
            self.err(ptr, f"must be at least {lo}")
        if hi is not None and value > hi:
            self.err(ptr, f"must be at most {hi}")

    def array(
        self, value: Any, ptr: str, *, min_items: int = 0, max_items: int | None = None
    ) -> bool:
        if not isinstance(value, list):
            self.err(ptr, "must provide an array")
            return False
        if len(value) < min_items:
            self.err(ptr, f"must provide at least {min_items} items")
            return False
        if max_items is not None and len(value) > max_items:
            self.err(ptr, f"no more than {max_items} items allowed")
            return False
        return True

    def optional_id(self, parent: Mapping[str, Any], key: str, ptr: str) -> None:
        if key in parent:
            self.string(parent[key], f"{ptr}/{key}", max_len=ID_MAX, min_len=1)

    # -- composition objects ------------------------------------------------------------------

    def text(
        self,
        value: Any,
        ptr: str,
        *,
        max_len: int = TEXT_OBJECT_MAX,
        plain_only: bool = False,
    ) -> None:
        if not self.obj(value, ptr):
            return
        kind = value.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.err(f"{ptr}/type", "must be one of: plain_text, mrkdwn")
            return
        if plain_only and kind != "plain_text":
            self.err(f"{ptr}/type", "must be plain_text")
        allowed = (
            {"type", "text", "emoji"} if kind == "plain_text" else {"type", "text", "verbatim"}
        )
        self.keys(value, allowed, ptr)
        if "text" not in value:
            self.err(ptr, "missing required field: text")
        else:
            self.string(value["text"], f"{ptr}/text", max_len=max_len, min_len=1)
        for flag in ("emoji", "verbatim"):
            if flag in value and flag in allowed:
                self.boolean(value[flag], f"{ptr}/{flag}")

    def confirm(self, value: Any, ptr: str) -> None:
        if not self.obj(value, ptr):
            return
        self.keys(value, {"title", "text", "confirm", "deny", "style"}, ptr)
        limits = {"title": 100, "text": 300, "confirm": 30, "deny": 30}
        for key, limit in limits.items():
            if key not in value:
                self.err(ptr, f"missing required field: {key}")
            else:
                self.text(value[key], f"{ptr}/{key}", max_len=limit, plain_only=key != "text")
        if "style" in value and value["style"] not in _STYLES:
            self.err(f"{ptr}/style", "must be one of: primary, danger")

    def option(self, value: Any, ptr: str, *, mrkdwn_ok: bool, url_ok: bool) -> None:
        if not self.obj(value, ptr):
            return
        allowed = {"text", "value", "description"} | ({"url"} if url_ok else set())
        self.keys(value, allowed, ptr)
        if "text" not in value:
            self.err(ptr, "missing required field: text")
        else:
            self.text(value["text"], f"{ptr}/text", max_len=75, plain_only=not mrkdwn_ok)
        if "value" not in value:
            self.err(ptr, "missing required field: value")
        else:
            self.string(value["value"], f"{ptr}/value", max_len=150, min_len=1)
        if "description" in value:
            self.text(
                value["description"], f"{ptr}/description", max_len=75, plain_only=not mrkdwn_ok
            )
        if "url" in value and url_ok:
            self.string(value["url"], f"{ptr}/url", max_len=3000, min_len=1)

    def options(
        self,
        value: Any,
        ptr: str,
        *,
        min_items: int = 1,
        max_items: int = 100,
        mrkdwn_ok: bool = False,
        url_ok: bool = False,
    ) -> None:
        if self.array(value, ptr, min_items=min_items, max_items=max_items):
            for i, opt in enumerate(value):
                self.option(opt, f"{ptr}/{i}", mrkdwn_ok=mrkdwn_ok, url_ok=url_ok)

    def option_groups(self, value: Any, ptr: str) -> None:
        if not self.array(value, ptr, min_items=1, max_items=100):
            return
        for i, group in enumerate(value):
            gptr = f"{ptr}/{i}"
            if not self.obj(group, gptr):
                continue
            self.keys(group, {"label", "options"}, gptr)
            if "label" not in group:
                self.err(gptr, "missing required field: label")
            else:
                self.text(group["label"], f"{gptr}/label", max_len=75, plain_only=True)
            if "options" not in group:
                self.err(gptr, "missing required field: options")
            else:
                self.options(group["options"], f"{gptr}/options")

    def dispatch_config(self, value: Any, ptr: str) -> None:
        if not self.obj(value, ptr):
            return
        self.keys(value, {"trigger_actions_on"}, ptr)
        triggers = value.get("trigger_actions_on")
        if triggers is not None and self.array(triggers, f"{ptr}/trigger_actions_on", min_items=1):
            for i, t in enumerate(triggers):
                if t not in ("on_enter_pressed", "on_character_entered"):
                    self.err(
                        f"{ptr}/trigger_actions_on/{i}",
                        "must be one of: on_enter_pressed, on_character_entered",
                    )

    # -- elements -----------------------------------------------------------------------------

    def element(self, el: Any, ptr: str, allowed_types: set[str], where: str) -> None:
        if not self.obj(el, ptr):
            return
        kind = el.get("type")
        if not isinstance(kind, str):
            self.err(f"{ptr}/type", "missing required field: type")
            return
        if kind not in allowed_types:
            self.err(f"{ptr}/type", f"unsupported type: {kind} is not allowed in {where}")
            return
        if kind in _ELEMENT_KEYS:
            self.keys(el, _ELEMENT_KEYS[kind], ptr)
        self.optional_id(el, "action_id", ptr)
        if "placeholder" in el and kind in _ELEMENT_KEYS and "placeholder" in _ELEMENT_KEYS[kind]:
            self.text(el["placeholder"], f"{ptr}/placeholder", max_len=150, plain_only=True)
        if "confirm" in el and kind in _ELEMENT_KEYS and "confirm" in _ELEMENT_KEYS[kind]:
            self.confirm(el["confirm"], f"{ptr}/confirm")
        if "focus_on_load" in el:
            self.boolean(el["focus_on_load"], f"{ptr}/focus_on_load")
        if "dispatch_action_config" in el:
            self.dispatch_config(el["dispatch_action_config"], f"{ptr}/dispatch_action_config")
        check = getattr(self, f"el_{kind}", None)
        if check is not None:
            check(el, ptr)
        elif kind in _MULTI_SELECTS or kind in _SELECTS:
            self.el_select(el, ptr)

    def el_button(self, el: Mapping[str, Any], ptr: str) -> None:
        if "text" not in el:
            self.err(ptr, "missing required field: text")
        else:
            self.text(el["text"], f"{ptr}/text", max_len=75, plain_only=True)
        if "value" in el:
            self.string(el["value"], f"{ptr}/value", max_len=2000, min_len=1)
        if "url" in el:
            self.string(el["url"], f"{ptr}/url", max_len=3000, min_len=1)
        if "style" in el and el["style"] not in _STYLES:
            self.err(f"{ptr}/style", "must be one of: primary, danger")
        if "accessibility_label" in el:
            self.string(
                el["accessibility_label"], f"{ptr}/accessibility_label", max_len=75, min_len=1
            )

    def el_image(self, el: Mapping[str, Any], ptr: str) -> None:
        if "alt_text" not in el:
            self.err(ptr, "missing required field: alt_text")
        else:
            self.string(el["alt_text"], f"{ptr}/alt_text", min_len=1)
        self._image_source(el, ptr)

    def _image_source(self, el: Mapping[str, Any], ptr: str) -> None:
        has_url, has_file = "image_url" in el, "slack_file" in el
        if has_url == has_file:
            self.err(ptr, "must provide exactly one of: image_url, slack_file")
        if has_url:
            self.string(el["image_url"], f"{ptr}/image_url", max_len=3000, min_len=1)
        if has_file and self.obj(el["slack_file"], f"{ptr}/slack_file"):
            sf = el["slack_file"]
            self.keys(sf, {"url", "id"}, f"{ptr}/slack_file")
            if ("url" in sf) == ("id" in sf):
                self.err(f"{ptr}/slack_file", "must provide exactly one of: url, id")

    def el_select(self, el: Mapping[str, Any], ptr: str) -> None:
        kind = el["type"]
        multi = kind.startswith("multi_")
        if multi and "max_selected_items" in el:
            self.integer(el["max_selected_items"], f"{ptr}/max_selected_items", lo=1)
        if kind.endswith("static_select"):
            has_opts, has_groups = "options" in el, "option_groups" in el
            if has_opts == has_groups:
                self.err(ptr, "must provide exactly one of: options, option_groups")
            if has_opts:
                self.options(el["options"], f"{ptr}/options")
            if has_groups:
                self.option_groups(el["option_groups"], f"{ptr}/option_groups")
            known = _flatten_options(el)
            if not multi and "initial_option" in el:
                self._initial(el["initial_option"], known, f"{ptr}/initial_option")
            if multi and "initial_options" in el:
                self._initial_many(el["initial_options"], known, f"{ptr}/initial_options")
        if kind.endswith("external_select"):
            if "min_query_length" in el:
                self.integer(el["min_query_length"], f"{ptr}/min_query_length", lo=0)
            if not multi and "initial_option" in el:
                self.option(
                    el["initial_option"], f"{ptr}/initial_option", mrkdwn_ok=False, url_ok=False
                )
            if (
                multi
                and "initial_options" in el
                and self.array(el["initial_options"], f"{ptr}/initial_options", min_items=1)
            ):
                for i, opt in enumerate(el["initial_options"]):
                    self.option(opt, f"{ptr}/initial_options/{i}", mrkdwn_ok=False, url_ok=False)
        single_id = {
            "users_select": "initial_user",
            "conversations_select": "initial_conversation",
            "channels_select": "initial_channel",
        }
        if kind in single_id and single_id[kind] in el:
            self.string(el[single_id[kind]], f"{ptr}/{single_id[kind]}", min_len=1)
        many_id = {
            "multi_users_select": "initial_users",
            "multi_conversations_select": "initial_conversations",
            "multi_channels_select": "initial_channels",
        }
        if kind in many_id and many_id[kind] in el:
            key = many_id[kind]
            if self.array(el[key], f"{ptr}/{key}", min_items=1):
                for i, v in enumerate(el[key]):
                    self.string(v, f"{ptr}/{key}/{i}", min_len=1)
        for flag in ("response_url_enabled", "default_to_current_conversation"):
            if flag in el:
                self.boolean(el[flag], f"{ptr}/{flag}")

    def _initial(self, opt: Any, known: list[Mapping[str, Any]], ptr: str) -> None:
        if not self.obj(opt, ptr):
            return
        if not any(_same_option(opt, k) for k in known):
            self.err(ptr, "initial option must exactly match one of the provided options")

    def _initial_many(self, opts: Any, known: list[Mapping[str, Any]], ptr: str) -> None:
        if self.array(opts, ptr, min_items=1):
            for i, opt in enumerate(opts):
                self._initial(opt, known, f"{ptr}/{i}")

    def el_checkboxes(self, el: Mapping[str, Any], ptr: str) -> None:
        if "options" not in el:
            self.err(ptr, "missing required field: options")
            return
        self.options(el["options"], f"{ptr}/options", max_items=10, mrkdwn_ok=True)
        if "initial_options" in el and isinstance(el["options"], list):
            self._initial_many(el["initial_options"], el["options"], f"{ptr}/initial_options")

    def el_radio_buttons(self, el: Mapping[str, Any], ptr: str) -> None:
        if "options" not in el:
            self.err(ptr, "missing required field: options")
            return
        self.options(el["options"], f"{ptr}/options", max_items=10, mrkdwn_ok=True)
        if "initial_option" in el and isinstance(el["options"], list):
            self._initial(el["initial_option"], el["options"], f"{ptr}/initial_option")

    def el_overflow(self, el: Mapping[str, Any], ptr: str) -> None:
        if "options" not in el:
            self.err(ptr, "missing required field: options")
            return
        self.options(el["options"], f"{ptr}/options", min_items=2, max_items=5, url_ok=True)

    def el_plain_text_input(self, el: Mapping[str, Any], ptr: str) -> None:
        if "initial_value" in el:
            self.string(el["initial_value"], f"{ptr}/initial_value")
        if "multiline" in el:
            self.boolean(el["multiline"], f"{ptr}/multiline")
        if "min_length" in el:
            self.integer(el["min_length"], f"{ptr}/min_length", lo=0, hi=3000)
        if "max_length" in el:
            self.integer(el["max_length"], f"{ptr}/max_length", lo=1)
        lo, hi = el.get("min_length"), el.get("max_length")
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            self.err(f"{ptr}/min_length", "min_length must not be greater than max_length")

    def el_number_input(self, el: Mapping[str, Any], ptr: str) -> None:
        if "is_decimal_allowed" not in el:
            self.err(ptr, "missing required field: is_decimal_allowed")
        else:
            self.boolean(el["is_decimal_allowed"], f"{ptr}/is_decimal_allowed")
        numbers: dict[str, float] = {}
        for key in ("initial_value", "min_value", "max_value"):
            if key not in el:
                continue
            if not isinstance(el[key], str):
                self.err(f"{ptr}/{key}", "must provide a string")
                continue
            try:
                numbers[key] = float(el[key])
            except ValueError:
                self.err(f"{ptr}/{key}", "must be a number")
        if numbers.get("min_value", float("-inf")) > numbers.get("max_value", float("inf")):
            self.err(f"{ptr}/min_value", "min_value cannot be greater than max_value")

    def el_email_text_input(self, el: Mapping[str, Any], ptr: str) -> None:
        if "initial_value" in el:
            self.string(el["initial_value"], f"{ptr}/initial_value")

    el_url_text_input = el_email_text_input

    def el_datepicker(self, el: Mapping[str, Any], ptr: str) -> None:
        value = el.get("initial_date")
        if (
            value is not None
            and self.string(value, f"{ptr}/initial_date")
            and not _is_iso_date(value)
        ):
            self.err(f"{ptr}/initial_date", "must be a date in the format YYYY-MM-DD")

    def el_timepicker(self, el: Mapping[str, Any], ptr: str) -> None:
        value = el.get("initial_time")
        if (
            value is not None
            and self.string(value, f"{ptr}/initial_time")
            and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value)
        ):
            self.err(f"{ptr}/initial_time", "must be a time in the format HH:mm")

    def el_datetimepicker(self, el: Mapping[str, Any], ptr: str) -> None:
        if "initial_date_time" in el:
            self.integer(el["initial_date_time"], f"{ptr}/initial_date_time", lo=0)

    def el_file_input(self, el: Mapping[str, Any], ptr: str) -> None:
        if "max_files" in el:
            self.integer(el["max_files"], f"{ptr}/max_files", lo=1, hi=10)
        if "filetypes" in el and self.array(el["filetypes"], f"{ptr}/filetypes"):
            for i, ft in enumerate(el["filetypes"]):
                self.string(ft, f"{ptr}/filetypes/{i}", min_len=1)

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self, blocks: Any, ptr: str, *, max_blocks: int) -> None:
        if not self.array(blocks, ptr, max_items=max_blocks):
            return
        seen: dict[str, int] = {}
        for i, block in enumerate(blocks):
            bptr = f"{ptr}/{i}"
            self.block(block, bptr)
            if isinstance(block, Mapping) and isinstance(block.get("block_id"), str):
                bid = block["block_id"]
                if bid in seen:
                    self.err(f"{bptr}/block_id", f"duplicate block_id: {bid}")
                seen.setdefault(bid, i)

    def block(self, block: Any, ptr: str) -> None:
        if not self.obj(block, ptr):
            return
        kind = block.get("type")
        if not isinstance(kind, str):
            self.err(f"{ptr}/type", "missing required field: type")
            return
        if kind in _BLOCK_KEYS:
            self.keys(block, _BLOCK_KEYS[kind], ptr)
        elif kind not in _TOLERATED_BLOCKS:
            self.err(f"{ptr}/type", f"unsupported type: {kind}")
            return
        self.optional_id(block, "block_id", ptr)
        check = getattr(self, f"block_{kind}", None)
        if check is not None:
            check(block, ptr)
        self._duplicate_action_ids(block, ptr)

    def _duplicate_action_ids(self, block: Mapping[str, Any], ptr: str) -> None:
        seen: set[str] = set()
        for sub, el in _block_elements(block):
            aid = el.get("action_id")
            if isinstance(aid, str):
                if aid in seen:
                    self.err(f"{ptr}{sub}/action_id", f"duplicate action_id: {aid}")
                seen.add(aid)

    def block_section(self, block: Mapping[str, Any], ptr: str) -> None:
        if "text" not in block and "fields" not in block:
            self.err(ptr, "must provide either text or fields")
        if "text" in block:
            self.text(block["text"], f"{ptr}/text", max_len=3000)
        if "fields" in block and self.array(
            block["fields"], f"{ptr}/fields", min_items=1, max_items=10
        ):
            for i, field in enumerate(block["fields"]):
                self.text(field, f"{ptr}/fields/{i}", max_len=2000)
        if "accessory" in block:
            self.element(block["accessory"], f"{ptr}/accessory", _SECTION_ACCESSORIES, "section")
        if "expand" in block:
            self.boolean(block["expand"], f"{ptr}/expand")

    def block_header(self, block: Mapping[str, Any], ptr: str) -> None:
        if "text" not in block:
            self.err(ptr, "missing required field: text")
        else:
            self.text(block["text"], f"{ptr}/text", max_len=150, plain_only=True)

    def block_context(self, block: Mapping[str, Any], ptr: str) -> None:
        if "elements" not in block:
            self.err(ptr, "missing required field: elements")
            return
        if not self.array(block["elements"], f"{ptr}/elements", min_items=1, max_items=10):
            return
        for i, el in enumerate(block["elements"]):
            eptr = f"{ptr}/elements/{i}"
            if isinstance(el, Mapping) and el.get("type") == "image":
                self.element(el, eptr, {"image"}, "context")
            else:
                self.text(el, eptr)

    def block_actions(self, block: Mapping[str, Any], ptr: str) -> None:
        if "elements" not in block:
            self.err(ptr, "missing required field: elements")
            return
        if self.array(block["elements"], f"{ptr}/elements", min_items=1, max_items=25):
            for i, el in enumerate(block["elements"]):
                self.element(el, f"{ptr}/elements/{i}", _ACTIONS_ELEMENTS, "actions")

    def block_image(self, block: Mapping[str, Any], ptr: str) -> None:
        if "alt_text" not in block:
            self.err(ptr, "missing required field: alt_text")
        else:
            self.string(block["alt_text"], f"{ptr}/alt_text", max_len=2000, min_len=1)
        self._image_source(block, ptr)
        if "title" in block:
            self.text(block["title"], f"{ptr}/title", max_len=2000, plain_only=True)

    def block_input(self, block: Mapping[str, Any], ptr: str) -> None:
        if "label" not in block:
            self.err(ptr, "missing required field: label")
        else:
            self.text(block["label"], f"{ptr}/label", max_len=2000, plain_only=True)
        if "hint" in block:
            self.text(block["hint"], f"{ptr}/hint", max_len=2000, plain_only=True)
        for flag in ("optional", "dispatch_action"):
            if flag in block:
                self.boolean(block[flag], f"{ptr}/{flag}")
        if "element" not in block:
            self.err(ptr, "missing required field: element")
            return
        self.element(block["element"], f"{ptr}/element", _INPUT_ELEMENTS, "input")
        el = block["element"]
        if (
            block.get("dispatch_action") is True
            and isinstance(el, Mapping)
            and el.get("type") == "file_input"
        ):
            self.err(f"{ptr}/dispatch_action", "unsupported type: file_input with dispatch_action")

    def block_markdown(self, block: Mapping[str, Any], ptr: str) -> None:
        if "text" not in block:
            self.err(ptr, "missing required field: text")
        else:
            self.string(block["text"], f"{ptr}/text", max_len=12_000, min_len=1)

    def block_rich_text(self, block: Mapping[str, Any], ptr: str) -> None:
        if "elements" not in block:
            self.err(ptr, "missing required field: elements")
        else:
            self.array(block["elements"], f"{ptr}/elements")


def _block_elements(block: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Interactive elements of a block with their pointer suffix."""
    kind = block.get("type")
    if kind == "actions" and isinstance(block.get("elements"), list):
        for i, el in enumerate(block["elements"]):
            if isinstance(el, Mapping):
                yield f"/elements/{i}", el
    elif kind == "section" and isinstance(block.get("accessory"), Mapping):
        yield "/accessory", block["accessory"]
    elif kind == "input" and isinstance(block.get("element"), Mapping):
        yield "/element", block["element"]


def iter_elements(blocks: Any) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Yield ``(block, element)`` for every interactive element in a list of blocks."""
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if isinstance(block, Mapping):
            for _, el in _block_elements(block):
                if el.get("type") in _ACTIONABLE:
                    yield block, el


def input_block_ids(blocks: Any) -> list[str]:
    """block_ids of the input blocks in a list of blocks."""
    if not isinstance(blocks, list):
        return []
    return [
        b["block_id"]
        for b in blocks
        if isinstance(b, Mapping)
        and b.get("type") == "input"
        and isinstance(b.get("block_id"), str)
    ]


def _flatten_options(el: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    opts: list[Mapping[str, Any]] = []
    if isinstance(el.get("options"), list):
        opts.extend(o for o in el["options"] if isinstance(o, Mapping))
    if isinstance(el.get("option_groups"), list):
        for group in el["option_groups"]:
            if isinstance(group, Mapping) and isinstance(group.get("options"), list):
                opts.extend(o for o in group["options"] if isinstance(o, Mapping))
    return opts


def _same_option(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    def key(o: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        text = o.get("text")
        text_value = text.get("text") if isinstance(text, Mapping) else text
        text_type = text.get("type") if isinstance(text, Mapping) else None
        return o.get("value"), text_value, text_type

    return key(a) == key(b)


def _is_iso_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


# -- public entry points ------------------------------------------------------------------------


def has_message_content(payload: Mapping[str, Any]) -> bool:
    """Slack needs at least one of text, blocks or attachments (else ``no_text``)."""
    text = payload.get("text")
    return bool(text) or bool(payload.get("blocks")) or bool(payload.get("attachments"))


def validate_blocks(
    blocks: Any, *, max_blocks: int = MESSAGE_MAX_BLOCKS, pointer: str = "/blocks"
) -> list[str]:
    """Validate a list of blocks on its own."""
    checker = _Checker()
    checker.blocks(blocks, pointer, max_blocks=max_blocks)
    return checker.errors


def validate_message(payload: Mapping[str, Any]) -> list[str]:
    """Validate a chat.postMessage / chat.update / postEphemeral / response_url body."""
    checker = _Checker()
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
    checker = _Checker()
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
    checker = _Checker()
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
    checker = _Checker()
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
