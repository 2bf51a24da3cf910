"""SQLite: the import fills the name index once per batch, not from a trigger row by row

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01

The insert trigger that adds each new customer to the FTS5 name index costs about five times
what one statement adding a whole batch costs. While a row is in `customer_name_fts_deferred`
(only ever inside the import's own transaction, so no other connection sees it) the trigger
stands aside and the import adds the batch's names itself. PostgreSQL's index is a generated
column: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERT_TRIGGER = """CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers{when} BEGIN
        INSERT INTO customer_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded);
    END"""
DEFERRED = "\n    WHEN NOT EXISTS (SELECT 1 FROM customer_name_fts_deferred)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE customer_name_fts_deferred (id INTEGER PRIMARY KEY)")
    op.execute("DROP TRIGGER customers_fts_insert")
    op.execute(INSERT_TRIGGER.format(when=DEFERRED))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER customers_fts_insert")
    op.execute(INSERT_TRIGGER.format(when=""))
    op.execute("DROP TABLE customer_name_fts_deferred")
