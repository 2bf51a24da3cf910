"""Slack's acknowledgement deadline kept by one watcher thread (handlers/deadlines.py)."""

from __future__ import annotations

import threading
import time

from handlers.deadlines import Deadlines


def test_an_answer_in_time_is_not_acknowledged_for_it() -> None:
    acks: list[str] = []
    deadlines = Deadlines(0.05)
    watched = deadlines.watch(lambda: acks.append("empty"))
    assert watched.finish() is True
    time.sleep(0.15)
    assert acks == []


def test_a_late_answer_was_acknowledged_empty_in_time() -> None:
    acked = threading.Event()
    deadlines = Deadlines(0.05)
    started = time.monotonic()
    watched = deadlines.watch(acked.set)
    assert acked.wait(2)
    assert 0.04 <= time.monotonic() - started < 1.5
    assert watched.finish() is False  # the answer goes another way (response_url)


def test_requests_watched_together_expire_each_at_its_own_time() -> None:
    acks: list[int] = []
    deadlines = Deadlines(0.1)
    first = deadlines.watch(lambda: acks.append(1))
    time.sleep(0.05)
    second = deadlines.watch(lambda: acks.append(2))
    third = deadlines.watch(lambda: acks.append(3))
    assert third.finish() is True
    time.sleep(0.08)  # the first is late, the second not yet
    assert acks == [1]
    time.sleep(0.1)
    assert acks == [1, 2]
    assert (first.finish(), second.finish()) == (False, False)
    # Idle, then watched again: the watcher wakes up for it.
    time.sleep(0.05)
    late = threading.Event()
    deadlines.watch(late.set)
    assert late.wait(2)
