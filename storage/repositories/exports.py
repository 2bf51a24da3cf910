"""Rows for finance's monthly export."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from storage.models import BankTransaction, Customer, StorageOrder, Subscription


def orders_placed(session: Session, start: datetime, end: datetime) -> list[tuple[object, ...]]:
    rows = session.execute(
        select(
            StorageOrder.order_no,
            StorageOrder.created_at,
            Customer.name,
            Customer.tax_code,
            Subscription.contract_no,
            StorageOrder.package_name,
            StorageOrder.quantity,
            StorageOrder.total,
            StorageOrder.status,
            StorageOrder.payment_deadline,
            StorageOrder.paid_at,
            StorageOrder.paid_via,
            StorageOrder.paid_by,
            StorageOrder.invoice_email,
            StorageOrder.placed_by,
        )
        .join(Customer, Customer.id == StorageOrder.customer_id)
        .join(Subscription, Subscription.id == StorageOrder.subscription_id)
        .where(StorageOrder.created_at >= start, StorageOrder.created_at < end)
        .order_by(StorageOrder.created_at, StorageOrder.id)
    )
    return [tuple(row) for row in rows]


def transfers_received(
    session: Session, start: datetime, end: datetime
) -> list[tuple[object, ...]]:
    order = aliased(StorageOrder)
    rows = session.execute(
        select(
            BankTransaction.received_at,
            BankTransaction.provider_id,
            BankTransaction.gateway,
            BankTransaction.transaction_date,
            BankTransaction.amount,
            BankTransaction.content,
            BankTransaction.reference_code,
            BankTransaction.outcome,
            order.order_no,
        )
        .outerjoin(order, order.id == BankTransaction.order_id)
        .where(BankTransaction.received_at >= start, BankTransaction.received_at < end)
        .order_by(BankTransaction.received_at, BankTransaction.id)
    )
    return [tuple(row) for row in rows]
