"""The checks every Block Kit part is made of: types, lengths, counts, and the composition objects
(text, confirm dialogs, options, option groups, dispatch configuration)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_emulator.blockkit.schema import ID_MAX, STYLES, TEXT_OBJECT_MAX


def error(pointer: str, reason: str) -> str:
    """Format one validation error the way Slack does."""
    return f"{reason} [json-pointer:{pointer}]"


class Checks:
    """Collects errors in Slack's format while walking a payload."""

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
        if "style" in value and value["style"] not in STYLES:
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
