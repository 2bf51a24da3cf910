"""Shared fixtures: databases on SQLite and PostgreSQL, the fake Slack, the bot process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import Clock
from slack_emulator import FakeSlack
from storage.db import Database
from storage.migrate import upgrade
from tests.rig.bot_process import BOT_TOKEN, SIGNING_SECRET
from tests.rig.postgres import PostgresServer
from tests.rig.smtp import SmtpSink

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
    except Exception as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unavailable here ({exc}); CI runs these tests")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> str:
    """A migrated database that each test clones (much faster than migrating each time)."""
    url = postgres.create_database()
    database = Database(url)
    upgrade(database)
    database.dispose()
    return url.rsplit("/", 1)[1]


def new_database_url(request: pytest.FixtureRequest, backend: str) -> str:
    """A fresh, migrated database on `backend` ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        tmp = request.getfixturevalue("tmp_path_factory").mktemp("db")
        url = f"sqlite:///{tmp / 'bot.sqlite3'}"
        database = Database(url)
        upgrade(database)
        database.dispose()
        return url
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(template=request.getfixturevalue("postgres_template"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    return new_database_url(request, request.param)


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(request: pytest.FixtureRequest) -> str:
    """Like database_url, shared by the tests of one module (for a long-running bot)."""
    return new_database_url(request, request.param)


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=BOT_TOKEN) as fake:
        yield fake


def bot_env(database_url: str, fake: FakeSlack, home: Path, **extra: str) -> dict[str, str]:
    """The environment a deployment would set, pointed at the fake Slack and test database."""
    return {
        "DATABASE_URL": database_url,
        "SLACK_API_URL": fake.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "HOME": str(home),
        "LOG_LEVEL": "INFO",
        **extra,
    }


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


class FixedClock(Clock):
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        super().__init__(ZoneInfo("Asia/Ho_Chi_Minh"))
        self.current = now

    def now(self) -> datetime:
        return self.current


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 22, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback for the module's bot, keeping what it receives."""
    with SmtpSink() as sink:
        yield sink
