"""Reading import files as they come: CSV in the encodings Excel saves, or XLSX.

A file that cannot be read raises InvalidInput with one clear reason; time and memory stay
bounded whatever the file holds (a stored sheet size that lies, a cell of hundreds of
megabytes, random bytes).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.errors import InvalidInput

# Columns read from each row (the header has 13; extra ones are ignored anyway).
MAX_COLUMNS = 64
# One physical line of a CSV file, and the lines one record (a row with quoted line breaks)
# may span: an unclosed quote would otherwise swallow the rest of the file.
MAX_LINE_CHARS = 100_000
MAX_LINES_PER_ROW = 50
# What an XLSX may unpack to: any one part (a sheet, the shared strings), and all parts.
MAX_XLSX_PART_MB = 64
MAX_XLSX_TOTAL_MB = 160
MAX_XLSX_PARTS = 1_000

DELIMITERS = (",", ";", "\t")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Excel saves "Unicode text" as .txt (tab-separated).
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


@dataclass(frozen=True)
class TableFile:
    """An import file found readable: how it is read, and its rows (header first)."""

    path: Path
    encoding: str | None = None  # CSV only: utf-8, utf-8-sig, utf-16 or cp1258
    delimiter: str | None = None  # CSV only: one of DELIMITERS
    records: int | None = None  # CSV only: records of the file, header and blank ones included
    # CSV only: where every PART_RECORDS-th record starts, so that parts of the file can be
    # read apart (by several processes).
    parts: tuple[Part, ...] = ()

    @property
    def is_xlsx(self) -> bool:
        return self.encoding is None

    def rows(self, start: Part | None = None) -> Iterator[list[Any]]:
        """Every row, header first, as lists of at most MAX_COLUMNS cells; from `start` (one
        of `parts`) on when given."""
        if self.is_xlsx:
            return _xlsx_rows(self.path)
        return _csv_rows(self.path, self.encoding or "utf-8", self.delimiter or ",", start)


# Records of a CSV between two of its `parts`.
PART_RECORDS = 5_000


@dataclass(frozen=True)
class Part:
    """Where a record of a CSV starts: records before it, lines before it, and the text
    position (TextIOWrapper.tell) of its first line."""

    record: int
    line: int
    position: int


def open_table(path: Path) -> TableFile:
    """Check that `path` can be read, and say how; InvalidInput when it cannot.

    A CSV file is read whole here (it is cheap), so one that breaks halfway imports nothing.
    An XLSX is checked as a zip of bounded size; a sheet damaged halfway stops the import
    where it breaks (parsing it twice would cost a third of the import's time).
    """
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        _check_xlsx(path)
        return TableFile(path)
    if suffix not in CSV_SUFFIXES:
        raise InvalidInput("import.unknown_format", field="file", name=path.name)
    try:
        encoding = _detect_encoding(path)
        table = TableFile(path, encoding, _sniff_delimiter(path, encoding))
        parts: list[Part] = []
        records = sum(1 for _ in _csv_rows(path, encoding, table.delimiter or ",", marks=parts))
    except UnicodeError:  # Windows-1258 leaves a few bytes undefined; UTF-16 has odd lengths
        raise InvalidInput("import.not_text", field="file", name=path.name) from None
    return dataclasses.replace(table, records=records, parts=tuple(parts))


# -- CSV ------------------------------------------------------------------------------------------


def _detect_encoding(path: Path) -> str:
    """A BOM says UTF-8 or UTF-16; otherwise valid UTF-8 is UTF-8, anything else Windows-1258
    (what Excel saves as "CSV" on Vietnamese Windows) unless it was UTF-8 that broke later."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen_non_ascii = False
    lines = 1
    with path.open("rb") as handle:
        chunk = handle.read(1 << 20)
        if chunk.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        while True:
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                before = chunk[: error.start]
                if seen_non_ascii or not before.isascii():
                    line = lines + before.count(b"\n")
                    raise InvalidInput(
                        "import.bad_utf8", field="file", name=path.name, line=line
                    ) from None
                return "cp1258"
            if not chunk:
                return "utf-8"
            seen_non_ascii = seen_non_ascii or not chunk.isascii()
            lines += chunk.count(b"\n")
            chunk = handle.read(1 << 20)


def _sniff_delimiter(path: Path, encoding: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of."""
    with path.open(encoding=encoding, newline="") as handle:
        header = handle.readline(MAX_LINE_CHARS)
    return max(DELIMITERS, key=header.count)


class _Lines:
    """A CSV file's lines for csv.reader: each checked (length, NUL) and normalised to NFC
    (Windows-1258 writes tone marks as combining characters)."""

    def __init__(self, handle: IO[str], name: str) -> None:
        self.handle = handle
        self.name = name
        self.number = 0
        self.in_row = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        self.number += 1
        self.in_row += 1
        if len(line) > MAX_LINE_CHARS:
            raise InvalidInput(
                "import.line_too_long", name=self.name, line=self.number, max=MAX_LINE_CHARS
            )
        if "\x00" in line:
            raise InvalidInput("import.not_text", field="file", name=self.name)
        if self.in_row > MAX_LINES_PER_ROW:
            raise InvalidInput(
                "import.unclosed_quote", name=self.name, line=self.number - self.in_row + 1
            )
        return (
            line if unicodedata.is_normalized("NFC", line) else unicodedata.normalize("NFC", line)
        )


def _csv_rows(
    path: Path,
    encoding: str,
    delimiter: str,
    start: Part | None = None,
    marks: list[Part] | None = None,
) -> Iterator[list[Any]]:
    """The rows from `start` on (the first when None); where every PART_RECORDS-th record
    starts is added to `marks` when given."""
    with path.open(encoding=encoding, errors="strict", newline="") as handle:
        lines = _Lines(handle, path.name)
        record = 0
        if start is not None:
            handle.seek(start.position)
            lines.number, record = start.line, start.record
        reader = csv.reader(lines, delimiter=delimiter)
        while True:
            if marks is not None and record and not record % PART_RECORDS:
                marks.append(Part(record, lines.number, handle.tell()))
            record += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:  # a field past csv's own limit (131,072 characters)
                raise InvalidInput(
                    "import.line_too_long", name=path.name, line=lines.number, max=MAX_LINE_CHARS
                ) from None
            lines.in_row = 0
            yield row[:MAX_COLUMNS]


# -- XLSX -----------------------------------------------------------------------------------------


def _check_xlsx(path: Path) -> None:
    """A zip whose parts unpack to a bounded size (checked before any XML is parsed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidInput("import.not_xlsx", field="file", name=path.name) from None
    # zipfile never unpacks a part beyond the size it declares, so these sizes hold.
    largest = max((p.file_size for p in parts), default=0)
    total = sum(p.file_size for p in parts)
    if largest > MAX_XLSX_PART_MB << 20:
        size, limit = largest, MAX_XLSX_PART_MB
    elif total > MAX_XLSX_TOTAL_MB << 20 or len(parts) > MAX_XLSX_PARTS:
        size, limit = total, MAX_XLSX_TOTAL_MB
    else:
        return
    raise InvalidInput(
        "import.xlsx_too_large", field="file", name=path.name, size=-(-size >> 20), max=limit
    )


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise InvalidInput("import.not_xlsx", field="file", name=path.name) from None
    line = 0
    try:
        sheet = workbook.active
        # Never trust the stored size: other tools leave it stale (rows beyond it would be
        # dropped) or claim the whole grid (a million rows of 16,384 empty cells each).
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, min_col=1, max_col=MAX_COLUMNS, values_only=True)
        for values in rows:
            line += 1
            yield list(values)
    except Exception:  # a damaged sheet: openpyxl and the XML parser raise many kinds
        raise InvalidInput(
            "import.xlsx_damaged", field="file", name=path.name, line=line + 1
        ) from None
    finally:
        workbook.close()
