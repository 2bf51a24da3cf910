"""Migrations: models and migrations agree, and every migration reverses cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import Database
from storage.migrate import current_revision, downgrade, include_object, upgrade
from storage.models import Base


def test_models_match_the_migrated_schema(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back(db: Database) -> None:
    head = current_revision(db)
    downgrade(db, "base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(db)
    assert current_revision(db) == head
    assert {"customers", "storage_orders", "outbox"} <= set(inspect(db.engine).get_table_names())
