"""The data storage package procedure (seed 000): eligibility, pricing, invoice, placing.

Payment is in `bot/payments.py`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from bot import events
from bot.authz import Authorizer, Permission
from bot.catalog import StoragePackage
from bot.customer_fields import parse_email, parse_phone
from bot.customer_fields import parse_tax_code as parse_tax
from bot.customers import CustomerCard, HoldLike, SubscriptionCard, customer_card
from bot.errors import DomainError, InvalidFields, InvalidInput, NotEligible, NotFound
from bot.home_refresh import refresh_home
from bot.logs import bind
from bot.outbox import enqueue
from bot.outbox_messages import OrderEmail, OrderPlaced
from bot.services import Services
from bot.subscriptions import LifecycleState, Product
from bot.text import clean_line
from bot.vietqr import purpose_for
from storage.db import Conflict, Session
from storage.models import StorageOrder
from storage.repositories import audit
from storage.repositories import customers as customer_repo
from storage.repositories import storage_orders as orders_repo

# Order numbers go into bank transfer contents: upper-case letters and digits only, with an
# alphabet that avoids I, L, O and U (Crockford) so nothing reads as 1 or 0.
ORDER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_NO = re.compile(r"LT\d{6}[0-9A-HJKMNP-TV-Z]{6}")
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_\-]{43}")

ENTITY = "storage_order"  # audit entity type


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Pricing:
    package: StoragePackage
    quantity: int
    amount: int
    tax_amount: int
    total: int


def parse_quantity(raw: str | int | None, package: StoragePackage) -> int:
    text = str(raw if raw is not None else "").strip()
    if not re.fullmatch(r"\d{1,4}", text):
        raise InvalidInput("storage.quantity_number", field="quantity", max=package.max_quantity)
    quantity = int(text)
    if not 1 <= quantity <= package.max_quantity:
        raise InvalidInput("storage.quantity_range", field="quantity", max=package.max_quantity)
    return quantity


def preview(
    services: Services, package_code: str, raw: str | int | None, previous: int
) -> tuple[Pricing, InvalidInput | None]:
    """The totals the form shows while a quantity is typed: for that quantity, or, when it is
    not one, for the `previous` quantity with the reason (the submission refuses it again)."""
    package = package_by_code(services, package_code)
    try:
        return price(package, parse_quantity(raw, package)), None
    except InvalidInput as error:
        return price(package, previous), error


def price(package: StoragePackage, quantity: int) -> Pricing:
    amount = package.unit_price * quantity
    tax = amount * package.tax_rate_percent // 100
    return Pricing(package, quantity, amount, tax, amount + tax)


def storage_until(expires_on: date, term_months: int, quantity: int) -> date:
    """Read-only storage runs from the expiry date for quantity × term months."""
    return expires_on + relativedelta(months=term_months * quantity)


@dataclass(frozen=True)
class InvoiceInfo:
    buyer_name: str
    buyer_tax_code: str
    buyer_address: str
    recipient_name: str
    invoice_email: str
    phone: str

    @classmethod
    def prefill(cls, customer: CustomerCard) -> InvoiceInfo:
        return cls(
            buyer_name=customer.name,
            buyer_tax_code=customer.tax_code,
            buyer_address=customer.address,
            recipient_name=customer.contact_name,
            invoice_email=customer.contact_email,
            phone=customer.contact_phone,
        )


INVOICE_LIMITS = {"buyer_name": 400, "buyer_address": 500, "recipient_name": 200}


def validate_invoice(raw: Mapping[str, str | None]) -> InvoiceInfo:
    """Check every invoice field; all problems are raised together as InvalidFields."""
    errors: dict[str, InvalidInput] = {}
    values: dict[str, str] = {}
    for name, limit in INVOICE_LIMITS.items():
        text = clean_line(raw.get(name) or "", 10_000)
        if not text:
            errors[name] = InvalidInput("storage.field_required", field=name)
        elif len(text) > limit:
            errors[name] = InvalidInput("storage.field_too_long", field=name, max=limit)
        values[name] = text
    checks = {
        "buyer_tax_code": lambda v: parse_tax(v).value,
        "invoice_email": lambda v: parse_email(v, field="invoice_email"),
        "phone": lambda v: parse_phone(v, field="phone") if v.strip() else "",
    }
    for name, check in checks.items():
        try:
            values[name] = check(raw.get(name) or "")
        except InvalidInput as error:
            error.field = name
            errors[name] = error
    if errors:
        raise InvalidFields(errors)
    return InvoiceInfo(**values)


def check_eligible(subscription: SubscriptionCard, open_order: HoldLike | None) -> None:
    """Only an AMIS Kế toán subscription in its 30-day grace, without an open order."""
    lc = subscription.lifecycle
    if subscription.product is not Product.AMIS_KT:
        raise NotEligible("storage.not_amis", product=subscription.product.value)
    if open_order is not None:
        raise NotEligible(
            "storage.open_order", order_no=open_order.order_no, deadline=open_order.payment_deadline
        )
    match lc.state:
        case LifecycleState.ACTIVE:
            raise NotEligible("storage.active", expires_on=lc.expires_on)
        case LifecycleState.DATA_DELETED:
            raise NotEligible("storage.data_deleted", deleted_on=lc.data_deleted_date)
        case LifecycleState.ARCHIVED:
            raise NotEligible("storage.archived", storage_until=lc.storage_until)


@dataclass(frozen=True)
class OrderForm:
    customer: CustomerCard
    subscription: SubscriptionCard
    package: StoragePackage
    invoice: InvoiceInfo


def default_package(services: Services) -> StoragePackage:
    """The package an order form starts with: the first one offered."""
    return services.settings.storage_packages[0]


def package_by_code(services: Services, code: str) -> StoragePackage:
    """A package on offer; NotFound for a code that is not (or no longer) offered."""
    for package in services.settings.storage_packages:
        if package.code == code:
            return package
    raise NotFound("storage.package_unknown", code=code[:40])


def _eligible_subscription(
    session: Session, subscription_id: int, today: date
) -> tuple[CustomerCard, SubscriptionCard]:
    customer = customer_repo.view_of_subscription(session, subscription_id)
    if customer is None:
        raise NotFound("storage.subscription_not_found")
    holds = orders_repo.open_holds(session, [subscription_id], today)
    card = customer_card(customer, today, holds)
    sub_card = next(s for s in card.subscriptions if s.id == subscription_id)
    check_eligible(sub_card, holds.get(subscription_id))
    return card, sub_card


def open_order_form(
    services: Services, authz: Authorizer, actor: str, subscription_id: int, today: date
) -> OrderForm:
    """What the order form starts with; refuses accounts that may not buy (NotEligible)."""
    authz.require(actor, Permission.ORDER)
    with services.db.session() as session:
        card, sub_card = _eligible_subscription(session, subscription_id, today)
    return OrderForm(card, sub_card, default_package(services), InvoiceInfo.prefill(card))


@dataclass(frozen=True)
class PlaceOrder:
    """An order as submitted: the quantity and the invoice fields as typed."""

    submission_key: str
    subscription_id: int
    package_code: str
    quantity: str | int | None
    invoice: Mapping[str, str | None]  # by InvoiceInfo field name
    placed_by: str
    channel_id: str


@dataclass(frozen=True)
class ValidOrder:
    pricing: Pricing
    invoice: InvoiceInfo


def validate_order(services: Services, command: PlaceOrder) -> ValidOrder:
    """Check the package, the quantity and every invoice field; InvalidFields lists all the
    inputs that are wrong, NotFound says the package is not on offer."""
    package = package_by_code(services, command.package_code)
    errors: dict[str, DomainError] = {}
    quantity = invoice = None
    try:
        quantity = parse_quantity(command.quantity, package)
    except InvalidInput as error:
        errors["quantity"] = error
    try:
        invoice = validate_invoice(command.invoice)
    except InvalidFields as failed:
        errors.update(failed.errors)
    if errors or quantity is None or invoice is None:
        raise InvalidFields(errors)
    return ValidOrder(price(package, quantity), invoice)


def new_order_no(today: date) -> str:
    suffix = "".join(secrets.choice(ORDER_ALPHABET) for _ in range(6))
    return f"LT{today:%y%m%d}{suffix}"


def place_order(
    services: Services, authz: Authorizer, command: PlaceOrder, now: datetime
) -> tuple[int, bool]:
    """Store the order once (per submission) and queue its message, QR and email.

    Returns (order id, created). The inputs are checked first (InvalidFields); eligibility is
    checked again: the account may have been renewed, archived or ordered for since the form
    was opened.
    """
    valid = validate_order(services, command)
    authz.require(command.placed_by, Permission.ORDER)
    for _attempt in range(3):
        try:
            return _place_once(services, command, valid, now)
        except Conflict:
            continue  # a twin submission or an order-number clash won the race: look again
    raise RuntimeError("could not place the order after 3 attempts")


def _place_once(
    services: Services, command: PlaceOrder, valid: ValidOrder, now: datetime
) -> tuple[int, bool]:
    today = now.date()
    with services.db.session() as session:
        existing = orders_repo.by_submission_key(session, command.submission_key)
        if existing is not None:
            return existing.id, False
        card, _ = _eligible_subscription(session, command.subscription_id, today)
        pricing = valid.pricing
        package = pricing.package
        order = StorageOrder(
            order_no=new_order_no(today),
            token=secrets.token_urlsafe(32),
            submission_key=command.submission_key,
            subscription_id=command.subscription_id,
            customer_id=card.id,
            package_code=package.code,
            package_name=package.name,
            term_months=package.term_months,
            unit_price=package.unit_price,
            quantity=pricing.quantity,
            amount=pricing.amount,
            tax_label=package.tax_label,
            tax_amount=pricing.tax_amount,
            total=pricing.total,
            status=OrderStatus.AWAITING_PAYMENT.value,
            payment_deadline=today + timedelta(days=services.settings.storage_payment_days),
            placed_by=command.placed_by,
            channel_id=command.channel_id,
            email_status="queued",
            **vars(valid.invoice),
        )
        session.add(order)
        session.flush()
        bind(order_id=order.id)
        audit.record(
            session,
            entity_type=ENTITY,
            entity_id=order.id,
            action="placed",
            actor=command.placed_by,
            at=now,
            to_status=order.status,
            details={"order_no": order.order_no, "total": order.total},
        )
        for message in (OrderPlaced(order_id=order.id), OrderEmail(order_id=order.id)):
            enqueue(session, message, now=now, dedupe_key=f"{message.kind}:{order.id}")
        _publish_placed(services, session, order, now)
        refresh_home(session, (command.placed_by,), now)  # "my orders" on their Home tab
        order_id = order.id
    services.outbox.wake()
    return order_id, True


def _publish_placed(
    services: Services, session: Session, order: StorageOrder, now: datetime
) -> None:
    endpoints = services.settings.webhook_endpoints
    if not events.subscribed(endpoints, events.ORDER_PLACED):
        return
    placed = orders_repo.get(session, order.id)
    assert placed is not None
    data = events.order_data(
        placed,
        package_code=placed.package_code,
        term_months=placed.term_months,
        quantity=placed.quantity,
        total=placed.total,
        payment_deadline=placed.payment_deadline.isoformat(),
    )
    events.publish(session, endpoints, events.ORDER_PLACED, placed.order_no, data, now=now)


def find_order_no(text: str) -> str | None:
    """The order number inside a bank transfer's content, despite spaces, dashes and case."""
    compact = re.sub(r"[^0-9A-Z]", "", text.upper())
    match = ORDER_NO.search(compact)
    return match.group(0) if match else None


