"""at most one unpaid storage order per subscription

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    open_only = sa.text("status = 'awaiting_payment'")
    op.create_index(
        "uq_storage_orders_one_open",
        "storage_orders",
        ["subscription_id"],
        unique=True,
        sqlite_where=open_only,
        postgresql_where=open_only,
    )


def downgrade() -> None:
    op.drop_index("uq_storage_orders_one_open", table_name="storage_orders")
