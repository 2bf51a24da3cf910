"""Seed 003, step 1: an iGOV add-on order for a public-sector customer (CRM order)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from bot.authz import Authorizer, Permission
from bot.customer_fields import Segment, parse_tax_code
from bot.customers import parse_lookup_query
from bot.errors import DomainError, InvalidFields, InvalidInput, NotEligible, NotFound
from bot.igov_catalogue import MAX_QUANTITY, IgovCatalogue, Package, load_catalogue
from bot.outbox import enqueue
from bot.outbox_messages import IgovOrderPost, IgovOrderUpdate
from bot.services import Services
from bot.text import clean_line, clean_text
from storage import models
from storage.db import Conflict
from storage.repositories import audit
from storage.repositories import customers as customer_repo
from storage.repositories import licences as repo

ORDER = "igov_order"  # audit entity type
SAVED, REQUESTED, GRANTED = "saved", "requested", "granted"

SALES_PROJECT_MAX = 200
DESCRIPTION_MAX = 1000
SEARCH_LIMIT = 20


def catalogue(services: Services) -> IgovCatalogue:
    return load_catalogue(services.settings.igov_catalogue)


def utc_now(services: Services) -> datetime:
    """Now, in UTC (records and messages say the time in the bot's zone when shown)."""
    return services.clock.now().astimezone(UTC)


def number(prefix: str, services: Services) -> Callable[[int], str]:
    """`IG2611220001`: prefix, local date, then the row id (unique, so safe under concurrency)."""
    today = services.clock.today()
    return lambda row_id: f"{prefix}{today:%y%m%d}{row_id:04d}"


@dataclass(frozen=True)
class IgovCustomer:
    """A customer as the order form shows it, with the iGOV subscription add-ons go on."""

    id: int
    tax_code: str
    name: str
    address: str
    budget_code: str | None
    contact_name: str
    contact_email: str
    contact_phone: str
    subscription_id: int | None
    contract_no: str | None
    expires_on: date | None


def igov_customer(session: Session, customer: models.Customer) -> IgovCustomer:
    subscription = repo.igov_subscription(session, customer.id)
    return IgovCustomer(
        id=customer.id,
        tax_code=customer.tax_code,
        name=customer.name,
        address=customer.address,
        budget_code=customer.budget_code,
        contact_name=customer.contact_name,
        contact_email=customer.contact_email,
        contact_phone=customer.contact_phone,
        subscription_id=subscription.id if subscription else None,
        contract_no=subscription.contract_no if subscription else None,
        expires_on=subscription.expires_on if subscription else None,
    )


def check_eligible(customer: models.Customer, view: IgovCustomer) -> None:
    """Only public-sector (HCSN) customers with an iGOV subscription buy iGOV add-ons."""
    if customer.segment != Segment.PUBLIC.value:
        raise NotEligible("igov.not_public", name=customer.name)
    if view.subscription_id is None:
        raise NotEligible("igov.no_subscription", name=customer.name)


def customer_for_order(services: Services, customer_id: int) -> IgovCustomer:
    """The customer an order starts from, or NotFound / NotEligible saying why not."""
    with services.db.session() as session:
        customer = customer_repo.get_customer(session, customer_id)
        if customer is None:
            raise NotFound("igov.customer_not_found")
        view = igov_customer(session, customer)
        check_eligible(customer, view)
        return view


def chosen_customer(
    services: Services, chosen: str
) -> tuple[IgovCustomer | None, DomainError | None]:
    """The customer picked in the order form, or why there can be no order for them (the form
    says so at once, and again under the input when it is submitted)."""
    customer_id = int(chosen) if re.fullmatch(r"[0-9]{1,18}", chosen) else 0
    try:
        return customer_for_order(services, customer_id), None
    except DomainError as error:
        return None, error


def customer_by_tax_code(services: Services, raw: str) -> IgovCustomer:
    """`/misa igov <tax code>`: the exact customer with that tax code, if it may buy."""
    tax_code = parse_tax_code(raw)
    with services.db.session() as session:
        found = customer_repo.find_by_tax_code(session, tax_code.value, tax_code.root, 2)
        exact = [c for c in found if c.tax_code == tax_code.value]
        if not exact:
            raise NotFound("igov.tax_code_not_found", tax_code=tax_code.value)
        view = igov_customer(session, exact[0])
        check_eligible(exact[0], view)
        return view


@dataclass(frozen=True)
class CustomerOption:
    id: int
    name: str
    tax_code: str


def search_public_customers(services: Services, query: str) -> list[CustomerOption]:
    """Public-sector customers matching what was typed (tax code digits or name words)."""
    try:
        parsed = parse_lookup_query(query)
    except InvalidInput:
        return []
    with services.db.session() as session:
        # Ask for more than shown: enterprises are filtered out afterwards.
        if parsed.tax_code is not None:
            found = customer_repo.find_by_tax_code(
                session, parsed.tax_code.value, parsed.tax_code.root, SEARCH_LIMIT * 3
            )
        else:
            found = customer_repo.search_by_name(session, parsed.words, SEARCH_LIMIT * 3)
        return [
            CustomerOption(id=c.id, name=c.name, tax_code=c.tax_code)
            for c in found
            if c.segment == Segment.PUBLIC.value
        ][:SEARCH_LIMIT]


@dataclass(frozen=True)
class OrderForm:
    """What the igov_order modal sent, as typed."""

    customer: str | None
    sales_project: str | None
    description: str | None
    qty_kt: str | None
    qty_vps: str | None


@dataclass(frozen=True)
class ValidOrder:
    customer_id: int
    sales_project: str
    description: str
    quantities: dict[Package, int]


def parse_quantity(raw: str | None, field: str) -> int:
    text = (raw or "0").strip()
    if not re.fullmatch(r"\d{1,7}", text) or int(text) > MAX_QUANTITY:
        raise InvalidInput("igov.qty_invalid", field=field, max=MAX_QUANTITY)
    return int(text)


def validate_order(form: OrderForm) -> ValidOrder:
    """Check every input; InvalidFields lists all that are wrong."""
    errors: list[InvalidInput] = []
    customer_id = 0
    if form.customer and re.fullmatch(r"[0-9]{1,18}", form.customer):
        customer_id = int(form.customer)
    else:
        errors.append(InvalidInput("igov.customer_required", field="customer"))
    sales_project = clean_line(form.sales_project or "", SALES_PROJECT_MAX + 1)
    if not sales_project:
        errors.append(InvalidInput("igov.sales_project_required", field="sales_project"))
    elif len(sales_project) > SALES_PROJECT_MAX:
        errors.append(InvalidInput("igov.too_long", field="sales_project", max=SALES_PROJECT_MAX))
    description = clean_text(form.description or "", DESCRIPTION_MAX)
    quantities: dict[Package, int] = {}
    for package, raw in ((Package.KT, form.qty_kt), (Package.VPS, form.qty_vps)):
        try:
            quantities[package] = parse_quantity(raw, f"qty_{package.value}")
        except InvalidInput as error:
            errors.append(error)
    if len(quantities) == 2 and not any(quantities.values()):
        errors.append(InvalidInput("igov.qty_none", field="qty_KT"))
    if errors:
        raise InvalidFields.of(errors)
    return ValidOrder(customer_id, sales_project, description, quantities)


@dataclass(frozen=True)
class OrderLine:
    package: Package
    quantity: int
    unit_price: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class RequestSummary:
    code: str
    status: str


@dataclass(frozen=True)
class OrderCard:
    """An order as its message shows it, in any state."""

    id: int
    order_no: str
    status: str
    customer: IgovCustomer
    sales_project: str
    description: str
    lines: tuple[OrderLine, ...]
    amount: int
    created_by: str
    created_at: datetime
    channel_id: str
    message_ts: str | None
    latest_request: RequestSummary | None

    def quantity(self, package: Package) -> int:
        return next((line.quantity for line in self.lines if line.package is package), 0)


def order_card(session: Session, order: models.IgovOrder, cat: IgovCatalogue) -> OrderCard:
    # Unit prices as they are now: the amount stored on the order is what was agreed.
    quantities = {Package.KT: order.qty_kt, Package.VPS: order.qty_vps}
    lines = tuple(OrderLine(p, q, cat.unit_price(p)) for p, q in quantities.items() if q > 0)
    latest = repo.latest_request_of_order(session, order.id)
    return OrderCard(
        id=order.id,
        order_no=order.order_no,
        status=order.status,
        customer=igov_customer(session, order.customer),
        sales_project=order.sales_project,
        description=order.description,
        lines=lines,
        amount=order.amount,
        created_by=order.created_by,
        created_at=order.created_at,
        channel_id=order.channel_id,
        message_ts=order.message_ts,
        latest_request=RequestSummary(latest.code, latest.status) if latest else None,
    )


def load_order(services: Services, order_id: int) -> OrderCard:
    with services.db.session() as session:
        order = repo.get_order(session, order_id)
        if order is None:
            raise NotFound("igov.order_not_found")
        return order_card(session, order, catalogue(services))


def place_order(
    services: Services,
    form: OrderForm,
    *,
    authz: Authorizer,
    submission_key: str,
    user: str,
    channel: str,
) -> OrderCard:
    """Save the order (status `saved`) and enqueue its message; a resubmission returns it."""
    authz.require(user, Permission.ORDER)
    valid = validate_order(form)
    cat = catalogue(services)
    try:
        with services.db.session() as session:
            existing = repo.order_by_submission(session, submission_key)
            if existing is not None:
                return order_card(session, existing_order(session, existing.id), cat)
            customer = customer_repo.get_customer(session, valid.customer_id)
            if customer is None:
                raise InvalidFields.of([InvalidInput("igov.customer_not_found", field="customer")])
            view = igov_customer(session, customer)
            try:
                check_eligible(customer, view)
            except NotEligible as error:
                raise InvalidFields.of(
                    [InvalidInput(error.key, field="customer", **error.params)]
                ) from None
            now = utc_now(services)
            order = repo.insert_order(
                session,
                number("IG", services),
                {
                    "submission_key": submission_key,
                    "customer_id": customer.id,
                    "subscription_id": view.subscription_id,
                    "sales_project": valid.sales_project,
                    "description": valid.description,
                    "qty_kt": valid.quantities[Package.KT],
                    "qty_vps": valid.quantities[Package.VPS],
                    "amount": cat.amount(valid.quantities),
                    "status": SAVED,
                    "created_by": user,
                    "channel_id": channel,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            audit.record(
                session,
                entity_type=ORDER,
                entity_id=order.id,
                action="created",
                actor=user,
                at=now,
                to_status=SAVED,
                details={"order_no": order.order_no, "amount": order.amount},
            )
            enqueue(
                session,
                IgovOrderPost(order_id=order.id),
                now=now,
                dedupe_key=f"{IgovOrderPost.kind}:{order.id}",
            )
            order_id = order.id
    except Conflict:
        # The same view submitted twice at once: the other submission saved it.
        with services.db.session() as session:
            existing = repo.order_by_submission(session, submission_key)
            if existing is None:
                raise
            order_id = existing.id
    services.outbox.wake()
    return load_order(services, order_id)


def existing_order(session: Session, order_id: int) -> models.IgovOrder:
    order = repo.get_order(session, order_id)
    if order is None:
        raise NotFound("igov.order_not_found")
    return order


def enqueue_order_update(session: Session, order_id: int, now: datetime) -> None:
    """Re-render the order message after its status changed."""
    enqueue(session, IgovOrderUpdate(order_id=order_id), now=now)


def record_order_message(services: Services, order_id: int, channel: str, ts: str) -> None:
    """Remember where the order message was posted, so later changes update it in place."""
    with services.db.session() as session:
        repo.set_order_message(session, order_id, channel, ts)
