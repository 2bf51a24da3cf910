"""Delivery admin: list, retry and drop (recorded), and give-ups reported once to support."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from sqlalchemy import select

from bot.audit import history
from bot.config import load_settings
from bot.outbox import OutboxJob, OutboxWorker, PermanentFailure
from bot.outbox_admin import DropOutcome, drop, retry, undelivered
from bot.outbox_messages import DeliveryGaveUp, Message
from bot.services import Services
from storage.db import Database
from storage.models import OutboxMessage
from storage.repositories import outbox as outbox_repo
from tests.conftest import FixedClock


class Flaky(Message):
    kind: ClassVar[str] = "test.flaky"
    n: int


def enqueue(db: Database, clock: FixedClock, kind: str = Flaky.kind) -> int:
    with db.session() as session:
        outbox_repo.enqueue(session, kind, {"n": 1}, now=clock.now())
        return session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))


def rows(db: Database) -> list[tuple[str, str, int]]:
    with db.session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return [(m.kind, m.status, m.attempts) for m in session.scalars(query)]


def worker(db: Database, clock: FixedClock, fail: list[bool], reports: list) -> OutboxWorker:
    def deliver(job: OutboxJob[Flaky]) -> None:
        if fail[0]:
            raise PermanentFailure("channel_not_found")

    def report(job: OutboxJob[DeliveryGaveUp]) -> None:
        reports.append(job.message)
        if fail[0]:
            raise PermanentFailure("the support channel is gone too")

    outbox = OutboxWorker(db, clock, report_to="C_SUPPORT")
    outbox.register(Flaky, deliver)
    outbox.register(DeliveryGaveUp, report)
    return outbox


def rounds(outbox: OutboxWorker) -> None:
    """A few worker rounds (`drain` stops at the first round that delivers nothing)."""
    for _ in range(3):
        outbox.run_once()


def test_a_give_up_is_listed_reported_once_and_retried(db: Database, clock: FixedClock) -> None:
    fail, reports = [True], []
    outbox = worker(db, clock, fail, reports)
    message_id = enqueue(db, clock)
    rounds(outbox)
    # Reported once; the report that failed too is not reported in turn.
    assert [r.message_id for r in reports] == [message_id]
    assert reports[0].message_kind == Flaky.kind and "channel_not_found" in reports[0].error
    assert rows(db) == [(Flaky.kind, "dead", 1), (DeliveryGaveUp.kind, "dead", 1)]
    (listed,) = undelivered(db, failed_only=True, kind=Flaky.kind)
    assert listed.id == message_id and listed.gave_up and "channel_not_found" in listed.last_error
    assert listed.since == clock.now() and listed.next_attempt_at is None

    fail[0] = False
    assert retry(db, clock, [message_id]) == [message_id]
    assert outbox.run_once() == 1
    assert rows(db)[0] == (Flaky.kind, "sent", 1)
    assert retry(db, clock, [message_id]) == []  # delivered: nothing to retry
    assert undelivered(db, kind=Flaky.kind) == []


def test_retry_failed_takes_every_give_up(db: Database, clock: FixedClock) -> None:
    def refused(_job: OutboxJob[Flaky]) -> None:
        raise PermanentFailure("not_in_channel")

    outbox = OutboxWorker(db, clock)  # no SUPPORT_CHANNEL: nothing reported
    outbox.register(Flaky, refused)
    ids = [enqueue(db, clock), enqueue(db, clock)]
    rounds(outbox)
    waiting = enqueue(db, clock)
    assert retry(db, clock, None) == ids
    assert [m.id for m in undelivered(db)] == [*ids, waiting]
    assert [kind for kind, _, _ in rows(db)] == [Flaky.kind] * 3
    assert undelivered(db, failed_only=True) == []


def test_drop_is_recorded_and_refused_once_delivered(db: Database, clock: FixedClock) -> None:
    message_id = enqueue(db, clock)
    services = Services(load_settings(_env_file=None), db, clock, OutboxWorker(db, clock))
    assert drop(db, clock, message_id, why="customer asked twice", actor="cli:ops") == (
        DropOutcome.DROPPED
    )
    assert rows(db) == [(Flaky.kind, "dropped", 0)]
    (entry,) = history(services, "outbox", message_id)
    assert (entry.actor, entry.from_status, entry.to_status) == ("cli:ops", "pending", "dropped")
    assert entry.details["why"] == "customer asked twice"
    assert drop(db, clock, message_id, why="again", actor="cli:ops") is (
        DropOutcome.NOT_UNDELIVERED
    )
    assert drop(db, clock, 999_999, why="none", actor="cli:ops") is DropOutcome.NOT_FOUND
    assert retry(db, clock, [message_id]) == []  # dropped stays dropped


def test_a_message_being_delivered_is_not_dropped(db: Database, clock: FixedClock) -> None:
    message_id = enqueue(db, clock)
    with db.session() as session:
        outbox_repo.claim_due(session, now=clock.now(), lease=timedelta(minutes=2), limit=10)
    assert drop(db, clock, message_id, why="busy", actor="cli:ops") is (DropOutcome.NOT_UNDELIVERED)
