"""Every action, callback and block id is written once, in handlers/ids.py (STYLE.md)."""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

from handlers import ids

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"


def id_values() -> set[str]:
    values: set[str] = set()
    for thing in vars(ids).values():
        if isinstance(thing, type) and issubclass(thing, StrEnum) and thing is not StrEnum:
            values |= {member.value for member in thing}
    return values


def _data_keys(tree: ast.AST) -> set[int]:
    """Strings that name data, not Slack ids, though they may read alike: catalog keys
    (`t("order.mark_paid")`), and keys of dicts and payloads (`payload["customer"]`,
    `info.get("contact_email")`, `{"quantity": 2}`)."""
    keys: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            keys.add(id(node.slice))
        elif isinstance(node, ast.Dict):
            keys |= {id(key) for key in node.keys if key is not None}
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "t") or (
                isinstance(func, ast.Attribute) and func.attr == "get"
            ):
                keys.add(id(node.args[0]))
    return keys


def literals(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module that could be ids."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    data = _data_keys(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in data
    ]


def test_the_scan_knows_the_ids() -> None:
    values = id_values()
    assert {"storage_order.start", "storage_order.quantity", "invoice_email", "order:"} <= values


def test_the_scan_finds_a_literal_id(tmp_path: Path) -> None:
    module = tmp_path / "flow.py"
    module.write_text('forms.value_of(state, "quantity")\nt("order.mark_paid")\n')
    assert [text for _, text in literals(module) if text in id_values()] == ["quantity"]


def test_no_id_is_written_outside_ids_py() -> None:
    values = id_values()
    found = [
        f"{path.relative_to(HANDLERS.parent)}:{line}: {text!r}"
        for path in sorted(HANDLERS.rglob("*.py"))
        if path != HANDLERS / "ids.py"
        for line, text in literals(path)
        if text in values
    ]
    assert found == []
