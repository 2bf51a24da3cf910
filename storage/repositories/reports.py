"""The report's figures: set-based queries (counts and sums in the database, on SQLite and
PostgreSQL); only the small sets that medians need come back as rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, and_, case, func, or_, select
from sqlalchemy.orm import Session

from storage.models import IgovOrder, LicenceRequest, StorageOrder, Subscription
from storage.models import SubscriptionRenewal as Renewal

AMIS_KT = "AMIS_KT"
PAID = "paid"
AWAITING_PAYMENT = "awaiting_payment"
DECIDED = ("approved", "rejected")


@dataclass(frozen=True)
class FunnelCounts:
    expired: int
    renewed: int
    ordered: int
    saved: int
    deleted: int


def _of_this_term(order: type[StorageOrder] = StorageOrder) -> object:
    # An order belongs to the term that ended on `expires_on` when it was placed after it:
    # its payment deadline comes after that expiry (an older term's orders ended before).
    return and_(
        order.subscription_id == Subscription.id, order.payment_deadline > Subscription.expires_on
    )


def funnel_counts(session: Session, first: date, last: date, today: date) -> FunnelCounts:
    """AMIS Kế toán terms that ended between `first` and `last`, by where they stand `today`."""
    flag = lambda condition: func.max(case((condition, 1), else_=0))  # noqa: E731
    # One row per term with its orders' flags: the join is on the subscription's index alone
    # (the states are read from the joined rows, so no plan walks all paid orders instead).
    terms = (
        select(
            Subscription.expires_on,
            Subscription.data_deleted_on,
            flag(StorageOrder.id.is_not(None)).label("ordered"),
            flag(StorageOrder.status == PAID).label("saved"),
            flag(
                and_(
                    StorageOrder.status == AWAITING_PAYMENT,
                    StorageOrder.payment_deadline >= today,
                )
            ).label("held"),
        )
        .select_from(Subscription)
        .outerjoin(StorageOrder, _of_this_term())
        .where(
            Subscription.product == AMIS_KT,
            Subscription.expires_on >= first,
            Subscription.expires_on <= last,
        )
        .group_by(Subscription.id, Subscription.expires_on, Subscription.data_deleted_on)
        .subquery()
    )
    # Past the 30 days of grace (deletion day reached) and not held by an open order, or swept.
    past_grace = terms.c.expires_on < date.fromordinal(today.toordinal() - 30)
    swept = terms.c.data_deleted_on > terms.c.expires_on
    deleted = and_(terms.c.saved == 0, or_(swept, and_(past_grace, terms.c.held == 0)))
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(terms.c.ordered), 0),
            func.coalesce(func.sum(terms.c.saved), 0),
            func.coalesce(func.sum(case((deleted, 1), else_=0)), 0),
        ).select_from(terms)
    ).one()
    renewed = session.scalar(
        select(func.count(func.distinct(Renewal.subscription_id)))
        .join(Subscription, Subscription.id == Renewal.subscription_id)
        .where(
            Subscription.product == AMIS_KT,
            Renewal.previous_expires_on >= first,
            Renewal.previous_expires_on <= last,
        )
    )
    expired, ordered_n, saved_n, deleted_n = (int(v) for v in row)
    renewed_n = int(renewed or 0)
    return FunnelCounts(expired + renewed_n, renewed_n, ordered_n, saved_n, deleted_n)


def term_orders(
    session: Session, first: date, last: date
) -> Sequence[Row[tuple[int, date, datetime, datetime | None]]]:
    """Each order of the terms that ended between `first` and `last`: (subscription, expiry,
    placed at, paid at)."""
    return session.execute(
        select(
            Subscription.id, Subscription.expires_on, StorageOrder.created_at, StorageOrder.paid_at
        )
        .join(StorageOrder, _of_this_term())
        .where(
            Subscription.product == AMIS_KT,
            Subscription.expires_on >= first,
            Subscription.expires_on <= last,
        )
        .order_by(Subscription.id, StorageOrder.created_at)
    ).all()


def storage_revenue(session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """(orders paid, their total in VND) with the payment in [start, end)."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(StorageOrder.total), 0)).where(
            StorageOrder.status == PAID, StorageOrder.paid_at >= start, StorageOrder.paid_at < end
        )
    ).one()
    return int(count), int(total)


def igov_orders(session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """(iGOV orders saved in [start, end), their amount in VND)."""
    count, amount = session.execute(
        select(func.count(), func.coalesce(func.sum(IgovOrder.amount), 0)).where(
            IgovOrder.created_at >= start, IgovOrder.created_at < end
        )
    ).one()
    return int(count), int(amount)


def requests_by_status(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Licence requests submitted in [start, end), by their status now."""
    rows = session.execute(
        select(LicenceRequest.status, func.count())
        .where(LicenceRequest.created_at >= start, LicenceRequest.created_at < end)
        .group_by(LicenceRequest.status)
    ).all()
    return {status: int(count) for status, count in rows}


def decision_times(
    session: Session, start: datetime, end: datetime
) -> Sequence[Row[tuple[datetime, datetime]]]:
    """(submitted at, decided at) of the requests approved or rejected in [start, end)."""
    return session.execute(
        select(LicenceRequest.created_at, LicenceRequest.decided_at).where(
            LicenceRequest.status.in_(DECIDED),
            LicenceRequest.decided_at >= start,
            LicenceRequest.decided_at < end,
        )
    ).all()


def oldest_pending(session: Session) -> Row[tuple[str, datetime]] | None:
    """(code, submitted at) of the request waiting longest for a decision now."""
    return session.execute(
        select(LicenceRequest.code, LicenceRequest.created_at)
        .where(LicenceRequest.status == "pending")
        .order_by(LicenceRequest.created_at, LicenceRequest.id)
        .limit(1)
    ).first()
