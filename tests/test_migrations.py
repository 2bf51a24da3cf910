"""Migrations: models and migrations agree, and every migration reverses cleanly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.payments import fingerprint
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


def _add_transfer(db: Database, provider_id: str, body: dict[str, object], **more: str) -> None:
    columns = "".join(f", {name}" for name in more)
    values = "".join(f", :{name}" for name in more)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO bank_transactions (provider_id, gateway, transaction_date, "
                f"account_number, content, transfer_type, amount, reference_code, outcome, raw, "
                f"received_at{columns}) VALUES (:id, 'BIDV', '', '', '', 'in', 5, '', "
                f"'unmatched', :raw, CURRENT_TIMESTAMP{values})"
            ),
            {"id": provider_id, "raw": json.dumps(body), **more},
        )


def test_transfers_kept_before_ids_were_whole_are_recognised_on_retry(db: Database) -> None:
    """0007 fingerprints the rows already kept, as a retry of them will be fingerprinted."""
    downgrade(db, "0006")
    body = {"id": 42, "transferType": "in", "transferAmount": 5e3, "content": "LT thanh toan"}
    _add_transfer(db, "42", body)
    upgrade(db)
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT fingerprint FROM bank_transactions")).scalar()
    assert stored == fingerprint(body)


def test_downgrade_refuses_to_cut_ids_it_would_confuse(db: Database) -> None:
    _add_transfer(db, "x" * 65, {"id": "x" * 65}, fingerprint="f")
    with pytest.raises(RuntimeError, match="longer than 64 characters"):
        downgrade(db, "0006")
