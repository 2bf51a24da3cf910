"""Scheduled reminders and the deletion sweep (SPEC §1 "Reminders"), as use cases.

Each job decides, from the database and the moment it runs "as of", what to send, and claims
each reminder by enqueueing it in the outbox under a unique key `job:subject:due date` in the
same transaction. A re-run, a restart or a second scheduler finds the key taken and sends
nothing more; the outbox delivers what was claimed, with retries. Nothing here reads the wall
clock: `Run.at` is when the job runs as of, `Run.now` is only used to timestamp records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.events import DATA_DELETED, ORDER_EXPIRED, publish, subscribed
from bot.outbox import enqueue
from bot.outbox_messages import (
    AccountItem,
    ApprovalReminder,
    DeletionDigest,
    ExpiryDigest,
    Message,
    OrderChanged,
    OrderLine,
    PaymentReminder,
    Recipient,
    SweepReportMessage,
)
from bot.subscriptions import GRACE_DAYS, Product, deletion_date
from bot.webhook_endpoints import WebhookEndpoint
from storage.db import Database
from storage.repositories import audit as audit_repo
from storage.repositories import reminders as repo

EXPIRY_REMINDERS = "expiry-reminders"
DELETION_WARNINGS = "deletion-warnings"
DELETION_SWEEP = "deletion-sweep"
APPROVAL_REMINDERS = "approval-reminders"
PAYMENT_REMINDERS = "payment-reminders"
WEEKLY_REPORT = "weekly-report"  # bot/reports.py
JOB_NAMES = (
    EXPIRY_REMINDERS,
    DELETION_WARNINGS,
    DELETION_SWEEP,
    APPROVAL_REMINDERS,
    PAYMENT_REMINDERS,
    WEEKLY_REPORT,
)

SCHEDULER_ACTOR = "scheduler"


@dataclass(frozen=True)
class ReminderConfig:
    """What the jobs need from the settings."""

    tz: ZoneInfo
    support_channel: str | None = None
    sales_channel: str | None = None
    approver_user_ids: tuple[str, ...] = ()
    approver_usergroup: str | None = None
    public_base_url: str | None = None
    expiry_days: tuple[int, ...] = (30, 7, 1)
    warning_days: tuple[int, ...] = (7, 3, 1)
    sweep_lookback_days: int = 90
    approval_hours: int = 24
    payment_days: int = 3
    webhook_endpoints: tuple[WebhookEndpoint, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderConfig:
        return cls(
            tz=settings.tz,
            support_channel=settings.support_channel,
            sales_channel=settings.sales_channel,
            approver_user_ids=tuple(settings.approver_user_ids),
            approver_usergroup=settings.approver_usergroup,
            public_base_url=settings.public_base_url,
            expiry_days=tuple(settings.expiry_reminder_days),
            warning_days=tuple(settings.deletion_warning_days),
            sweep_lookback_days=settings.deletion_sweep_lookback_days,
            approval_hours=settings.approval_reminder_hours,
            payment_days=settings.payment_reminder_days,
            webhook_endpoints=tuple(settings.webhook_endpoints),
        )


@dataclass(frozen=True)
class Run:
    """When a job runs as of (`at`, local time) and when it really runs (`now`)."""

    at: datetime
    now: datetime

    @property
    def today(self) -> date:
        return self.at.date()


@dataclass
class JobOutcome:
    """What a run did: items found due, reminders claimed now, reminders claimed before."""

    job: str
    at: datetime
    due: int = 0
    claimed: list[str] = field(default_factory=list)
    already: int = 0
    facts: dict[str, int] = field(default_factory=dict)


def dedupe_key(job: str, subject: str, due: date) -> str:
    return f"{job}:{subject}:{due.isoformat()}"


def _claim(
    session: Session,
    outcome: JobOutcome,
    run: Run,
    message: Message,
    key: str,
) -> None:
    """The outbox's unique key is the claim: enqueued now, or already enqueued by a run before."""
    if enqueue(session, message, now=run.now, dedupe_key=key):
        outcome.claimed.append(key)
    else:
        outcome.already += 1


def _by_owner(items: Sequence[AccountItem]) -> dict[str | None, list[AccountItem]]:
    groups: dict[str | None, list[AccountItem]] = {}
    for item in items:
        groups.setdefault(item.owner, []).append(item)
    return groups


