"""Engine and unit-of-work sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Conflict", "Database", "Session"]


class Conflict(Exception):
    """A unique constraint refused the write: someone else got there first."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# PostgreSQL settings of the bot's connections.
SESSION_OPTIONS = (
    # psycopg prepares a statement run five times; PostgreSQL may then plan it once for any
    # value. A name search's best plan depends on the words (a scan that stops early for
    # "cong ty", the index for rare words): a plan made for no words in particular took
    # 100 ms instead of 8. Plan each execution for its values.
    "plan_cache_mode=force_custom_plan",
    # The bot's statements are short: starting parallel workers costs more than they save
    # (a name search twice as slow) and takes CPUs from the requests running beside it.
    "max_parallel_workers_per_gather=0",
)


# Connections kept open: one per thread that may hold a session at once (serve's 16 request
# threads, the outbox, the scheduler's jobs). A connection beyond the pool is opened for one
# unit of work and closed after it: a PostgreSQL log-in, or SQLite's file and pragmas, per
# request once more requests than that run at once.
POOL_SIZE = 20


def create_db_engine(url: str, *, pool_size: int = POOL_SIZE) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        pooling: dict[str, int] = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            pooling = {"pool_size": pool_size, "max_overflow": pool_size}
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, **pooling
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"options": " ".join(f"-c {option}" for option in SESSION_OPTIONS)},
    )


class Database:
    """One engine per process; `session()` is a unit of work that commits or rolls back."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error; unique clashes → Conflict."""
        try:
            with self._sessions.begin() as session:
                yield session
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc

    def ping(self) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT 1")).scalar() == 1

    def dispose(self) -> None:
        self.engine.dispose()
