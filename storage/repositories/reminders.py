"""Reminder queries: only the rows due on a day, found through the expiry and status indexes.

Every query here is bounded by an index range (`subscriptions.expires_on`, `storage_orders
(status, payment_deadline)`, `licence_requests (status, created_at)`) so a job touches the rows
due today, never the whole table, whatever its size.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, exists, false, func, or_, select, text, update
from sqlalchemy.orm import Session

from storage.models import Customer, LicenceRequest, OutboxMessage, StorageOrder, Subscription

AWAITING_PAYMENT = "awaiting_payment"
ORDER_EXPIRED = "expired"
REQUEST_PENDING = "pending"

ACCOUNT_COLUMNS = (
    Subscription.id.label("subscription_id"),
    Subscription.product,
    Subscription.contract_no,
    Subscription.expires_on,
    Customer.name.label("customer"),
    Customer.tax_code,
    Customer.owner,
)


def lock_job(session: Session, job: str) -> None:
    """Serialise runs of one job: a second run waits for the first to commit, then finds the
    reminders already claimed (and cannot deadlock with it on the claims)."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(job.encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        # SQLite has one writer at a time; writing first takes that lock now rather than
        # failing later when a read transaction tries to upgrade (SQLITE_BUSY_SNAPSHOT).
        session.execute(update(OutboxMessage).where(false()).values(id=OutboxMessage.id))


def _accounts() -> Select[Any]:
    return select(*ACCOUNT_COLUMNS).join(Customer, Customer.id == Subscription.customer_id)


def _most_urgent_first(query: Select[Any]) -> Select[Any]:
    return query.order_by(Subscription.expires_on, Customer.name, Subscription.id)


def _not_archived(today: date) -> Any:
    return or_(Subscription.storage_until.is_(None), Subscription.storage_until < today)


def accounts_expiring_on(session: Session, days: Sequence[date]) -> list[Row[Any]]:
    """Subscriptions whose expiry date is one of `days`, soonest first."""
    query = _accounts().where(Subscription.expires_on.in_(days))
    return list(session.execute(_most_urgent_first(query)))


def accounts_in_grace(
    session: Session, product: str, expired_on: Sequence[date], today: date
) -> list[Row[Any]]:
    """Expired, not archived, not deleted subscriptions of `product` that expired on one of
    `expired_on`, closest to deletion first."""
    query = _accounts().where(
        Subscription.product == product,
        Subscription.expires_on.in_(expired_on),
        Subscription.data_deleted_on.is_(None),
        _not_archived(today),
    )
    return list(session.execute(_most_urgent_first(query)))


def _open_order(today: date) -> Any:
    return (StorageOrder.status == AWAITING_PAYMENT) & (StorageOrder.payment_deadline >= today)


def expire_overdue_orders(session: Session, today: date) -> list[Row[Any]]:
    """Close unpaid storage orders whose payment deadline has passed; returns what was closed."""
    closed = session.execute(
        update(StorageOrder)
        .where(StorageOrder.status == AWAITING_PAYMENT, StorageOrder.payment_deadline < today)
        .values(status=ORDER_EXPIRED)
        .returning(StorageOrder.id)
        .execution_options(synchronize_session=False)
    ).scalars()
    ids = sorted(closed)
    if not ids:
        return []
    return list(
        session.execute(
            select(
                StorageOrder.id,
                StorageOrder.order_no,
                StorageOrder.payment_deadline,
                *ACCOUNT_COLUMNS,
            )
            .join(Subscription, Subscription.id == StorageOrder.subscription_id)
            .join(Customer, Customer.id == Subscription.customer_id)
            .where(StorageOrder.id.in_(ids))
            .order_by(StorageOrder.id)
        )
    )


