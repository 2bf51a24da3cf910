"""customers and subscriptions, with name search indexes

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    # External-content FTS5 index over the folded name; prefix indexes make `misa*` cheap.
    """CREATE VIRTUAL TABLE customer_name_fts USING fts5(
        name_folded, content='customers', content_rowid='id',
        tokenize='unicode61', prefix='2 3 4')""",
    """CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
        INSERT INTO customer_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded);
    END""",
    """CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
        INSERT INTO customer_name_fts(customer_name_fts, rowid, name_folded)
        VALUES ('delete', old.id, old.name_folded);
    END""",
    """CREATE TRIGGER customers_fts_update AFTER UPDATE OF name_folded ON customers BEGIN
        INSERT INTO customer_name_fts(customer_name_fts, rowid, name_folded)
        VALUES ('delete', old.id, old.name_folded);
        INSERT INTO customer_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded);
    END""",
]


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tax_code", sa.String(14), nullable=False),
        sa.Column("tax_code_root", sa.String(12), nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("name_folded", sa.String(400), nullable=False),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("segment", sa.String(16), nullable=False),
        sa.Column("budget_code", sa.String(7), nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(32), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("tax_code", name=op.f("uq_customers_tax_code")),
    )
    op.create_index(op.f("ix_customers_tax_code_root"), "customers", ["tax_code_root"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(16), nullable=False),
        sa.Column("contract_no", sa.String(64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("storage_until", sa.Date(), nullable=True),
        sa.Column("data_deleted_on", sa.Date(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_subscriptions_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("contract_no", name=op.f("uq_subscriptions_contract_no")),
    )
    op.create_index(op.f("ix_subscriptions_customer_id"), "subscriptions", ["customer_id"])
    op.create_index(op.f("ix_subscriptions_expires_on"), "subscriptions", ["expires_on"])
    op.create_index(
        "ix_subscriptions_product_expires_on", "subscriptions", ["product", "expires_on"]
    )

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # Leading space so `% word%` matches word starts, like the SQLite prefix search.
        op.execute(
            "CREATE INDEX ix_customers_name_trgm ON customers "
            "USING gin ((' ' || name_folded) gin_trgm_ops)"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("customers_fts_insert", "customers_fts_delete", "customers_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS customer_name_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_name_trgm")
    op.drop_table("subscriptions")
    op.drop_table("customers")
