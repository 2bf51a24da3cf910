"""`python -m bot import` on files as they come: Excel's encodings and delimiters, stale or
hostile XLSX, random bytes. Every row is imported or reported; a file that cannot be read gets
one line, exit code 2, in bounded time and memory."""

from __future__ import annotations

import csv
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.import_rows import HEADER
from bot.importer import import_file
from storage.db import Database
from storage.models import Customer
from tests.factories import row, tax_code

NAMES = ["Công ty TNHH Nguyễn Hoàng Việt", "Hợp tác xã Đồng Tháp", "Sở Giáo dục Thừa Thiên Huế"]


def rows() -> list[dict[str, str]]:
    made = [
        row(tax_code(n + 1), name, f"HD-{n}", date(2027, 1, 1), address="Phường Bến Nghé, Quận 1")
        for n, name in enumerate(NAMES)
    ]
    made[2] |= {"segment": "public", "budget_code": "1012345"}
    return made


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float


def run_import(path: Path, home: Path, *, lang: str = "vi", timeout: float = 60) -> Run:
    """`python -m bot import` in its own process; its exit code, output, time and peak RSS."""
    env = {
        "DATABASE_URL": f"sqlite:///{home / 'bot.db'}",
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
    }
    command = [sys.executable, "-m", "bot", "import", str(path), "--lang", lang]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        # The child's own high-water mark (VmHWM, reset at exec), read until it exits:
        # ru_maxrss would also count the memory of the test process it was forked from.
        peak_kib = [0]
        watcher = threading.Thread(target=_watch_hwm, args=(process.pid, peak_kib), daemon=True)
        watcher.start()
        try:
            _, status, _usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        watcher.join()
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(
            os.waitstatus_to_exitcode(status),
            out.read(),
            err.read(),
            seconds,
            peak_kib[0] / 1024,
        )


def _watch_hwm(pid: int, peak_kib: list[int]) -> None:
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak_kib[0] = max(peak_kib[0], int(line.split()[1]))
        if "State:\tZ" in text:  # exited, not yet reaped: its memory is gone
            return
        time.sleep(0.005)


