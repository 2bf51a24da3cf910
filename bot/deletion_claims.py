"""Taking a deletion warning: a support agent says "I'll handle it" (`reminder.claim`) on an
account of the support channel's deletion digest, so two agents don't call the same customer.

A claim holds for the account's current expiry (a renewal and a later expiry start afresh),
so the next digest about the same account shows who has it too. It is in the account's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.authz import Authorizer, Permission
from bot.errors import AlreadyDecided, NotFound
from bot.outbox import enqueue
from bot.outbox_messages import AccountItem, DeletionDigest, DigestClaimed
from bot.reminders import DELETION_WARNINGS, dedupe_key
from bot.services import Services
from bot.subscriptions import deletion_date
from storage.db import Conflict, Database
from storage.repositories import audit
from storage.repositories import claims as claims_repo
from storage.repositories import customers as customers_repo
from storage.repositories import outbox as outbox_repo

ACCOUNT = "subscription"  # audit entity type: the account's history


def claim_account(
    services: Services,
    authz: Authorizer,
    actor: str,
    subscription_id: int,
    message: DigestClaimed,
    now: datetime,
) -> None:
    """Record that `actor` handles the account and redraw the digest; refused (saying who)
    when someone else took it first."""
    authz.require(actor, Permission.ORDER)
    for _attempt in range(3):
        try:
            _claim_once(services, actor, subscription_id, message, now)
        except Conflict:
            continue  # claimed in the same instant by someone: look again, and say who
        services.outbox.wake()
        return


def _claim_once(
    services: Services, actor: str, subscription_id: int, message: DigestClaimed, now: datetime
) -> None:
    with services.db.session() as session:
        subscription = customers_repo.get_subscription(session, subscription_id)
        if subscription is None:
            raise NotFound("storage.subscription_not_found")
        taken = claims_repo.claim_of(session, subscription_id, subscription.expires_on)
        if taken is not None and taken.claimed_by != actor:
            raise AlreadyDecided("reminders.claim.taken", user=taken.claimed_by)
        if taken is None:
            claims_repo.add(session, subscription_id, subscription.expires_on, by=actor, at=now)
            audit.record(
                session,
                entity_type=ACCOUNT,
                entity_id=subscription_id,
                action="claimed",
                actor=actor,
                at=now,
                details={
                    "digest": message.day.isoformat(),
                    "deletion_on": deletion_date(subscription.expires_on).isoformat(),
                },
            )
        enqueue(session, message, now=now)


def claims_for(db: Database, items: Iterable[AccountItem]) -> dict[int, str]:
    """Who handles each listed account (by subscription id), for its expiry as listed."""
    with db.session() as session:
        return claims_repo.claimed_by(session, [(i.subscription_id, i.expires_on) for i in items])


def support_digest(db: Database, channel: str, day: date) -> DeletionDigest | None:
    """The support channel's deletion digest of `day`, as it was sent."""
    key = dedupe_key(DELETION_WARNINGS, channel, day)
    with db.session() as session:
        payload = outbox_repo.payload_by_key(session, DeletionDigest.kind, key)
    return DeletionDigest.from_payload(payload) if payload is not None else None
