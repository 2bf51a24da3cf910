"""Text helpers for Vietnamese: folding diacritics so `cong ty misa` matches `Công ty MISA`."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
# Control and invisible direction characters, and lone surrogates (JSON can carry them as
# escapes, but no database or UTF-8 text can keep them).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029]")


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces (diacritics and punctuation removed)."""
    # Word by word, each word folded once: names share their words (imports fold a million).
    folded = []
    for word in text.split():
        found = _FOLDED_WORDS.get(word)
        if found is None:
            found = fold_words(word)
            if len(_FOLDED_WORDS) >= _MAX_FOLDED_WORDS:
                _FOLDED_WORDS.clear()
            _FOLDED_WORDS[word] = found
        if found:
            folded.append(found)
    return " ".join(folded)


_FOLDED_WORDS: dict[str, str] = {}
_MAX_FOLDED_WORDS = 200_000


def fold_words(text: str) -> str:
    """`fold` computed on the whole text at once (what `fold` gives word by word)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.lower()).strip()


def clean_line(text: str, max_length: int) -> str:
    """One line of user text: control characters removed, spaces collapsed, length capped."""
    if (
        text.isprintable()
        and "  " not in text
        and text.strip() == text
        and unicodedata.is_normalized("NFC", text)
    ):
        return text[:max_length]  # already clean: the common case, kept cheap for imports
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    return " ".join(text.split())[:max_length]


def clean_text(text: str, max_length: int) -> str:
    """Several lines of user text (a reason, a description): line breaks kept, other control
    characters removed, trailing spaces of each line dropped, length capped."""
    lines = _LINE_BREAKS.sub("\n", text).replace("\t", " ").split("\n")
    kept = "\n".join(_CONTROL.sub("", line).rstrip() for line in lines)
    return unicodedata.normalize("NFC", kept).strip()[:max_length]
