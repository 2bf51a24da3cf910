"""Apply Alembic migrations programmatically (on start and by `python -m bot migrate`)."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Search structures made by raw SQL in migrations (dialect-specific, not in the models), and
# APScheduler's own job store table.
RAW_SQL_OBJECTS = (
    "customer_name_fts",
    "customer_name_vocabulary",
    "ix_customers_name_pairs",
    "ix_customers_name_trgm",
    "ix_customers_name_words",
    "name_words",
    "scheduler_jobs",
)


def include_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
    """Autogenerate compares models with the schema, minus the raw-SQL search structures."""
    return not (name is not None and name.startswith(RAW_SQL_OBJECTS))


def alembic_config(database: Database, local_timezone: str | None = None) -> Config:
    """`local_timezone`: the bot's zone, for data migrations of times once stored locally."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = database.engine
    config.attributes["local_timezone"] = local_timezone
    return config


def upgrade(
    database: Database, revision: str = "head", *, local_timezone: str | None = None
) -> None:
    command.upgrade(alembic_config(database, local_timezone), revision)


def downgrade(database: Database, revision: str, *, local_timezone: str | None = None) -> None:
    command.downgrade(alembic_config(database, local_timezone), revision)


@functools.cache
def head_revision() -> str | None:
    """The revision the code's migrations lead to."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
