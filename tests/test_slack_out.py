"""Slack posts from the outbox happen once: across lost responses, 5xx, crashes and retries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import ClassVar

import pytest
from slack_sdk import WebClient

from bot.outbox import OutboxJob, OutboxWorker
from bot.outbox_messages import Message
from handlers.slack_api import retry_handlers
from handlers.slack_out import ChannelPacer, SlackOut
from slack_emulator import FakeSlack
from storage.db import Database
from storage.repositories import outbox as outbox_repo
from tests.conftest import FixedClock

CHANNEL = "C_ORDERS"


class Post(Message):
    kind: ClassVar[str] = "post"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def slack(fake: FakeSlack) -> SlackOut:
    client = WebClient(
        token="xoxb-test", base_url=fake.api_url, timeout=5, retry_handlers=retry_handlers()
    )
    return SlackOut(client, ChannelPacer(interval=0))


def posts(fake: FakeSlack) -> list[dict]:
    return [m for m in fake.messages(CHANNEL) if m.get("text") == "order placed"]


def worker_posting(db: Database, clock: FixedClock, slack: SlackOut) -> OutboxWorker:
    worker = OutboxWorker(db, clock)

    def deliver(job: OutboxJob[Post]) -> None:
        slack.post_once(job, "message", CHANNEL, "order placed", [])

    worker.register(Post, deliver)
    with db.session() as session:
        outbox_repo.enqueue(session, "post", {}, now=clock.now())
    return worker


def run_until_sent(worker: OutboxWorker, clock: FixedClock) -> None:
    for _ in range(6):
        worker.run_once()
        clock.current += timedelta(minutes=1)


def test_a_lost_response_is_found_not_posted_again(
    db: Database, clock: FixedClock, slack: SlackOut, fake: FakeSlack
) -> None:
    fake.fail_next("chat.postMessage", lose_response=True)
    worker = worker_posting(db, clock, slack)
    run_until_sent(worker, clock)
    assert len(posts(fake)) == 1
    assert len(fake.calls_to("conversations.history")) == 1


@pytest.mark.parametrize("fault", [{"status": 500}, {"drop_connection": True}, {"status": 429}])
def test_a_failed_post_is_retried_and_made_once(
    db: Database, clock: FixedClock, slack: SlackOut, fake: FakeSlack, fault: dict
) -> None:
    fake.fail_next("chat.postMessage", times=2, **fault)
    worker = worker_posting(db, clock, slack)
    run_until_sent(worker, clock)
    assert len(posts(fake)) == 1


def test_a_crash_after_slack_accepted_does_not_repeat_the_post(
    db: Database, clock: FixedClock, slack: SlackOut, fake: FakeSlack
) -> None:
    """The process dies after Slack answered but before the step was recorded."""
    worker = OutboxWorker(db, clock)
    crashes = iter([True])

    def deliver(job: OutboxJob[Post]) -> None:
        checkpoint = job.checkpoint

        def dying_checkpoint(step: str, value: object = True) -> None:
            if step == "message" and next(crashes, False):
                raise SystemExit("killed")  # the finishing checkpoint never reaches the database
            checkpoint(step, value)

        job.checkpoint = dying_checkpoint  # type: ignore[method-assign]
        slack.post_once(job, "message", CHANNEL, "order placed", [])

    worker.register(Post, deliver)
    with db.session() as session:
        outbox_repo.enqueue(session, "post", {}, now=clock.now())
    with pytest.raises(SystemExit):
        worker.run_once()
    clock.current += timedelta(minutes=5)  # the lease of the dead process runs out
    run_until_sent(worker, clock)
    assert len(posts(fake)) == 1
    message = posts(fake)[0]
    assert message["metadata"]["event_type"] == "misa_store_delivery"
