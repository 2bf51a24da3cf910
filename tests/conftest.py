"""Shared fixtures: databases on SQLite and PostgreSQL, the fake Slack, the bot process."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from storage.db import Database
from storage.migrate import upgrade
from tests.rig.postgres import PostgresServer

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


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'bot.sqlite3'}"
        database = Database(url)
        upgrade(database)
        database.dispose()
        return url
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(template=request.getfixturevalue("postgres_template"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()
