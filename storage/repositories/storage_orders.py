"""Storage-order queries: open orders holding deletion, lookups, the one-time paid transition."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from storage.models import BankTransaction, StorageOrder, Subscription

AWAITING_PAYMENT = "awaiting_payment"

WITH_PARTIES = (selectinload(StorageOrder.customer), selectinload(StorageOrder.subscription))


def open_orders(
    session: Session, subscription_ids: Iterable[int], today: date
) -> dict[int, StorageOrder]:
    """Unpaid orders still within their payment deadline, by subscription."""
    ids = list(subscription_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(StorageOrder).where(
            StorageOrder.subscription_id.in_(ids),
            StorageOrder.status == AWAITING_PAYMENT,
            StorageOrder.payment_deadline >= today,
        )
    )
    return {order.subscription_id: order for order in rows}


_orders = StorageOrder.__table__.c
_OPEN_HOLDS = select(_orders.subscription_id, _orders.order_no, _orders.payment_deadline).where(
    _orders.subscription_id.in_(bindparam("ids", expanding=True)),
    _orders.status == AWAITING_PAYMENT,
    _orders.payment_deadline >= bindparam("today"),
)


def open_holds(session: Session, subscription_ids: Iterable[int], today: date) -> dict[int, Row]:
    """`open_orders` for reading only, without the ORM (a lookup's hot path): rows with the
    order's `order_no` and `payment_deadline`, by subscription."""
    ids = list(subscription_ids)
    if not ids:
        return {}
    rows = session.connection().execute(_OPEN_HOLDS, {"ids": ids, "today": today})
    return {row.subscription_id: row for row in rows}


def get(session: Session, order_id: int) -> StorageOrder | None:
    return session.scalar(
        select(StorageOrder).where(StorageOrder.id == order_id).options(*WITH_PARTIES)
    )


def by_submission_key(session: Session, key: str) -> StorageOrder | None:
    return session.scalar(
        select(StorageOrder).where(StorageOrder.submission_key == key).options(*WITH_PARTIES)
    )


def by_order_no(session: Session, order_no: str) -> StorageOrder | None:
    return session.scalar(
        select(StorageOrder).where(StorageOrder.order_no == order_no).options(*WITH_PARTIES)
    )


def by_token(session: Session, token: str) -> StorageOrder | None:
    return session.scalar(
        select(StorageOrder).where(StorageOrder.token == token).options(*WITH_PARTIES)
    )


def mark_paid(
    session: Session,
    order_id: int,
    *,
    at: datetime,
    via: str,
    by: str,
    storage_until: date,
) -> bool:
    """awaiting_payment → paid, once: the conditional update is the race arbiter."""
    changed = session.execute(
        update(StorageOrder)
        .where(StorageOrder.id == order_id, StorageOrder.status == AWAITING_PAYMENT)
        .values(status="paid", paid_at=at, paid_via=via, paid_by=by, storage_until=storage_until)
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def archive_subscription(session: Session, subscription_id: int, storage_until: date) -> None:
    session.execute(
        update(Subscription)
        .where(Subscription.id == subscription_id)
        .values(storage_until=storage_until, data_deleted_on=None)
    )


def set_message(session: Session, order_id: int, channel_id: str, ts: str) -> None:
    session.execute(
        update(StorageOrder)
        .where(StorageOrder.id == order_id)
        .values(channel_id=channel_id, message_ts=ts)
    )


def set_email_status(session: Session, order_id: int, status: str) -> None:
    session.execute(
        update(StorageOrder).where(StorageOrder.id == order_id).values(email_status=status)
    )


def set_paid_email_sent(session: Session, order_id: int, at: datetime) -> None:
    session.execute(
        update(StorageOrder)
        .where(StorageOrder.id == order_id, StorageOrder.paid_email_sent_at.is_(None))
        .values(paid_email_sent_at=at)
    )


def amount_received(session: Session, order_id: int) -> int | None:
    """What the transfer that paid the order carried (None: paid by hand)."""
    return session.scalar(
        select(BankTransaction.amount)
        .where(
            BankTransaction.order_id == order_id,
            BankTransaction.outcome.in_(("paid", "overpaid")),
        )
        .order_by(BankTransaction.id)
        .limit(1)
    )


def transactions_by_provider_id(session: Session, provider_id: str) -> list[BankTransaction]:
    """Every notification recorded under this id: one, or more if their details differed."""
    query = select(BankTransaction).where(BankTransaction.provider_id == provider_id)
    return list(session.scalars(query.order_by(BankTransaction.id)))


def add_transaction(session: Session, **values: Any) -> BankTransaction:
    transaction = BankTransaction(**values)
    session.add(transaction)
    session.flush()
    return transaction


def transaction(session: Session, transaction_id: int) -> BankTransaction | None:
    return session.get(BankTransaction, transaction_id)


def update_invoice(session: Session, order_id: int, **values: str) -> bool:
    """New invoice details for an order still awaiting payment; False if it no longer is."""
    changed = session.execute(
        update(StorageOrder)
        .where(StorageOrder.id == order_id, StorageOrder.status == AWAITING_PAYMENT)
        .values(**values, email_status="queued")
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def cancel(session: Session, order_id: int, *, at: datetime, by: str, reason: str) -> bool:
    """awaiting_payment → cancelled, once: a payment arriving meanwhile wins or loses cleanly."""
    changed = session.execute(
        update(StorageOrder)
        .where(StorageOrder.id == order_id, StorageOrder.status == AWAITING_PAYMENT)
        .values(status="cancelled", cancelled_at=at, cancelled_by=by, cancel_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1
