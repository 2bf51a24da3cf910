"""The CRM keeps customers and subscriptions in step through the sync API (handlers/crm_api.py).

A synced customer is checked by the import's own row rule (`bot.import_rows.parse_row`, once per
subscription) and stored by the import's upsert, so the API accepts and refuses exactly what
a file row would. A subscription whose expiry changes is checked again at once: an open storage
order that the account may no longer have (it was renewed) is cancelled with the reason, the
way a person cancels one, and its placer is told.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from bot.customers import CustomerCard, customer_card, subscription_card
from bot.errors import InvalidFields, InvalidInput, NotEligible, NotFound
from bot.i18n import Translator
from bot.import_rows import (
    CUSTOMER_DETAILS,
    SUBSCRIPTION_COLUMNS,
    CustomerRecord,
    ImportRow,
    SubscriptionRecord,
    parse_row,
    parse_tax_code_cell,
)
from bot.order_corrections import cancel_open_order
from bot.services import Services
from bot.storage_orders import check_eligible
from bot.webhook_endpoints import WebhookEndpoint
from storage.db import Conflict, Session
from storage.repositories import audit
from storage.repositories import crm_sync as sync_repo
from storage.repositories import imports as import_repo
from storage.repositories import storage_orders as orders_repo

# The API's fields are the import file's columns.
CUSTOMER_FIELDS = CUSTOMER_DETAILS
SUBSCRIPTION_FIELDS = SUBSCRIPTION_COLUMNS
MAX_BATCH = 1000
MAX_SUBSCRIPTIONS = 200  # per customer
ACTOR = "crm"  # who the history names for a change made through the API
ENTITY = "customer"


class SyncStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


@dataclass(frozen=True)
class CustomerSync:
    """One customer as the CRM sends it, checked."""

    customer: CustomerRecord
    subscriptions: tuple[SubscriptionRecord, ...]

    @property
    def tax_code(self) -> str:
        return self.customer.tax_code


@dataclass(frozen=True)
class SyncedCustomer:
    card: CustomerCard
    updated_at: datetime


@dataclass(frozen=True)
class SyncResult:
    status: SyncStatus
    customer: SyncedCustomer | None = None
    cancelled_orders: tuple[str, ...] = ()
    errors: InvalidFields | None = None


@dataclass
class _Errors:
    by_field: dict[str, InvalidInput] = field(default_factory=dict)

    def add(self, at: str, key: str, **params: Any) -> None:
        self.by_field.setdefault(at, InvalidInput(key, field=at, **params))


def _texts(
    raw: Mapping[str, Any], names: Sequence[str], prefix: str, errors: _Errors
) -> dict[str, Any]:
    """The named values (text or null), unknown keys refused."""
    for key in raw:
        if key not in names:
            errors.add(f"{prefix}{key}", "api.field_unknown", name=f"{prefix}{key}")
    values: dict[str, Any] = {}
    for name in names:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            errors.add(f"{prefix}{name}", "api.field_not_text", name=f"{prefix}{name}")
            value = None
        values[name] = value
    return values


def parse_customer(body: Any, path_tax_code: str | None = None) -> CustomerSync:
    """The customer of a PUT (tax code from the path) or of a batch item (from the body);
    every problem at once as InvalidFields keyed by field (`subscriptions[0].expires_on`)."""
    if not isinstance(body, dict):
        raise InvalidFields({"body": InvalidInput("api.body_not_object", field="body")})
    errors = _Errors()
    names = ("tax_code", *CUSTOMER_FIELDS, "subscriptions")
    customer = _texts({k: v for k, v in body.items() if k != "subscriptions"}, names, "", errors)
    customer.pop("subscriptions")
    if path_tax_code is not None:
        _same_tax_code(path_tax_code, customer["tax_code"], errors)
        customer["tax_code"] = path_tax_code
    subscriptions = body.get("subscriptions")
    if not isinstance(subscriptions, list) or not subscriptions:
        errors.add("subscriptions", "api.subscriptions_required")
        subscriptions = []
    elif len(subscriptions) > MAX_SUBSCRIPTIONS:
        errors.add("subscriptions", "api.subscriptions_too_many", max=MAX_SUBSCRIPTIONS)
        subscriptions = []
    records: list[SubscriptionRecord] = []
    first_of: dict[str, int] = {}
    record: CustomerRecord | None = None
    items = [item if isinstance(item, dict) else None for item in subscriptions]
    if not any(items):  # the customer's own fields are checked all the same
        _row_errors({**customer, **_PLACEHOLDER}, customer, "", errors)
    for index, item in enumerate(items):
        prefix = f"subscriptions[{index}]."
        if item is None:
            errors.add(prefix.rstrip("."), "api.subscription_not_object")
            continue
        raw = {**customer, **_texts(item, SUBSCRIPTION_FIELDS, prefix, errors)}
        row = _row_errors(raw, customer, prefix, errors)
        if row is None:
            continue
        contract = row.subscription.contract_no
        first = first_of.setdefault(contract, index)
        if first != index:
            errors.add(prefix + "contract_no", "api.duplicate_contract", contract_no=contract)
            continue
        record = row.customer
        records.append(row.subscription)
    if errors.by_field:
        raise InvalidFields(errors.by_field)
    assert record is not None
    return CustomerSync(record, tuple(records))


# A subscription that passes the row rule: with it, a customer without subscriptions still
# has its own fields checked (the placeholder's own problems cannot arise).
_PLACEHOLDER = {
    "product": "AMIS_KT",
    "contract_no": "placeholder",
    "starts_on": "2000-01-01",
    "expires_on": "2000-01-01",
}


def _row_errors(
    raw: dict[str, Any], customer: Mapping[str, Any], prefix: str, errors: _Errors
) -> ImportRow | None:
    """The import's row rule; each problem kept under the field it names."""
    try:
        return parse_row(0, raw)
    except InvalidFields as failed:
        for column, error in failed.errors.items():
            name = column if column in customer else prefix + column
            errors.by_field.setdefault(name, _named(error, name))
        return None


