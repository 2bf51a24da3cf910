"""Reports: the grace-period funnel of AMIS Kế toán accounts and the iGOV licence figures for a
week or a month, with the period before to compare (definitions: docs/reports.md)."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from bot.authz import Authorizer, Permission
from bot.errors import InvalidInput
from bot.outbox import enqueue
from bot.outbox_messages import ReportChart, WeeklyReport
from bot.reminders import WEEKLY_REPORT, JobOutcome, ReminderConfig, Run, dedupe_key
from bot.services import Services
from bot.text import fold
from storage.db import Database
from storage.repositories import reminders as reminders_repo
from storage.repositories import reports as repo


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"


# What a person may type for each kind (folded: `tuần` → `tuan`).
KIND_WORDS = {"week": PeriodKind.WEEK, "tuan": PeriodKind.WEEK}
KIND_WORDS |= {"month": PeriodKind.MONTH, "thang": PeriodKind.MONTH}


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first: date
    last: date  # inclusive

    def previous(self) -> Period:
        if self.kind is PeriodKind.WEEK:
            return Period(self.kind, self.first - timedelta(7), self.last - timedelta(7))
        first = self.first - relativedelta(months=1)
        return Period(self.kind, first, self.first - timedelta(1))

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as instants: local midnight of the first day and of the day after."""
        return (
            datetime.combine(self.first, time.min, tz),
            datetime.combine(self.last + timedelta(1), time.min, tz),
        )


def last_full_week(today: date) -> Period:
    monday = today - timedelta(today.weekday() + 7)
    return Period(PeriodKind.WEEK, monday, monday + timedelta(6))


def month_period(first: date) -> Period:
    return Period(PeriodKind.MONTH, first, first + relativedelta(months=1) - timedelta(1))


def parse_period(text: str, today: date) -> Period:
    """`` / `week` → last full week (Mon–Sun); `month` → last full month; `month 11/2026` (or
    `11/2026`) → that month. Anything else: InvalidInput with the usage."""
    words = text.split()
    kind = PeriodKind.WEEK
    if words and fold(words[0]) in KIND_WORDS:
        kind = KIND_WORDS[fold(words[0])]
        words = words[1:]
    elif words:
        kind = PeriodKind.MONTH  # a bare month
    if not words:
        if kind is PeriodKind.WEEK:
            return last_full_week(today)
        return month_period(today.replace(day=1) - relativedelta(months=1))
    match = re.fullmatch(r"(\d{1,2})/(\d{4})", words[0])
    if kind is PeriodKind.WEEK or len(words) > 1 or not match:
        raise InvalidInput("report.usage", field="period", value=text[:40])
    month, year = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise InvalidInput("report.usage", field="period", value=text[:40])
    first = date(year, month, 1)
    if first > today:
        raise InvalidInput("report.future", field="period", value=f"{month:02d}/{year}")
    return month_period(first)


@dataclass(frozen=True)
class Funnel:
    """AMIS Kế toán terms that ended in the period, by where they stand on the report's day."""

    expired: int
    renewed: int
    ordered: int
    saved: int
    in_grace: int
    deleted: int
    save_rate: float | None  # saved / (expired − renewed); None when nobody needed saving
    paid_orders: int  # storage orders paid in the period (whatever term they saved)
    revenue: int  # their total, VND
    days_to_order: float | None  # median, expiry → first order of the term
    days_to_payment: float | None  # median, order placed → paid


@dataclass(frozen=True)
class Igov:
    orders: int
    order_amount: int
    submitted: int
    approved: int
    rejected: int
    returned: int
    pending: int
    withdrawn: int
    decided: int  # approved or rejected in the period (the times below)
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class Figures:
    period: Period
    funnel: Funnel
    igov: Igov


@dataclass(frozen=True)
class Pending:
    code: str
    submitted_on: date
    days: int