def delete_due(session: Session, *, first_expiry: date, last_expiry: date, today: date) -> int:
    """Mark deleted the accounts that expired in [first_expiry, last_expiry] and are neither
    deleted, archived nor held by an open storage order; returns how many."""
    held = exists().where(StorageOrder.subscription_id == Subscription.id, _open_order(today))
    result = session.execute(
        update(Subscription)
        .where(
            Subscription.expires_on.between(first_expiry, last_expiry),
            Subscription.data_deleted_on.is_(None),
            _not_archived(today),
            ~held,
        )
        .values(data_deleted_on=today)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def held_accounts(session: Session, *, last_expiry: date, today: date) -> list[Row[Any]]:
    """Accounts past their deletion date kept for an open storage order, with the order."""
    return list(
        session.execute(
            select(StorageOrder.order_no, StorageOrder.payment_deadline, *ACCOUNT_COLUMNS)
            .join(Subscription, Subscription.id == StorageOrder.subscription_id)
            .join(Customer, Customer.id == Subscription.customer_id)
            .where(
                _open_order(today),
                Subscription.expires_on <= last_expiry,
                Subscription.data_deleted_on.is_(None),
            )
            .order_by(StorageOrder.payment_deadline, Customer.name, StorageOrder.id)
        )
    )


def _deleted_on(first_expiry: date, last_expiry: date, day: date) -> Any:
    # The expiry range keeps this on the expires_on index; data_deleted_on has none.
    return (Subscription.expires_on.between(first_expiry, last_expiry)) & (
        Subscription.data_deleted_on == day
    )


def count_deleted_on(session: Session, first_expiry: date, last_expiry: date, day: date) -> int:
    query = select(func.count()).select_from(Subscription)
    return int(session.scalar(query.where(_deleted_on(first_expiry, last_expiry, day))) or 0)


def iter_deleted_on(
    session: Session,
    first_expiry: date,
    last_expiry: date,
    day: date,
    *,
    limit: int | None = None,
    batch: int = 2000,
) -> Iterator[Row[Any]]:
    """Accounts whose data the sweep deleted on `day`, streamed in expiry order."""
    query = _most_urgent_first(_accounts().where(_deleted_on(first_expiry, last_expiry, day)))
    if limit is not None:
        query = query.limit(limit)
    yield from session.execute(query.execution_options(yield_per=batch))


def overdue_requests(session: Session, created_before: datetime) -> list[Row[Any]]:
    """Pending licence requests created before `created_before` whose approval message exists."""
    return list(
        session.execute(
            select(
                LicenceRequest.id,
                LicenceRequest.code,
                LicenceRequest.created_at,
                LicenceRequest.requested_by,
                LicenceRequest.approval_channel,
                LicenceRequest.approval_ts,
                Customer.name.label("customer"),
            )
            .join(Customer, Customer.id == LicenceRequest.customer_id)
            .where(
                LicenceRequest.status == REQUEST_PENDING,
                LicenceRequest.created_at <= created_before,
                LicenceRequest.approval_channel.is_not(None),
                LicenceRequest.approval_ts.is_not(None),
            )
            .order_by(LicenceRequest.created_at, LicenceRequest.id)
        )
    )


def unpaid_orders(session: Session, created_before: datetime, today: date) -> list[Row[Any]]:
    """Storage orders still awaiting payment (deadline not passed) placed before a time."""
    return list(
        session.execute(
            select(
                StorageOrder.id,
                StorageOrder.order_no,
                StorageOrder.token,
                StorageOrder.created_at,
                StorageOrder.placed_by,
                StorageOrder.payment_deadline,
                StorageOrder.total,
                Customer.name.label("customer"),
                Subscription.contract_no,
            )
            .join(Subscription, Subscription.id == StorageOrder.subscription_id)
            .join(Customer, Customer.id == StorageOrder.customer_id)
            .where(
                _open_order(today),
                StorageOrder.created_at <= created_before,
            )
            .order_by(StorageOrder.created_at, StorageOrder.id)
        )
    )


def delivery_status(session: Session, keys: Sequence[str]) -> dict[str, int]:
    """How many of the outbox messages with these dedupe keys are pending, sent or dead."""
    counts: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.dedupe_key.in_(keys[start : start + 500]))
            .group_by(OutboxMessage.status)
        )
        for status, count in rows:
            counts[status] = counts.get(status, 0) + count
    return counts