def _named(error: Any, name: str) -> InvalidInput:
    return InvalidInput(error.key, field=name, **error.params)


def _same_tax_code(path: str, in_body: str | None, errors: _Errors) -> None:
    if not in_body:
        return
    try:
        same = parse_tax_code_cell(in_body).value == parse_tax_code_cell(path).value
    except InvalidInput:
        same = in_body.strip() == path.strip()
    if not same:
        errors.add("tax_code", "api.tax_code_mismatch", path=path[:20], body=in_body[:20])


def check_tax_code(raw: str) -> str:
    """A tax code from the path, as the import reads it (InvalidFields on `tax_code`)."""
    try:
        return parse_tax_code_cell(raw).value
    except InvalidInput as error:
        raise InvalidFields({"tax_code": _named(error, "tax_code")}) from None


T = TypeVar("T")


def _retrying(work: Callable[[], T]) -> T:
    """`work` again when a concurrent sync created the same customer or contract first (the
    unique constraint refused ours): it then finds them and updates or leaves them."""
    for _attempt in range(2):
        try:
            return work()
        except Conflict:
            continue
    return work()


def sync_customer(services: Services, sync: CustomerSync) -> SyncResult:
    """Store one customer (PUT): created, updated, or unchanged (then nothing is written)."""
    now, today = services.clock.now(), services.clock.today()

    def store() -> SyncResult:
        with services.db.session() as session:
            endpoints = services.settings.webhook_endpoints
            status, cancelled = _store(session, [sync], now, today, endpoints)[0]
            customer = sync_repo.customer_with_subscriptions(session, sync.tax_code)
            assert customer is not None
            holds = orders_repo.open_orders(session, (s.id for s in customer.subscriptions), today)
            synced = SyncedCustomer(customer_card(customer, today, holds), customer.updated_at)
        return SyncResult(status, synced, cancelled)

    result = _retrying(store)
    if result.cancelled_orders:
        services.outbox.wake()
    return result


def sync_batch(services: Services, items: Sequence[Any]) -> list[tuple[str | None, SyncResult]]:
    """Store every valid item of a batch in one transaction; invalid ones are reported and
    skipped (a tax code or a contract met twice in the batch is invalid the second time)."""
    if len(items) > MAX_BATCH:
        raise InvalidInput("api.batch_too_large", field="customers", max=MAX_BATCH)
    results: list[tuple[str | None, SyncResult | None]] = []
    valid: list[CustomerSync] = []
    seen_tax_codes: set[str] = set()
    seen_contracts: set[str] = set()
    for item in items:
        raw_tax_code = item.get("tax_code") if isinstance(item, dict) else None
        label = raw_tax_code if isinstance(raw_tax_code, str) else None
        try:
            sync = parse_customer(item)
            _once_per_batch(sync, seen_tax_codes, seen_contracts)
        except InvalidFields as failed:
            results.append((label, SyncResult(SyncStatus.INVALID, errors=failed)))
            continue
        valid.append(sync)
        results.append((sync.tax_code, None))
    if valid:
        now, today = services.clock.now(), services.clock.today()

        def store() -> list[tuple[SyncStatus, tuple[str, ...]]]:
            with services.db.session() as session:
                endpoints = services.settings.webhook_endpoints
                return _store(session, valid, now, today, endpoints)

        stored = _retrying(store)
        outcomes = iter(stored)
        results = [(label, result or SyncResult(*next(outcomes))) for label, result in results]
        if any(cancelled for _, cancelled in stored):
            services.outbox.wake()
    return [(label, result) for label, result in results if result is not None]


def _once_per_batch(sync: CustomerSync, tax_codes: set[str], contracts: set[str]) -> None:
    if sync.tax_code in tax_codes:
        raise InvalidFields({"tax_code": "api.batch_duplicate_customer"})
    repeated = [s.contract_no for s in sync.subscriptions if s.contract_no in contracts]
    if repeated:
        error = InvalidInput(
            "api.batch_duplicate_contract", field="subscriptions", contract_no=repeated[0]
        )
        raise InvalidFields({"subscriptions": error})
    tax_codes.add(sync.tax_code)
    contracts.update(s.contract_no for s in sync.subscriptions)


