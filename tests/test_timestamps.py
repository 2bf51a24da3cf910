"""Timestamps: one UTC column type for every model, the same instant back on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, select, text
from sqlalchemy.exc import StatementError

from storage.db import Database
from storage.models import AuditEvent, Base
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
