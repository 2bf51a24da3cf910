"""What the people running the bot see: figures read from the database at the moment asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Database
from storage.repositories import operations as repo


@dataclass(frozen=True)
class Figures:
    """The shared state of every instance (the same whichever instance is asked)."""

    outbox: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, status) → count
    oldest_pending_age: float = 0.0  # seconds; 0 when nothing waits
    storage_orders: dict[str, int] = field(default_factory=dict)  # by status
    storage_orders_paid: int = 0
    licence_requests: dict[str, int] = field(default_factory=dict)  # by status
    bank_notifications: dict[str, int] = field(default_factory=dict)  # by outcome


def oldest_pending_age(db: Database, now: datetime) -> float:
    """How long the longest-waiting delivery has waited, in seconds (0 when none waits)."""
    with db.session() as session:
        since = repo.oldest_pending_since(session)
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0


def figures(db: Database, now: datetime) -> Figures:
    with db.session() as session:
        since = repo.oldest_pending_since(session)
        return Figures(
            outbox=repo.outbox_by_kind_and_status(session),
            oldest_pending_age=max((now - since).total_seconds(), 0.0) if since else 0.0,
            storage_orders=repo.storage_orders_by_status(session),
            storage_orders_paid=repo.storage_orders_paid(session),
            licence_requests=repo.licence_requests_by_status(session),
            bank_notifications=repo.bank_notifications_by_outcome(session),
        )


@dataclass(frozen=True)
class Readiness:
    """Whether this instance should be sent traffic, and why not."""

    database: bool
    migrations: bool  # the database's revision is the code's head
    outbox_oldest_seconds: float | None  # None when the database did not answer
    outbox_max_age_seconds: int

    @property
    def outbox(self) -> bool:
        oldest = self.outbox_oldest_seconds
        return oldest is not None and oldest <= self.outbox_max_age_seconds

    @property
    def ready(self) -> bool:
        return self.database and self.migrations and self.outbox


def readiness(db: Database, now: datetime, max_age_seconds: int) -> Readiness:
    from storage.migrate import current_revision, head_revision

    try:
        migrated = current_revision(db) == head_revision()
        oldest: float | None = oldest_pending_age(db, now)
    except Exception:
        return Readiness(False, False, None, max_age_seconds)
    return Readiness(True, migrated, oldest, max_age_seconds)
