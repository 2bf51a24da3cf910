"""Checks of blocks and lists of blocks, and the walk over a list of blocks' elements."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from slack_emulator.blockkit.elements import ElementChecks
from slack_emulator.blockkit.schema import (
    ACTIONABLE,
    ACTIONS_ELEMENTS,
    BLOCK_KEYS,
    INPUT_ELEMENTS,
    SECTION_ACCESSORIES,
    TOLERATED_BLOCKS,
)


class Checker(ElementChecks):
    """Every Block Kit check; `errors` holds what it found."""

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
        if kind in BLOCK_KEYS:
            self.keys(block, BLOCK_KEYS[kind], ptr)
        elif kind not in TOLERATED_BLOCKS:
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
            self.element(block["accessory"], f"{ptr}/accessory", SECTION_ACCESSORIES, "section")
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
                self.element(el, f"{ptr}/elements/{i}", ACTIONS_ELEMENTS, "actions")

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
        self.element(block["element"], f"{ptr}/element", INPUT_ELEMENTS, "input")
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
                if el.get("type") in ACTIONABLE:
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
