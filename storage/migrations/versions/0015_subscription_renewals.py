"""subscription renewals (an import moving an expiry later), for the reports

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscription_renewals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "subscription_id",
            sa.Integer(),
            sa.ForeignKey("subscriptions.id"),
            nullable=False,
        ),
        sa.Column("previous_expires_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_subscription_renewals_subscription_id", "subscription_renewals", ["subscription_id"]
    )
    op.create_index(
        "ix_subscription_renewals_previous_expires_on",
        "subscription_renewals",
        ["previous_expires_on"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_subscription_renewals_previous_expires_on", table_name="subscription_renewals"
    )
    op.drop_index("ix_subscription_renewals_subscription_id", table_name="subscription_renewals")
    op.drop_table("subscription_renewals")
