"""Delivery admin: what waits or gave up and why, a retry now, a drop with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock
from storage.db import Database
from storage.repositories import audit as audit_repo
from storage.repositories import outbox as outbox_repo

DROP_ACTION = "outbox.drop"


@dataclass(frozen=True)
class Undelivered:
    id: int
    kind: str
    gave_up: bool  # False: still waiting for its next attempt
    attempts: int
    since: datetime
    next_attempt_at: datetime | None  # None once given up
    last_error: str | None


class DropOutcome(StrEnum):
    DROPPED = "dropped"
    NOT_FOUND = "not_found"
    NOT_UNDELIVERED = "not_undelivered"  # delivered, dropped already, or being delivered


def undelivered(db: Database, *, failed_only: bool = False, kind: str | None = None) -> list:
    with db.session() as session:
        return [
            Undelivered(
                id=m.id,
                kind=m.kind,
                gave_up=m.status == outbox_repo.DEAD,
                attempts=m.attempts,
                since=m.created_at,
                next_attempt_at=m.next_attempt_at if m.status == outbox_repo.PENDING else None,
                last_error=m.last_error,
            )
            for m in outbox_repo.undelivered(session, failed_only=failed_only, kind=kind)
        ]


def retry(db: Database, clock: Clock, message_ids: list[int] | None) -> list[int]:
    """Deliver again now (`None`: every message that gave up); the ids made due."""
    with db.session() as session:
        ids = outbox_repo.dead_ids(session) if message_ids is None else message_ids
        return outbox_repo.retry_now(session, ids, now=clock.now())


def drop(db: Database, clock: Clock, message_id: int, *, why: str, actor: str) -> DropOutcome:
    """Never deliver a message; who dropped it, when and why stay in the audit trail."""
    now = clock.now()
    with db.session() as session:
        message = outbox_repo.get(session, message_id)
        if message is None:
            return DropOutcome.NOT_FOUND
        before = message.status
        if not outbox_repo.drop(session, message_id, now=now):
            return DropOutcome.NOT_UNDELIVERED
        audit_repo.record(
            session,
            entity_type="outbox",
            entity_id=message_id,
            action=DROP_ACTION,
            actor=actor,
            at=now,
            from_status=before,
            to_status=outbox_repo.DROPPED,
            details={"why": why, "kind": message.kind, "last_error": message.last_error},
        )
    return DropOutcome.DROPPED
