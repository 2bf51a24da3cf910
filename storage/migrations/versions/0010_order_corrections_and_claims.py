"""storage orders cancelled by a person (who, when, why); who took a deletion warning

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("storage_orders") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("cancelled_by", sa.String(32)))
        batch.add_column(sa.Column("cancel_reason", sa.String(500)))
    op.create_table(
        "deletion_claims",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "subscription_id", sa.Integer(), sa.ForeignKey("subscriptions.id"), nullable=False
        ),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("claimed_by", sa.String(32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "uq_deletion_claims_account",
        "deletion_claims",
        ["subscription_id", "expires_on"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_deletion_claims_account", table_name="deletion_claims")
    op.drop_table("deletion_claims")
    with op.batch_alter_table("storage_orders") as batch:
        batch.drop_column("cancel_reason")
        batch.drop_column("cancelled_by")
        batch.drop_column("cancelled_at")
