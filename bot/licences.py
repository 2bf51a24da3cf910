"""Seed 003, step 2: the licence request (yêu cầu cấp GPSD/Thuê bao) from an iGOV order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import events
from bot.authz import Authorizer, Permission
from bot.customer_fields import parse_email, parse_phone
from bot.documents import Document, DocumentKind
from bot.errors import DomainError, InvalidFields, InvalidInput, NotEligible, NotFound
from bot.home_refresh import refresh_home
from bot.igov_catalogue import EXTRA_VALUE_MAX, IgovCatalogue, Package
from bot.igov_orders import (
    ORDER,
    REQUESTED,
    SAVED,
    OrderCard,
    catalogue,
    check_eligible,
    enqueue_order_update,
    existing_order,
    number,
    order_card,
    utc_now,
)
from bot.licence_cards import (
    PENDING,
    REQUEST,
    ModuleLine,
    RequestCard,
    request_card,
)
from bot.logs import bind
from bot.outbox import enqueue
from bot.outbox_messages import ApprovalPost
from bot.services import Services
from bot.text import clean_line
from storage import models
from storage.db import Conflict
from storage.repositories import audit
from storage.repositories import licences as repo

PRODUCT = "IGOV"
REQUEST_TYPE_GRANT = "grant"  # "Cấp": the only request type of an add-on purchase
CUSTOMER_TEXT_FIELDS = {"customer_name": 400, "customer_address": 500, "contact_name": 200}


@dataclass(frozen=True)
class RequestDraft:
    """What the license_request form is filled in with, from the order and the catalogue."""

    order: OrderCard
    product: str
    budget_code: str
    amount: int
    request_type: str
    sector: str
    modules: tuple[ModuleLine, ...]
    customer_info: dict[str, str]

    def module(self, code: str) -> ModuleLine | None:
        return next((m for m in self.modules if m.code == code), None)


def _draft(
    session: Session, order: models.IgovOrder, cat: IgovCatalogue, *, editing: bool = False
) -> RequestDraft:
    """The form for a new request from `order` (which must be free), or for editing the
    request it holds (`editing`: the order stays `requested` while its request is returned)."""
    card = order_card(session, order, cat)
    if order.status != (REQUESTED if editing else SAVED):
        latest = card.latest_request
        raise NotEligible(
            "request.order_has_request",
            order_no=order.order_no,
            code=latest.code if latest else "",
        )
    check_eligible(order.customer, card.customer)
    previous = repo.previous_quantities(session, order.customer_id)
    modules = tuple(
        ModuleLine(
            package=package,
            code=module.code,
            name=module.name,
            months=module.months,
            previous=previous.get(module.code, 0),
            bought=card.quantity(package),
            extra_fields=module.extra_fields,
        )
        for package in Package
        if card.quantity(package) > 0
        for module in cat.modules_of(package)
    )
    customer = card.customer
    return RequestDraft(
        order=card,
        product=PRODUCT,
        budget_code=customer.budget_code or "",
        amount=order.amount,
        request_type=REQUEST_TYPE_GRANT,
        sector=cat.sector,
        modules=modules,
        customer_info={
            "customer_name": customer.name,
            "customer_address": customer.address,
            "contact_name": customer.contact_name,
            "contact_email": customer.contact_email,
            "contact_phone": customer.contact_phone,
        },
    )


def draft_for_edit(services: Services, session: Session, order_id: int) -> RequestDraft:
    """The form for editing the returned request that `order_id` holds."""
    return _draft(session, existing_order(session, order_id), catalogue(services), editing=True)


def prepare_request(services: Services, order_id: int) -> RequestDraft:
    """The form for a request from this order, or NotEligible when it already has one."""
    with services.db.session() as session:
        return _draft(session, existing_order(session, order_id), catalogue(services))


@dataclass(frozen=True)
class RequestForm:
    """What the license_request modal sent, as typed."""

    order_id: int
    modules: Sequence[str]
    extra: Mapping[str, Mapping[str, str]]
    misa_id_email: str | None
    misa_id_phone: str | None
    customer: Mapping[str, str | None]


@dataclass(frozen=True)
class ValidRequest:
    modules: tuple[ModuleLine, ...]
    misa_id_email: str
    misa_id_phone: str
    customer_info: dict[str, str]


def clean_extra(module: ModuleLine, values: Mapping[str, str]) -> dict[str, str]:
    """Only the fields the module asks for, one line each, empty ones dropped."""
    cleaned = {}
    for key in module.extra_fields:
        value = clean_line(values.get(key) or "", EXTRA_VALUE_MAX)
        if value:
            cleaned[key] = value
    return cleaned


def validate_request(draft: RequestDraft, form: RequestForm) -> ValidRequest:
    """Check every input against the draft; InvalidFields lists all that are wrong."""
    errors: list[InvalidInput] = []
    chosen = [draft.module(code) for code in dict.fromkeys(form.modules)]
    if not form.modules or any(m is None for m in chosen):
        errors.append(InvalidInput("request.modules_required", field="modules"))
    modules = tuple(
        ModuleLine(
            **{**vars(m), "extra": tuple(clean_extra(m, form.extra.get(m.code, {})).items())}
        )
        for m in chosen
        if m is not None
    )
    email = phone = ""
    try:
        email = parse_email(form.misa_id_email or "", field="misa_id_email")
    except InvalidInput as error:
        errors.append(error)
    try:
        phone = parse_phone(form.misa_id_phone or "", field="misa_id_phone")
    except InvalidInput as error:
        errors.append(error)
    info = {"tax_code": draft.order.customer.tax_code, "budget_code": draft.budget_code}
    for field, limit in CUSTOMER_TEXT_FIELDS.items():
        value = clean_line(form.customer.get(field) or "", limit)
        if not value:
            errors.append(InvalidInput("request.customer_required", field=field))
        info[field] = value
    for field, parse in (("contact_email", parse_email), ("contact_phone", parse_phone)):
        try:
            info[field] = parse(form.customer.get(field) or "", field=field)
        except InvalidInput as error:
            errors.append(error)
    if errors:
        raise InvalidFields.of(errors)
    return ValidRequest(modules, email, phone, info)


def check_request(
    services: Services, form: RequestForm, files: Mapping[DocumentKind, str | None]
) -> dict[DocumentKind, str]:
    """What can be checked before the documents are downloaded: the inputs against the order
    as it is now, and one file attached per document (`files`: its Slack file id). Returns the
    file ids; InvalidFields lists every input that is wrong."""
    errors: dict[str, DomainError] = {}
    try:
        validate_request(prepare_request(services, form.order_id), form)
    except InvalidFields as failed:
        errors.update(failed.errors)
    except DomainError as error:  # the order got a request meanwhile: said at the modules
        errors["modules"] = error
    for kind, file_id in files.items():
        if not file_id:
            field = f"{kind.value}_file"
            errors.setdefault(field, InvalidInput("request.file_required", field=field))
    if errors:
        raise InvalidFields(errors)
    return {kind: file_id for kind, file_id in files.items() if file_id}


def submit_request(
    services: Services,
    form: RequestForm,
    documents: Sequence[Document],
    *,
    authz: Authorizer,
    submission_key: str,
    user: str,
) -> RequestCard:
    """Save the request (`pending`) with its documents and enqueue the approval message.

    The same view submitted again returns the request it created.
    """
    authz.require(user, Permission.ORDER)
    cat = catalogue(services)
    try:
        with services.db.session() as session:
            existing = repo.request_by_submission(session, submission_key)
            if existing is None:
                order = existing_order(session, form.order_id)
                draft = _draft(session, order, cat)
                valid = validate_request(draft, form)
                request_id = _save(services, session, draft, valid, documents, submission_key, user)
            else:
                request_id = existing.id
    except Conflict:
        with services.db.session() as session:
            existing = repo.request_by_submission(session, submission_key)
            if existing is None:
                raise
            request_id = existing.id
    services.outbox.wake()
    return load_request(services, request_id)


def _save(
    services: Services,
    session: Session,
    draft: RequestDraft,
    valid: ValidRequest,
    documents: Sequence[Document],
    submission_key: str,
    user: str,
) -> int:
    now = utc_now(services)
    order = draft.order
    request = repo.insert_request(
        session,
        number("YC", services),
        {
            "submission_key": submission_key,
            "igov_order_id": order.id,
            "customer_id": order.customer.id,
            "product": draft.product,
            "budget_code": draft.budget_code,
            "amount": draft.amount,
            "request_type": draft.request_type,
            "sector": draft.sector,
            "misa_id_email": valid.misa_id_email,
            "misa_id_phone": valid.misa_id_phone,
            "customer_info": valid.customer_info,
            "status": PENDING,
            "requested_by": user,
            "created_at": now,
            "updated_at": now,
        },
        module_rows(valid),
        document_rows(documents),
    )
    bind(licence_request_id=request.id, order_id=order.id)
    if not repo.move_order(session, order.id, SAVED, REQUESTED):
        # Someone else sent a request from this order meanwhile: roll everything back.
        raise NotEligible("request.order_has_request", order_no=order.order_no, code="")
    audit.record(
        session,
        entity_type=REQUEST,
        entity_id=request.id,
        action="submitted",
        actor=user,
        at=now,
        to_status=PENDING,
        details={"code": request.code, "order_no": order.order_no},
    )
    audit.record(
        session,
        entity_type=ORDER,
        entity_id=order.id,
        action="requested",
        actor=user,
        at=now,
        from_status=SAVED,
        to_status=REQUESTED,
        details={"request": request.code},
    )
    message = ApprovalPost(request_id=request.id)
    enqueue(session, message, now=now, dedupe_key=f"{message.kind}:{request.id}")
    publish_request_event(services, session, request.id, events.REQUEST_SUBMITTED, now)
    enqueue_order_update(session, order.id, now)
    refresh_home(session, (request.requested_by,), now)
    return request.id


def publish_request_event(
    services: Services, session: Session, request_id: int, event_type: str, now: datetime
) -> None:
    """The licence request event `event_type`, with its modules and quantities."""
    endpoints = services.settings.webhook_endpoints
    if not events.subscribed(endpoints, event_type):
        return
    request = repo.get_request(session, request_id)
    assert request is not None
    subscription = request.igov_order.subscription_id
    card = repo.get_subscription(session, subscription) if subscription else None
    extra = {}
    if event_type != events.REQUEST_REJECTED:
        extra["modules"] = events.granted_modules(request.modules)
    data = events.request_data(request, card.contract_no if card else None, **extra)
    events.publish(session, endpoints, event_type, request.code, data, now=now)


def module_rows(valid: ValidRequest) -> list[dict[str, Any]]:
    return [
        {
            "package": m.package.value,
            "module_code": m.code,
            "module_name": m.name,
            "months": m.months,
            "quantity_previous": m.previous,
            "quantity_bought": m.bought,
            "quantity_total": m.total,
            "extra_info": dict(m.extra),
        }
        for m in valid.modules
    ]


def document_rows(documents: Sequence[Document]) -> list[dict[str, Any]]:
    return [
        {
            "kind": d.kind.value,
            "slack_file_id": d.slack_file_id,
            "name": d.name[:255],
            "mimetype": d.mimetype,
            "size": d.size,
            "sha256": d.sha256,
            "content": d.content,
        }
        for d in documents
    ]


def request_for_submission(services: Services, submission_key: str) -> RequestCard | None:
    """The request a view already created (a resubmission is answered with it)."""
    with services.db.session() as session:
        existing = repo.request_by_submission(session, submission_key)
        if existing is None:
            return None
        request = repo.get_request(session, existing.id)
        return None if request is None else request_card(session, request)


def load_request(services: Services, request_id: int) -> RequestCard:
    with services.db.session() as session:
        request = repo.get_request(session, request_id)
        if request is None:
            raise NotFound("approval.request_not_found")
        return request_card(session, request)


def record_approval_message(services: Services, request_id: int, channel: str, ts: str) -> None:
    """Remember where the approval message was posted, so the decision updates it in place."""
    with services.db.session() as session:
        repo.set_approval_message(session, request_id, channel, ts)


def kept_documents(services: Services, request_id: int) -> list[Document]:
    """The documents kept with a request, with their content, in `DocumentKind` order."""
    documents = []
    with services.db.session() as session:
        for kind in DocumentKind:
            row = repo.document(session, request_id, kind.value)
            if row is not None:
                documents.append(
                    Document(
                        kind=kind,
                        slack_file_id=row.slack_file_id,
                        name=row.name,
                        mimetype=row.mimetype,
                        content=row.content,
                    )
                )
    return documents
