"""The scheduler: APScheduler 3 with its job store in the bot's database, and the job registry.

Jobs are stored by name (the CLI names) with a textual reference to `fire`, so a restart finds
them with the run time they were waiting for: a run missed while the process was down is
started once when it comes back (coalesced, within the misfire grace), never twice — and even
if two schedulers ran, each reminder is claimed once in the outbox (bot/reminders.py).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import reminders, reports
from bot.config import Settings, SettingsError
from bot.i18n import Translator
from bot.logs import bound, new_request_id
from bot.metrics import JOB_RUNS, JOB_SECONDS
from bot.reminders import JobOutcome, ReminderConfig, Run
from bot.services import Services

log = logging.getLogger(__name__)

JOB_TABLE = "scheduler_jobs"
FIRE = "bot.scheduler:fire"


def _daily(attribute: str) -> Callable[[Settings], BaseTrigger]:
    def trigger(settings: Settings) -> BaseTrigger:
        at = getattr(settings, attribute)
        return CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=settings.tz)

    return trigger


def _weekly_report(settings: Settings) -> BaseTrigger:
    at = settings.reminder_time
    return CronTrigger(
        day_of_week=settings.weekly_report_day,
        hour=at.hour,
        minute=at.minute,
        second=at.second,
        timezone=settings.tz,
    )


def _approval_checks(settings: Settings) -> BaseTrigger:
    return IntervalTrigger(minutes=settings.approval_check_minutes, timezone=settings.tz)


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: the use case, when it runs, and the settings it cannot run without."""

    name: str
    run: reminders.Job
    trigger: Callable[[Settings], BaseTrigger]
    requires: tuple[str, ...] = ()


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(
            reminders.EXPIRY_REMINDERS,
            reminders.expiry_reminders,
            _daily("reminder_time"),
            ("sales_channel",),
        ),
        JobSpec(
            reminders.DELETION_WARNINGS,
            reminders.deletion_warnings,
            _daily("reminder_time"),
            ("support_channel",),
        ),
        JobSpec(
            reminders.DELETION_SWEEP,
            reminders.deletion_sweep,
            _daily("deletion_sweep_time"),
            ("support_channel",),
        ),
        JobSpec(reminders.APPROVAL_REMINDERS, reminders.approval_reminders, _approval_checks),
        JobSpec(reminders.PAYMENT_REMINDERS, reminders.payment_reminders, _daily("reminder_time")),
        JobSpec(
            reminders.WEEKLY_REPORT, reports.weekly_report, _weekly_report, ("support_channel",)
        ),
    )
}


def run_job(services: Services, name: str, at: datetime | None = None) -> JobOutcome:
    """Run one job now, as of `at` (default: now); raises SettingsError if it can't run."""
    with bound(request_id=new_request_id(), job=name):
        return _run_job(services, name, at)


def _run_job(services: Services, name: str, at: datetime | None) -> JobOutcome:
    spec = JOBS[name]
    settings = services.settings
    settings.require(*spec.requires)
    now = services.clock.now()
    run = Run(at=(at or now).astimezone(settings.tz), now=now)
    started = time.perf_counter()
    try:
        outcome = spec.run(services.db, ReminderConfig.from_settings(settings), run)
    except Exception:
        JOB_RUNS.labels(name, "error").inc()
        raise
    finally:
        JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
    JOB_RUNS.labels(name, "ok").inc()
    log.info(
        "job %s as of %s: %s due, %s reminders claimed, %s already claimed %sin %.3f s",
        name,
        run.at.isoformat(timespec="minutes"),
        outcome.due,
        len(outcome.claimed),
        outcome.already,
        f"{outcome.facts} " if outcome.facts else "",
        time.perf_counter() - started,
    )
    services.outbox.wake()
    return outcome


# The services of the process whose scheduler fires jobs (a job store holds references, not
# objects, so `fire` finds what to run with here).
_services: Services | None = None


def fire(name: str) -> None:
    """What the stored jobs call."""
    services = _services
    if services is None:
        log.error("job %s fired without a running scheduler", name)
        return
    try:
        run_job(services, name)
    except SettingsError as exc:
        log.error("job %s not run: %s", name, exc)


