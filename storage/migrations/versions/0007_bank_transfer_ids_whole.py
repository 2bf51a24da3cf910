"""bank transfers: ids kept whole (up to 255), one row per distinct notification

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As bot/payments.py computed it when this migration was written (frozen here on purpose).
FINGERPRINT_FIELDS = (
    "gateway",
    "transactionDate",
    "accountNumber",
    "content",
    "transferType",
    "transferAmount",
    "referenceCode",
)


def _fingerprint(raw: Any) -> str:
    body = json.loads(raw) if isinstance(raw, str) else raw
    body = body if isinstance(body, dict) else {}
    parts = []
    for name in FINGERPRINT_FIELDS:
        value = body.get(name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        parts.append("" if value is None else str(value))
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("bank_transactions") as batch_op:
        batch_op.add_column(
            sa.Column("fingerprint", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.drop_constraint("uq_bank_transactions_provider_id", type_="unique")
        batch_op.alter_column(
            "provider_id", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )
    # Rows already kept get the fingerprint a retry of them will carry.
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, raw FROM bank_transactions")).all()
    for row_id, raw in rows:
        connection.execute(
            sa.text("UPDATE bank_transactions SET fingerprint = :f WHERE id = :id"),
            {"f": _fingerprint(raw), "id": row_id},
        )
    with op.batch_alter_table("bank_transactions") as batch_op:
        batch_op.alter_column("fingerprint", server_default=None)
        batch_op.create_index(
            "uq_bank_transactions_notification", ["provider_id", "fingerprint"], unique=True
        )


def downgrade() -> None:
    connection = op.get_bind()
    kept = connection.execute(
        sa.text(
            "SELECT count(*) FROM bank_transactions WHERE length(provider_id) > 64 "
            "OR provider_id IN (SELECT provider_id FROM bank_transactions "
            "GROUP BY provider_id HAVING count(*) > 1)"
        )
    ).scalar_one()
    if kept:
        # Cutting ids or dropping rows would lose transfers finance has been shown.
        raise RuntimeError(
            f"cannot downgrade: {kept} bank transfer(s) have an id longer than 64 characters "
            "or share an id with another transfer"
        )
    with op.batch_alter_table("bank_transactions") as batch_op:
        batch_op.drop_index("uq_bank_transactions_notification")
        batch_op.alter_column(
            "provider_id", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
        batch_op.create_unique_constraint("uq_bank_transactions_provider_id", ["provider_id"])
        batch_op.drop_column("fingerprint")
