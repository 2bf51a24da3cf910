"""SQLite files: a consistent copy while the bot runs (the online backup API), a restore that
never overwrites a database a running bot holds, and the lock that running bots hold."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url


class InUse(Exception):
    """A running bot (serve or scheduler) uses this database."""


class NotABackup(Exception):
    """The file is not a sound SQLite database of the bot."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for another database (or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def _lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _open_lock(database: Path) -> IO[bytes]:
    database.parent.mkdir(parents=True, exist_ok=True)
    return _lock_path(database).open("a+b")


@contextmanager
def held_while_running(database: Path) -> Iterator[None]:
    """Held (shared: several bots may run on one file) while a bot uses `database`."""
    lock = _open_lock(database)
    try:
        fcntl.flock(lock, fcntl.LOCK_SH)
        yield
    finally:
        lock.close()


@contextmanager
def exclusive(database: Path) -> Iterator[None]:
    """Held alone, or InUse at once: no bot runs on `database`, and none starts meanwhile."""
    lock = _open_lock(database)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InUse(str(database)) from None
        yield
    finally:
        lock.close()


def integrity(path: Path) -> str:
    """`PRAGMA integrity_check`'s answer ("ok" when sound)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def backup(database: Path, target: Path) -> None:
    """Copy `database` to `target` (a new file) consistently, while others read and write it."""
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # all pages in one step: one snapshot of the database
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)


def restore(backup_file: Path, database: Path) -> None:
    """Replace `database` with `backup_file`; InUse when a running bot holds it."""
    try:
        sound = integrity(backup_file)
    except sqlite3.DatabaseError as exc:
        raise NotABackup(str(exc)) from None
    if sound != "ok":
        raise NotABackup(sound)
    with _reader(backup_file) as source:
        tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master")}
    if "alembic_version" not in tables:
        raise NotABackup("no alembic_version table: not a database of this bot")
    with exclusive(database), _reader(backup_file) as source:
        target = sqlite3.connect(database, timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()


@contextmanager
def _reader(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield connection
    finally:
        connection.close()
