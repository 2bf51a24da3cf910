"""Faults injected per method: rate limits, server errors, API errors, dropped connections, delays,
and responses lost after the call was carried out."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

from slack_emulator.protocol import Drop, Reply, json_reply


@dataclass(frozen=True)
class Fault:
    status: int | None
    retry_after: int
    error: str | None
    drop: bool
    delay: float
    lose_response: bool = False


class LoseResponse(Exception):
    """Process the call, then drop the connection: Slack did it, the caller never hears."""


class Faults:
    """Queues of faults by method, met in order by the calls that come."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._queues: dict[str, deque[Fault]] = {}

    def add(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
        drop_connection: bool = False,
        delay: float = 0.0,
        lose_response: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (see `FakeSlack.fail_next`)."""
        if status is None and error is None and not drop_connection and delay <= 0:
            status = None if lose_response else 429
        fault = Fault(status, retry_after, error, drop_connection, delay, lose_response)
        with self._lock:
            queue = self._queues.setdefault(method, deque())
            queue.extend([fault] * times)

    def pending(self, *, clear: bool = False) -> dict[str, int]:
        """Faults no call has met yet, by method; ``clear`` drops them."""
        with self._lock:
            pending = {key: len(queue) for key, queue in self._queues.items() if queue}
            if clear:
                self._queues.clear()
            return pending

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()

    def take(self, key: str) -> Fault | None:
        with self._lock:
            queue = self._queues.get(key)
            return queue.popleft() if queue else None

    def apply(self, key: str) -> Reply | None:
        """Meet the next fault for ``key``: the reply to send instead of the real one, None to
        carry on (after any delay); raises `Drop` or `LoseResponse`."""
        fault = self.take(key)
        if fault is None:
            return None
        if fault.delay > 0:
            time.sleep(fault.delay)
        if fault.lose_response:
            raise LoseResponse
        if fault.drop:
            raise Drop
        if fault.error is not None:
            return json_reply({"ok": False, "error": fault.error}, fault.status or 200)
        if fault.status == 429:
            return json_reply(
                {"ok": False, "error": "ratelimited"},
                429,
                **{"Retry-After": str(fault.retry_after)},
            )
        if fault.status is not None:
            return json_reply({"ok": False, "error": "fatal_error"}, fault.status)
        return None
