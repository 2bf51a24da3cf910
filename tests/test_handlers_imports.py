"""Handlers speak Slack and call bot use cases; they never reach the database themselves."""

from __future__ import annotations

import ast
from pathlib import Path

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"
FORBIDDEN = ("storage.repositories", "storage.models")


def imported_modules(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return modules


def test_no_handler_imports_a_repository_or_a_model() -> None:
    offending = sorted(
        {
            f"{path.relative_to(HANDLERS.parent)}: {module}"
            for path in HANDLERS.rglob("*.py")
            for module in imported_modules(path)
            if module.startswith(FORBIDDEN)
        }
    )
    assert offending == []
