"""Delivering side effects recorded in the outbox: retries with backoff, exactly-once steps.

A use case writes its state change and the side effects that follow it (a Slack post, an
upload, an email) in one transaction. The worker delivers them afterwards. A deliverer may do
several steps; it records each finished step with `job.checkpoint()` so that a retry after a
crash or an error resumes where it stopped instead of repeating what was done.

Messages are typed (bot/outbox_messages.py): a use case enqueues one with `enqueue`, and a
deliverer is registered for its type and receives it decoded, as `job.message`.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.logs import bound, new_request_id, redact_patterns
from bot.metrics import OUTBOX_DELIVERIES
from bot.outbox_messages import DeliveryGaveUp, MalformedMessage, Message
from storage.db import Database
from storage.repositories import outbox as outbox_repo
from storage.repositories.outbox import ClaimedMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(minutes=30)


class PermanentFailure(Exception):
    """Retrying cannot help (the channel is gone, the address is invalid): give up now."""


class RetryLater(Exception):
    """Not ready yet (another step must happen first): try again soon, not an error."""


M = TypeVar("M", bound=Message)


def enqueue(
    session: Session,
    message: Message,
    *,
    now: datetime,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Add a message to deliver, in the caller's transaction; False when `dedupe_key` was
    already enqueued."""
    return outbox_repo.enqueue(
        session,
        message.kind,
        message.to_payload(),
        now=now,
        dedupe_key=dedupe_key,
        not_before=not_before,
    )


@dataclass
class OutboxJob(Generic[M]):
    """One claimed message as a deliverer sees it: the message and the steps already done."""

    id: int
    message: M
    attempt: int
    done: dict[str, Any] = field(default_factory=dict)
    _save: Callable[[dict[str, Any]], None] | None = None

    def checkpoint(self, step: str, value: Any = True) -> None:
        """Record a finished step now, in its own transaction, so it is never redone."""
        self.done[step] = value
        if self._save is not None:
            self._save(dict(self.done))


Deliverer = Callable[[OutboxJob[M]], None]


def backoff(attempt: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at 30 minutes, with jitter so instances don't align."""
    seconds = min(2.0**attempt, MAX_BACKOFF.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


class OutboxWorker:
    """Claims due messages (exclusively, across processes) and runs their deliverers."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        batch_size: int = 20,
        lease: timedelta = timedelta(minutes=2),
        poll_interval: float = 2.0,
        max_attempts: int = MAX_ATTEMPTS,
        report_to: str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.batch_size = batch_size
        self.lease = lease
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        # Where deliveries that gave up are reported (SUPPORT_CHANNEL); None: only logged.
        self.report_to = report_to
        self._deliverers: dict[str, tuple[type[Message], Deliverer[Any]]] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, message_type: type[M], deliverer: Deliverer[M]) -> None:
        """Deliver messages of `message_type` with `deliverer`."""
        self._deliverers[message_type.kind] = (message_type, deliverer)

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a use case commits)."""
        self._wake.set()

    def run_once(self, now: datetime | None = None) -> int:
        """Deliver what is due; returns how many messages were delivered."""
        now = now or self.clock.now()
        with self.db.session() as session:
            claimed = outbox_repo.claim_due(
                session, now=now, lease=self.lease, limit=self.batch_size
            )
        delivered = 0
        for message in claimed:
            delivered += self._deliver(message)
        return delivered

    def drain(self, rounds: int = 50) -> int:
        """Deliver until nothing is due (for the CLI and tests)."""
        total = 0
        for _ in range(rounds):
            count = self.run_once()
            total += count
            if count == 0:
                break
        return total

    def _job(self, message: ClaimedMessage) -> tuple[OutboxJob[Any], Deliverer[Any]]:
        """The claimed row decoded into its type; PermanentFailure when it cannot be."""
        registered = self._deliverers.get(message.kind)
        if registered is None:
            raise PermanentFailure(f"no deliverer for {message.kind!r}")
        message_type, deliverer = registered
        try:
            decoded = message_type.from_payload(message.payload)
        except MalformedMessage as exc:
            raise PermanentFailure(str(exc)) from exc
        job = OutboxJob(
            id=message.id,
            message=decoded,
            attempt=message.attempts,
            done=message.result,
            _save=lambda result: self._save(message.id, result),
        )
        return job, deliverer

    def _deliver(self, message: ClaimedMessage) -> int:
        payload = message.payload if isinstance(message.payload, dict) else {}
        with bound(
            request_id=new_request_id(),
            outbox_id=message.id,
            order_id=payload.get("order_id"),
            licence_request_id=payload.get("request_id"),
            user=payload.get("user") if isinstance(payload.get("user"), str) else None,
        ):
            return self._deliver_bound(message)

    def _deliver_bound(self, message: ClaimedMessage) -> int:
        try:
            job, deliverer = self._job(message)
            deliverer(job)
        except RetryLater as exc:
            # Waiting on another delivery: look again soon, but not forever.
            retry_at = None
            if message.attempts < self.max_attempts * 3:
                wait = min(2 * message.attempts, 60)
                retry_at = self.clock.now() + timedelta(seconds=wait)
            self._fail(message, f"waiting: {exc}", retry_at)
            self._count(message.kind, retry_at)
            return 0
        except PermanentFailure as exc:
            log.error("outbox %s (%s) failed for good: %s", message.id, message.kind, exc)
            self._fail(message, f"permanent: {exc}", None)
            self._count(message.kind, None)
            return 0
        except Exception as exc:
            retry_at = None
            if message.attempts < self.max_attempts:
                retry_at = self.clock.now() + backoff(message.attempts)
            log.warning(
                "outbox %s (%s) attempt %s failed: %r; retry at %s",
                message.id,
                message.kind,
                message.attempts,
                exc,
                retry_at,
            )
            self._fail(message, repr(exc), retry_at)
            self._count(message.kind, retry_at)
            return 0
        with self.db.session() as session:
            outbox_repo.mark_sent(session, message.id, now=self.clock.now())
        OUTBOX_DELIVERIES.labels(message.kind, "delivered").inc()
        return 1

    @staticmethod
    def _count(kind: str, retry_at: datetime | None) -> None:
        OUTBOX_DELIVERIES.labels(kind, "retried" if retry_at is not None else "failed").inc()

    def _save(self, message_id: int, result: dict[str, Any]) -> None:
        with self.db.session() as session:
            outbox_repo.save_checkpoint(session, message_id, result)

    def _fail(self, message: ClaimedMessage, error: str, retry_at: datetime | None) -> None:
        # Kept in the row, printed by `outbox list` and posted to support: never a credential.
        error = redact_patterns(error)
        with self.db.session() as session:
            outbox_repo.mark_failed(session, message.id, error=error, retry_at=retry_at)
            gave_up = retry_at is None
            # A report that gives up is only logged: reporting it would report itself.
            if gave_up and self.report_to and message.kind != DeliveryGaveUp.kind:
                report = DeliveryGaveUp(
                    message_id=message.id,
                    message_kind=message.kind,
                    attempts=message.attempts,
                    error=error[:500],
                    since=message.created_at,
                )
                now = self.clock.now()
                enqueue(session, report, now=now, dedupe_key=f"outbox.gave_up:{message.id}")
        if retry_at is None:
            self.wake()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                while self.run_once() and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("outbox worker round failed; trying again")
            self._wake.wait(self.poll_interval)
            self._wake.clear()