@dataclass(frozen=True)
class OrderView:
    """An order as people see it (Slack message, order page, email)."""

    id: int
    order_no: str
    token: str
    status: OrderStatus
    customer_name: str
    customer_tax_code: str
    contract_no: str
    expires_on: date
    package_name: str
    term_months: int
    unit_price: int
    quantity: int
    amount: int
    tax_label: str
    tax_amount: int
    total: int
    invoice: InvoiceInfo
    payment_deadline: date
    placed_by: str
    channel_id: str
    message_ts: str | None
    paid_at: datetime | None
    paid_via: str | None
    paid_by: str | None
    storage_until: date | None
    email_status: str
    created_at: datetime
    paid_email_sent_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None

    @property
    def transfer_content(self) -> str:
        """What the customer types as the transfer's content: the order number first."""
        return purpose_for(self.order_no, "thanh toan")

    @property
    def planned_storage_until(self) -> date:
        return self.storage_until or storage_until(self.expires_on, self.term_months, self.quantity)


def order_view(order: StorageOrder) -> OrderView:
    return OrderView(
        id=order.id,
        order_no=order.order_no,
        token=order.token,
        status=OrderStatus(order.status),
        customer_name=order.customer.name,
        customer_tax_code=order.customer.tax_code,
        contract_no=order.subscription.contract_no,
        expires_on=order.subscription.expires_on,
        package_name=order.package_name,
        term_months=order.term_months,
        unit_price=order.unit_price,
        quantity=order.quantity,
        amount=order.amount,
        tax_label=order.tax_label,
        tax_amount=order.tax_amount,
        total=order.total,
        invoice=InvoiceInfo(
            buyer_name=order.buyer_name,
            buyer_tax_code=order.buyer_tax_code,
            buyer_address=order.buyer_address,
            recipient_name=order.recipient_name,
            invoice_email=order.invoice_email,
            phone=order.phone,
        ),
        payment_deadline=order.payment_deadline,
        placed_by=order.placed_by,
        channel_id=order.channel_id,
        message_ts=order.message_ts,
        paid_at=order.paid_at,
        paid_via=order.paid_via,
        paid_by=order.paid_by,
        storage_until=order.storage_until,
        email_status=order.email_status,
        created_at=order.created_at,
        paid_email_sent_at=order.paid_email_sent_at,
        cancelled_at=order.cancelled_at,
        cancelled_by=order.cancelled_by,
        cancel_reason=order.cancel_reason,
    )


def get_order(services: Services, order_id: int) -> OrderView:
    with services.db.session() as session:
        order = orders_repo.get(session, order_id)
        if order is None:
            raise NotFound("storage.order_not_found", order_no=str(order_id))
        return order_view(order)


def record_order_message(services: Services, order_id: int, channel: str, ts: str) -> None:
    """Remember where the order message was posted, so later changes update it in place."""
    with services.db.session() as session:
        orders_repo.set_message(session, order_id, channel, ts)


def find_order(services: Services, authz: Authorizer, actor: str, order_no: str) -> OrderView:
    """By order number as typed (case and spacing do not matter)."""
    authz.require(actor, Permission.LOOKUP)
    normalised = re.sub(r"[^0-9A-Z]", "", order_no.upper())
    with services.db.session() as session:
        order = orders_repo.by_order_no(session, normalised) if normalised else None
        if order is None:
            raise NotFound("storage.order_not_found", order_no=order_no.strip()[:40])
        return order_view(order)


def order_by_token(services: Services, token: str) -> OrderView | None:
    """The customer page's order, or None for anything that is not a live token."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    with services.db.session() as session:
        order = orders_repo.by_token(session, token)
        return order_view(order) if order else None