def _same_schedule(a: BaseTrigger, b: BaseTrigger) -> bool:
    return type(a) is type(b) and (str(a), str(getattr(a, "timezone", ""))) == (
        str(b),
        str(getattr(b, "timezone", "")),
    )


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    trigger: BaseTrigger
    next_run: datetime | None
    misfire_grace_seconds: int | None


class Scheduler:
    """A BackgroundScheduler over the bot's database, holding every job of JOBS."""

    def __init__(self, services: Services) -> None:
        self.services = services
        settings = services.settings
        self._scheduler = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=services.db.engine, tablename=JOB_TABLE)
            },
            executors={"default": ThreadPoolExecutor(max_workers=len(JOBS))},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": settings.scheduler_misfire_grace_seconds,
            },
            timezone=settings.tz,
        )

    def start(self) -> None:
        global _services
        _services = self.services
        # Paused while the stored jobs are reconciled with the settings, so nothing fires
        # from a stale schedule; missed runs fire as soon as it resumes.
        self._scheduler.start(paused=True)
        self._reconcile()
        self._scheduler.resume()
        log.info("scheduler started: %s", ", ".join(JOBS))

    def _reconcile(self) -> None:
        settings = self.services.settings
        grace = settings.scheduler_misfire_grace_seconds
        for spec in JOBS.values():
            trigger = spec.trigger(settings)
            stored = self._scheduler.get_job(spec.name)
            if stored is None:
                # Another scheduler process may have added it just now.
                with contextlib.suppress(ConflictingIdError):
                    self._scheduler.add_job(
                        FIRE, trigger, args=[spec.name], id=spec.name, name=spec.name
                    )
                continue
            # A stored job keeps the options it was added with: bring them up to date.
            changes: dict[str, Any] = {}
            if stored.func_ref != FIRE or tuple(stored.args) != (spec.name,):
                changes.update(func=FIRE, args=[spec.name], name=spec.name)
            if stored.misfire_grace_time != grace:
                changes["misfire_grace_time"] = grace
            if changes:
                self._scheduler.modify_job(spec.name, **changes)
            # Keeping an unchanged schedule keeps the pending run time (a run missed while
            # stopped fires now); a changed one counts from now.
            if not _same_schedule(stored.trigger, trigger):
                self._scheduler.reschedule_job(spec.name, trigger=trigger)

    def shutdown(self) -> None:
        global _services
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        _services = None

    def jobs(self) -> list[ScheduledJob]:
        """Each job with its schedule and next run, as stored (the scheduler need not run)."""
        settings = self.services.settings
        now = self.services.clock.now()
        started_here = not self._scheduler.running
        if started_here:
            self._scheduler.start(paused=True)
        try:
            listed = []
            for spec in JOBS.values():
                trigger = spec.trigger(settings)
                stored = self._scheduler.get_job(spec.name)
                grace = settings.scheduler_misfire_grace_seconds
                if stored is not None and _same_schedule(stored.trigger, trigger):
                    next_run = stored.next_run_time
                    grace = stored.misfire_grace_time
                else:
                    next_run = trigger.get_next_fire_time(None, now)
                listed.append(ScheduledJob(spec.name, trigger, next_run, grace))
            return listed
        finally:
            if started_here:
                self._scheduler.shutdown(wait=False)


def describe(t: Translator, trigger: BaseTrigger) -> str:
    """When a trigger fires, in words."""
    if isinstance(trigger, IntervalTrigger):
        return t.plural("jobs.every_minutes", int(trigger.interval.total_seconds() // 60))
    fields = {f.name: str(f) for f in getattr(trigger, "fields", [])}
    hour, minute, second = (int(fields.get(n, "0")) for n in ("hour", "minute", "second"))
    time_text = f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second else "")
    weekday = fields.get("day_of_week", "*")
    if weekday != "*":
        return t("jobs.weekly_at", day=t(f"jobs.weekday.{weekday}"), time=time_text)
    return t("jobs.daily_at", time=time_text)
