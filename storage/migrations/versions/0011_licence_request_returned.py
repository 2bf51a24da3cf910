"""licence requests: returned for changes (by whom, when, why)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("licence_requests") as batch:
        batch.add_column(sa.Column("returned_by", sa.String(length=32)))
        batch.add_column(sa.Column("returned_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("return_reason", sa.String(length=2000)))


def downgrade() -> None:
    with op.batch_alter_table("licence_requests") as batch:
        batch.drop_column("return_reason")
        batch.drop_column("returned_at")
        batch.drop_column("returned_by")