@dataclass(frozen=True)
class Report:
    today: date
    current: Figures
    previous: Figures
    oldest_pending: Pending | None


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value ≥ 90 % of them."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _funnel(session: Session, period: Period, today: date, tz: ZoneInfo) -> Funnel:
    # Only terms that have ended: in the month under way, those expiring later are active.
    last = min(period.last, today - timedelta(days=1))
    counts = repo.funnel_counts(session, period.first, last, today)
    to_order: list[float] = []
    to_payment: list[float] = []
    seen: set[int] = set()
    for subscription_id, expires_on, placed_at, paid_at in repo.term_orders(
        session, period.first, last
    ):
        placed_on = placed_at.astimezone(tz).date()
        if subscription_id not in seen:  # the first order of the term
            seen.add(subscription_id)
            to_order.append((placed_on - expires_on).days)
        if paid_at is not None:
            to_payment.append((paid_at.astimezone(tz).date() - placed_on).days)
    paid_orders, revenue = repo.storage_revenue(session, *period.bounds(tz))
    needing = counts.expired - counts.renewed
    return Funnel(
        expired=counts.expired,
        renewed=counts.renewed,
        ordered=counts.ordered,
        saved=counts.saved,
        in_grace=needing - counts.saved - counts.deleted,
        deleted=counts.deleted,
        save_rate=counts.saved / needing if needing else None,
        paid_orders=paid_orders,
        revenue=revenue,
        days_to_order=median(to_order),
        days_to_payment=median(to_payment),
    )


def _igov(session: Session, period: Period, tz: ZoneInfo) -> Igov:
    start, end = period.bounds(tz)
    orders, amount = repo.igov_orders(session, start, end)
    statuses = repo.requests_by_status(session, start, end)
    hours = [
        (decided - submitted).total_seconds() / 3600
        for submitted, decided in repo.decision_times(session, start, end)
    ]
    return Igov(
        orders=orders,
        order_amount=amount,
        submitted=sum(statuses.values()),
        approved=statuses.get("approved", 0),
        rejected=statuses.get("rejected", 0),
        returned=statuses.get("returned", 0),
        pending=statuses.get("pending", 0),
        withdrawn=statuses.get("withdrawn", 0),
        decided=len(hours),
        median_hours=median(hours),
        p90_hours=p90(hours),
    )


def figures(session: Session, period: Period, today: date, tz: ZoneInfo) -> Figures:
    return Figures(period, _funnel(session, period, today, tz), _igov(session, period, tz))


def compute(services: Services, period: Period) -> Report:
    """The report of `period` and the one before, as of now."""
    tz = services.settings.tz
    today = services.clock.now().astimezone(tz).date()
    with services.db.session() as session:
        return report_in(session, period, today, tz)


def report_in(session: Session, period: Period, today: date, tz: ZoneInfo) -> Report:
    """The report of `period` and the one before as of `today`, read in `session`."""
    current = figures(session, period, today, tz)
    previous = figures(session, period.previous(), today, tz)
    oldest = repo.oldest_pending(session)
    pending = None
    if oldest is not None:
        submitted_on = oldest.created_at.astimezone(tz).date()
        pending = Pending(oldest.code, submitted_on, (today - submitted_on).days)
    return Report(today, current, previous, pending)


def request_report(
    services: Services, authz: Authorizer, actor: str, text: str
) -> tuple[Report, bool]:
    """`/misa report …`: who asks, which period; the figures now, and the chart queued for the
    person's DM. Returns the report and whether the chart was queued."""
    authz.require(actor, Permission.REPORT)
    now = services.clock.now()
    period = parse_period(text, now.astimezone(services.settings.tz).date())
    report = compute(services, period)
    with services.db.session() as session:
        queued = enqueue(
            session,
            ReportChart(user=actor, period=period.kind.value, first=period.first),
            now=now,
        )
    services.outbox.wake()
    return report, bool(queued)


def period_of(kind: str, first: date) -> Period:
    """The period an outbox message names (its kind and first day)."""
    if PeriodKind(kind) is PeriodKind.WEEK:
        return Period(PeriodKind.WEEK, first, first + timedelta(6))
    return month_period(first)


def weekly_report(db: Database, config: ReminderConfig, run: Run) -> JobOutcome:
    """Last full week's report to the support channel, claimed once per week."""
    outcome = JobOutcome(WEEKLY_REPORT, run.at)
    week = last_full_week(run.today)
    outcome.due = 1
    with db.session() as session:
        reminders_repo.lock_job(session, WEEKLY_REPORT)
        message = WeeklyReport(channel=config.support_channel or "", first=week.first)
        key = dedupe_key(WEEKLY_REPORT, "week", week.first)
        if enqueue(session, message, now=run.now, dedupe_key=key):
            outcome.claimed.append(key)
        else:
            outcome.already += 1
    return outcome
