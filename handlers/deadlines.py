"""Slack's 3-second acknowledgement, kept for listeners that answer in their own thread.

A listener answers in the thread bolt runs it in; one watcher thread acknowledges (empty) on
its behalf any request still unanswered when its time is up, and the listener then sends
its answer another way (response_url). Requests are watched in arrival order, which is the
order of their deadlines, so the watcher sleeps until the oldest one's and has nothing to do
for requests answered in time: no thread hand-off per request.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class Watched:
    """One request being answered: either its listener finishes first, or its deadline."""

    __slots__ = ("_ack", "_lock", "deadline", "state")

    def __init__(self, ack: Callable[[], object], deadline: float) -> None:
        self._ack = ack
        self._lock = threading.Lock()
        self.deadline = deadline
        self.state = "answering"  # then "in time" or "late"

    def finish(self) -> bool:
        """The listener has its answer: True if it is still in time to acknowledge with it."""
        with self._lock:
            if self.state == "answering":
                self.state = "in time"
            return self.state == "in time"

    def expire(self) -> None:
        with self._lock:
            if self.state == "answering":
                self.state = "late"
                self._ack()  # an empty acknowledgement, within Slack's time


class Deadlines:
    """Acknowledges the requests still unanswered `within` seconds after they arrived."""

    def __init__(self, within: float) -> None:
        self.within = within
        self._watched: deque[Watched] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, ack: Callable[[], object]) -> Watched:
        watched = Watched(ack, time.monotonic() + self.within)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deadlines", daemon=True)
                self._thread.start()
            idle = not self._watched
            self._watched.append(watched)
        if idle:
            self._wake.set()
        return watched

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._watched and self._watched[0].state != "answering":
                    self._watched.popleft()
                oldest = self._watched[0] if self._watched else None
            if oldest is None:
                self._wake.wait()
                self._wake.clear()
                continue
            delay = oldest.deadline - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # any request watched meanwhile has a later deadline
                continue
            oldest.expire()
