"""Message catalogs: both languages complete, placeholders consistent, formats right."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.i18n import (
    LOCALES_DIR,
    Translator,
    catalog_keys,
    format_money,
    language_for,
    language_for_header,
    load_catalog,
)

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _placeholders(language: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for message in load_catalog(language):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: {key} is not translated"
        found[key] = set().union(*(PLACEHOLDER.findall(s) for s in strings))
    return found


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert catalog_keys("vi") == catalog_keys("en")
    vi, en = _placeholders("vi"), _placeholders("en")
    # `count` is implicit in plural messages, so one language may omit it.
    mismatched = {k for k in vi if vi[k] | {"count"} != en[k] | {"count"}}
    assert not mismatched, mismatched


KEY_USE = re.compile(
    r"""(?:\bt|\.plural|\bt\.plural|InvalidInput|NotEligible|NotFound|NotAuthorized|AlreadyDecided"""
    r"""|RetryLater|DomainError)\(\s*["']((?:[a-z_0-9]+\.)+[a-z_0-9]+)["']"""
)


def test_every_key_used_in_code_exists() -> None:
    keys = catalog_keys("vi")
    sources = [*Path("bot").rglob("*.py"), *Path("handlers").rglob("*.py")]
    sources += [*Path("bot").rglob("*.html"), *Path("bot").rglob("*.txt")]
    sources += [*Path("handlers").rglob("*.html")]
    used = {key for path in sources for key in KEY_USE.findall(path.read_text())}
    assert len(used) > 50
    assert not used - keys, used - keys


def test_each_language_has_the_same_files() -> None:
    names = {
        lang: sorted(p.name for p in (LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po"))
        for lang in ("vi", "en")
    }
    assert names["vi"] == names["en"] and "core.po" in names["vi"]


def test_money_and_dates() -> None:
    assert format_money(1234567) == "1.234.567 đ"
    assert format_money(0) == "0 đ"
    archived = Translator("en")(
        "state.archived", storage_until=date(2027, 1, 2), expires_on=date(2026, 1, 2)
    )
    assert archived == "*Read-only storage* until the end of 02/01/2027 (expiry date 02/01/2026)"


def test_language_follows_slack_locale() -> None:
    assert language_for("en-US") == "en"
    assert language_for("vi-VN") == "vi"
    assert language_for("ja-JP") == "vi"
    assert language_for(None) == "vi"


def test_days_are_written_as_babel_writes_them() -> None:
    """format_day writes dd/mm/yyyy itself (a lookup writes dozens of dates): Babel's own
    "dd/MM/yyyy" in Vietnamese gives the same text, early years padded too."""
    from babel.dates import format_date

    from bot.i18n import VI_VN, format_day

    for day in (date(2026, 1, 5), date(2026, 12, 31), date(999, 3, 7), date(1, 1, 1)):
        assert format_day(day) == format_date(day, "dd/MM/yyyy", locale=VI_VN)


def test_a_message_without_placeholders_is_returned_as_it_is() -> None:
    t = Translator("en")
    template = t("lookup.contract")
    assert "{" not in template and t("lookup.contract", unused=1) == template


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "vi"),
        ("", "vi"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("vi;q=0.1, en;q=0.9", "en"),
        ("en;q=0", "vi"),  # q=0 means "not this one"
        ("fr, en", "en"),  # the first we speak
        ("fr, de;q=0.5", "vi"),
        ("en;q=abc, vi", "vi"),
        ("vi-VN, en;q=0.8", "vi"),
    ],
)
def test_an_http_client_gets_the_language_it_prefers(header: str | None, language: str) -> None:
    assert language_for_header(header) == language
