"""Declarative base, naming convention and shared column helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.models.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # A bare `Mapped[datetime]` is a UTC timestamp too (tests/test_models.py checks every column).
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UtcDateTime,
    }


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Timestamps:
    # Written by the application to the microsecond (SQLite's CURRENT_TIMESTAMP has whole
    # seconds, so changes within one second would tie); the server default stays for rows
    # written by hand.
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=_utc_now, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=_utc_now, server_default=func.now(), onupdate=_utc_now
    )