def expiry_reminders(db: Database, config: ReminderConfig, run: Run) -> JobOutcome:
    """Subscriptions expiring in 30, 7 and 1 days: one digest per owner; no owner → sales."""
    outcome = JobOutcome(EXPIRY_REMINDERS, run.at)
    days = [run.today + timedelta(days=n) for n in config.expiry_days]
    with db.session() as session:
        repo.lock_job(session, EXPIRY_REMINDERS)
        rows = repo.accounts_expiring_on(session, days)
        items = [AccountItem.from_row(r, (r.expires_on - run.today).days) for r in rows]
        outcome.due = len(items)
        # Sorted so that concurrent runs claim keys in the same order.
        for owner, owned in sorted(_by_owner(items).items(), key=lambda kv: kv[0] or ""):
            recipient = (
                Recipient(user=owner) if owner else Recipient(channel=config.sales_channel or "")
            )
            key = dedupe_key(EXPIRY_REMINDERS, recipient.key, run.today)
            digest = ExpiryDigest(recipient=recipient, today=run.today, items=tuple(owned))
            _claim(session, outcome, run, digest, key)
    return outcome


def deletion_warnings(db: Database, config: ReminderConfig, run: Run) -> JobOutcome:
    """Expired AMIS Kế toán accounts deleted in 7, 3, 1 days: support digest, owner digests.

    "In N days" means on `today + N` (so N = 1 is the last day of grace): the digest shows N
    next to the deletion date and the two must agree.
    """
    outcome = JobOutcome(DELETION_WARNINGS, run.at)
    expired_on = [run.today - timedelta(days=GRACE_DAYS + 1 - n) for n in config.warning_days]
    with db.session() as session:
        repo.lock_job(session, DELETION_WARNINGS)
        rows = repo.accounts_in_grace(session, Product.AMIS_KT.value, expired_on, run.today)
        items = [
            AccountItem.from_row(r, (deletion_date(r.expires_on) - run.today).days) for r in rows
        ]
        outcome.due = len(items)
        if not items:
            return outcome
        support = Recipient(channel=config.support_channel or "")
        digests = [(support, items)]
        owners = sorted((o, i) for o, i in _by_owner(items).items() if o is not None)
        digests += [(Recipient(user=owner), owned) for owner, owned in owners]
        for recipient, listed in digests:
            key = dedupe_key(DELETION_WARNINGS, recipient.key, run.today)
            warning = DeletionDigest(recipient=recipient, today=run.today, items=tuple(listed))
            _claim(session, outcome, run, warning, key)
    return outcome


def sweep_window(today: date, lookback_days: int) -> tuple[date, date]:
    """Expiry dates the sweep looks at: due (day 31 reached) within the lookback.

    Older accounts were swept on earlier nights or predate the bot (their state already reads
    as data deleted from their dates); the lookback covers held accounts and missed nights.
    """
    last = today - timedelta(days=GRACE_DAYS + 1)
    return last - timedelta(days=lookback_days), last


def deletion_sweep(db: Database, config: ReminderConfig, run: Run) -> JobOutcome:
    """Close overdue storage orders, then mark due accounts data-deleted; report to support."""
    outcome = JobOutcome(DELETION_SWEEP, run.at)
    first, last = sweep_window(run.today, config.sweep_lookback_days)
    endpoints = config.webhook_endpoints
    with db.session() as session:
        repo.lock_job(session, DELETION_SWEEP)
        # Orders first: an order past its deadline no longer holds its account's deletion.
        closed = repo.expire_overdue_orders(session, run.today)
        for order in closed:
            audit_repo.record(
                session,
                entity_type="storage_order",
                entity_id=order.id,
                action="expired",
                actor=SCHEDULER_ACTOR,
                at=run.now,
                from_status=repo.AWAITING_PAYMENT,
                to_status=repo.ORDER_EXPIRED,
                details={"payment_deadline": order.payment_deadline.isoformat()},
            )
            enqueue(
                session,
                OrderChanged(order_id=order.id),
                now=run.now,
                dedupe_key=dedupe_key(DELETION_SWEEP, f"order-{order.id}", run.today),
            )
            data = _expired_order_data(order)
            publish(session, endpoints, ORDER_EXPIRED, order.order_no, data, now=run.now)
        deleted = repo.delete_due(session, first_expiry=first, last_expiry=last, today=run.today)
        if deleted and subscribed(endpoints, DATA_DELETED):
            for account in repo.iter_deleted_on(session, first, last, run.today):
                data = _deleted_data(account, run.today)
                subject = f"subscription-{account.subscription_id}:{run.today.isoformat()}"
                publish(session, endpoints, DATA_DELETED, subject, data, now=run.now)
        held = repo.held_accounts(session, last_expiry=last, today=run.today)
        outcome.due = deleted
        outcome.facts = {"deleted": deleted, "held": len(held), "orders_expired": len(closed)}
        if not (deleted or closed or held):
            return outcome
        report = SweepReportMessage(
            recipient=Recipient(channel=config.support_channel or ""),
            today=run.today,
            window=(first, last),
            deleted=deleted,
            orders_expired=tuple(_order_line(o) for o in closed),
            held=tuple(_order_line(h) for h in held),
        )
        key = dedupe_key(DELETION_SWEEP, config.support_channel or "", run.today)
        _claim(session, outcome, run, report, key)
    return outcome


