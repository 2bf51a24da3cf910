"""iGOV orders, licence requests, their documents and the resources granted on subscriptions."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload, undefer

from storage.models import (
    Customer,
    IgovOrder,
    LicenceDocument,
    LicenceRequest,
    LicenceRequestModule,
    Subscription,
    SubscriptionModule,
)

PENDING, APPROVED, RETURNED, WITHDRAWN = "pending", "approved", "returned", "withdrawn"
OPEN = (PENDING, RETURNED)  # not decided yet: waiting for an approver, or for the requester

REQUEST_DETAILS = (
    selectinload(LicenceRequest.modules),
    selectinload(LicenceRequest.documents),
    selectinload(LicenceRequest.customer),
    selectinload(LicenceRequest.igov_order),
)


def placeholder_number() -> str:
    """A unique stand-in until the row id is known (numbers are derived from the id)."""
    return "~" + secrets.token_hex(8)


# -- customers and subscriptions ------------------------------------------------------------


def igov_subscription(session: Session, customer_id: int) -> Subscription | None:
    """The customer's iGOV subscription that add-ons go on: the one expiring last."""
    return session.scalar(
        select(Subscription)
        .where(Subscription.customer_id == customer_id, Subscription.product == "IGOV")
        .order_by(Subscription.expires_on.desc(), Subscription.id.desc())
        .limit(1)
    )


def subscription_by_contract(session: Session, contract_no: str) -> Subscription | None:
    return session.scalar(select(Subscription).where(Subscription.contract_no == contract_no))


def get_subscription(session: Session, subscription_id: int) -> Subscription | None:
    return session.get(Subscription, subscription_id)


def lock_customer(session: Session, customer_id: int) -> None:
    """Serialise grants for one customer (PostgreSQL row lock; SQLite has one writer anyway)."""
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())


# -- orders ---------------------------------------------------------------------------------


def insert_order(
    session: Session, number: Callable[[int], str], values: dict[str, Any]
) -> IgovOrder:
    """Insert an order; its number comes from its id, so concurrent orders never collide."""
    order = IgovOrder(order_no=placeholder_number(), **values)
    session.add(order)
    session.flush()
    order.order_no = number(order.id)
    session.flush()
    return order


def order_by_submission(session: Session, submission_key: str) -> IgovOrder | None:
    return session.scalar(select(IgovOrder).where(IgovOrder.submission_key == submission_key))


def _order_query() -> Select[tuple[IgovOrder]]:
    return select(IgovOrder).options(selectinload(IgovOrder.customer))


def get_order(session: Session, order_id: int) -> IgovOrder | None:
    return session.scalar(_order_query().where(IgovOrder.id == order_id))


def order_by_no(session: Session, order_no: str) -> IgovOrder | None:
    return session.scalar(_order_query().where(IgovOrder.order_no == order_no))


