"""Getting paid: bank-transfer notifications (SePay-style) and finance's "mark paid".

An order becomes paid exactly once, whichever arrives first; then the subscription is
archived (read-only) until expiry + quantity × term and the deletion no longer applies.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot import events
from bot.authz import Authorizer, Permission
from bot.banks import bank_name
from bot.errors import AlreadyDecided, InvalidInput, NotEligible, NotFound
from bot.home_refresh import refresh_home
from bot.logs import bind
from bot.outbox import enqueue
from bot.outbox_messages import FinanceNotice, OrderChanged, PaidEmail
from bot.services import Services
from bot.storage_orders import (
    OrderStatus,
    OrderView,
    find_order_no,
    storage_until,
)
from bot.text import clean_line
from bot.vietqr import TransferRequest, build_payload, render_png
from storage.db import Conflict, Session
from storage.models import StorageOrder
from storage.repositories import audit
from storage.repositories import storage_orders as orders_repo


class TransferOutcome(StrEnum):
    PAID = "paid"
    OVERPAID = "overpaid"  # paid, and finance is told about the surplus
    UNDERPAID = "underpaid"
    UNMATCHED = "unmatched"
    ALREADY_PAID = "already_paid"
    LATE = "late"  # the order expired before the money came
    CANCELLED = "cancelled"  # the order was cancelled before the money came
    NOT_INCOMING = "not_incoming"
    OTHER_ACCOUNT = "other_account"  # not to our account, or no account named: never pays
    DUPLICATE = "duplicate"  # the same notification again: nothing changes
    CONFLICTING = "conflicting"  # an id seen before, with other details: never pays


# Every incoming transfer that did not pay an order (and a surplus) is shown to finance.
NOTIFY_FINANCE = {
    TransferOutcome.OVERPAID,
    TransferOutcome.UNDERPAID,
    TransferOutcome.UNMATCHED,
    TransferOutcome.ALREADY_PAID,
    TransferOutcome.LATE,
    TransferOutcome.CANCELLED,
    TransferOutcome.OTHER_ACCOUNT,
    TransferOutcome.CONFLICTING,
}
# A notification's id is kept whole: a longer one is refused rather than cut, so two
# transfers can never be taken for one.
PROVIDER_ID_LIMIT = 255
# The details that make two notifications with one id the same transfer (a retry).
FINGERPRINT_FIELDS = (
    "gateway",
    "transactionDate",
    "accountNumber",
    "content",
    "transferType",
    "transferAmount",
    "referenceCode",
)


@dataclass(frozen=True)
class BankTransfer:
    provider_id: str
    gateway: str
    transaction_date: str
    account_number: str
    content: str
    transfer_type: str
    amount: int
    reference_code: str
    raw: dict[str, Any]
    account_key: str  # the account number as received, separators removed: what is compared
    fingerprint: str  # of the details as received (not cut): a retry has the same


def account_key(account_number: str) -> str:
    """`1251 0000.1234-56` and `12510000123456` are one account: letters and digits only."""
    return re.sub(r"[^0-9A-Za-z]", "", account_number).upper()


def fingerprint(body: dict[str, Any]) -> str:
    """What a retry of the same notification repeats exactly (its id aside)."""
    details = [_fingerprint_part(body.get(name)) for name in FINGERPRINT_FIELDS]
    return hashlib.sha256(json.dumps(details).encode()).hexdigest()


def _fingerprint_part(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 1e6 and 1000000 are one amount
    return "" if value is None else str(value)


def _text(body: dict[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    value = body.get(name)
    if value is None or isinstance(value, (dict, list, bool)):
        if required or value is not None:
            raise InvalidInput("webhook.field", field=name)
        return ""
    text = clean_line(str(value), limit)
    if required and not text:
        raise InvalidInput("webhook.field", field=name)
    return text


def parse_transfer(body: Any) -> BankTransfer:
    """Validate a notification's JSON; a malformed one is refused, never half-recorded."""
    if not isinstance(body, dict):
        raise InvalidInput("webhook.body", field="body")
    amount = body.get("transferAmount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
        raise InvalidInput("webhook.field", field="transferAmount")
    if not math.isfinite(amount):  # JSON parsers take NaN, Infinity and 1e999
        raise InvalidInput("webhook.field", field="transferAmount")
    if amount != int(amount) or amount > 10**13:
        raise InvalidInput("webhook.field", field="transferAmount")
    transfer_type = _text(body, "transferType", 8, required=True).lower()
    if transfer_type not in ("in", "out"):
        raise InvalidInput("webhook.field", field="transferType")
    account_value = body.get("accountNumber")
    return BankTransfer(
        provider_id=_provider_id(body.get("id")),
        gateway=_text(body, "gateway", 64),
        transaction_date=_text(body, "transactionDate", 32),
        account_number=_text(body, "accountNumber", 32),
        content=_text(body, "content", 500),
        transfer_type=transfer_type,
        amount=int(amount),
        reference_code=_text(body, "referenceCode", 64),
        raw=_keepable({k: body[k] for k in list(body)[:30] if isinstance(k, str)}),
        account_key=account_key(str(account_value)) if _is_text(account_value) else "",
        fingerprint=fingerprint(body),
    )


def _is_text(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _provider_id(value: Any) -> str:
    """The bank's id as sent (SePay: a number), whole; anything else is refused."""
    if not _is_text(value):
        raise InvalidInput("webhook.field", field="id")
    text = str(value)
    if not text or len(text) > PROVIDER_ID_LIMIT or not text.isprintable() or text != text.strip():
        raise InvalidInput("webhook.id", field="id", limit=PROVIDER_ID_LIMIT)
    return text


def _keepable(raw: dict[str, Any]) -> dict[str, Any]:
    """The notification as received, if both databases can keep it as JSON text: finite
    numbers, and strings that are Unicode (JSON escapes can carry lone surrogates)."""
    try:
        json.dumps(raw, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        raise InvalidInput("webhook.body", field="body") from None
    return raw


def _pay(
    services: Services,
    session: Session,
    order: StorageOrder,
    *,
    via: str,
    by: str,
    now: datetime,
) -> bool:
    """awaiting_payment → paid and the subscription archived; False if someone was first."""
    until = storage_until(order.subscription.expires_on, order.term_months, order.quantity)
    if not orders_repo.mark_paid(session, order.id, at=now, via=via, by=by, storage_until=until):
        return False
    orders_repo.archive_subscription(session, order.subscription_id, until)
    audit.record(
        session,
        entity_type="storage_order",
        entity_id=order.id,
        action="paid",
        actor=by,
        at=now,
        from_status=OrderStatus.AWAITING_PAYMENT.value,
        to_status=OrderStatus.PAID.value,
        details={"via": via, "storage_until": until.isoformat()},
    )
    changed = OrderChanged(order_id=order.id, event="paid")
    enqueue(session, changed, now=now, dedupe_key=f"{changed.kind}:paid:{order.id}")
    paid_email = PaidEmail(order_id=order.id)
    enqueue(session, paid_email, now=now, dedupe_key=f"{paid_email.kind}:{order.id}")
    refresh_home(session, (order.placed_by,), now)
    # AMIS keeps the account's data read-only until `storage_until` (its last day).
    data = events.order_data(order, storage_until=until.isoformat(), paid_via=via)
    endpoints = services.settings.webhook_endpoints
    events.publish(session, endpoints, events.ORDER_PAID, order.order_no, data, now=now)
    return True


def _classify(
    services: Services, session: Session, transfer: BankTransfer
) -> tuple[TransferOutcome, StorageOrder | None]:
    if transfer.transfer_type != "in":
        return TransferOutcome.NOT_INCOMING, None
    # Only money shown to have reached our own account pays an order: a notification naming
    # no account (SePay always names it) or another one goes to finance instead.
    own_account = account_key(services.settings.bank_account_no or "")
    if not own_account or transfer.account_key != own_account:
        return TransferOutcome.OTHER_ACCOUNT, None
    order_no = find_order_no(transfer.content)
    order = orders_repo.by_order_no(session, order_no) if order_no else None
    if order is None:
        return TransferOutcome.UNMATCHED, None
    if order.status == OrderStatus.PAID.value:
        return TransferOutcome.ALREADY_PAID, order
    if order.status == OrderStatus.CANCELLED.value:
        return TransferOutcome.CANCELLED, order
    if order.status != OrderStatus.AWAITING_PAYMENT.value:
        return TransferOutcome.LATE, order
    if transfer.amount < order.total:
        return TransferOutcome.UNDERPAID, order
    return (
        TransferOutcome.OVERPAID if transfer.amount > order.total else TransferOutcome.PAID
    ), order


def receive_transfer(services: Services, transfer: BankTransfer, now: datetime) -> TransferOutcome:
    """Record a notification once (by its id) and pay the order it names, if it may."""
    for _attempt in range(3):
        try:
            outcome = _receive_once(services, transfer, now)
        except Conflict:
            continue  # the same notification is being recorded concurrently
        services.outbox.wake()
        return outcome
    return TransferOutcome.DUPLICATE


def _receive_once(services: Services, transfer: BankTransfer, now: datetime) -> TransferOutcome:
    with services.db.session() as session:
        seen = orders_repo.transactions_by_provider_id(session, transfer.provider_id)
        if any(earlier.fingerprint == transfer.fingerprint for earlier in seen):
            return TransferOutcome.DUPLICATE
        if seen:  # one id, two different transfers: nothing is paid, finance decides
            outcome, order = TransferOutcome.CONFLICTING, None
        else:
            outcome, order = _classify(services, session, transfer)
        paying = order is not None and outcome in (TransferOutcome.PAID, TransferOutcome.OVERPAID)
        if paying and not _pay(services, session, order, via="transfer", by="bank", now=now):
            outcome = TransferOutcome.ALREADY_PAID
        record = orders_repo.add_transaction(
            session,
            provider_id=transfer.provider_id,
            fingerprint=transfer.fingerprint,
            gateway=transfer.gateway,
            transaction_date=transfer.transaction_date,
            account_number=transfer.account_number,
            content=transfer.content,
            transfer_type=transfer.transfer_type,
            amount=transfer.amount,
            reference_code=transfer.reference_code,
            outcome=outcome.value,
            order_id=order.id if order else None,
            raw=transfer.raw,
            received_at=now,
        )
        bind(order_id=order.id if order else None)
        if outcome in NOTIFY_FINANCE:
            enqueue(
                session,
                FinanceNotice(transaction_id=record.id),
                now=now,
                dedupe_key=f"{FinanceNotice.kind}:{record.id}",
            )
    return outcome


def mark_paid(
    services: Services, authz: Authorizer, order_id: int, user_id: str, now: datetime
) -> None:
    """Finance confirms a payment by hand (the finance role only); once per order."""
    authz.require(user_id, Permission.MARK_PAID)
    with services.db.session() as session:
        order = orders_repo.get(session, order_id)
        if order is None:
            raise NotFound("storage.order_not_found", order_no=str(order_id))
        if order.status == OrderStatus.PAID.value:
            raise AlreadyDecided("payment.already_paid", order_no=order.order_no)
        if order.status != OrderStatus.AWAITING_PAYMENT.value:
            raise NotEligible("payment.not_open", order_no=order.order_no)
        if not _pay(services, session, order, via="manual", by=user_id, now=now):
            raise AlreadyDecided("payment.already_paid", order_no=order.order_no)
    services.outbox.wake()


@dataclass(frozen=True)
class PaymentInstructions:
    """How to pay an order by bank transfer, and the VietQR code that says the same."""

    bank_name: str
    bank_bin: str
    account_no: str
    account_name: str
    amount: int
    content: str
    qr_payload: str


def instructions_for(services: Services, order: OrderView) -> PaymentInstructions:
    settings = services.settings
    if not (settings.bank_bin and settings.bank_account_no and settings.bank_account_name):
        raise NotEligible("payment.bank_not_configured")
    request = TransferRequest(
        bank_bin=settings.bank_bin,
        account_no=settings.bank_account_no,
        amount=order.total,
        purpose=order.transfer_content,
    )
    return PaymentInstructions(
        bank_name=bank_name(settings.bank_bin),
        bank_bin=settings.bank_bin,
        account_no=settings.bank_account_no,
        account_name=settings.bank_account_name,
        amount=order.total,
        content=order.transfer_content,
        qr_payload=build_payload(request),
    )


def qr_png(services: Services, order: OrderView) -> bytes:
    return render_png(instructions_for(services, order).qr_payload)


@dataclass(frozen=True)
class TransferNotice:
    """A bank transfer finance must look at, with the order it named (if any)."""

    outcome: TransferOutcome
    provider_id: str
    account_number: str
    amount: int
    content: str
    gateway: str
    transaction_date: str
    reference_code: str
    order_no: str | None
    order_total: int | None
    placed_by: str | None
    cancelled_by: str | None = None
    cancel_reason: str | None = None


def transfer_notice(services: Services, transaction_id: int) -> TransferNotice:
    with services.db.session() as session:
        transaction = orders_repo.transaction(session, transaction_id)
        if transaction is None:
            raise NotFound("payment.transaction_not_found")
        order = orders_repo.get(session, transaction.order_id) if transaction.order_id else None
        return TransferNotice(
            outcome=TransferOutcome(transaction.outcome),
            provider_id=transaction.provider_id,
            account_number=transaction.account_number,
            amount=transaction.amount,
            content=transaction.content,
            gateway=transaction.gateway,
            transaction_date=transaction.transaction_date,
            reference_code=transaction.reference_code,
            order_no=order.order_no if order else None,
            order_total=order.total if order else None,
            placed_by=order.placed_by if order else None,
            cancelled_by=order.cancelled_by if order else None,
            cancel_reason=order.cancel_reason if order else None,
        )
