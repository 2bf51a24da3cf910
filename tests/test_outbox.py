"""The outbox: deduplicated enqueueing, exclusive claims, retries, checkpoints, giving up."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import ClassVar

import pytest
from sqlalchemy import select

from bot.clock import Clock
from bot.outbox import OutboxJob, OutboxWorker, PermanentFailure
from bot.outbox_messages import Message
from storage.db import Database
from storage.models import OutboxMessage
from storage.repositories import outbox as outbox_repo
from tests.conftest import FixedClock


class Probe(Message):
    kind: ClassVar[str] = "test"
    n: int


def enqueue(db: Database, clock: Clock, kind: str = "test", key: str | None = None) -> bool:
    with db.session() as session:
        return outbox_repo.enqueue(session, kind, {"n": 1}, now=clock.now(), dedupe_key=key)


def statuses(db: Database) -> list[tuple[str, int]]:
    with db.session() as session:
        return [
            (m.status, m.attempts)
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def test_dedupe_key_enqueues_once(db: Database, clock: FixedClock) -> None:
    assert enqueue(db, clock, key="reminder:U1:2026-11-22")
    assert not enqueue(db, clock, key="reminder:U1:2026-11-22")
    assert enqueue(db, clock, key=None) and enqueue(db, clock, key=None)
    assert len(statuses(db)) == 3


def test_delivery_and_retry_with_backoff(db: Database, clock: FixedClock) -> None:
    outcomes = iter([RuntimeError("slack down"), None])
    seen: list[int] = []

    def deliver(job: OutboxJob[Probe]) -> None:
        seen.append(job.attempt)
        error = next(outcomes)
        if error:
            raise error

    worker = OutboxWorker(db, clock)
    worker.register(Probe, deliver)
    enqueue(db, clock)
    assert worker.run_once() == 0
    assert statuses(db) == [("pending", 1)]
    assert worker.run_once() == 0  # not due yet: backoff
    clock.current += timedelta(seconds=5)
    assert worker.run_once() == 1
    assert seen == [1, 2]
    assert statuses(db) == [("sent", 2)]
    assert worker.run_once() == 0


def test_checkpoints_survive_a_failed_attempt(db: Database, clock: FixedClock) -> None:
    side_effects: list[str] = []

    def deliver(job: OutboxJob[Probe]) -> None:
        if "posted" not in job.done:
            side_effects.append("post")
            job.checkpoint("posted", "1700000000.000100")
        if job.attempt == 1:
            raise RuntimeError("upload failed")
        side_effects.append(f"upload in {job.done['posted']}")

    worker = OutboxWorker(db, clock)
    worker.register(Probe, deliver)
    enqueue(db, clock)
    worker.run_once()
    clock.current += timedelta(minutes=1)
    worker.run_once()
    assert side_effects == ["post", "upload in 1700000000.000100"]


def test_permanent_failure_and_unknown_kind_give_up(db: Database, clock: FixedClock) -> None:
    def deliver(_: OutboxJob[Probe]) -> None:
        raise PermanentFailure("channel_not_found")

    worker = OutboxWorker(db, clock)
    worker.register(Probe, deliver)
    enqueue(db, clock)
    enqueue(db, clock, kind="nobody-handles-this")
    worker.run_once()
    assert [s for s, _ in statuses(db)] == ["dead", "dead"]


def test_waiting_on_another_delivery_is_bounded(db: Database, clock: FixedClock) -> None:
    from bot.outbox import RetryLater

    def deliver(_: OutboxJob[Probe]) -> None:
        raise RetryLater("the message it updates was never posted")

    worker = OutboxWorker(db, clock, max_attempts=2)
    worker.register(Probe, deliver)
    enqueue(db, clock)
    for _ in range(10):
        worker.run_once()
        clock.current += timedelta(minutes=2)
    assert statuses(db) == [("dead", 6)]


def test_attempts_are_bounded(db: Database, clock: FixedClock) -> None:
    def deliver(_: OutboxJob[Probe]) -> None:
        raise RuntimeError("still down")

    worker = OutboxWorker(db, clock, max_attempts=3)
    worker.register(Probe, deliver)
    enqueue(db, clock)
    for _ in range(5):
        worker.run_once()
        clock.current += timedelta(hours=1)
    assert statuses(db) == [("dead", 3)]


def test_concurrent_workers_deliver_each_message_once(db: Database, clock: FixedClock) -> None:
    for _ in range(40):
        enqueue(db, clock)
    delivered: list[int] = []
    lock = threading.Lock()

    def deliver(job: OutboxJob[Probe]) -> None:
        with lock:
            delivered.append(job.id)

    workers = []
    for _ in range(4):
        worker = OutboxWorker(Database(db.url), clock, batch_size=5)
        worker.register(Probe, deliver)
        workers.append(worker)
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(delivered) == sorted(set(delivered)) and len(delivered) == 40
    assert {s for s, _ in statuses(db)} == {"sent"}


def test_a_malformed_payload_gives_up_at_once_and_says_why(
    db: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    delivered: list[int] = []
    worker = OutboxWorker(db, clock)
    worker.register(Probe, lambda job: delivered.append(job.message.n))
    with db.session() as session:
        outbox_repo.enqueue(session, "test", {"n": "not a number"}, now=clock.now())
        outbox_repo.enqueue(session, "test", {"n": 2}, now=clock.now())
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        assert worker.run_once() == 1
    assert delivered == [2]
    assert statuses(db) == [("dead", 1), ("sent", 1)]
    with db.session() as session:
        error = session.scalars(select(OutboxMessage.last_error).order_by(OutboxMessage.id)).first()
    assert error == "permanent: malformed 'test' payload (n)"
    assert "malformed 'test' payload (n)" in caplog.text
