"""What the use cases are given: settings, the database and the clock, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from storage.db import Database


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock

    @classmethod
    def create(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            db=Database(settings.effective_database_url),
            clock=Clock(settings.tz),
        )
