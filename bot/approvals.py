"""Seed 003, step 3: approvers decide a licence request exactly once; approval grants it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import events
from bot.authz import Authorizer, Permission
from bot.errors import AlreadyDecided, DomainError, InvalidInput, NotAuthorized, NotFound
from bot.home_refresh import refresh_home
from bot.igov_orders import GRANTED, ORDER, REQUESTED, SAVED, enqueue_order_update, utc_now
from bot.licence_cards import (
    APPROVED,
    PENDING,
    REJECTED,
    REQUEST,
    RETURNED,
    RequestCard,
    request_card,
)
from bot.licences import load_request, publish_request_event
from bot.outbox import enqueue
from bot.outbox_messages import ApprovalUpdate, RequesterNotice
from bot.services import Services
from bot.text import clean_text
from storage import models
from storage.repositories import audit
from storage.repositories import licences as repo

REASON_MAX = 2000


def decision_refusal(request: models.LicenceRequest, actor: str) -> Exception:
    """Why a decision on `request` by `actor` did not happen."""
    if request.status == RETURNED:
        user = request.returned_by or ""
        return DomainError("approval.already_returned", code=request.code, user=user)
    if request.status != PENDING:
        return AlreadyDecided(
            "approval.already_decided",
            code=request.code,
            status=request.status,
            decided_by=request.decided_by,
            decided_at=request.decided_at,
        )
    if request.requested_by == actor:
        return NotAuthorized("approval.own_request", code=request.code)
    return NotFound("approval.request_not_found")


def check_can_decide(
    services: Services, authz: Authorizer, request_id: int, actor: str
) -> RequestCard:
    """Refuse early (before the reject form opens) what `decide` would refuse."""
    if not authz.allows(actor, Permission.REJECT):
        raise NotAuthorized("approval.not_approver")
    with services.db.session() as session:
        request = repo.get_request(session, request_id)
        if request is None:
            raise NotFound("approval.request_not_found")
        if request.status != PENDING or request.requested_by == actor:
            raise decision_refusal(request, actor)
        return request_card(session, request)


def clean_reason(raw: str | None, *, changes: bool = False) -> str:
    """A rejection's reason (or, with `changes`, what a returned request needs), cleaned."""
    # Control characters go (PostgreSQL text cannot even hold NUL); line breaks stay.
    reason = clean_text(raw or "", REASON_MAX + 1)
    if not reason and changes:
        raise InvalidInput("approval.changes_required", field="reason")
    if not reason:
        raise InvalidInput("approval.reason_required", field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput("approval.reason_too_long", field="reason", max=REASON_MAX)
    return reason


def decide(
    services: Services,
    authz: Authorizer,
    *,
    request_id: int,
    actor: str,
    approve: bool,
    reason: str | None = None,
) -> RequestCard:
    """Approve (grant the resources) or reject (with a reason), exactly once.

    Raises NotAuthorized for anyone but an approver and for the requester, and AlreadyDecided
    (naming who decided first) when another decision won.
    """
    if not authz.allows(actor, Permission.APPROVE if approve else Permission.REJECT):
        raise NotAuthorized("approval.not_approver")
    clean = None if approve else clean_reason(reason)
    now = utc_now(services)
    status = APPROVED if approve else REJECTED
    with services.db.session() as session:
        # The conditional update comes first: it is the decision, and it takes the row lock.
        won = repo.decide_if_pending(
            session, request_id, actor=actor, status=status, at=now, reason=clean
        )
        request = repo.get_request(session, request_id)
        if request is None:
            raise NotFound("approval.request_not_found")
        if not won:
            raise decision_refusal(request, actor)
        details: dict[str, Any] = {"code": request.code}
        if clean:
            details["reason"] = clean
        if approve:
            now = _grant(services, session, request, details)
        audit.record(
            session,
            entity_type=REQUEST,
            entity_id=request.id,
            action=status,
            actor=actor,
            at=now,
            from_status=PENDING,
            to_status=status,
            details=details,
        )
        # A rejected request frees the order for a corrected request; an approved one ends it.
        order_to = GRANTED if approve else SAVED
        if repo.move_order(session, request.igov_order_id, REQUESTED, order_to):
            audit.record(
                session,
                entity_type=ORDER,
                entity_id=request.igov_order_id,
                action="granted" if approve else "request_rejected",
                actor=actor,
                at=now,
                from_status=REQUESTED,
                to_status=order_to,
                details={"request": request.code},
            )
        enqueue(
            session,
            ApprovalUpdate(request_id=request.id),
            now=now,
            dedupe_key=f"{ApprovalUpdate.kind}:{request.id}:{status}",
        )
        enqueue(
            session,
            RequesterNotice(request_id=request.id),
            now=now,
            dedupe_key=f"{RequesterNotice.kind}:{request.id}",
        )
        refresh_home(session, (request.requested_by, actor), now)
        enqueue_order_update(session, request.igov_order_id, now)
        event = events.REQUEST_APPROVED if approve else events.REQUEST_REJECTED
        publish_request_event(services, session, request.id, event, now)
        request_id = request.id
    services.outbox.wake()
    return load_request(services, request_id)


def _grant(
    services: Services, session: Session, request: models.LicenceRequest, details: dict[str, Any]
) -> datetime:
    """Give the subscription the request's modules, rebased on the latest approved quantities.

    Two requests of one customer may have been pending together; the one approved second
    builds on the first, so nothing bought is lost. Returns when the grant happened.
    """
    repo.lock_customer(session, request.customer_id)
    # Read the clock once the lock is held: grants of one customer are then stamped in the
    # order they happened, which is what "latest approved request" relies on.
    granted_at = utc_now(services)
    repo.set_decided_at(session, request.id, granted_at)
    previous = repo.previous_quantities(session, request.customer_id, exclude_request_id=request.id)
    stale = {
        m.module_code: [m.quantity_previous, previous.get(m.module_code, 0)]
        for m in request.modules
        if m.quantity_previous != previous.get(m.module_code, 0)
    }
    modules = repo.set_modules_quantities(session, request.id, previous)
    subscription_id = request.igov_order.subscription_id
    if subscription_id is not None:
        repo.grant(session, subscription_id, modules, request_id=request.id, at=granted_at)
    details["granted"] = {m.module_code: m.quantity_total for m in modules}
    if stale:
        details["rebased"] = stale
    return granted_at
