"""Subscription lifecycle: active, expired (grace), data_deleted, archived — derived from dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

GRACE_DAYS = 30


class Product(StrEnum):
    AMIS_KT = "AMIS_KT"
    IGOV = "IGOV"


class LifecycleState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    DATA_DELETED = "data_deleted"
    ARCHIVED = "archived"


def deletion_date(expires_on: date) -> date:
    """Data is deleted on day 31 after expiry."""
    return expires_on + timedelta(days=GRACE_DAYS + 1)


@dataclass(frozen=True)
class Lifecycle:
    """Where a subscription stands on `today`, with the dates that explain it."""

    state: LifecycleState
    today: date
    expires_on: date
    deletion_on: date
    storage_until: date | None = None
    deletion_hold_until: date | None = None
    data_deleted_on: date | None = None

    @property
    def days_since_expiry(self) -> int:
        return (self.today - self.expires_on).days

    @property
    def days_until_expiry(self) -> int:
        return (self.expires_on - self.today).days

    @property
    def days_until_deletion(self) -> int:
        """Days from today to the deletion date: today + this = `deletion_on` (1 on day 30)."""
        return max((self.deletion_on - self.today).days, 0)

    @property
    def data_deleted_date(self) -> date:
        """When the data was (or will be) deleted, whichever rule applied."""
        if self.data_deleted_on is not None:
            return self.data_deleted_on
        candidates = [self.deletion_on]
        if self.storage_until is not None:
            candidates.append(self.storage_until + timedelta(days=1))
        if self.deletion_hold_until is not None:
            candidates.append(self.deletion_hold_until + timedelta(days=1))
        return max(candidates)

    @property
    def is_held(self) -> bool:
        """Past the grace period but kept because an open storage order holds the deletion."""
        return self.state is LifecycleState.EXPIRED and self.days_since_expiry > GRACE_DAYS


def lifecycle(
    expires_on: date,
    today: date,
    *,
    storage_until: date | None = None,
    deletion_hold_until: date | None = None,
    data_deleted_on: date | None = None,
) -> Lifecycle:
    """The lifecycle state on `today` (SPEC §1). A renewal (expiry in the future) wins over all."""
    days = (today - expires_on).days
    if days <= 0:
        state = LifecycleState.ACTIVE
    elif storage_until is not None and today <= storage_until:
        state = LifecycleState.ARCHIVED
    elif data_deleted_on is not None and data_deleted_on > expires_on:
        state = LifecycleState.DATA_DELETED
    elif days <= GRACE_DAYS or (deletion_hold_until is not None and today <= deletion_hold_until):
        state = LifecycleState.EXPIRED
    else:
        state = LifecycleState.DATA_DELETED
    return Lifecycle(
        state=state,
        today=today,
        expires_on=expires_on,
        deletion_on=deletion_date(expires_on),
        storage_until=storage_until,
        deletion_hold_until=deletion_hold_until,
        data_deleted_on=data_deleted_on,
    )
