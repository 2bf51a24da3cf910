"""Customers: the lookup use case and its cards (the rules of the fields: bot.customer_fields)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.authz import Authorizer, Permission
from bot.customer_fields import (
    Segment,
    TaxCode,
    looks_like_tax_code,
    parse_tax_code,
)
from bot.errors import InvalidInput, NotFound
from bot.services import Services
from bot.subscriptions import Lifecycle, LifecycleState, Product, lifecycle
from bot.text import clean_line, fold
from storage import models
from storage.db import Database
from storage.repositories import customers as customer_repo
from storage.repositories import storage_orders as order_repo

MAX_QUERY_LENGTH = 200
MAX_NAME_TOKENS = 12


@dataclass(frozen=True)
class LookupQuery:
    """What a person typed, understood: either a tax code or words of a company name."""

    text: str
    tax_code: TaxCode | None = None
    words: tuple[str, ...] = ()


def parse_lookup_query(raw: str) -> LookupQuery:
    text = clean_line(raw, MAX_QUERY_LENGTH)
    if not text:
        raise InvalidInput("lookup.empty", field="query")
    if looks_like_tax_code(text):
        return LookupQuery(text=text, tax_code=parse_tax_code(text))
    words = tuple(dict.fromkeys(fold(text).split()))
    # Single letters match too much to mean anything; single digits ("Chi nhánh 1") do.
    long_words = tuple(w for w in words if len(w) > 1 or w.isdigit()) or words
    if not long_words:
        raise InvalidInput("lookup.no_words", field="query", value=text)
    return LookupQuery(text=text, words=long_words[:MAX_NAME_TOKENS])


@dataclass(frozen=True)
class SubscriptionCard:
    """A subscription as staff see it on a lookup result."""

    id: int
    product: Product
    contract_no: str
    starts_on: date
    expires_on: date
    lifecycle: Lifecycle
    # An unpaid storage order within its payment deadline (it holds the deletion).
    open_order_no: str | None = None

    @property
    def can_order_storage(self) -> bool:
        return (
            self.product is Product.AMIS_KT
            and self.lifecycle.state is LifecycleState.EXPIRED
            and self.open_order_no is None
        )


@dataclass(frozen=True)
class CustomerCard:
    id: int
    tax_code: str
    name: str
    address: str
    segment: Segment
    budget_code: str | None
    contact_name: str
    contact_email: str
    contact_phone: str
    owner: str | None
    subscriptions: tuple[SubscriptionCard, ...]

    @property
    def is_public(self) -> bool:
        return self.segment is Segment.PUBLIC


# Where a page of lookup results ended: the ranking key of its last customer (see
# storage.repositories.customers.page_by_name and page_by_tax_code).
PageKey = tuple[int | str, ...]


@dataclass(frozen=True)
class LookupResult:
    query: LookupQuery
    customers: tuple[CustomerCard, ...]
    has_more: bool
    # The ranking key of each customer shown: a next page starts after one of them.
    keys: tuple[PageKey, ...] = ()


MAX_RESULTS = 10


# A subscription or order as the ORM loads it, or as a row of its columns (the lookup's reads).
SubscriptionLike = models.Subscription | customer_repo.Row
HoldLike = models.StorageOrder | customer_repo.Row


def subscription_card(
    subscription: SubscriptionLike, today: date, hold: HoldLike | None = None
) -> SubscriptionCard:
    return SubscriptionCard(
        id=subscription.id,
        product=Product(subscription.product),
        contract_no=subscription.contract_no,
        starts_on=subscription.starts_on,
        expires_on=subscription.expires_on,
        lifecycle=lifecycle(
            subscription.expires_on,
            today,
            storage_until=subscription.storage_until,
            data_deleted_on=subscription.data_deleted_on,
            deletion_hold_until=hold.payment_deadline if hold else None,
        ),
        open_order_no=hold.order_no if hold else None,
    )


def customer_card(
    customer: models.Customer | customer_repo.CustomerView,
    today: date,
    holds: Mapping[int, HoldLike] | None = None,
) -> CustomerCard:
    """The customer and its subscriptions on `today`; `holds` are open orders by subscription."""
    holds = holds or {}
    return CustomerCard(
        id=customer.id,
        tax_code=customer.tax_code,
        name=customer.name,
        address=customer.address,
        segment=Segment(customer.segment),
        budget_code=customer.budget_code,
        contact_name=customer.contact_name,
        contact_email=customer.contact_email,
        contact_phone=customer.contact_phone,
        owner=customer.owner,
        subscriptions=tuple(
            subscription_card(s, today, holds.get(s.id)) for s in customer.subscriptions
        ),
    )


def lookup(
    services: Services,
    authz: Authorizer,
    actor: str,
    raw_query: str,
    today: date,
    after: PageKey | None = None,
) -> LookupResult:
    """Customer lookup as people use it: allowed to staff, approvers and finance."""
    authz.require(actor, Permission.LOOKUP)
    return lookup_customers(services.db, raw_query, today, after)


def lookup_customers(
    db: Database, raw_query: str, today: date, after: PageKey | None = None
) -> LookupResult:
    """Find customers by tax code or by name words; at most MAX_RESULTS, best first, starting
    after the ranking key `after` (the end of the page shown before)."""
    query = parse_lookup_query(raw_query)
    with db.session() as session:
        found: list[tuple[PageKey, models.Customer]]
        if query.tax_code is not None:
            tax_after = _key_of(after, (int, str))
            found = list(
                customer_repo.page_by_tax_code(
                    session,
                    query.tax_code.value,
                    query.tax_code.root,
                    tax_after,
                    MAX_RESULTS + 1,
                )
            )
        else:
            name_after = _key_of(after, (int, int, int, int))
            found = list(
                customer_repo.page_by_name(
                    session,
                    query.words,
                    name_after,
                    MAX_RESULTS + 1,
                )
            )
        shown = found[:MAX_RESULTS]
        holds = order_repo.open_holds(
            session, (s.id for _, c in shown for s in c.subscriptions), today
        )
        cards = tuple(customer_card(c, today, holds) for _, c in shown)
    return LookupResult(
        query=query,
        customers=cards,
        has_more=len(found) > MAX_RESULTS,
        keys=tuple(key for key, _ in shown),
    )


def _key_of(after: PageKey | None, kinds: tuple[type, ...]) -> PageKey | None:
    """A page key of the expected shape; another (a query edited between pages) starts over."""
    if after is None or len(after) != len(kinds):
        return None
    if not all(type(part) is kind for part, kind in zip(after, kinds, strict=True)):
        return None
    return tuple(after)


def customer_by_id(
    services: Services, authz: Authorizer, actor: str, raw_id: str, today: date
) -> CustomerCard:
    """One customer as a lookup shows it (the choice of the lookup shortcut's select)."""
    authz.require(actor, Permission.LOOKUP)
    if not raw_id.isdigit() or len(raw_id) > 18:
        raise NotFound("lookup.customer_not_found")
    with services.db.session() as session:
        customer = customer_repo.get_customer(session, int(raw_id))
        if customer is None:
            raise NotFound("lookup.customer_not_found")
        holds = order_repo.open_orders(session, (s.id for s in customer.subscriptions), today)
        return customer_card(customer, today, holds)
