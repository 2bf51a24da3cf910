"""SQLite: timestamps the bot wrote in local time are rewritten in UTC

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

SQLite keeps no offset. Until timestamps had one column type (UtcDateTime), what the bot
stored from its local clock (payments, bank transfers, storage-order audit events, the outbox
worker's times) kept the local wall-clock time and was read back as UTC: 7 hours late in
Asia/Ho_Chi_Minh. The database's own defaults (created_at, updated_at) and the iGOV flow
already stored UTC and are left alone. PostgreSQL kept every offset: nothing to do there.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import context, op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Outbox kinds enqueued by the iGOV flow, which already wrote UTC.
UTC_KINDS = ("igov_order.%", "licence.%")


def _zone() -> ZoneInfo:
    """The zone the bot ran in (`BOT_TIMEZONE`, handed over by storage.migrate.upgrade)."""
    return ZoneInfo(context.config.attributes.get("local_timezone") or "Asia/Ho_Chi_Minh")


def _rewrite(table: str, column: str, convert: Callable[[datetime], datetime], *where: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
            + "".join(f" AND {condition}" for condition in where)
        ).columns(sa.column("id", sa.Integer), sa.column(column, sa.DateTime()))
    ).all()
    target = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.DateTime()))
    changes = [{"row_id": row_id, "value": convert(value)} for row_id, value in rows]
    for start in range(0, len(changes), 1000):
        bind.execute(
            target.update()
            .where(target.c.id == sa.bindparam("row_id"))
            .values({column: sa.bindparam("value")}),
            changes[start : start + 1000],
        )


def _local_columns(convert: Callable[[datetime], datetime]) -> None:
    not_igov = " AND ".join(f"kind NOT LIKE '{pattern}'" for pattern in UTC_KINDS)
    _rewrite("storage_orders", "paid_at", convert)
    _rewrite("bank_transactions", "received_at", convert)
    _rewrite("audit_events", "at", convert, "entity_type = 'storage_order'")
    _rewrite("outbox", "delivered_at", convert)
    _rewrite("outbox", "created_at", convert, not_igov)
    _rewrite("outbox", "next_attempt_at", convert, not_igov, "status <> 'pending'")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    zone = _zone()
    _local_columns(lambda v: v.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None))
    # Messages still to deliver: due now. Their stored times mix local and UTC (the iGOV flow
    # wrote UTC, retries wrote local time); a retry earlier than its backoff is harmless, one
    # hours late is not.
    now = datetime.now(UTC).replace(tzinfo=None)
    outbox = sa.table(
        "outbox",
        sa.column("status", sa.String),
        sa.column("next_attempt_at", sa.DateTime()),
        sa.column("locked_until", sa.DateTime()),
    )
    op.get_bind().execute(
        outbox.update()
        .where(outbox.c.status == "pending")
        .values(next_attempt_at=now, locked_until=None)
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    zone = _zone()
    _local_columns(lambda v: v.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None))
