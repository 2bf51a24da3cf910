"""Correcting a storage order while it awaits payment: the invoice details, the order email
sent again, a cancellation with its reason. Only who placed the order and finance may; every
correction is in the order's history (who, when, what changed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import events
from bot.authz import Authorizer, Permission, Role
from bot.errors import InvalidFields, InvalidInput, NotAuthorized, NotEligible, NotFound
from bot.home_refresh import refresh_home
from bot.outbox import enqueue
from bot.outbox_messages import OrderChanged, OrderEmail
from bot.services import Services
from bot.storage_orders import ENTITY, OrderStatus, OrderView, order_view, validate_invoice
from bot.text import clean_line
from bot.webhook_endpoints import WebhookEndpoint
from storage.db import Session
from storage.models import StorageOrder
from storage.repositories import audit
from storage.repositories import storage_orders as orders_repo

REASON_LIMIT = 500


def _may_correct(authz: Authorizer, actor: str, order: StorageOrder) -> None:
    if actor != order.placed_by and not authz.has_role(actor, Role.FINANCE):
        raise NotAuthorized("order.correct.not_allowed", user=order.placed_by)


def _open_order(session: Session, authz: Authorizer, order_id: int, actor: str) -> StorageOrder:
    """The order, if it still awaits payment and `actor` may correct it."""
    order = orders_repo.get(session, order_id)
    if order is None:
        raise NotFound("storage.order_not_found", order_no=str(order_id))
    _may_correct(authz, actor, order)
    if order.status != OrderStatus.AWAITING_PAYMENT.value:
        raise NotEligible("order.correct.not_open", order_no=order.order_no)
    return order


def correctable_order(
    services: Services, authz: Authorizer, order_id: int, actor: str
) -> OrderView:
    """An order awaiting payment that `actor` may correct (what the forms start from)."""
    authz.require(actor, Permission.LOOKUP)
    with services.db.session() as session:
        return order_view(_open_order(session, authz, order_id, actor))


def _send_again(session: Session, order_id: int, now: datetime) -> None:
    """The order email once more (to the address on the order when it is delivered), and
    the order message redrawn to say so."""
    round_ = now.strftime("%Y%m%d%H%M%S%f")
    email = OrderEmail(order_id=order_id, round=round_)
    enqueue(session, email, now=now, dedupe_key=f"{email.kind}:{order_id}:{round_}")
    changed = OrderChanged(order_id=order_id, event="corrected")
    enqueue(session, changed, now=now)


@dataclass(frozen=True)
class InvoiceEdit:
    order: OrderView
    changed: tuple[str, ...]  # the InvoiceInfo fields that changed


def edit_invoice(
    services: Services,
    authz: Authorizer,
    order_id: int,
    actor: str,
    raw: Mapping[str, str | None],
    now: datetime,
) -> InvoiceEdit:
    """New invoice details (checked like the order form's: InvalidFields); when something
    changed, the order email goes again to the (new) address."""
    invoice = validate_invoice(raw)
    with services.db.session() as session:
        order = _open_order(session, authz, order_id, actor)
        before = order_view(order).invoice
        changes = {
            name: [getattr(before, name), value]
            for name, value in vars(invoice).items()
            if getattr(before, name) != value
        }
        if changes:
            if not orders_repo.update_invoice(session, order_id, **vars(invoice)):
                raise NotEligible("order.correct.not_open", order_no=order.order_no)
            audit.record(
                session,
                entity_type=ENTITY,
                entity_id=order_id,
                action="invoice_edited",
                actor=actor,
                at=now,
                details={"changes": changes},
            )
            _send_again(session, order_id, now)
        session.expire_all()
        result = InvoiceEdit(order_view(orders_repo.get(session, order_id)), tuple(changes))
    services.outbox.wake()
    return result


def resend_email(
    services: Services, authz: Authorizer, order_id: int, actor: str, now: datetime
) -> OrderView:
    """The order email again, to the invoice address as it is now."""
    with services.db.session() as session:
        order = _open_order(session, authz, order_id, actor)
        orders_repo.set_email_status(session, order_id, "queued")
        audit.record(
            session,
            entity_type=ENTITY,
            entity_id=order_id,
            action="email_resent",
            actor=actor,
            at=now,
            details={"email": order.invoice_email},
        )
        _send_again(session, order_id, now)
        view = order_view(order)
    services.outbox.wake()
    return view


def cancel_order(
    services: Services,
    authz: Authorizer,
    order_id: int,
    actor: str,
    reason: str | None,
    now: datetime,
) -> OrderView:
    """awaiting_payment → cancelled, with the reason; the account's deletion is no longer
    held, and a transfer that comes later goes to finance."""
    text = clean_line(reason or "", REASON_LIMIT + 1)
    if not text:
        raise InvalidFields({"reason": "order.cancel.reason_required"})
    if len(text) > REASON_LIMIT:
        too_long = InvalidInput("order.cancel.reason_too_long", field="reason", max=REASON_LIMIT)
        raise InvalidFields({"reason": too_long})
    with services.db.session() as session:
        order = _open_order(session, authz, order_id, actor)
        endpoints = services.settings.webhook_endpoints
        if not cancel_open_order(session, order, actor, text, now, endpoints=endpoints):
            raise NotEligible("order.correct.not_open", order_no=order.order_no)
        session.expire_all()
        view = order_view(orders_repo.get(session, order_id))
    services.outbox.wake()
    return view


def cancel_open_order(
    session: Session,
    order: StorageOrder,
    actor: str,
    reason: str,
    now: datetime,
    *,
    endpoints: Sequence[WebhookEndpoint],
    event: str = "cancelled",
) -> bool:
    """awaiting_payment → cancelled in the caller's transaction: the order's history, its
    message redrawn (`event` says why), its `storage_order.cancelled` event and its placer's
    Home. False if it no longer awaits payment."""
    if not orders_repo.cancel(session, order.id, at=now, by=actor, reason=reason):
        return False
    audit.record(
        session,
        entity_type=ENTITY,
        entity_id=order.id,
        action="cancelled",
        actor=actor,
        at=now,
        from_status=OrderStatus.AWAITING_PAYMENT.value,
        to_status=OrderStatus.CANCELLED.value,
        details={"reason": reason},
    )
    changed = OrderChanged(order_id=order.id, event=event)
    enqueue(session, changed, now=now, dedupe_key=f"{changed.kind}:cancelled:{order.id}")
    data = events.order_data(order)
    events.publish(session, endpoints, events.ORDER_CANCELLED, order.order_no, data, now=now)
    refresh_home(session, (order.placed_by,), now)
    return True