def csv_text(delimiter: str = ",") -> str:
    """The rows as Excel saves them: CRLF, fields quoted where needed."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows())
    return buffer.getvalue()


def to_cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: base letters precomposed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out.append(base + "".join(c for c in decomposed if c in tones))
    return "".join(out).encode("cp1258")


def stored_names(home: Path) -> list[str]:
    database = Database(f"sqlite:///{home / 'bot.db'}")
    try:
        with database.session() as session:
            return sorted(session.scalars(select(Customer.name)))
    finally:
        database.dispose()


# -- Excel's CSV flavours (#16) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("utf8.csv", csv_text().encode(), "mã hoá UTF-8, cột phân cách bằng dấu phẩy"),
        (
            "bom.csv",
            csv_text(";").encode("utf-8-sig"),
            "mã hoá UTF-8 (có BOM), cột phân cách bằng dấu chấm phẩy",
        ),
        # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
        (
            "unicode.txt.csv",
            csv_text("\t").encode("utf-16"),
            "mã hoá UTF-16, cột phân cách bằng dấu tab",
        ),
        ("cp1258.csv", to_cp1258(csv_text()), "mã hoá Windows-1258, cột phân cách bằng dấu phẩy"),
    ],
)
def test_excel_encodings_are_read_and_named(
    name: str, content: bytes, said: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run_import(path, tmp_path)
    assert result.code == 0, result.err
    assert said in result.out
    assert "Đã nhập 3 mới" in result.out
    names = stored_names(tmp_path)
    assert names == sorted(NAMES)
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


def test_a_row_reports_all_its_problems_at_once(db: Database, tmp_path: Path) -> None:
    bad = row("0101243151", "", "HD-X", date(2027, 1, 1), email="ketoan@", product="MISA_SME")
    bad |= {"starts_on": "31/02/2024", "budget_code": "1012345"}
    path = tmp_path / "c.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(bad[c] for c in HEADER) + "\n")
    report = import_file(db, path)
    assert report.rejected == 1
    assert [(e.line, e.key) for e in report.errors] == [
        (2, "tax_code.check_digit"),
        (2, "field.required"),
        (2, "budget_code.enterprise"),
        (2, "email.invalid"),
        (2, "product.unknown"),
        (2, "date.invalid"),
    ]


def _xlsx(path: Path, cells: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADER))
    for values in cells:
        sheet.append(values)
    workbook.save(path)
    return path


def test_tax_code_that_lost_its_leading_zero_gets_a_hint(tmp_path: Path) -> None:
    """Excel reads 0101243150 as the number 101243150; a branch code loses its zero too."""
    first = row("101243150", "MISA", "HD-Z1", date(2027, 1, 1))
    second = row("0101243150", "MISA", "HD-Z2", date(2027, 1, 1))
    cells = [[r[c] for c in HEADER] for r in (first, second)]
    cells[0][0] = 101243150  # a number cell, as Excel keeps it
    cells[1][0] = 101243150001
    path = _xlsx(tmp_path / "zeros.xlsx", cells)
    result = run_import(path, tmp_path)
    assert result.code == 1
    assert "Dòng 2: Mã số thuế 101243150 có 9 chữ số" in result.err
    assert "0101243150" in result.err and "Văn bản" in result.err
    assert "Dòng 3: Mã số thuế 101243150001 có 12 chữ số" in result.err
    assert "0101243150-001" in result.err
    csv_path = tmp_path / "zeros.csv"
    csv_path.write_text(",".join(HEADER) + "\n" + ",".join(first[c] for c in HEADER) + "\n")
    again = run_import(csv_path, tmp_path, lang="en")
    assert "Line 2: Tax code 101243150 has 9 digits" in again.err
    assert "0101243150" in again.err and "Text" in again.err


# -- XLSX whose stored dimension lies (#4) --------------------------------------------------------


def rewrite_sheet(path: Path, change: object) -> None:
    """Rewrite the first worksheet's XML inside the XLSX (as other tools write it)."""
    source = path.with_suffix(".orig.xlsx")
    path.rename(source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()  # type: ignore[operator]
            zout.writestr(item, data)
    source.unlink()


def set_dimension(ref: str) -> object:
    return lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml)


def test_xlsx_with_a_stale_dimension_imports_every_row(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "stale.xlsx", [[r[c] for c in HEADER] for r in rows()])
    rewrite_sheet(path, set_dimension("A1:M2"))
    result = run_import(path, tmp_path)
    assert result.code == 0, result.err
    assert "Đã nhập 3 mới, cập nhật 0, không đổi 0, từ chối 0 dòng (tổng 3 dòng)." in result.out
    assert stored_names(tmp_path) == sorted(NAMES)


def test_xlsx_declaring_the_whole_sheet_is_read_quickly(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "huge.xlsx", [[r[c] for c in HEADER] for r in rows()])
    last = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    rewrite_sheet(
        path,
        lambda xml: set_dimension("A1:XFD1048576")(xml).replace(  # type: ignore[operator]
            "</sheetData>", last + "</sheetData>"
        ),
    )
    result = run_import(path, tmp_path, timeout=30)
    assert result.code == 0, result.err
    assert "tổng 3 dòng" in result.out
    assert result.seconds < 15


def test_xlsx_damaged_halfway_keeps_the_rows_before(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "damaged.xlsx", [[r[c] for c in HEADER] for r in rows()[:1]])
    broken = '<row r="3"><c r="A3" t="s"><v>99</v></c></row>'  # no such shared string
    rewrite_sheet(path, lambda xml: xml.replace("</sheetData>", broken + "</sheetData>"))
    result = run_import(path, tmp_path, lang="en")
    assert result.code == 2
    assert result.err == (
        "Error: Cannot read damaged.xlsx: the sheet is damaged at line 3 (the rows before it "
        "were imported). Open it in Excel, save it again and import it again.\n"
    )
    assert stored_names(tmp_path) == [NAMES[0]]


