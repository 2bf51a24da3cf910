"""The one timestamp column type: aware UTC in, aware UTC out, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, stored as UTC.

    SQLite has no time zones: SQLAlchemy writes an aware value's wall-clock time and drops its
    offset, so a local 15:12 came back as 15:12 UTC. Every value is converted to UTC before it
    is written (a naive one is refused: nobody knows its zone), and read back as aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValueError(f"a timestamp must be timezone-aware, got {value!r}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: UTC without its offset, as written above
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
