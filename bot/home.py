"""The App Home as a personal dashboard: what waits for this person, by role; and finance
resolving a transfer that paid nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from bot.authz import Authorizer, Permission, Role
from bot.customers import SubscriptionCard, subscription_card
from bot.errors import AlreadyDecided, InvalidInput, NotFound
from bot.home_refresh import refresh_home
from bot.licence_cards import APPROVED, REJECTED, RequestCard
from bot.licence_lookup import pending_requests
from bot.payments import NOTIFY_FINANCE, TransferOutcome
from bot.services import Services
from bot.storage_orders import OrderStatus
from bot.text import clean_line
from storage.repositories import home as repo
from storage.repositories import storage_orders as order_repo

T = TypeVar("T")

SHOWN = 10  # items per section (and per page of a section)
MAX_PAGES = 10
REQUESTS_SINCE = timedelta(days=30)
PAID_SINCE = timedelta(days=7)
EXPIRING_WITHIN = timedelta(days=30)
GRACE = timedelta(days=30)
# Transfers that paid nothing (a surplus did pay its order: not listed).
UNRESOLVED = frozenset(NOTIFY_FINANCE - {TransferOutcome.OVERPAID, TransferOutcome.ALREADY_PAID})
NOTE_LIMIT = 1000


class Section(StrEnum):
    APPROVALS = "approvals"
    MY_REQUESTS = "my_requests"
    MY_ORDERS = "my_orders"
    MY_ACCOUNTS = "my_accounts"
    FINANCE = "finance"


SECTIONS = (
    Section.APPROVALS,
    Section.MY_REQUESTS,
    Section.MY_ORDERS,
    Section.MY_ACCOUNTS,
    Section.FINANCE,
)


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One section's items on the page shown, and how many there are in all."""

    items: tuple[T, ...]
    total: int
    page: int = 0

    @property
    def first(self) -> int:
        return self.page * SHOWN

    @property
    def rest(self) -> int:
        return max(self.total - self.first - len(self.items), 0)


@dataclass(frozen=True)
class MyRequest:
    id: int
    code: str
    customer: str
    status: str  # a licence request state (bot.licence_cards): pending, approved…
    amount: int
    changed_at: datetime


@dataclass(frozen=True)
class MyOrder:
    id: int
    order_no: str
    customer: str
    total: int
    status: OrderStatus
    payment_deadline: date
    paid_at: datetime | None


@dataclass(frozen=True)
class MyAccount:
    customer: str
    tax_code: str
    subscription: SubscriptionCard


@dataclass(frozen=True)
class Transfer:
    id: int
    outcome: TransferOutcome
    amount: int
    content: str
    received_at: datetime
    order_no: str | None


@dataclass(frozen=True)
class Dashboard:
    """What a person's Home shows above the help guide; None: not theirs to see."""

    approvals: Listing[RequestCard] | None
    my_requests: Listing[MyRequest]
    my_orders: Listing[MyOrder]
    my_accounts: Listing[MyAccount]
    finance: Listing[Transfer] | None


def dashboard(
    services: Services, authz: Authorizer, user: str, pages: dict[str, int] | None = None
) -> Dashboard:
    """The sections of `user`'s Home; `pages` says which page of a section to show."""
    pages = pages or {}
    now = services.clock.now()
    today = services.clock.today()

    def page(section: str) -> int:
        return min(max(pages.get(section, 0), 0), MAX_PAGES - 1)

    approvals = None
    if authz.is_approver(user):
        approvals = _approvals(services, authz, user, page(Section.APPROVALS))
    finance = None
    if authz.has_role(user, Role.FINANCE):
        finance = _transfers(services, page(Section.FINANCE))
    with services.db.session() as session:
        return Dashboard(
            approvals=approvals,
            my_requests=_my_requests(session, user, now, page(Section.MY_REQUESTS)),
            my_orders=_my_orders(session, user, now, page(Section.MY_ORDERS)),
            my_accounts=_my_accounts(session, user, today, page(Section.MY_ACCOUNTS)),
            finance=finance,
        )


