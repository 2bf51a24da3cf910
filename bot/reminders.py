"""Scheduled reminders and the deletion sweep (SPEC §1 "Reminders"), as use cases.

Each job decides, from the database and the moment it runs "as of", what to send, and claims
each reminder by enqueueing it in the outbox under a unique key `job:subject:due date` in the
same transaction. A re-run, a restart or a second scheduler finds the key taken and sends
nothing more; the outbox delivers what was claimed, with retries. Nothing here reads the wall
clock: `Run.at` is when the job runs as of, `Run.now` is only used to timestamp records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.subscriptions import GRACE_DAYS, Product, deletion_date
from storage.db import Database
from storage.repositories import audit as audit_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import reminders as repo

EXPIRY_REMINDERS = "expiry-reminders"
DELETION_WARNINGS = "deletion-warnings"
DELETION_SWEEP = "deletion-sweep"
APPROVAL_REMINDERS = "approval-reminders"
PAYMENT_REMINDERS = "payment-reminders"
JOB_NAMES = (
    EXPIRY_REMINDERS,
    DELETION_WARNINGS,
    DELETION_SWEEP,
    APPROVAL_REMINDERS,
    PAYMENT_REMINDERS,
)

# Outbox kinds delivered by handlers/reminders.py.
KIND_EXPIRY = "reminder.expiry_digest"
KIND_DELETION_WARNING = "reminder.deletion_digest"
KIND_SWEEP_REPORT = "reminder.sweep_report"
KIND_APPROVAL = "reminder.approval"
KIND_PAYMENT = "reminder.payment"
# Delivered by the storage-order flow: an order's message shows its new status.
KIND_ORDER_CHANGED = "storage_order.changed"

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


@dataclass(frozen=True)
class Recipient:
    """A person (reached by DM) or a channel."""

    user: str | None = None
    channel: str | None = None

    @property
    def key(self) -> str:
        return self.user or self.channel or ""

    def to_payload(self) -> dict[str, str]:
        return {"user": self.user} if self.user else {"channel": self.channel or ""}

    @classmethod
    def from_payload(cls, data: dict[str, str]) -> Recipient:
        return cls(user=data.get("user"), channel=data.get("channel"))


@dataclass(frozen=True)
class AccountItem:
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

    def to_payload(self) -> dict[str, Any]:
        return {**asdict(self), "expires_on": self.expires_on.isoformat()}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> AccountItem:
        return cls(**{**data, "expires_on": date.fromisoformat(data["expires_on"])})

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


def dedupe_key(job: str, subject: str, due: date) -> str:
    return f"{job}:{subject}:{due.isoformat()}"


def _claim(
    session: Session,
    outcome: JobOutcome,
    run: Run,
    *,
    kind: str,
    payload: dict[str, Any],
    key: str,
) -> None:
    """The outbox's unique key is the claim: enqueued now, or already enqueued by a run before."""
    if outbox_repo.enqueue(session, kind, payload, now=run.now, dedupe_key=key):
        outcome.claimed.append(key)
    else:
        outcome.already += 1


def _by_owner(items: Sequence[AccountItem]) -> dict[str | None, list[AccountItem]]:
    groups: dict[str | None, list[AccountItem]] = {}
    for item in items:
        groups.setdefault(item.owner, []).append(item)
    return groups


