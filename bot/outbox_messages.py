"""Every kind of outbox message, one small type each, with its kind string defined once.

A use case enqueues a message (`bot.outbox.enqueue`); the worker decodes the stored payload
back into the message type registered for its kind and hands it to that kind's deliverer.
The payload is the message's fields as JSON (dates in ISO format); a field left out when the
message was made is left out of the payload too. An unknown kind or a payload that does not
fit its type cannot be delivered by retrying, so the worker gives it up (and logs why).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.subscriptions import deletion_date


class MalformedMessage(ValueError):
    """A stored payload that does not fit the type of its kind."""


class Message(BaseModel):
    """The base of every outbox message type: `kind` names it in the outbox table."""

    model_config = ConfigDict(frozen=True)

    kind: ClassVar[str]
    types: ClassVar[dict[str, type[Message]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is None:
            return
        if kind in Message.types:
            raise TypeError(f"outbox kind {kind!r} is defined twice")
        Message.types[kind] = cls

    def to_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)

    @classmethod
    def from_payload(cls, payload: Any) -> Self:
        try:
            return cls.model_validate(payload)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) or "payload" for e in exc.errors())
            raise MalformedMessage(f"malformed {cls.kind!r} payload ({fields})") from exc


class Part(BaseModel):
    """A value carried inside a message (not a message itself)."""

    model_config = ConfigDict(frozen=True)


# The storage-order flow (handlers/storage_order_delivery.py).


class OrderPlaced(Message):
    """Post a new storage order's message and its QR."""

    kind = "storage_order.placed"
    order_id: int


class OrderEmail(Message):
    """Email a new storage order to its invoice address."""

    kind = "storage_order.email"
    order_id: int
    round: str | None = None  # set when sent again (a correction): tells the rounds apart


class OrderChanged(Message):
    """Re-render a storage order's message; `event` says why (`paid` adds the guidance)."""

    kind = "storage_order.changed"
    order_id: int
    event: str | None = None  # paid, email_sent, email_retrying, paid_email_sent


class PaidEmail(Message):
    """Email the payment confirmation of a paid order to the invoice address."""

    kind = "storage_order.paid_email"
    order_id: int


class FinanceNotice(Message):
    """Tell finance about a bank transfer that needs a person."""

    kind = "payment.finance_notice"
    transaction_id: int


# The iGOV flow (handlers/igov.py, handlers/approvals.py).


class IgovOrderPost(Message):
    kind = "igov_order.post"
    order_id: int


class IgovOrderUpdate(Message):
    kind = "igov_order.update"
    order_id: int


class ApprovalPost(Message):
    """Post a licence request to the approval channel, its documents in the thread."""

    kind = "licence.post_approval"
    request_id: int


class ApprovalUpdate(Message):
    kind = "licence.update_approval"
    request_id: int


class RequesterNotice(Message):
    """Tell who asked for a licence what was decided."""

    kind = "licence.notify_requester"
    request_id: int


# Exports (handlers/exports.py).


class ExportDelivery(Message):
    """The month's CSV files, to the DM of who asked."""

    kind = "export.deliver"
    user: str
    month: date


# Reminders (bot/reminders.py decides them, handlers/reminders.py delivers them).


class Recipient(Part):
    """A person (reached by DM) or a channel."""

    user: str | None = None
    channel: str | None = None

    @property
    def key(self) -> str:
        return self.user or self.channel or ""


class AccountItem(Part):
    """One subscription in a digest; `days` is the days left (to expiry or to deletion)."""

    subscription_id: int
    customer: str
    tax_code: str
    product: str
    contract_no: str
    expires_on: date
    owner: str | None
    days: int

    @property
    def deletion_on(self) -> date:
        return deletion_date(self.expires_on)

    @classmethod
    def from_row(cls, row: Any, days: int) -> AccountItem:
        return cls(
            subscription_id=row.subscription_id,
            customer=row.customer,
            tax_code=row.tax_code,
            product=row.product,
            contract_no=row.contract_no,
            expires_on=row.expires_on,
            owner=row.owner,
            days=days,
        )


class OrderLine(Part):
    """A storage order in the sweep report (expired by it, or holding a deletion)."""

    order_no: str
    payment_deadline: date
    account: AccountItem


class ExpiryDigest(Message):
    kind = "reminder.expiry_digest"
    recipient: Recipient
    today: date
    items: tuple[AccountItem, ...]


class DeletionDigest(Message):
    kind = "reminder.deletion_digest"
    recipient: Recipient
    today: date
    items: tuple[AccountItem, ...]


class SweepReportMessage(Message):
    """What a night's deletion sweep did; the deleted accounts are read back at delivery."""

    kind = "reminder.sweep_report"
    recipient: Recipient
    today: date
    window: tuple[date, date]
    deleted: int
    orders_expired: tuple[OrderLine, ...]
    held: tuple[OrderLine, ...]


class ApprovalReminder(Message):
    """A reply in a pending request's approval thread that reminds the approvers."""

    kind = "reminder.approval"
    channel: str
    thread_ts: str
    code: str
    customer: str
    requested_by: str
    created_at: datetime
    hours: int
    approvers: tuple[str, ...]
    usergroup: str | None = None


class PaymentReminder(Message):
    """A DM to who placed a storage order that the customer has not paid yet."""

    kind = "reminder.payment"
    recipient: Recipient
    order_no: str
    customer: str
    contract_no: str
    total: int
    created_at: datetime
    payment_deadline: date
    days: int
    link: str | None = None


# Licence requests returned for changes (bot/licence_changes.py, handlers/licence_changes.py).


class ReturnedNotice(Message):
    """Tell who asked for a licence that it was returned for changes, with the edit button."""

    kind = "licence.notify_returned"
    request_id: int


class ApprovalDocuments(Message):
    """The documents a resubmission replaced, in the approval message's thread."""

    kind = "licence.post_documents"
    request_id: int
    kinds: tuple[str, ...]


class DigestClaimed(Message):
    """Redraw the support deletion digest of `day` (posted at `channel`/`ts`) after a claim."""

    kind = "reminder.digest_claimed"
    channel: str
    ts: str
    day: date


# Operations (handlers/outbox_reports.py).


class DeliveryGaveUp(Message):
    """Tell support that a delivery gave up: once per message, never about such a report."""

    kind = "outbox.gave_up"
    message_id: int
    message_kind: str
    attempts: int
    error: str
    since: datetime


# The App Home (handlers/home.py).


class HomeRefresh(Message):
    """Publish a person's App Home again: something on it changed."""

    kind = "home.refresh"
    user_id: str


# Outbound events (bot/events.py decides them, handlers/webhooks.py delivers them).


class WebhookEvent(Message):
    """One event for one endpoint (by URL; its secret stays in the settings), signed when sent.

    `event_id` is the `webhook-id`: the same on every endpoint and every retry."""

    kind = "webhook.event"
    event_id: str
    endpoint: str
    type: str
    timestamp: datetime
    data: dict[str, Any]

    def body(self) -> str:
        """The JSON body, the same bytes on every attempt."""
        stamp = self.timestamp.isoformat().replace("+00:00", "Z")
        event = {"type": self.type, "timestamp": stamp, "data": self.data}
        return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


# Reports (bot/reports.py decides them, handlers/reports.py draws and delivers them).


class ReportChart(Message):
    """The chart of a `/misa report`, to the DM of who asked."""

    kind = "report.chart"
    user: str
    period: str  # week | month
    first: date


class WeeklyReport(Message):
    """Last week's report (summary and chart) to the support channel, once per week."""

    kind = "report.weekly"
    channel: str
    first: date
