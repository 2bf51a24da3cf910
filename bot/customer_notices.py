"""What the customer is told outside Slack: MISA's support contact, and the payment
confirmation emailed to the invoice address once an order is paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.config import Settings
from bot.errors import NotFound
from bot.outbox import enqueue
from bot.outbox_messages import OrderChanged
from bot.services import Services
from bot.storage_orders import OrderStatus, OrderView, order_view
from storage.repositories import storage_orders as orders_repo


@dataclass(frozen=True)
class SupportContact:
    hotline: str
    email: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SupportContact:
        return cls(hotline=settings.support_hotline, email=settings.support_email)

    @property
    def tel(self) -> str:
        """The hotline as a `tel:` link target (digits and a leading +)."""
        return "".join(c for c in self.hotline if c.isdigit() or c == "+")


@dataclass(frozen=True)
class PaymentConfirmation:
    """A paid order as the confirmation email tells it."""

    order: OrderView
    amount_received: int
    paid_at: datetime
    storage_until: date
    login_url: str
    support: SupportContact


def payment_confirmation(services: Services, order_id: int) -> PaymentConfirmation:
    """The confirmation of a paid order; NotFound if the order is gone or not paid."""
    with services.db.session() as session:
        row = orders_repo.get(session, order_id)
        if row is None or row.status != OrderStatus.PAID.value or row.paid_at is None:
            raise NotFound("storage.order_not_found", order_no=str(order_id))
        order = order_view(row)
        received = orders_repo.amount_received(session, order_id)
    return PaymentConfirmation(
        order=order,
        amount_received=received if received is not None else order.total,
        paid_at=row.paid_at,
        storage_until=order.planned_storage_until,
        login_url=services.settings.amis_login_url,
        support=SupportContact.from_settings(services.settings),
    )


def confirmation_sent(services: Services, order_id: int, now: datetime) -> None:
    """Record that the confirmation went out, and show it on the order message."""
    with services.db.session() as session:
        orders_repo.set_paid_email_sent(session, order_id, now)
        enqueue(
            session,
            OrderChanged(order_id=order_id, event="paid_email_sent"),
            now=now,
            dedupe_key=f"{OrderChanged.kind}:paid_email_sent:{order_id}",
        )
    services.outbox.wake()


def record_email_status(
    services: Services, order_id: int, status: str, round_: str | None = None
) -> None:
    """Record where the order email stands (`retrying`, `sent`) and show it on the order;
    `round_` tells an email sent again after a correction from the first one."""
    now = services.clock.now()
    with services.db.session() as session:
        orders_repo.set_email_status(session, order_id, status)
        enqueue(
            session,
            OrderChanged(order_id=order_id, event=f"email_{status}"),
            now=now,
            dedupe_key=f"{OrderChanged.kind}:email_{status}:{order_id}"
            + (f":{round_}" if round_ else ""),
        )
    services.outbox.wake()
