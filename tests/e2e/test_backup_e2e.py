"""`python -m bot backup FILE` under load and `python -m bot restore FILE`, as an operator runs
them: the copy is sound and holds every order; a running bot's database is never replaced."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.importer import import_file
from slack_emulator import FakeSlack
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Subscription
from tests.conftest import bot_env
from tests.factories import row, write_csv
from tests.reminders_dataset import storage_order
from tests.rig.bot_process import BotProcess
from tests.rig.postgres import PostgresServer

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "--lang", "en"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def order_numbers(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        return {r[0] for r in connection.execute("SELECT order_no FROM storage_orders")}
    finally:
        connection.close()


class OrderWriter(threading.Thread):
    """Places orders one transaction at a time until stopped; remembers what committed."""

    def __init__(self, db: Database, subscription_id: int, customer_id: int) -> None:
        super().__init__(daemon=True)
        self.db, self.subscription_id, self.customer_id = db, subscription_id, customer_id
        self.committed: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            order_no = f"LT{n:012d}"
            with self.db.session() as session:
                session.add(
                    storage_order(
                        order_no,
                        self.subscription_id,
                        self.customer_id,
                        status="cancelled",
                        created_at=NOW,
                        payment_deadline=date(2026, 11, 29),
                        placed_by="U_STAFF",
                    )
                )
            with self.lock:
                self.committed.append(order_no)

    def done(self) -> list[str]:
        with self.lock:
            return list(self.committed)


def test_a_backup_under_load_restores_sound_with_every_order(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    db = Database(sqlite_url(live))
    upgrade(db)
    rows = [row("0101243150", "Công ty Cổ phần MISA", "HD-BK-01", date(2026, 11, 1))]
    assert import_file(db, write_csv(tmp_path / "c.csv", rows)).rejected == 0
    with db.session() as session:
        subscription = session.scalars(select(Subscription)).one()
        ids = subscription.id, subscription.customer_id
    writer = OrderWriter(db, *ids)
    writer.start()
    try:
        while len(writer.done()) < 200:  # well under way
            threading.Event().wait(0.01)
        before = set(writer.done())
        copy = tmp_path / "backup.sqlite3"
        result = cli(sqlite_url(live), "backup", str(copy))
        after = set(writer.done())
    finally:
        writer.stop.set()
        writer.join()
        db.dispose()
    assert result.returncode == 0, result.stderr
    assert "integrity check: ok" in result.stdout
    saved = order_numbers(copy)
    # Every order committed before the backup began, nothing that never committed.
    assert before <= saved <= after
    assert len(after) > len(before)  # the writer kept writing while the copy was made

    restored = tmp_path / "restored.sqlite3"
    result = cli(sqlite_url(restored), "restore", str(copy))
    assert result.returncode == 0, result.stderr
    connection = sqlite3.connect(restored)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
    assert order_numbers(restored) == saved

    # A backup never overwrites a file.
    again = cli(sqlite_url(live), "backup", str(copy))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_restore_refuses_a_database_a_running_bot_uses(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    live = tmp_path / "live.sqlite3"
    copy = tmp_path / "backup.sqlite3"
    db = Database(sqlite_url(live))
    upgrade(db)
    db.dispose()
    assert cli(sqlite_url(live), "backup", str(copy)).returncode == 0
    bot = BotProcess(bot_env(sqlite_url(live), fake_slack, tmp_path), tmp_path / "bot.log")
    bot.start()
    try:
        refused = cli(sqlite_url(live), "restore", str(copy))
    finally:
        bot.stop()
    assert refused.returncode == 2 and "A bot is running on" in refused.stderr
    assert cli(sqlite_url(live), "restore", str(copy)).returncode == 0  # stopped: allowed

    (tmp_path / "junk.sqlite3").write_bytes(b"not a database at all" * 100)
    junk = cli(sqlite_url(live), "restore", str(tmp_path / "junk.sqlite3"))
    assert junk.returncode == 2 and "not a sound backup" in junk.stderr


@pytest.mark.postgres
def test_on_postgresql_backup_says_pg_dump(
    postgres_template: str, postgres: PostgresServer
) -> None:
    url = postgres.create_database(template=postgres_template)
    result = cli(url, "backup", "/tmp/never-written.sqlite3")
    assert result.returncode == 2 and "pg_dump" in result.stderr
    assert not Path("/tmp/never-written.sqlite3").exists()


def test_the_last_migration_is_undone_and_redone(tmp_path: Path) -> None:
    from storage.migrate import head_revision

    url = sqlite_url(tmp_path / "bot.sqlite3")
    assert cli_plain(url, "migrate").stdout.strip().endswith(str(head_revision()))
    undone = cli_plain(url, "migrate", "--undo")
    assert undone.returncode == 0, undone.stderr
    assert not undone.stdout.strip().endswith(str(head_revision()))
    assert cli_plain(url, "migrate").stdout.strip().endswith(str(head_revision()))


def cli_plain(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "bot", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
