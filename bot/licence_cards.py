"""Read models of licence requests: what a message or a reply shows, built from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.igov_catalogue import Package
from bot.igov_orders import ORDER
from storage import models
from storage.repositories import audit
from storage.repositories import licences as repo

REQUEST = "licence_request"  # audit entity type
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
RETURNED, WITHDRAWN = "returned", "withdrawn"  # for changes (by an approver); by the requester
OPEN = (PENDING, RETURNED)


@dataclass(frozen=True)
class ModuleLine:
    """A module (nghiệp vụ) on a request: months of use and previous + bought = total."""

    package: Package
    code: str
    name: str
    months: int
    previous: int
    bought: int
    extra_fields: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def total(self) -> int:
        return self.previous + self.bought


@dataclass(frozen=True)
class DocumentInfo:
    kind: str
    name: str
    mimetype: str
    size: int
    sha256: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    entity_type: str
    reference: str
    action: str
    from_status: str | None
    to_status: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class RequestCard:
    """A licence request in any state, with everything an approver needs."""

    id: int
    code: str
    status: str
    order_id: int
    order_no: str
    sales_project: str
    customer_id: int
    customer_name: str
    tax_code: str
    contract_no: str | None
    product: str
    budget_code: str
    amount: int
    request_type: str
    sector: str
    misa_id_email: str
    misa_id_phone: str
    customer_info: dict[str, Any]
    modules: tuple[ModuleLine, ...]
    documents: tuple[DocumentInfo, ...]
    requested_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reject_reason: str | None
    approval_channel: str | None
    approval_ts: str | None
    returned_by: str | None = None
    returned_at: datetime | None = None
    return_reason: str | None = None
    # The request's own state changes, oldest first (its order's are not included).
    history: tuple[HistoryEntry, ...] = ()

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING

    @property
    def is_open(self) -> bool:
        """Not decided yet: the requester may still withdraw it."""
        return self.status in OPEN

    @property
    def was_returned(self) -> bool:
        return self.returned_at is not None


def module_line(module: models.LicenceRequestModule) -> ModuleLine:
    return ModuleLine(
        package=Package(module.package),
        code=module.module_code,
        name=module.module_name,
        months=module.months,
        previous=module.quantity_previous,
        bought=module.quantity_bought,
        extra=tuple((k, str(v)) for k, v in (module.extra_info or {}).items()),
    )


def request_card(session: Session, request: models.LicenceRequest) -> RequestCard:
    order = request.igov_order
    subscription = (
        repo.get_subscription(session, order.subscription_id) if order.subscription_id else None
    )
    return RequestCard(
        id=request.id,
        code=request.code,
        status=request.status,
        order_id=order.id,
        order_no=order.order_no,
        sales_project=order.sales_project,
        customer_id=request.customer_id,
        customer_name=request.customer.name,
        tax_code=request.customer.tax_code,
        contract_no=subscription.contract_no if subscription else None,
        product=request.product,
        budget_code=request.budget_code,
        amount=request.amount,
        request_type=request.request_type,
        sector=request.sector,
        misa_id_email=request.misa_id_email,
        misa_id_phone=request.misa_id_phone,
        customer_info=dict(request.customer_info or {}),
        modules=tuple(module_line(m) for m in request.modules),
        documents=tuple(
            DocumentInfo(d.kind, d.name, d.mimetype, d.size, d.sha256) for d in request.documents
        ),
        requested_by=request.requested_by,
        created_at=request.created_at,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        reject_reason=request.reject_reason,
        approval_channel=request.approval_channel,
        approval_ts=request.approval_ts,
        returned_by=request.returned_by,
        returned_at=request.returned_at,
        return_reason=request.return_reason,
        history=tuple(_entries(audit.history(session, REQUEST, request.id), REQUEST, request.code))
        if request.returned_at is not None
        else (),
    )


def history(session: Session, request: models.LicenceRequest) -> list[HistoryEntry]:
    """The request's state changes and its order's, oldest first."""
    order = request.igov_order
    entries = [
        (event, REQUEST, request.code) for event in audit.history(session, REQUEST, request.id)
    ]
    entries += [(event, ORDER, order.order_no) for event in audit.history(session, ORDER, order.id)]
    entries.sort(key=lambda item: item[0].id)  # one table: ids are the order of events
    return [_entry(event, entity, reference) for event, entity, reference in entries]


def _entry(event: Any, entity: str, reference: str) -> HistoryEntry:
    return HistoryEntry(
        at=event.at,
        actor=event.actor,
        entity_type=entity,
        reference=reference,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        details=dict(event.details or {}),
    )


def _entries(events: Any, entity: str, reference: str) -> list[HistoryEntry]:
    return [_entry(event, entity, reference) for event in events]
