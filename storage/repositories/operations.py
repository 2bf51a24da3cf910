"""What the people running the bot read: counts by status, the outbox's backlog."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import BankTransaction, LicenceRequest, OutboxMessage, StorageOrder


def storage_orders_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(StorageOrder.status, func.count()).group_by(StorageOrder.status))
    return {status: count for status, count in rows}


def storage_orders_paid(session: Session) -> int:
    """Orders ever paid (a paid order may later change status; `paid_at` stays)."""
    return (
        session.scalar(
            select(func.count()).select_from(StorageOrder).where(StorageOrder.paid_at.is_not(None))
        )
        or 0
    )


def licence_requests_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(LicenceRequest.status, func.count()).group_by(LicenceRequest.status)
    )
    return {status: count for status, count in rows}


def bank_notifications_by_outcome(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(BankTransaction.outcome, func.count()).group_by(BankTransaction.outcome)
    )
    return {outcome: count for outcome, count in rows}


def outbox_by_kind_and_status(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count()).group_by(
            OutboxMessage.kind, OutboxMessage.status
        )
    )
    return {(kind, status): count for kind, status, count in rows}


def oldest_pending_since(session: Session) -> datetime | None:
    """When the longest-waiting pending message was enqueued (None: nothing waits)."""
    return session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending")
    )