def _expired_order_data(row: Any) -> dict[str, Any]:
    return {
        "order_no": row.order_no,
        "tax_code": row.tax_code,
        "contract_no": row.contract_no,
        "product": row.product,
        "payment_deadline": row.payment_deadline.isoformat(),
    }


def _deleted_data(row: Any, today: date) -> dict[str, Any]:
    return {
        "contract_no": row.contract_no,
        "tax_code": row.tax_code,
        "product": row.product,
        "expires_on": row.expires_on.isoformat(),
        "deleted_on": today.isoformat(),
    }


def _order_line(row: Any) -> OrderLine:
    return OrderLine(
        order_no=row.order_no,
        payment_deadline=row.payment_deadline,
        account=AccountItem.from_row(row, 0),
    )


@dataclass(frozen=True)
class SweepReport:
    """A sweep's outcome as the report shows it: the first deleted accounts and the total."""

    today: date
    deleted: int
    shown: list[AccountItem]
    orders_expired: Sequence[OrderLine]
    held: Sequence[OrderLine]
    window: tuple[date, date]


def sweep_report(db: Database, message: SweepReportMessage, shown: int) -> SweepReport:
    """Read back what a sweep deleted (the claim carries counts, the database the list)."""
    today = message.today
    first, last = message.window
    with db.session() as session:
        total = repo.count_deleted_on(session, first, last, today)
        rows = list(repo.iter_deleted_on(session, first, last, today, limit=shown))
    return SweepReport(
        today=today,
        deleted=total,
        shown=[AccountItem.from_row(r, 0) for r in rows],
        orders_expired=message.orders_expired,
        held=message.held,
        window=(first, last),
    )


def deleted_accounts(db: Database, report: SweepReport) -> Iterator[AccountItem]:
    """Every account deleted by the sweep of that day, streamed (for the CSV)."""
    first, last = report.window
    with db.session() as session:
        for row in repo.iter_deleted_on(session, first, last, report.today):
            yield AccountItem.from_row(row, 0)


def approval_reminders(db: Database, config: ReminderConfig, run: Run) -> JobOutcome:
    """Licence requests pending longer than the threshold: a reply in the approval thread."""
    outcome = JobOutcome(APPROVAL_REMINDERS, run.at)
    wait = timedelta(hours=config.approval_hours)
    with db.session() as session:
        repo.lock_job(session, APPROVAL_REMINDERS)
        rows = repo.overdue_requests(session, run.at - wait)
        outcome.due = len(rows)
        for row in rows:
            created_at = row.created_at
            due = (created_at + wait).astimezone(config.tz).date()
            reminder = ApprovalReminder(
                channel=row.approval_channel,
                thread_ts=row.approval_ts,
                code=row.code,
                customer=row.customer,
                requested_by=row.requested_by,
                created_at=created_at,
                hours=config.approval_hours,
                approvers=config.approver_user_ids,
                usergroup=config.approver_usergroup,
            )
            key = dedupe_key(APPROVAL_REMINDERS, f"request-{row.id}", due)
            _claim(session, outcome, run, reminder, key)
    return outcome


def payment_reminders(db: Database, config: ReminderConfig, run: Run) -> JobOutcome:
    """Storage orders unpaid N days after they were placed: a DM to who placed them."""
    outcome = JobOutcome(PAYMENT_REMINDERS, run.at)
    wait = timedelta(days=config.payment_days)
    with db.session() as session:
        repo.lock_job(session, PAYMENT_REMINDERS)
        rows = repo.unpaid_orders(session, run.at - wait, run.today)
        outcome.due = len(rows)
        for row in rows:
            created_at = row.created_at
            due = (created_at + wait).astimezone(config.tz).date()
            link = (
                f"{config.public_base_url}/orders/{row.token}" if config.public_base_url else None
            )
            reminder = PaymentReminder(
                recipient=Recipient(user=row.placed_by),
                order_no=row.order_no,
                customer=row.customer,
                contract_no=row.contract_no,
                total=row.total,
                created_at=created_at,
                payment_deadline=row.payment_deadline,
                days=config.payment_days,
                link=link,
            )
            key = dedupe_key(PAYMENT_REMINDERS, f"order-{row.id}", due)
            _claim(session, outcome, run, reminder, key)
    return outcome


Job = Callable[[Database, ReminderConfig, Run], JobOutcome]


def delivery_status(db: Database, keys: Sequence[str]) -> dict[str, int]:
    """Where the reminders claimed by a run stand in the outbox: pending, sent, dead."""
    with db.session() as session:
        return repo.delivery_status(session, keys)