def _store(
    session: Session,
    syncs: Sequence[CustomerSync],
    now: datetime,
    today: date,
    endpoints: Sequence[WebhookEndpoint],
) -> list[tuple[SyncStatus, tuple[str, ...]]]:
    """The customers through the import's upsert, all at once; for each, what happened to it
    (what the upsert will change is told from the stored values it compares) and the open
    orders its renewals cancelled."""
    sync_repo.lock_syncs(session)
    customers, subscriptions = sync_repo.stored_values(
        session,
        (sync.tax_code for sync in syncs),
        (s.contract_no for sync in syncs for s in sync.subscriptions),
    )
    statuses = [_status(sync, customers, subscriptions) for sync in syncs]
    import_repo.upsert_rows(
        session,
        [(sync.customer.__dict__, s.__dict__) for sync in syncs for s in sync.subscriptions],
    )
    session.expire_all()
    renewed = [
        s.contract_no
        for sync in syncs
        for s in sync.subscriptions
        if s.contract_no in subscriptions
        and subscriptions[s.contract_no]["expires_on"] != s.expires_on
    ]
    cancelled = cancel_orders_of_renewed(session, renewed, now, today, endpoints)
    changed = [
        (sync, st)
        for sync, st in zip(syncs, statuses, strict=True)
        if st is not SyncStatus.UNCHANGED
    ]
    ids = sync_repo.customer_ids(session, (sync.tax_code for sync, _ in changed))
    outcomes: list[tuple[SyncStatus, tuple[str, ...]]] = []
    for sync, status in zip(syncs, statuses, strict=True):
        orders = tuple(
            cancelled[s.contract_no] for s in sync.subscriptions if s.contract_no in cancelled
        )
        if status is not SyncStatus.UNCHANGED:
            audit.record(
                session,
                entity_type=ENTITY,
                entity_id=ids[sync.tax_code],
                action=f"synced_{status.value}",
                actor=ACTOR,
                at=now,
                details={
                    "contracts": [s.contract_no for s in sync.subscriptions],
                    "cancelled_orders": list(orders),
                },
            )
        outcomes.append((status, orders))
    return outcomes


def _status(
    sync: CustomerSync,
    customers: dict[str, dict[str, Any]],
    subscriptions: dict[str, dict[str, Any]],
) -> SyncStatus:
    stored = customers.get(sync.tax_code)
    if stored is None:
        return SyncStatus.CREATED
    values = sync.customer.__dict__
    if any(stored[name] != values[name] for name in import_repo.CUSTOMER_FIELDS):
        return SyncStatus.UPDATED
    for subscription in sync.subscriptions:
        current = subscriptions.get(subscription.contract_no)
        wanted = {**subscription.__dict__, "customer_id": stored["id"]}
        if current is None or any(
            current[name] != wanted[name] for name in import_repo.SUBSCRIPTION_FIELDS
        ):
            return SyncStatus.UPDATED
    return SyncStatus.UNCHANGED


def cancel_orders_of_renewed(
    session: Session,
    contract_nos: list[str],
    now: datetime,
    today: date,
    endpoints: Sequence[WebhookEndpoint],
) -> dict[str, str]:
    """Each open order of these subscriptions is checked again by the order rule; one whose
    account may no longer buy storage (renewed, say) is cancelled, saying why. The orders
    cancelled, by contract number."""
    subscriptions = sync_repo.subscriptions(session, contract_nos)
    orders = orders_repo.open_orders(session, (s.id for s in subscriptions), today)
    cancelled: dict[str, str] = {}
    for subscription in subscriptions:
        order = orders.get(subscription.id)
        if order is None:
            continue
        try:
            check_eligible(subscription_card(subscription, today), None)
        except NotEligible as refusal:
            # The history and the order message keep the reason in the default language.
            t = Translator()
            if refusal.key == "storage.active":
                reason = t("api.order_cancelled_renewed", expires_on=subscription.expires_on)
            else:
                reason = t("api.order_cancelled_changed")
            order = orders_repo.get(session, order.id) or order  # with its customer
            if cancel_open_order(
                session, order, ACTOR, reason, now, endpoints=endpoints, event="renewed"
            ):
                cancelled[subscription.contract_no] = order.order_no
    return cancelled


def customer_by_tax_code(services: Services, raw_tax_code: str) -> SyncedCustomer:
    """GET: the customer and its subscriptions; NotFound when the CRM never sent it."""
    tax_code = check_tax_code(raw_tax_code)
    today = services.clock.today()
    with services.db.session() as session:
        customer = sync_repo.customer_with_subscriptions(session, tax_code)
        if customer is None:
            raise NotFound("api.customer_not_found", tax_code=tax_code)
        holds = orders_repo.open_orders(session, (s.id for s in customer.subscriptions), today)
        return SyncedCustomer(customer_card(customer, today, holds), customer.updated_at)
