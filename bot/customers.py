"""Customers: tax code, budget code and contact rules, and the lookup use case."""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from bot.authz import Authorizer, Permission
from bot.errors import InvalidInput, NotFound
from bot.services import Services
from bot.subscriptions import Lifecycle, LifecycleState, Product, lifecycle
from bot.text import clean_line, fold
from storage import models
from storage.db import Database
from storage.repositories import customers as customer_repo
from storage.repositories import storage_orders as order_repo

TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
BUDGET_CODE_FIRST_DIGITS = frozenset("12378")

# ASCII digits only: `\d` would also take Arabic-Indic or full-width digits, stored as typed.
_TAX_CODE_CHARS = re.compile(r"[0-9\s.\-]+")
_SEPARATORS = re.compile(r"[\s.]")
# What word processors put where `-` was typed (hyphen, non-breaking hyphen, figure, en and em
# dashes, minus sign, small and full-width hyphen-minus), and invisible characters pasted along
# with it (soft hyphen, zero-width spaces and joiners, byte order mark).
_PASTED = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-")
    | dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", "")
)
# A 12-digit personal id (citizen id) starts with the code of the province where the birth was
# registered: one of the 63 province codes of the citizen id, between 001 and 096.
_PROVINCE_CODES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
)
PERSONAL_ID_PROVINCES = frozenset(_PROVINCE_CODES.split())


class Segment(StrEnum):
    ENTERPRISE = "enterprise"
    PUBLIC = "public"


_SEGMENT_ALIASES = {
    "enterprise": Segment.ENTERPRISE,
    "doanh nghiep": Segment.ENTERPRISE,
    "dn": Segment.ENTERPRISE,
    "public": Segment.PUBLIC,
    "hcsn": Segment.PUBLIC,
    "hanh chinh su nghiep": Segment.PUBLIC,
}


@dataclass(frozen=True)
class TaxCode:
    """A normalised tax code: `0101243150`, `0101243150-001`, or a 12-digit personal id."""

    value: str

    @property
    def root(self) -> str:
        return self.value.split("-", 1)[0]

    @property
    def branch(self) -> str | None:
        return self.value.split("-", 1)[1] if "-" in self.value else None

    @property
    def is_personal(self) -> bool:
        return len(self.value) == 12

    def __str__(self) -> str:
        return self.value


def tax_check_digit(first_nine: str) -> int | None:
    """The tenth digit a 10-digit root must have, or None when no digit can be valid."""
    if len(first_nine) != len(TAX_CODE_WEIGHTS):
        raise ValueError(f"nine digits expected, got {first_nine!r}")
    total = sum(map(operator.mul, map(int, first_nine), TAX_CODE_WEIGHTS))
    check = 10 - total % 11
    return None if check == 10 else check


def looks_like_tax_code(text: str) -> bool:
    """Digits with optional spaces, dots and dashes: the person typed a tax code."""
    text = text.translate(_PASTED)
    return bool(_TAX_CODE_CHARS.fullmatch(text)) and any(ch.isdigit() for ch in text)


def parse_tax_code(raw: str) -> TaxCode:
    """Normalise and check a tax code; the error says exactly what is wrong."""
    text = raw.translate(_PASTED).strip()
    if not text:
        raise InvalidInput("tax_code.empty", field="tax_code")
    if not _TAX_CODE_CHARS.fullmatch(text):
        raise InvalidInput("tax_code.characters", field="tax_code", value=text[:40])
    compact = _SEPARATORS.sub("", text)
    if compact.count("-") > 1 or compact.startswith("-") or compact.endswith("-"):
        raise InvalidInput("tax_code.format", field="tax_code", value=text[:40])
    root, _, branch = compact.partition("-")
    if not branch and len(root) == 13:
        root, branch = root[:10], root[10:]
    if not branch and len(root) == 12:
        if root[:3] not in PERSONAL_ID_PROVINCES:
            raise InvalidInput(
                "tax_code.province", field="tax_code", value=text[:40], province=root[:3]
            )
        return TaxCode(root)
    if len(root) != 10 or (branch and len(branch) != 3) or ("-" in compact and not branch):
        raise InvalidInput("tax_code.length", field="tax_code", value=text[:40], digits=len(root))
    if root[2:9] == "0000000":
        raise InvalidInput("tax_code.zero_serial", field="tax_code", value=text[:40])
    check = tax_check_digit(root[:9])
    if check is None:
        raise InvalidInput("tax_code.no_check_digit", field="tax_code", value=text[:40])
    if int(root[9]) != check:
        raise InvalidInput(
            "tax_code.check_digit", field="tax_code", value=text[:40], expected=check
        )
    if branch == "000":
        raise InvalidInput("tax_code.branch_zero", field="tax_code", value=text[:40])
    return TaxCode(f"{root}-{branch}" if branch else root)


def parse_budget_code(raw: str) -> str:
    """A budget-unit code (mã ĐVQHNS): 7 digits, the first 1, 2, 3, 7 or 8."""
    code = _SEPARATORS.sub("", raw.strip())
    if not re.fullmatch(r"[0-9]{7}", code):
        raise InvalidInput("budget_code.format", field="budget_code", value=raw.strip())
    if code[0] not in BUDGET_CODE_FIRST_DIGITS:
        raise InvalidInput("budget_code.first_digit", field="budget_code", value=code)
    return code


def parse_segment(raw: str) -> Segment:
    segment = _SEGMENT_ALIASES.get(fold(raw))
    if segment is None:
        raise InvalidInput("segment.unknown", field="segment", value=raw.strip())
    return segment


# The usual shape of an address: a dot-atom of plain ASCII before the @. Such a local part is
# valid and kept as typed by email_validator, so only the domain needs its (cached) verdict.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*")
_DOMAINS: dict[str, str | None] = {}  # domain as typed: normalised, or None when invalid
_MAX_DOMAINS = 100_000


def _normalised_domain(domain: str) -> str | None:
    """The domain as email_validator normalises it, or None when it refuses it."""
    found = _DOMAINS.get(domain, "")
    if found != "":
        return found
    try:
        found = validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        found = None
    if len(_DOMAINS) >= _MAX_DOMAINS:
        _DOMAINS.clear()
    _DOMAINS[domain] = found
    return found


def parse_email(raw: str, *, field: str = "email") -> str:
    """Syntax check only (no DNS): the normalised address, or an error saying why."""
    text = raw.strip()
    if not text:
        raise InvalidInput("email.empty", field=field)
    local, at, domain = text.rpartition("@")
    if at and len(text) <= 200 and len(local) <= 64 and _PLAIN_LOCAL.fullmatch(local):
        # The common case, checked without parsing it again (imports check a million).
        normalised = _normalised_domain(domain)
        if normalised is not None:
            return f"{local}@{normalised}"
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidInput("email.invalid", field=field, value=text[:100]) from None


def parse_phone(raw: str, *, field: str = "phone") -> str:
    """A Vietnamese phone number as 0XXXXXXXXX (10 or 11 digits); +84 is accepted."""
    text = re.sub(r"[\s.\-()]", "", raw.strip())
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    if not re.fullmatch(r"0[0-9]{9,10}", text):
        raise InvalidInput("phone.invalid", field=field, value=raw.strip()[:40])
    return text


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
