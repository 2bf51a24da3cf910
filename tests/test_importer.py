"""`python -m bot import`: validation per row, idempotent upserts, CSV and XLSX, both databases."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from bot.customers import customer_card, lookup_customers
from bot.import_rows import HEADER
from bot.importer import import_file
from bot.subscriptions import LifecycleState, Product
from storage.db import Database
from storage.models import Customer, Subscription
from tests.factories import row, tax_code, write_csv

MISA = "0101243150"


def good_rows() -> list[dict[str, str]]:
    return [
        row(MISA, "Công ty Cổ phần MISA", "HD-001", date(2026, 11, 10), owner="U0MISA01"),
        row(
            MISA,
            "Công ty Cổ phần MISA",
            "HD-002",
            date(2027, 3, 1),
            product="IGOV",
            owner="U0MISA01",
        ),
        row(
            tax_code(1),
            "Sở Tài chính Hà Nội",
            "HD-003",
            date(2026, 12, 1),
            segment="public",
            budget_code="1012345",
            product="IGOV",
        ),
        row(f"{MISA}-001", "Chi nhánh MISA Đà Nẵng", "HD-004", date(2026, 5, 1))
        | {
            "starts_on": "01/01/2025",
            "expires_on": "30/04/2027",
        },
    ]


BAD_ROWS = [
    (row("0101243151", "Sai MST", "B-1", date(2027, 1, 1)), "tax_code.check_digit"),
    (
        row(
            tax_code(2),
            "Sai ngân sách",
            "B-2",
            date(2027, 1, 1),
            segment="public",
            budget_code="4123456",
        ),
        "budget_code.first_digit",
    ),
    (
        row(tax_code(3), "HCSN thiếu mã", "B-3", date(2027, 1, 1), segment="public"),
        "budget_code.required",
    ),
    (
        row(tax_code(4), "Sai ngày", "B-4", date(2027, 1, 1)) | {"expires_on": "31/02/2027"},
        "date.invalid",
    ),
    (
        row(tax_code(5), "Sai phân khúc", "B-5", date(2027, 1, 1), segment="government"),
        "segment.unknown",
    ),
    (
        row(tax_code(6), "Sai sản phẩm", "B-6", date(2027, 1, 1), product="MISA_SME"),
        "product.unknown",
    ),
    (row(tax_code(7), "Sai email", "B-7", date(2027, 1, 1), email="ketoan@"), "email.invalid"),
    (row(tax_code(8), "", "B-8", date(2027, 1, 1)), "field.required"),
    (row(tax_code(9), "Trùng HĐ", "HD-001", date(2027, 1, 1)), "import.duplicate_contract"),
    (
        row(tax_code(10), "DN có mã NS", "B-10", date(2027, 1, 1), budget_code="1012345"),
        "budget_code.enterprise",
    ),
    (row(tax_code(11), "Ngày ngược", "B-11", date(2023, 1, 1)), "date.order"),
]


def test_good_rows_imported_bad_rows_named(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "customers.csv", [*good_rows(), *(r for r, _ in BAD_ROWS)])
    report = import_file(db, path)
    assert (report.added, report.updated, report.unchanged) == (4, 0, 0)
    assert report.rejected == len(BAD_ROWS)
    assert [(e.line, e.key) for e in report.errors] == [
        (line, key) for line, (_, key) in enumerate(BAD_ROWS, start=len(good_rows()) + 2)
    ]
    with db.session() as session:
        misa = session.scalar(select(Customer).where(Customer.tax_code == MISA))
        assert misa is not None
        assert (misa.name_folded, misa.owner) == ("cong ty co phan misa", "U0MISA01")
        branch = session.scalar(select(Subscription).where(Subscription.contract_no == "HD-004"))
        assert branch is not None
        assert (branch.starts_on, branch.expires_on) == (date(2025, 1, 1), date(2027, 4, 30))


def test_reimport_changes_nothing_then_updates(db: Database, tmp_path: Path) -> None:
    rows = good_rows()
    path = write_csv(tmp_path / "customers.csv", rows)
    import_file(db, path)
    with db.session() as session:
        stamps = session.execute(select(Customer.id, Customer.updated_at)).all()
    again = import_file(db, path)
    assert (again.added, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 0)
    with db.session() as session:
        assert session.execute(select(Customer.id, Customer.updated_at)).all() == stamps

    rows[2]["expires_on"] = "2027-12-01"
    rows[3]["company_name"] = "Chi nhánh Công ty MISA tại Đà Nẵng"
    changed = import_file(db, write_csv(tmp_path / "changed.csv", rows))
    assert (changed.added, changed.updated, changed.unchanged) == (0, 2, 2)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 3
        sub = session.scalar(select(Subscription).where(Subscription.contract_no == "HD-003"))
        assert sub is not None and sub.expires_on == date(2027, 12, 1)


def test_rows_of_one_customer_must_agree(db: Database, tmp_path: Path) -> None:
    rows = good_rows()
    rows[1]["address"] = "Địa chỉ khác"
    report = import_file(db, write_csv(tmp_path / "c.csv", rows))
    assert [(e.line, e.key) for e in report.errors] == [(3, "import.customer_conflict")]


def test_xlsx_with_date_cells(db: Database, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADER))
    for values in good_rows():
        cells = [values[c] for c in HEADER]
        cells[HEADER.index("expires_on")] = date(2027, 6, 30)
        sheet.append(cells)
    path = tmp_path / "customers.xlsx"
    workbook.save(path)
    report = import_file(db, path)
    assert (report.added, report.rejected) == (4, 0)
    with db.session() as session:
        expiries = set(session.scalars(select(Subscription.expires_on)))
    assert expiries == {date(2027, 6, 30)}


def test_wrong_header_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("mst,ten\n0101243150,MISA\n", encoding="utf-8")
    from bot.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        import_file(db, path)
    assert caught.value.key == "import.bad_header"


def test_cli_reports_lines_and_summary(database_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "customers.csv", [*good_rows(), BAD_ROWS[0][0]])
    result = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(path)],
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "Dòng 6: Mã số thuế “0101243151” không hợp lệ" in result.stderr
    assert "Đã nhập 4 mới, cập nhật 0, không đổi 0, từ chối 1 dòng (tổng 5 dòng)." in result.stdout


def test_import_refreshes_planner_statistics(db: Database, tmp_path: Path) -> None:
    """PostgreSQL plans (and name search sizes its sample) from the table's statistics."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite's searches need no statistics")
    import_file(db, write_csv(tmp_path / "customers.csv", good_rows()))
    with db.session() as session:
        customers = session.scalar(select(func.count()).select_from(Customer))
        estimated = session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'customers'::regclass")
        )
    assert estimated == customers


SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "customers.csv"
# The sample's expiry dates are fixed: these are its states in December 2026 (README).
SAMPLE_DAYS = (date(2026, 12, 1), date(2026, 12, 10))


@pytest.mark.parametrize("today", SAMPLE_DAYS)
def test_sample_file_shows_every_state(db: Database, today: date) -> None:
    report = import_file(db, SAMPLE)
    assert (report.added, report.rejected) == (7, 0), report.errors
    with db.session() as session:
        found = session.scalars(select(Customer).options(selectinload(Customer.subscriptions)))
        cards = {c.name: customer_card(c, today) for c in found}
    states = {c.name: [s.lifecycle.state for s in c.subscriptions] for c in cards.values()}
    assert states == {
        "Công ty Cổ phần MISA": [LifecycleState.ACTIVE],
        "Chi nhánh Công ty Cổ phần MISA tại Đà Nẵng": [LifecycleState.ACTIVE],
        "Công ty TNHH Thương mại Hoàng Long": [LifecycleState.EXPIRED],
        "Công ty Cổ phần Xây dựng Minh Phát": [LifecycleState.EXPIRED],
        "Công ty TNHH Dịch vụ Ánh Dương": [LifecycleState.DATA_DELETED],
        "Sở Tài chính tỉnh Bắc Ninh": [LifecycleState.ACTIVE],
        "Hộ kinh doanh Nguyễn Văn An": [LifecycleState.ACTIVE],
    }
    demo = cards["Công ty TNHH Thương mại Hoàng Long"].subscriptions[0]
    assert demo.can_order_storage and demo.lifecycle.days_until_deletion >= 15
    soon = cards["Chi nhánh Công ty Cổ phần MISA tại Đà Nẵng"].subscriptions[0]
    assert soon.lifecycle.days_until_expiry <= 30  # in the expiry reminders
    public = cards["Sở Tài chính tỉnh Bắc Ninh"]
    assert public.is_public and public.budget_code == "1012345"
    assert [s.product for s in public.subscriptions] == [Product.IGOV]


