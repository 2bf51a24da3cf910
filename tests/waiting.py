"""Waiting in tests on what happens, not for a guessed number of seconds.

A fixed sleep is either too short on a loaded machine (the test fails for no reason) or longer
than needed everywhere; a wait on a condition returns as soon as the condition holds and says
what it waited for when it gives up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 20.0, what: str = "") -> T:
    """Poll `predicate` until it returns something truthy, and return that; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout}s: {what or predicate}")
        time.sleep(0.05)


def holds_for(predicate: Callable[[], object], seconds: float, what: str = "") -> None:
    """`predicate` stays true for `seconds`: that nothing happens, failing as soon as it does."""
    deadline = time.monotonic() + seconds
    while True:
        if not predicate():
            raise AssertionError(f"stopped holding: {what or predicate}")
        if time.monotonic() >= deadline:
            return
        time.sleep(0.05)
