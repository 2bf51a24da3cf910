"""A licence request returned for changes, edited and resubmitted, or withdrawn.

An approver returns a pending request with what is missing; the requester edits it (the
documents are kept unless replaced) and resubmits it, pending again under the same code; the
requester may withdraw it while it is open. Each change is one conditional update, so the
database decides between a return, a decision, an edit and a withdrawal that cross.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.approvals import clean_reason, decision_refusal
from bot.authz import Authorizer, Permission
from bot.documents import Document, DocumentKind
from bot.errors import AlreadyDecided, DomainError, NotAuthorized, NotFound
from bot.igov_orders import ORDER, REQUESTED, SAVED, enqueue_order_update, utc_now
from bot.licence_cards import (
    PENDING,
    REQUEST,
    RETURNED,
    WITHDRAWN,
    RequestCard,
    request_card,
)
from bot.licences import (
    RequestDraft,
    RequestForm,
    document_rows,
    draft_for_edit,
    load_request,
    module_rows,
    validate_request,
)
from bot.outbox import enqueue
from bot.outbox_messages import ApprovalDocuments, ApprovalUpdate, ReturnedNotice
from bot.services import Services
from storage import models
from storage.db import Conflict
from storage.repositories import audit
from storage.repositories import licences as repo


def _request(session: Session, request_id: int) -> models.LicenceRequest:
    request = repo.get_request(session, request_id)
    if request is None:
        raise NotFound("approval.request_not_found")
    return request


def _decided(request: models.LicenceRequest) -> AlreadyDecided:
    return AlreadyDecided(
        "approval.already_decided",
        code=request.code,
        status=request.status,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
    )


def _requester_refusal(
    request: models.LicenceRequest, user: str, wanted: Sequence[str]
) -> Exception:
    """Why `user` may not edit (wanted: returned) or withdraw (wanted: open) `request`."""
    if request.requested_by != user:
        return NotAuthorized("request.not_requester", code=request.code)
    if PENDING in wanted:
        return _decided(request)
    if request.status == PENDING:
        return DomainError("request.not_returned", code=request.code)
    return DomainError("request.no_longer_returned", code=request.code)


def _updated(session: Session, request: models.LicenceRequest, now: datetime) -> None:
    """The approval message and the order message, redrawn from the database."""
    enqueue(
        session,
        ApprovalUpdate(request_id=request.id),
        now=now,
        dedupe_key=f"{ApprovalUpdate.kind}:{request.id}:{request.status}:{now.isoformat()}",
    )
    enqueue_order_update(session, request.igov_order_id, now)


# -- an approver returns it ------------------------------------------------------------------


def check_can_return(
    services: Services, authz: Authorizer, request_id: int, actor: str
) -> RequestCard:
    """Refuse early (before the form asking what is missing opens) what `return_for_changes`
    would refuse."""
    if not authz.allows(actor, Permission.REJECT):
        raise NotAuthorized("approval.not_approver")
    with services.db.session() as session:
        request = _request(session, request_id)
        if request.status != PENDING or request.requested_by == actor:
            raise decision_refusal(request, actor)
        return request_card(session, request)


def return_for_changes(
    services: Services, authz: Authorizer, *, request_id: int, actor: str, reason: str | None
) -> RequestCard:
    """Return a pending request to its requester with what must be added or corrected."""
    if not authz.allows(actor, Permission.REJECT):
        raise NotAuthorized("approval.not_approver")
    clean = clean_reason(reason, changes=True)
    now = utc_now(services)
    with services.db.session() as session:
        won = repo.return_if_pending(session, request_id, actor=actor, at=now, reason=clean)
        request = _request(session, request_id)
        if not won:
            raise decision_refusal(request, actor)
        audit.record(
            session,
            entity_type=REQUEST,
            entity_id=request.id,
            action="returned",
            actor=actor,
            at=now,
            from_status=PENDING,
            to_status=RETURNED,
            details={"code": request.code, "reason": clean},
        )
        _updated(session, request, now)
        enqueue(
            session,
            ReturnedNotice(request_id=request.id),
            now=now,
            dedupe_key=f"{ReturnedNotice.kind}:{request.id}:{now.isoformat()}",
        )
    services.outbox.wake()
    return load_request(services, request_id)


# -- the requester edits and resubmits it ----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RequestEdit:
    """The form for editing a returned request: the order's modules with the quantities as
    they are now, and what the request says (to prefill)."""

    draft: RequestDraft
    request: RequestCard


def _edit_draft(
    session: Session, services: Services, request: models.LicenceRequest
) -> RequestDraft:
    draft = draft_for_edit(services, session, request.igov_order_id)
    info = {k: str(v) for k, v in (request.customer_info or {}).items()}
    return dataclasses.replace(draft, customer_info={**draft.customer_info, **info})


def prepare_edit(services: Services, request_id: int, user: str) -> RequestEdit:
    """The edit form of a returned request, for the person who sent it."""
    with services.db.session() as session:
        request = _request(session, request_id)
        if request.status != RETURNED or request.requested_by != user:
            raise _requester_refusal(request, user, (RETURNED,))
        return RequestEdit(_edit_draft(session, services, request), request_card(session, request))


def check_edit(
    services: Services,
    request_id: int,
    form: RequestForm,
    files: Mapping[DocumentKind, str | None],
    user: str,
) -> dict[DocumentKind, str]:
    """The inputs of an edited request, checked before any document is downloaded; the
    documents are optional (one not given is kept). Returns the file ids to download."""
    edit = prepare_edit(services, request_id, user)
    validate_request(edit.draft, form)
    return {kind: file_id for kind, file_id in files.items() if file_id}


def resubmit_request(
    services: Services,
    *,
    request_id: int,
    form: RequestForm,
    documents: Sequence[Document],
    submission_key: str,
    user: str,
) -> RequestCard:
    """The edited request, pending again under its code; `documents` replace those of their
    kind. The same form submitted again returns the request."""
    now = utc_now(services)
    try:
        with services.db.session() as session:
            won = repo.resubmit_if_returned(
                session, request_id, requester=user, at=now, submission_key=submission_key
            )
            request = _request(session, request_id)
            if not won:
                raise _requester_refusal(request, user, (RETURNED,))
            draft = _edit_draft(session, services, request)
            valid = validate_request(draft, form)
            values: dict[str, Any] = {
                "misa_id_email": valid.misa_id_email,
                "misa_id_phone": valid.misa_id_phone,
                "customer_info": valid.customer_info,
                "amount": draft.amount,
            }
            repo.update_request_details(
                session, request.id, values, module_rows(valid), document_rows(documents)
            )
            replaced = [d.kind.value for d in documents]
            details: dict[str, Any] = {"code": request.code}
            if replaced:
                details["replaced"] = replaced
            audit.record(
                session,
                entity_type=REQUEST,
                entity_id=request.id,
                action="resubmitted",
                actor=user,
                at=now,
                from_status=RETURNED,
                to_status=PENDING,
                details=details,
            )
            _updated(session, request, now)
            if replaced:
                enqueue(
                    session,
                    ApprovalDocuments(request_id=request.id, kinds=tuple(replaced)),
                    now=now,
                    dedupe_key=f"{ApprovalDocuments.kind}:{submission_key}",
                )
    except Conflict:  # the same form, submitted twice at once: the other one saved it
        with services.db.session() as session:
            if repo.request_by_submission(session, submission_key) is None:
                raise
    services.outbox.wake()
    return load_request(services, request_id)


# -- the requester withdraws it --------------------------------------------------------------


def withdraw_request(services: Services, *, request_id: int, user: str) -> RequestCard:
    """Withdraw an open request (pending or returned); its order is free for a new one."""
    now = utc_now(services)
    with services.db.session() as session:
        won = repo.withdraw_if_open(session, request_id, requester=user, at=now)
        request = _request(session, request_id)
        if not won:
            raise _requester_refusal(request, user, (PENDING, RETURNED))
        audit.record(
            session,
            entity_type=REQUEST,
            entity_id=request.id,
            action=WITHDRAWN,
            actor=user,
            at=now,
            from_status=_status_before(session, request.id, PENDING),
            to_status=WITHDRAWN,
            details={"code": request.code},
        )
        if repo.move_order(session, request.igov_order_id, REQUESTED, SAVED):
            audit.record(
                session,
                entity_type=ORDER,
                entity_id=request.igov_order_id,
                action="request_withdrawn",
                actor=user,
                at=now,
                from_status=REQUESTED,
                to_status=SAVED,
                details={"request": request.code},
            )
        _updated(session, request, now)
    services.outbox.wake()
    return load_request(services, request_id)


def _status_before(session: Session, request_id: int, fallback: str) -> str:
    """The status the request had before this change: the last one its history recorded."""
    events = audit.history(session, REQUEST, request_id)
    return next((e.to_status for e in reversed(events) if e.to_status), fallback)