def move_order(session: Session, order_id: int, from_status: str, to_status: str) -> bool:
    """Change an order's status only if it is still `from_status` (a conditional update)."""
    changed = session.execute(
        update(IgovOrder)
        .where(IgovOrder.id == order_id, IgovOrder.status == from_status)
        .values(status=to_status, updated_at=func.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def set_order_message(session: Session, order_id: int, channel: str, ts: str) -> None:
    session.execute(
        update(IgovOrder)
        .where(IgovOrder.id == order_id)
        .values(channel_id=channel, message_ts=ts)
        .execution_options(synchronize_session=False)
    )


# -- licence requests -----------------------------------------------------------------------


def insert_request(
    session: Session,
    number: Callable[[int], str],
    values: dict[str, Any],
    modules: Sequence[dict[str, Any]],
    documents: Sequence[dict[str, Any]],
) -> LicenceRequest:
    request = LicenceRequest(code=placeholder_number(), **values)
    session.add(request)
    session.flush()
    request.code = number(request.id)
    session.add_all(LicenceRequestModule(request_id=request.id, **m) for m in modules)
    session.add_all(LicenceDocument(request_id=request.id, **d) for d in documents)
    session.flush()
    return request


def request_by_submission(session: Session, submission_key: str) -> LicenceRequest | None:
    return session.scalar(
        select(LicenceRequest).where(LicenceRequest.submission_key == submission_key)
    )


def get_request(session: Session, request_id: int) -> LicenceRequest | None:
    return session.scalar(
        select(LicenceRequest).where(LicenceRequest.id == request_id).options(*REQUEST_DETAILS)
    )


def request_by_code(session: Session, code: str) -> LicenceRequest | None:
    return session.scalar(
        select(LicenceRequest).where(LicenceRequest.code == code).options(*REQUEST_DETAILS)
    )


def requests_of_order(session: Session, order_id: int) -> list[LicenceRequest]:
    return list(
        session.scalars(
            select(LicenceRequest)
            .where(LicenceRequest.igov_order_id == order_id)
            .order_by(LicenceRequest.id.desc())
            .options(*REQUEST_DETAILS)
        )
    )


def requests_of_subscription(
    session: Session, subscription_id: int, limit: int
) -> list[LicenceRequest]:
    return list(
        session.scalars(
            select(LicenceRequest)
            .join(IgovOrder, IgovOrder.id == LicenceRequest.igov_order_id)
            .where(IgovOrder.subscription_id == subscription_id)
            .order_by(LicenceRequest.id.desc())
            .limit(limit)
            .options(*REQUEST_DETAILS)
        )
    )


def latest_request_of_order(session: Session, order_id: int) -> LicenceRequest | None:
    return session.scalar(
        select(LicenceRequest)
        .where(LicenceRequest.igov_order_id == order_id)
        .order_by(LicenceRequest.id.desc())
        .limit(1)
    )


def pending_requests(
    session: Session,
    limit: int,
    statuses: Sequence[str] = (PENDING,),
    after: tuple[datetime, int] | None = None,
) -> list[LicenceRequest]:
    """Requests in `statuses` (waiting for a decision), oldest first; after (created at, id)
    `after`, the last one shown."""
    later = true()
    if after is not None:
        at, request_id = after
        later = or_(
            LicenceRequest.created_at > at,
            and_(LicenceRequest.created_at == at, LicenceRequest.id > request_id),
        )
    return list(
        session.scalars(
            select(LicenceRequest)
            .where(LicenceRequest.status.in_(statuses), later)
            .order_by(LicenceRequest.created_at, LicenceRequest.id)
            .limit(limit)
            .options(*REQUEST_DETAILS)
        )
    )


def count_pending(session: Session, statuses: Sequence[str] = (PENDING,)) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(LicenceRequest)
            .where(LicenceRequest.status.in_(statuses))
        )
        or 0
    )


