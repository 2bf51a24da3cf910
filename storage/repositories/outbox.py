"""Outbox rows: enqueue with the state change, claim with a lease, record the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import OutboxMessage

PENDING, SENT, DEAD, DROPPED = "pending", "sent", "dead", "dropped"


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    result: dict[str, Any]
    created_at: datetime


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Add a side effect to deliver; False when `dedupe_key` was already enqueued."""
    values = {
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OutboxMessage).values(**values)
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    return session.execute(statement.returning(OutboxMessage.id)).scalar() is not None


def claim_due(
    session: Session, *, now: datetime, lease: timedelta, limit: int
) -> list[ClaimedMessage]:
    """Take up to `limit` due messages; a conditional update makes each claim exclusive."""
    free = or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)
    due = and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now, free)
    candidates = session.scalars(
        select(OutboxMessage).where(due).order_by(OutboxMessage.id).limit(limit)
    ).all()
    claimed = []
    for message in candidates:
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, due)
            .values(locked_until=now + lease, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            claimed.append(
                ClaimedMessage(
                    id=message.id,
                    kind=message.kind,
                    payload=message.payload,
                    attempts=message.attempts + 1,
                    result=dict(message.result or {}),
                    created_at=message.created_at,
                )
            )
    return claimed


def save_checkpoint(session: Session, message_id: int, result: dict[str, Any]) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(result=result)
    )


def mark_sent(session: Session, message_id: int, *, now: datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=SENT, delivered_at=now, locked_until=None, last_error=None)
    )


def mark_failed(
    session: Session, message_id: int, *, error: str, retry_at: datetime | None
) -> None:
    """Schedule another attempt at `retry_at`, or give up (`dead`) when it is None."""
    values: dict[str, Any] = {"last_error": error[:4000], "locked_until": None}
    if retry_at is None:
        values["status"] = DEAD
    else:
        values["next_attempt_at"] = retry_at
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: count for status, count in rows}


def payload_by_key(session: Session, kind: str, dedupe_key: str) -> dict[str, Any] | None:
    """What a message enqueued under `dedupe_key` carries (None: no such message)."""
    return session.scalar(
        select(OutboxMessage.payload).where(
            OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.kind == kind
        )
    )


def undelivered(
    session: Session, *, failed_only: bool = False, kind: str | None = None
) -> list[OutboxMessage]:
    """Messages waiting to be delivered or given up (`dead`), oldest first."""
    statuses = [DEAD] if failed_only else [PENDING, DEAD]
    query = select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def get(session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def retry_now(session: Session, message_ids: list[int], *, now: datetime) -> list[int]:
    """Make undelivered messages due now with their attempts counted afresh; the ids done.

    Steps a deliverer recorded (`result`) are kept: a retry resumes, it does not repeat."""
    if not message_ids:
        return []
    done = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status.in_([PENDING, DEAD]))
        .values(status=PENDING, attempts=0, next_attempt_at=now, locked_until=None)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(done)


def dead_ids(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == DEAD).order_by(OutboxMessage.id)
        )
    )


def drop(session: Session, message_id: int, *, now: datetime) -> bool:
    """Never deliver this message; False unless it was waiting or given up and no process is
    delivering it at this moment."""
    free = or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)
    dropped = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_([PENDING, DEAD]), free)
        .values(status=DROPPED, locked_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return dropped == 1