def _digest(recipient: Recipient, run: Run, items: Sequence[AccountItem]) -> dict[str, Any]:
    return {
        "recipient": recipient.to_payload(),
        "today": run.today.isoformat(),
        "items": [item.to_payload() for item in items],
    }


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
            recipient = Recipient(user=owner) if owner else Recipient(channel=config.sales_channel)
            key = dedupe_key(EXPIRY_REMINDERS, recipient.key, run.today)
            payload = _digest(recipient, run, owned)
            _claim(session, outcome, run, kind=KIND_EXPIRY, payload=payload, key=key)
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
        support = Recipient(channel=config.support_channel)
        digests = [(support, items)]
        owners = sorted((o, i) for o, i in _by_owner(items).items() if o is not None)
        digests += [(Recipient(user=owner), owned) for owner, owned in owners]
        for recipient, listed in digests:
            key = dedupe_key(DELETION_WARNINGS, recipient.key, run.today)
            payload = _digest(recipient, run, listed)
            _claim(session, outcome, run, kind=KIND_DELETION_WARNING, payload=payload, key=key)
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
            outbox_repo.enqueue(
                session,
                KIND_ORDER_CHANGED,
                {"order_id": order.id},
                now=run.now,
                dedupe_key=dedupe_key(DELETION_SWEEP, f"order-{order.id}", run.today),
            )
        deleted = repo.delete_due(session, first_expiry=first, last_expiry=last, today=run.today)
        held = repo.held_accounts(session, last_expiry=last, today=run.today)
        outcome.due = deleted
        outcome.facts = {"deleted": deleted, "held": len(held), "orders_expired": len(closed)}
        if not (deleted or closed or held):
            return outcome
        payload = {
            "recipient": Recipient(channel=config.support_channel).to_payload(),
            "today": run.today.isoformat(),
            "window": [first.isoformat(), last.isoformat()],
            "deleted": deleted,
            "orders_expired": [_order_line(o) for o in closed],
            "held": [_order_line(h) for h in held],
        }
        key = dedupe_key(DELETION_SWEEP, config.support_channel or "", run.today)
        _claim(session, outcome, run, kind=KIND_SWEEP_REPORT, payload=payload, key=key)
    return outcome


def _order_line(row: Any) -> dict[str, Any]:
    return {
        "order_no": row.order_no,
        "payment_deadline": row.payment_deadline.isoformat(),
        "account": AccountItem.from_row(row, 0).to_payload(),
    }


@dataclass(frozen=True)
class SweepReport:
    """A sweep's outcome as the report shows it: the first deleted accounts and the total."""

    today: date
    deleted: int
    shown: list[AccountItem]
    orders_expired: list[dict[str, Any]]
    held: list[dict[str, Any]]
    window: tuple[date, date]


def sweep_report(db: Database, payload: dict[str, Any], shown: int) -> SweepReport:
    """Read back what a sweep deleted (the claim carries counts, the database the list)."""
    today = date.fromisoformat(payload["today"])
    first, last = (date.fromisoformat(d) for d in payload["window"])
    with db.session() as session:
        total = repo.count_deleted_on(session, first, last, today)
        rows = list(repo.iter_deleted_on(session, first, last, today, limit=shown))
    return SweepReport(
        today=today,
        deleted=total,
        shown=[AccountItem.from_row(r, 0) for r in rows],
        orders_expired=payload["orders_expired"],
        held=payload["held"],
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
            payload = {
                "channel": row.approval_channel,
                "thread_ts": row.approval_ts,
                "code": row.code,
                "customer": row.customer,
                "requested_by": row.requested_by,
                "created_at": created_at.isoformat(),
                "hours": config.approval_hours,
                "approvers": list(config.approver_user_ids),
                "usergroup": config.approver_usergroup,
            }
            key = dedupe_key(APPROVAL_REMINDERS, f"request-{row.id}", due)
            _claim(session, outcome, run, kind=KIND_APPROVAL, payload=payload, key=key)
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
            payload = {
                "recipient": Recipient(user=row.placed_by).to_payload(),
                "order_no": row.order_no,
                "customer": row.customer,
                "contract_no": row.contract_no,
                "total": row.total,
                "created_at": created_at.isoformat(),
                "payment_deadline": row.payment_deadline.isoformat(),
                "days": config.payment_days,
                "link": link,
            }
            key = dedupe_key(PAYMENT_REMINDERS, f"order-{row.id}", due)
            _claim(session, outcome, run, kind=KIND_PAYMENT, payload=payload, key=key)
    return outcome


Job = Callable[[Database, ReminderConfig, Run], JobOutcome]


def delivery_status(db: Database, keys: Sequence[str]) -> dict[str, int]:
    """Where the reminders claimed by a run stand in the outbox: pending, sent, dead."""
    with db.session() as session:
        return repo.delivery_status(session, keys)