# -- files that cannot be read (#5) ---------------------------------------------------------------


SHARED_STRINGS = (
    '<Relationship Id="rIdShared" Target="sharedStrings.xml" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
)


def big_cell_xlsx(path: Path, megabytes: int, *, shared: bool = False) -> Path:
    """A small XLSX (a few hundred KB) whose one cell unpacks to `megabytes` MB, written in
    the sheet or in the shared strings."""
    _xlsx(path, [[r[c] for c in HEADER] for r in rows()[:1]])
    source = path.with_suffix(".orig.xlsx")
    path.rename(source)
    cell = '<c r="B3" t="s"><v>0</v></c>' if shared else '<c r="B3" t="inlineStr"><is><t>'
    sst = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    before, after = (sst, "</t></si></sst>") if shared else ("", "</t></is></c>")
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            text = zin.read(item.filename).decode()
            if item.filename == "xl/_rels/workbook.xml.rels" and shared:
                text = text.replace("</Relationships>", SHARED_STRINGS[0])
            elif item.filename == "[Content_Types].xml" and shared:
                text = text.replace("</Types>", SHARED_STRINGS[1])
            elif item.filename == "xl/worksheets/sheet1.xml":
                head, tail = text.split("</sheetData>", 1)
                if shared:
                    text = f'{head}<row r="3">{cell}</row></sheetData>{tail}'
                else:
                    before = f'{head}<row r="3">{cell}'
                    after += f"</row></sheetData>{tail}"
                    continue
            zout.writestr(item, text)
        name = "xl/sharedStrings.xml" if shared else "xl/worksheets/sheet1.xml"
        with zout.open(name, "w", force_zip64=True) as member:
            member.write(before.encode())
            chunk = b"A" * (1 << 20)
            for _ in range(megabytes):
                member.write(chunk)
            member.write(after.encode())
    source.unlink()
    return path


def _random(size: int) -> bytes:
    return random.Random(size).randbytes(size)


HOSTILE: list[tuple[str, object, str]] = [
    ("random.csv", lambda p: p.write_bytes(_random(4096)), "UTF-8"),
    ("nul.csv", lambda p: p.write_bytes(csv_text().encode() + b"\x00\x01\x02" * 100), "UTF-16"),
    # Valid Vietnamese UTF-8, then one broken byte: not to be misread as Windows-1258
    ("broken.csv", lambda p: p.write_bytes(csv_text().encode() + b"0,C\xf4ng ty\n"), "5"),
    ("empty.csv", lambda p: p.write_bytes(b"\r\n\r\n"), "tax_code,company_name"),
    ("old.xls", lambda p: p.write_bytes(_random(512)), ".xlsx"),
    ("notzip.xlsx", lambda p: p.write_bytes(_random(4096)), ".xlsx"),
    ("text.xlsx", lambda p: p.write_text(csv_text()), ".xlsx"),
    (
        "field.csv",
        lambda p: p.write_text(csv_text() + "0101243150,MISA," + "x" * 200 * 1024 + "\n"),
        "100000",
    ),
    ("quote.csv", lambda p: p.write_text(csv_text() + '0,"MISA\n' + "0,MISA\n" * 500), '"'),
    ("cell.xlsx", lambda p: big_cell_xlsx(p, 200), "MB"),
    ("shared.xlsx", lambda p: big_cell_xlsx(p, 200, shared=True), "MB"),
]


@pytest.mark.parametrize(("name", "make", "says"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_unreadable_file_gets_one_line_and_exit_code_2(
    name: str, make: object, says: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    make(path)  # type: ignore[operator]
    result = run_import(path, tmp_path, timeout=60)
    assert result.code == 2, (result.out, result.err[-2000:])
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err[-2000:]
    assert lines[0].startswith("Error: ") and name in lines[0] and says in lines[0]
    assert result.seconds < 20
    assert 10 < result.peak_mb < 250, result.peak_mb  # measured, and bounded
    assert stored_names(tmp_path) == []
