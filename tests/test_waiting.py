"""The test helpers that wait on a condition instead of sleeping."""

from __future__ import annotations

import time

import pytest

from tests.waiting import holds_for, wait_until


def test_wait_until_returns_what_the_condition_found() -> None:
    calls = iter([None, 0, "found"])
    assert wait_until(lambda: next(calls), 5) == "found"


def test_wait_until_says_what_did_not_happen() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"not within 0.2s: the outbox drained"):
        wait_until(lambda: False, 0.2, "the outbox drained")
    assert 0.2 <= time.monotonic() - started < 2


def test_holds_for_fails_as_soon_as_it_stops_holding() -> None:
    calls = iter([True, False])
    started = time.monotonic()
    with pytest.raises(AssertionError, match="stopped holding: no second run"):
        holds_for(lambda: next(calls), 30, "no second run")
    assert time.monotonic() - started < 5
    holds_for(lambda: True, 0.1)
