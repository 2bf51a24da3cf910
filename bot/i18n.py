"""Message catalogs (gettext .po, one per language) and money/date formatting via Babel."""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")
# Parsed once: Babel parses a locale name given as text on every call, checking its data file
# on disk each time (a lookup result formats dozens of dates).
VI_VN = Locale.parse("vi_VN")


def language_for(slack_locale: str | None) -> str:
    """Vietnamese unless the person's Slack locale is English."""
    if slack_locale and slack_locale.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def language_for_header(accept_language: str | None) -> str:
    """The language an HTTP client prefers among ours (`Accept-Language`, q-values
    respected: `fr, en;q=0.8` is English, `en;q=0` is not); Vietnamese otherwise."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = tag.lower().partition("-")[0]
        if quality > 0 and language in LANGUAGES:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def load_catalog(language: str) -> Catalog:
    """All `.po` files of a language (one per flow) merged; a key defined twice is an error."""
    merged = Catalog(locale=language)
    for path in sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as po_file:
            for message in read_po(po_file, locale=language):
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key in merged:
                    raise ValueError(f"{language}: {key} is defined twice ({path.name})")
                merged[message.id] = message
    return merged


@cache
def _translations(language: str) -> gettext.GNUTranslations:
    catalog = load_catalog(language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    if language != DEFAULT_LANGUAGE:
        translations.add_fallback(_translations(DEFAULT_LANGUAGE))
    return translations


def catalog_keys(language: str) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in load_catalog(language) if m.id}


def format_money(amount: int) -> str:
    """`1.234.567 đ` whatever the language: VND amounts are written the Vietnamese way."""
    return f"{format_decimal(amount, locale=VI_VN)} đ"


def format_day(value: date) -> str:
    """dd/mm/yyyy (what Babel's "dd/MM/yyyy" writes, without its pattern machinery: a lookup
    result writes dozens of dates)."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


class Translator:
    """Looks messages up in one language; dates in params are written dd/mm/yyyy."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._gettext = _translations(self.language)

    def __call__(self, key: str, /, **params: Any) -> str:
        return self._format(self._gettext.gettext(key), params)

    def plural(self, key: str, count: int, /, **params: Any) -> str:
        """A message with `count`; languages without plural forms keep a single entry."""
        template = self._gettext.ngettext(key, key, count)
        if template == key:
            template = self._gettext.gettext(key)
        return self._format(template, {"count": count, **params})

    def money(self, amount: int) -> str:
        return format_money(amount)

    def day(self, value: date) -> str:
        return format_day(value)

    def moment(self, value: datetime, tz: Any) -> str:
        return format_datetime(value, "HH:mm dd/MM/yyyy", tzinfo=tz, locale=VI_VN)

    def _format(self, template: str, params: dict[str, Any]) -> str:
        if "{" not in template and "}" not in template:
            return template  # nothing to fill in (str.format would return it unchanged)
        values = {
            name: format_day(v) if isinstance(v, date) and not isinstance(v, datetime) else v
            for name, v in params.items()
        }
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template
