"""What the use cases are given: settings, the database and the clock, built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.outbox import OutboxWorker
from storage.db import Database


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock
    outbox: OutboxWorker

    @classmethod
    def create(cls, settings: Settings) -> Services:
        db = Database(settings.effective_database_url)
        clock = Clock(settings.tz)
        lease = timedelta(seconds=settings.outbox_lease_seconds)
        outbox = OutboxWorker(db, clock, lease=lease, report_to=settings.support_channel)
        return cls(settings=settings, db=db, clock=clock, outbox=outbox)
