"""PostgreSQL name search by words: a full-text index over the folded name

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite searches its FTS5 index
    # Names are searched by whole words (the last one as a prefix): per-word posting lists
    # serve that far better than trigrams, whose common triples match most names.
    op.execute("DROP INDEX IF EXISTS ix_customers_name_trgm")
    # Stored, so re-checking and ranking matches never re-parses names.
    op.execute(
        "ALTER TABLE customers ADD COLUMN name_words tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, name_folded)) STORED"
    )
    op.execute("CREATE INDEX ix_customers_name_words ON customers USING gin (name_words)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_customers_name_words")
    op.execute("ALTER TABLE customers DROP COLUMN IF EXISTS name_words")
    op.execute(
        "CREATE INDEX ix_customers_name_trgm ON customers "
        "USING gin ((' ' || name_folded) gin_trgm_ops)"
    )