def test_name_index_holds_every_customer_imported_or_added(db: Database, tmp_path: Path) -> None:
    """The import indexes each batch's names itself (SQLite); any other insert still does."""
    import_file(db, write_csv(tmp_path / "customers.csv", good_rows()), batch_size=2)
    with db.session() as session:
        session.add(
            Customer(
                tax_code=tax_code(20),
                tax_code_root=tax_code(20),
                name="Công ty Hoa Sen",
                name_folded="cong ty hoa sen",
                segment="enterprise",
            )
        )
    today = date(2026, 12, 1)
    for query, expected in [("misa", 2), ("so tai chinh", 1), ("hoa sen", 1)]:
        assert len(lookup_customers(db, query, today).customers) == expected, query
    if db.dialect == "sqlite":
        with db.session() as session:
            session.execute(
                text(
                    "INSERT INTO customer_name_fts (customer_name_fts, rank) "
                    "VALUES ('integrity-check', 1)"
                )
            )
            assert session.scalar(text("SELECT count(*) FROM customer_name_fts_deferred")) == 0


def _import_command(path: Path, database_url: str, home: Path) -> tuple[list[str], dict]:
    command = [sys.executable, "-m", "bot", "import", str(path), "--lang", "en"]
    return command, {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "HOME": str(home)}


def test_cli_progress_on_a_terminal_is_a_bar(database_url: str, tmp_path: Path) -> None:
    """Rows done, rows/s and the time left, redrawn in place (tqdm)."""
    command, env = _import_command(
        write_csv(tmp_path / "customers.csv", good_rows()), database_url, tmp_path
    )
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the command
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0
    assert re.search(r"100%\|.*\| 4/4 \[\d\d:\d\d<\d\d:\d\d, +[\d.]+ rows/s\]", shown.decode())
    assert process.stdout is not None and "Imported 4 new" in process.stdout.read().decode()


def test_cli_progress_into_a_pipe_is_plain_lines(database_url: str, tmp_path: Path) -> None:
    command, env = _import_command(
        write_csv(tmp_path / "customers.csv", good_rows()), database_url, tmp_path
    )
    result = subprocess.run(
        [*command, "--progress-every", "0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"Imported 4 of 4 rows, \d+ rows/s, about 0 s left\.\n", result.stderr), (
        result.stderr
    )


def test_file_checks_remember_every_key_past_growing() -> None:
    """The compact table of keys seen keeps each first line while it grows (300,000 keys)."""
    from bot.importer import _Seen

    seen = _Seen(fingerprints=True)
    for line in range(2, 300_002):
        assert seen.first(f"HD{line:08d}", line, line * 7) == (line, line * 7)
    for line in (2, 65_537, 131_075, 300_001):
        assert seen.first(f"HD{line:08d}", 999_999) == (line, line * 7)
    assert seen.count == 300_000 and seen.mask + 1 == 1 << 19


def test_file_checks_sized_for_the_file_never_grow() -> None:
    """Told a CSV's size, the table of keys is as large as it will get from the start (growing
    holds the old and the new arrays at once: the import's peak memory)."""
    from bot.importer import _Seen

    seen = _Seen(expected=300_000)
    assert seen.mask + 1 == 1 << 19
    for line in range(300_000):
        seen.first(f"HD{line:08d}", line)
    assert seen.mask + 1 == 1 << 19 and seen.count == 300_000
