"""Who took a deletion warning: one claim per account and expiry date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import DeletionClaim


def claim_of(session: Session, subscription_id: int, expires_on: date) -> DeletionClaim | None:
    return session.scalar(
        select(DeletionClaim).where(
            DeletionClaim.subscription_id == subscription_id,
            DeletionClaim.expires_on == expires_on,
        )
    )


def add(session: Session, subscription_id: int, expires_on: date, *, by: str, at: datetime) -> None:
    """A new claim; the unique index refuses a second one (storage.db.Conflict)."""
    session.add(
        DeletionClaim(
            subscription_id=subscription_id, expires_on=expires_on, claimed_by=by, claimed_at=at
        )
    )
    session.flush()


def claimed_by(session: Session, accounts: Iterable[tuple[int, date]]) -> dict[int, str]:
    """Who holds each (subscription id, expiry) that has a claim, by subscription id."""
    wanted = set(accounts)
    if not wanted:
        return {}
    rows = session.scalars(
        select(DeletionClaim).where(DeletionClaim.subscription_id.in_({s for s, _ in wanted}))
    )
    return {
        row.subscription_id: row.claimed_by
        for row in rows
        if (row.subscription_id, row.expires_on) in wanted
    }
