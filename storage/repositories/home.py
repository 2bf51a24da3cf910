"""What a person's App Home lists: their requests, orders and accounts; transfers for finance.

Each query returns at most `limit` rows, newest or most urgent first, and how many there are.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from storage.models import BankTransaction, Customer, LicenceRequest, StorageOrder, Subscription


def _page(session: Session, query: Select[Any], limit: int) -> tuple[list[Any], int]:
    """The first `limit` rows of `query`, and how many rows it has."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return list(session.scalars(query.limit(limit))), total or 0


def requests_of(
    session: Session, user: str, final_statuses: Collection[str], since: datetime, limit: int
) -> tuple[list[LicenceRequest], int]:
    """A person's licence requests not yet in a final state, or changed since `since`."""
    query = (
        select(LicenceRequest)
        .where(
            LicenceRequest.requested_by == user,
            or_(LicenceRequest.status.not_in(final_statuses), LicenceRequest.updated_at >= since),
        )
        .order_by(LicenceRequest.updated_at.desc(), LicenceRequest.id.desc())
        .options(selectinload(LicenceRequest.customer))
    )
    return _page(session, query, limit)


def orders_of(
    session: Session, user: str, awaiting: str, paid: str, paid_since: datetime, limit: int
) -> tuple[list[StorageOrder], int]:
    """A person's storage orders awaiting payment (nearest deadline first), then those paid
    since `paid_since` (latest first)."""
    query = (
        select(StorageOrder)
        .where(
            StorageOrder.placed_by == user,
            or_(
                StorageOrder.status == awaiting,
                and_(StorageOrder.status == paid, StorageOrder.paid_at >= paid_since),
            ),
        )
        .order_by(
            (StorageOrder.status != awaiting).asc(),
            StorageOrder.payment_deadline,
            StorageOrder.paid_at.desc(),
            StorageOrder.id.desc(),
        )
        .options(selectinload(StorageOrder.customer))
    )
    return _page(session, query, limit)


def accounts_of(
    session: Session, owner: str, expiring_by: date, grace_from: date, limit: int
) -> tuple[list[Subscription], int]:
    """Subscriptions of an owner's customers expiring by `expiring_by` and not yet past their
    grace period (expired on or after `grace_from`), data not deleted: soonest first."""
    query = (
        select(Subscription)
        .join(Customer, Customer.id == Subscription.customer_id)
        .where(
            Customer.owner == owner,
            Subscription.expires_on <= expiring_by,
            Subscription.expires_on >= grace_from,
            Subscription.data_deleted_on.is_(None),
            Subscription.storage_until.is_(None),
        )
        .order_by(Subscription.expires_on, Subscription.id)
        .options(selectinload(Subscription.customer))
    )
    return _page(session, query, limit)


def unresolved_transfers(
    session: Session, outcomes: Collection[str], limit: int
) -> tuple[list[BankTransaction], int]:
    """Transfers that paid nothing and that finance has not resolved yet, latest first."""
    query = (
        select(BankTransaction)
        .where(BankTransaction.outcome.in_(outcomes), BankTransaction.resolved_at.is_(None))
        .order_by(BankTransaction.received_at.desc(), BankTransaction.id.desc())
    )
    return _page(session, query, limit)


def resolve_transfer(
    session: Session,
    transaction_id: int,
    outcomes: Collection[str],
    by: str,
    note: str,
    at: datetime,
) -> bool:
    """Resolve a transfer once (a conditional update): False if it was not waiting."""
    result = session.execute(
        update(BankTransaction)
        .where(
            BankTransaction.id == transaction_id,
            BankTransaction.outcome.in_(outcomes),
            BankTransaction.resolved_at.is_(None),
        )
        .values(resolved_at=at, resolved_by=by, resolution_note=note)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