def _approvals(services: Services, authz: Authorizer, user: str, page: int) -> Listing[RequestCard]:
    """Requests waiting, oldest first (the most urgent), others' only: approvers never decide
    their own."""
    cards, _ = pending_requests(services, authz, user, SHOWN * MAX_PAGES)
    theirs = [card for card in cards if card.requested_by != user]
    shown = theirs[page * SHOWN : (page + 1) * SHOWN]
    return Listing(tuple(shown), len(theirs), page)


def _my_requests(session: Session, user: str, now: datetime, page: int) -> Listing[MyRequest]:
    # Every state but the final ones is still open: states added later show up too.
    rows, total = repo.requests_of(
        session, user, (APPROVED, REJECTED), now - REQUESTS_SINCE, SHOWN * (page + 1)
    )
    items = tuple(
        MyRequest(
            id=r.id,
            code=r.code,
            customer=r.customer.name,
            status=r.status,
            amount=r.amount,
            changed_at=r.updated_at or r.created_at,
        )
        for r in rows[page * SHOWN :]
    )
    return Listing(items, total, page)


def _my_orders(session: Session, user: str, now: datetime, page: int) -> Listing[MyOrder]:
    rows, total = repo.orders_of(
        session,
        user,
        OrderStatus.AWAITING_PAYMENT.value,
        OrderStatus.PAID.value,
        now - PAID_SINCE,
        SHOWN * (page + 1),
    )
    items = tuple(
        MyOrder(
            id=o.id,
            order_no=o.order_no,
            customer=o.customer.name,
            total=o.total,
            status=OrderStatus(o.status),
            payment_deadline=o.payment_deadline,
            paid_at=o.paid_at,
        )
        for o in rows[page * SHOWN :]
    )
    return Listing(items, total, page)


def _my_accounts(session: Session, user: str, today: date, page: int) -> Listing[MyAccount]:
    rows, total = repo.accounts_of(
        session, user, today + EXPIRING_WITHIN, today - GRACE, SHOWN * (page + 1)
    )
    shown = rows[page * SHOWN :]
    holds = order_repo.open_orders(session, (s.id for s in shown), today)
    items = tuple(
        MyAccount(
            customer=s.customer.name,
            tax_code=s.customer.tax_code,
            subscription=subscription_card(s, today, holds.get(s.id)),
        )
        for s in shown
    )
    return Listing(items, total, page)


def _transfers(services: Services, page: int) -> Listing[Transfer]:
    with services.db.session() as session:
        rows, total = repo.unresolved_transfers(session, UNRESOLVED, SHOWN * (page + 1))
        orders = _order_numbers(session, (r.order_id for r in rows if r.order_id))
        items = tuple(
            Transfer(
                id=r.id,
                outcome=TransferOutcome(r.outcome),
                amount=r.amount,
                content=r.content,
                received_at=r.received_at,
                order_no=orders.get(r.order_id) if r.order_id else None,
            )
            for r in rows[page * SHOWN :]
        )
    return Listing(items, total, page)


def _order_numbers(session: Session, ids: Iterable[int]) -> dict[int, str]:
    found = (order_repo.get(session, i) for i in set(ids))
    return {o.id: o.order_no for o in found if o is not None}


def resolve_transfer(
    services: Services, authz: Authorizer, actor: str, transaction_id: int, note: str
) -> None:
    """Finance marks a transfer that paid nothing as dealt with, saying how."""
    authz.require(actor, Permission.MARK_PAID)
    text = clean_line(note, NOTE_LIMIT)
    if not text:
        raise InvalidInput("transfer.note_empty", field="note")
    now = services.clock.now()
    with services.db.session() as session:
        if order_repo.transaction(session, transaction_id) is None:
            raise NotFound("transfer.not_found")
        if not repo.resolve_transfer(session, transaction_id, UNRESOLVED, actor, text, now):
            raise AlreadyDecided("transfer.already_resolved")
        refresh_home(session, (actor,), now)
    services.outbox.wake()
