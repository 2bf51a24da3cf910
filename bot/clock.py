"""The one place that reads the wall clock; everything else is given `today` or `now`."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


class Clock:
    """Local calendar dates and aware timestamps in the bot's time zone."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(self.tz)

    def today(self) -> date:
        return self.now().date()
