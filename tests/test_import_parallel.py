"""A large file's rows are parsed by worker processes: the same report and the same database as
one process gives, and no worker outlives the command however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

import bot.import_files
from bench.generate import write
from bot.import_files import open_table
from bot.import_rows import CUSTOMER_FIELDS, SUBSCRIPTION_FIELDS
from bot.importer import ImportReport, import_file, workers_for
from bot.workers import available_cpus
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Customer, Subscription
from storage.repositories import imports as import_repo
from tests.conftest import BACKENDS, new_database_url
from tests.factories import row, tax_code, write_csv
from tests.test_import_files import to_cp1258


def rows(version: int) -> list[dict[str, str]]:
    """Good rows (customers of one and of two contracts, in a row and apart), bad rows, a
    contract listed twice, a customer given two versions, an address across two lines; the
    second version renames, renews and adds."""
    out = []
    for n in range(40):
        name = f"Công ty TNHH Số {n}" + (" Mới" if version == 2 and n % 5 == 0 else "")
        expires = date(2027, 1, 1 + n % 28) if version == 1 or n % 3 else date(2029, 1, 1)
        out.append(row(tax_code(n), name, f"HD-{n:03d}", expires))
        if n % 4 == 0:
            out.append(row(tax_code(n), name, f"HD-{n:03d}-B", expires, product="IGOV"))
    out.insert(7, row("0101243151", "Sai mã số thuế", "HD-X1", date(2027, 1, 1)))
    out.insert(12, row(tax_code(90), "Thiếu ngày", "HD-X2", date(2027, 1, 1)) | {"starts_on": ""})
    out.insert(20, row(tax_code(91), "Hợp đồng trùng", "HD-003", date(2027, 1, 1)))
    out.insert(25, row(tax_code(8), "Công ty TNHH Số 8 khác", "HD-X3", date(2027, 1, 1)))
    out.insert(
        30, row(tax_code(92), "Hai dòng", "HD-X4", date(2027, 1, 1), address="Tầng 3\nHà Nội")
    )
    if version == 2:
        out.append(row(tax_code(93), "Công ty mới", "HD-NEW", date(2028, 1, 1)))
    return out


def write_file(path: Path, version: int, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    write_csv(path, rows(version))
    text = path.read_text(encoding="utf-8").replace(",", delimiter)
    lines = text.split("\n")
    lines[15:15] = ["", ""]  # blank records, counted in the line numbers
    text = "\n".join(lines)
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def stored(db: Database) -> list[tuple[object, ...]]:
    with db.session() as session:
        customers = session.scalars(select(Customer).order_by(Customer.id))
        subscriptions = session.scalars(select(Subscription).order_by(Subscription.id))
        return [
            *((c.id, c.tax_code, c.name, c.name_folded, c.address) for c in customers),
            *(
                (s.id, s.customer_id, s.contract_no, s.starts_on, s.expires_on)
                for s in subscriptions
            ),
        ]


def summary(report: ImportReport) -> tuple[object, ...]:
    errors = [asdict(e) for e in report.errors]
    return report.added, report.updated, report.unchanged, report.rejected, errors


@pytest.fixture(params=BACKENDS)
def two_databases(request: pytest.FixtureRequest) -> tuple[Database, Database]:
    first, second = (Database(new_database_url(request, request.param)) for _ in range(2))
    request.addfinalizer(first.dispose)
    request.addfinalizer(second.dispose)
    return first, second


def test_workers_give_what_one_process_gives(
    two_databases: tuple[Database, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.import_files, "PART_RECORDS", 7)  # parts of 7 records: 10 parts
    alone, shared = two_databases
    for version in (1, 2, 2):
        path = write_file(tmp_path / f"v{version}.csv", version)
        assert len(open_table(path).parts) >= 8
        expected = import_file(alone, path, workers=1)
        assert summary(import_file(shared, path, workers=2)) == summary(expected)
        assert stored(shared) == stored(alone)
    assert expected.unchanged and expected.rejected == 4  # 3 bad rows, the duplicate contract


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-8-sig", ";"), ("utf-16", "\t"), ("cp1258", ",")]
)
def test_workers_read_parts_of_every_encoding(
    encoding: str, delimiter: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.import_files, "PART_RECORDS", 5)
    path = write_file(tmp_path / "v1.csv", 1, encoding, delimiter)
    reports = []
    for workers in (1, 2):
        db = Database(f"sqlite:///{tmp_path / f'{workers}.db'}")
        try:
            upgrade(db)
            reports.append(summary(import_file(db, path, workers=workers)))
        finally:
            db.dispose()
    assert reports[0] == reports[1] and reports[0][0] > 40


def test_only_a_large_file_starts_workers(large_file: Path, tmp_path: Path) -> None:
    assert workers_for(open_table(write_file(tmp_path / "small.csv", 1))) == 1
    assert workers_for(open_table(large_file)) == available_cpus()


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "customers.csv"
    write(path, 60_000)  # about 75,000 rows: parsed by workers
    return path


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
@pytest.mark.parametrize("sent", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_no_worker_outlives_the_command(sent: int, large_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "HOME": str(tmp_path)}
    command = [sys.executable, "-m", "bot", "import", str(large_file), "--lang", "en"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while len(workers := children(process.pid)) < 2 and time.monotonic() < deadline:
            assert process.poll() is None, "the import ended before its workers started"
            time.sleep(0.05)
        assert workers, "no worker processes started"
        time.sleep(1)  # the workers at work
        os.kill(process.pid, sent)
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if alive(w)]
    finally:
        process.kill()
        process.wait()


def test_parsed_rows_are_laid_out_as_the_storage_takes_them() -> None:
    assert CUSTOMER_FIELDS == import_repo.CUSTOMER_VALUES
    assert SUBSCRIPTION_FIELDS == import_repo.SUBSCRIPTION_VALUES
