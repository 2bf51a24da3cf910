"""Timestamps: one UTC column type for every model, the same instant back on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, select, text
from sqlalchemy.exc import StatementError

from storage.db import Database
from storage.migrate import downgrade, upgrade
from storage.models import AuditEvent, Base, OutboxMessage
from storage.models.types import UtcDateTime

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PAID = datetime(2026, 11, 22, 15, 12, 30, tzinfo=HANOI)


def test_every_timestamp_column_is_utc() -> None:
    wrong = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, DateTime) and not isinstance(column.type, UtcDateTime)
    ]
    timestamps = [
        column
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, UtcDateTime)
    ]
    assert wrong == [] and len(timestamps) >= 10


def add_event(db: Database, at: datetime) -> int:
    with db.session() as session:
        event = AuditEvent(
            entity_type="storage_order", entity_id=1, action="paid", actor="bank", at=at
        )
        session.add(event)
        session.flush()
        return event.id


def test_local_time_comes_back_as_the_same_instant(db: Database) -> None:
    event_id = add_event(db, PAID)
    with db.session() as session:
        at = session.get(AuditEvent, event_id).at
        stored = session.execute(
            text("SELECT CAST(at AS TEXT) FROM audit_events WHERE id = :id"), {"id": event_id}
        ).scalar()
        # Compared with a local time: the bound value is converted too.
        found = session.scalars(
            select(AuditEvent.id).where(AuditEvent.at >= PAID, AuditEvent.at < PAID + timedelta(1))
        ).all()
    assert at == PAID and at.utcoffset() == timedelta(0)
    assert at.astimezone(HANOI).strftime("%H:%M") == "15:12"
    assert stored.startswith("2026-11-22 08:12:30")  # UTC on both databases
    assert found == [event_id]


def test_database_defaults_and_written_times_agree(db: Database) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    event_id = add_event(db, datetime.now(HANOI))
    with db.session() as session:
        at = session.get(AuditEvent, event_id).at
        server_now = session.execute(select(text("CURRENT_TIMESTAMP"))).scalar()
    assert before <= at <= datetime.now(UTC) + timedelta(seconds=5)
    server = server_now if isinstance(server_now, datetime) else datetime.fromisoformat(server_now)
    assert abs(server.replace(tzinfo=server.tzinfo or UTC) - at) < timedelta(seconds=30)


def test_a_naive_timestamp_is_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        add_event(db, datetime(2026, 11, 22, 15, 12))


def test_local_times_stored_before_are_moved_to_utc(db: Database) -> None:
    """Rows written before the UTC type: SQLite has the local wall-clock time without offset
    (except the iGOV flow's UTC); PostgreSQL kept the offset. Both read back as 15:12 local."""
    sqlite = db.dialect == "sqlite"
    local = "2026-11-22 15:12:30.000000" if sqlite else "2026-11-22 15:12:30+07:00"
    utc = "2026-11-22 08:12:30.000000" if sqlite else "2026-11-22 08:12:30+00:00"
    downgrade(db, "0008-1", local_timezone="Asia/Ho_Chi_Minh")  # before the rewrite
    with db.engine.begin() as connection:
        insert_event = text(
            "INSERT INTO audit_events (id, entity_type, entity_id, action, actor, at, details)"
            " VALUES (:id, :entity, 1, 'paid', 'bank', :at, '{}')"
        )
        connection.execute(insert_event, {"id": 1, "entity": "storage_order", "at": local})
        connection.execute(insert_event, {"id": 2, "entity": "licence_request", "at": utc})
        connection.execute(
            text(
                "INSERT INTO outbox (id, kind, payload, status, attempts, next_attempt_at,"
                " created_at, delivered_at) VALUES (1, 'storage_order.email', '{}', 'sent', 1,"
                " :at, :at, :at), (2, 'storage_order.changed', '{}', 'pending', 2, :later, :at,"
                " NULL)"
            ),
            {"at": local, "later": local.replace("15:12", "23:00")},
        )
    upgrade(db, local_timezone="Asia/Ho_Chi_Minh")
    with db.session() as session:
        events = {e.id: e.at for e in session.scalars(select(AuditEvent))}
        outbox = {m.id: m for m in session.scalars(select(OutboxMessage))}
    assert events == {1: PAID, 2: PAID}
    assert outbox[1].created_at == outbox[1].delivered_at == PAID
    assert outbox[2].next_attempt_at <= datetime.now(UTC)  # still to deliver: due now
