"""Inline modal errors (`response_action: errors`): Slack shows them as plain text, so their
messages carry no mrkdwn (no backticks, bold, italics, emoji codes or mentions) and the values
in them are not escaped."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from bot.errors import DomainError, InvalidInput
from bot.i18n import Translator, catalog_keys, load_catalog
from handlers.errors import reject_fields
from handlers.metadata import MetadataError, NotYourForm

ROOT = Path(__file__).resolve().parent.parent
# Domain modules whose errors reach a form, and which of their errors become inline errors:
# invalid input everywhere; the iGOV forms also show refusals (not eligible, not found) inline.
INPUT = {"InvalidInput"}
REFUSALS = {"InvalidInput", "NotEligible", "NotFound"}
FORM_RULES = {
    "storage_orders": INPUT,
    "customers": INPUT,
    "customer_fields": INPUT,
    "documents": INPUT,
    "approvals": INPUT,
    "igov_orders": REFUSALS,
    "licences": REFUSALS,
    "licence_changes": REFUSALS | {"DomainError"},
}
BUILT_BY_HANDLERS = {"InvalidInput", "DomainError"}
# Answered in the command's ephemeral message (mrkdwn), never under a form input.
NOT_IN_FORMS = {"query"}
MARKUP = re.compile(r"`|\*|~|(^|\s)_\S|\S_(\s|$)|:[a-z0-9_+-]+:|<[@#!]|<https?:|&(amp|lt|gt);")


def _keys_raised(path: Path, errors: set[str]) -> set[str]:
    """Catalog keys given literally to a domain error that can be shown under an input."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in errors or not node.args:
            continue
        key = node.args[0]
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            continue
        field = next((k.value for k in node.keywords if k.arg == "field"), None)
        if isinstance(field, ast.Constant) and field.value in NOT_IN_FORMS:
            continue
        keys.add(key.value)
    return keys


def modal_error_keys() -> set[str]:
    keys: set[str] = set()
    for name, errors in FORM_RULES.items():
        keys |= _keys_raised(ROOT / "bot" / f"{name}.py", errors)
    for path in (ROOT / "handlers").glob("*.py"):  # errors built by the handlers themselves
        keys |= _keys_raised(path, BUILT_BY_HANDLERS)
    # A form whose metadata we did not write, or that is not the submitter's, is refused inline.
    keys |= {error.text_key for error in (MetadataError, NotYourForm)}
    return keys


def test_every_modal_error_goes_through_one_function() -> None:
    sources = [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]
    users = [p.name for p in sources if 'response_action="errors"' in p.read_text("utf-8")]
    assert users == ["errors.py"]  # handlers.errors.reject_fields


def test_the_key_scan_finds_the_form_errors() -> None:
    keys = modal_error_keys()
    expected = {
        "tax_code.check_digit",
        "email.invalid",
        "phone.invalid",
        "storage.quantity_range",
        "igov.not_public",
        "document.type",
        "approval.reason_required",
        "request.file_required",
        "error.stale_form",
        "error.form_not_updated",
        "error.unexpected_field",
    }
    assert expected <= keys
    assert "lookup.empty" not in keys  # the slash command's own answer, in mrkdwn
    assert "storage.active" not in keys  # a refusal that replaces the form (mrkdwn section)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_modal_error_messages_are_plain_text(language: str) -> None:
    catalog = load_catalog(language)
    keys = modal_error_keys()
    assert keys <= catalog_keys(language)
    marked = []
    for key in sorted(keys):
        message = catalog.get(key).string
        texts = message if isinstance(message, tuple | list) else [message]
        marked += [(key, text) for text in texts if MARKUP.search(text)]
    assert marked == []


class FakeAck:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def test_values_in_modal_errors_are_shown_as_typed() -> None:
    ack = FakeAck()
    errors = {
        "invoice_email": InvalidInput("email.invalid", value="<b>a&b</b>@x"),
        "modules": DomainError("error.stale_form"),
    }
    reject_fields(ack, Translator("vi"), errors)
    (call,) = ack.calls
    assert call["response_action"] == "errors"
    assert "<b>a&b</b>@x" in call["errors"]["invoice_email"]
    assert "`" not in call["errors"]["invoice_email"]
    assert call["errors"]["modules"].startswith("Biểu mẫu này đã cũ")
