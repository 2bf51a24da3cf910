"""Checks of interactive elements (buttons, selects, inputs, pickers, ...) and images."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from slack_emulator.blockkit.checks import Checks
from slack_emulator.blockkit.schema import ELEMENT_KEYS, MULTI_SELECTS, SELECTS, STYLES


class ElementChecks(Checks):
    """Checks of one element, by its type (``el_<type>``)."""

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
        if kind in ELEMENT_KEYS:
            self.keys(el, ELEMENT_KEYS[kind], ptr)
        self.optional_id(el, "action_id", ptr)
        if "placeholder" in el and kind in ELEMENT_KEYS and "placeholder" in ELEMENT_KEYS[kind]:
            self.text(el["placeholder"], f"{ptr}/placeholder", max_len=150, plain_only=True)
        if "confirm" in el and kind in ELEMENT_KEYS and "confirm" in ELEMENT_KEYS[kind]:
            self.confirm(el["confirm"], f"{ptr}/confirm")
        if "focus_on_load" in el:
            self.boolean(el["focus_on_load"], f"{ptr}/focus_on_load")
        if "dispatch_action_config" in el:
            self.dispatch_config(el["dispatch_action_config"], f"{ptr}/dispatch_action_config")
        check = getattr(self, f"el_{kind}", None)
        if check is not None:
            check(el, ptr)
        elif kind in MULTI_SELECTS or kind in SELECTS:
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
        if "style" in el and el["style"] not in STYLES:
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
