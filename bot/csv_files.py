"""Every CSV file the bot writes goes through `csv_bytes`: spreadsheet-safe and readable."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# OWASP (CSV injection): a cell starting with one of these is run as a formula by spreadsheet
# programs (`=HYPERLINK(…)`, DDE `+cmd|…`), so text cells starting so get a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, prefixed with `'`.

    Numbers, dates and other values that are not text are written as they are: a negative
    amount is a number by construction, not text someone typed.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """The rows as CSV in UTF-8 with a BOM (so spreadsheet programs read Vietnamese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