def decide_if_pending(
    session: Session,
    request_id: int,
    *,
    actor: str,
    status: str,
    at: datetime,
    reason: str | None,
) -> bool:
    """Record a decision only if the request is still pending and not the actor's own.

    One UPDATE … WHERE status = 'pending': of two concurrent deciders exactly one changes the
    row; the database, not the process, decides who was first.
    """
    changed = session.execute(
        update(LicenceRequest)
        .where(
            LicenceRequest.id == request_id,
            LicenceRequest.status == PENDING,
            LicenceRequest.requested_by != actor,
        )
        .values(status=status, decided_by=actor, decided_at=at, reject_reason=reason, updated_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def return_if_pending(
    session: Session, request_id: int, *, actor: str, at: datetime, reason: str
) -> bool:
    """Return a request for changes only if it is pending and not the actor's own (one
    conditional UPDATE, like a decision: the database says who was first)."""
    changed = session.execute(
        update(LicenceRequest)
        .where(
            LicenceRequest.id == request_id,
            LicenceRequest.status == PENDING,
            LicenceRequest.requested_by != actor,
        )
        .values(
            status=RETURNED, returned_by=actor, returned_at=at, return_reason=reason, updated_at=at
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def resubmit_if_returned(
    session: Session, request_id: int, *, requester: str, at: datetime, submission_key: str
) -> bool:
    """Back to pending only if the request is returned and `requester` sent it; the form
    that resubmitted it becomes its submission (a retry of that form finds it)."""
    changed = session.execute(
        update(LicenceRequest)
        .where(
            LicenceRequest.id == request_id,
            LicenceRequest.status == RETURNED,
            LicenceRequest.requested_by == requester,
        )
        .values(status=PENDING, submission_key=submission_key, updated_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def withdraw_if_open(session: Session, request_id: int, *, requester: str, at: datetime) -> bool:
    """Withdrawn only if still open (pending or returned) and `requester` sent it."""
    changed = session.execute(
        update(LicenceRequest)
        .where(
            LicenceRequest.id == request_id,
            LicenceRequest.status.in_(OPEN),
            LicenceRequest.requested_by == requester,
        )
        .values(status=WITHDRAWN, decided_by=requester, decided_at=at, updated_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def update_request_details(
    session: Session,
    request_id: int,
    values: dict[str, Any],
    modules: Sequence[dict[str, Any]],
    documents: Sequence[dict[str, Any]],
) -> None:
    """A resubmitted request's inputs: its values, all its modules, and the documents given
    (each replaces the one of its kind; the others are kept)."""
    session.execute(
        update(LicenceRequest)
        .where(LicenceRequest.id == request_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(LicenceRequestModule).where(LicenceRequestModule.request_id == request_id)
    )
    session.add_all(LicenceRequestModule(request_id=request_id, **m) for m in modules)
    for d in documents:
        session.execute(
            delete(LicenceDocument).where(
                LicenceDocument.request_id == request_id, LicenceDocument.kind == d["kind"]
            )
        )
        session.flush()
        session.add(LicenceDocument(request_id=request_id, **d))
    session.flush()


def set_decided_at(session: Session, request_id: int, at: datetime) -> None:
    session.execute(
        update(LicenceRequest)
        .where(LicenceRequest.id == request_id)
        .values(decided_at=at)
        .execution_options(synchronize_session=False)
    )


def set_modules_quantities(
    session: Session, request_id: int, previous: dict[str, int]
) -> list[LicenceRequestModule]:
    """Rebase each module on `previous` (quantity_total = previous + bought); returns modules."""
    modules = list(
        session.scalars(
            select(LicenceRequestModule)
            .where(LicenceRequestModule.request_id == request_id)
            .order_by(LicenceRequestModule.id)
        )
    )
    for module in modules:
        before = previous.get(module.module_code, 0)
        if module.quantity_previous != before:
            module.quantity_previous = before
            module.quantity_total = before + module.quantity_bought
    session.flush()
    return modules


def previous_quantities(
    session: Session, customer_id: int, *, exclude_request_id: int | None = None
) -> dict[str, int]:
    """Per module code, the quantity in the customer's latest approved request that has it."""
    query = (
        select(LicenceRequestModule.module_code, LicenceRequestModule.quantity_total)
        .join(LicenceRequest, LicenceRequest.id == LicenceRequestModule.request_id)
        .where(LicenceRequest.customer_id == customer_id, LicenceRequest.status == APPROVED)
        .order_by(LicenceRequest.decided_at.desc(), LicenceRequest.id.desc())
    )
    if exclude_request_id is not None:
        query = query.where(LicenceRequest.id != exclude_request_id)
    quantities: dict[str, int] = {}
    for code, total in session.execute(query):
        quantities.setdefault(code, total)
    return quantities


def set_approval_message(session: Session, request_id: int, channel: str, ts: str) -> None:
    session.execute(
        update(LicenceRequest)
        .where(LicenceRequest.id == request_id)
        .values(approval_channel=channel, approval_ts=ts)
        .execution_options(synchronize_session=False)
    )


def document(session: Session, request_id: int, kind: str) -> LicenceDocument | None:
    """A kept document with its content (deferred elsewhere)."""
    return session.scalar(
        select(LicenceDocument)
        .where(LicenceDocument.request_id == request_id, LicenceDocument.kind == kind)
        .options(undefer(LicenceDocument.content))
    )


# -- granted resources ----------------------------------------------------------------------


def grant(
    session: Session,
    subscription_id: int,
    modules: Sequence[LicenceRequestModule],
    *,
    request_id: int,
    at: datetime,
) -> None:
    """The subscription now has each module with the request's total quantity (upsert)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for module in modules:
        values = {
            "module_name": module.module_name,
            "quantity": module.quantity_total,
            "months": module.months,
            "request_id": request_id,
            "granted_at": at,
        }
        statement = insert(SubscriptionModule).values(
            subscription_id=subscription_id, module_code=module.module_code, **values
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["subscription_id", "module_code"], set_=values
            )
        )


def granted_modules(session: Session, subscription_id: int) -> list[SubscriptionModule]:
    return list(
        session.scalars(
            select(SubscriptionModule)
            .where(SubscriptionModule.subscription_id == subscription_id)
            .order_by(SubscriptionModule.module_code)
        )
    )
