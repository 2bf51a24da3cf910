"""Migrations: models and migrations agree, and every migration reverses cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import Database
from storage.migrate import alembic_config, current_revision, downgrade, include_object, upgrade
from storage.models import Base
from tests.rig.postgres import PostgresServer


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


@pytest.mark.postgres
def test_instances_starting_together_migrate_in_turn(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """Two `python -m bot migrate` at once on an empty PostgreSQL database: both succeed."""
    env = {**os.environ, "DATABASE_URL": postgres.create_database(), "HOME": str(tmp_path)}
    command = [sys.executable, "-m", "bot", "migrate"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)]
    runs.append(
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    )
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    database = Database(env["DATABASE_URL"])
    try:
        assert (
            current_revision(database)
            == ScriptDirectory.from_config(alembic_config(database)).get_current_head()
        )
    finally:
        database.dispose()
