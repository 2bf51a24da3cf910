"""Injected faults surface as Slack's would: 429 with Retry-After, 5xx, errors, drops, delays."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from slack_emulator import FakeSlack
from tests.slack_emulator.builders import (
    TOKEN,
)


def test_429_is_retried_by_rate_limit_handler(
    fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
    retrying = WebClient(
        token=TOKEN, base_url=fake.api_url, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    assert retrying.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]


def test_429_500_error_drop_and_delay_surface(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    fake.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 500
    fake.fail_next("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError, match="channel_not_found"):
            client.chat_postMessage(channel="C1", text="hi")
    # slack_sdk's default ConnectionErrorRetryHandler retries a dropped connection once
    retry_once = ConnectionErrorRetryHandler(
        interval_calculator=FixedValueRetryIntervalCalculator(0)
    )
    quick = WebClient(token=TOKEN, base_url=fake.api_url, retry_handlers=[retry_once])
    fake.fail_next("chat.postMessage", drop_connection=True)
    assert quick.chat_postMessage(channel="C1", text="hi")["ok"]
    fake.fail_next("chat.postMessage", drop_connection=True, times=2)
    with pytest.raises(Exception, match=r"Remote end closed|closed connection"):
        quick.chat_postMessage(channel="C1", text="hi")
    assert [c.status for c in fake.calls_to("chat.postMessage")][-4:] == [0, 200, 0, 0]
    fake.fail_next("chat.postMessage", delay=0.3)
    started = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="slow")["ok"]
    assert time.monotonic() - started >= 0.3
    assert len(fake.post_times("C1")) == 2


def test_pending_faults_are_listed_until_met_and_can_be_cleared(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail_next("chat.postMessage", status=500, times=2)
    fake.fail_next("upload", drop_connection=True)
    assert fake.pending_faults() == {"chat.postMessage": 2, "upload": 1}
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hi")
    assert fake.pending_faults(clear=True) == {"chat.postMessage": 1, "upload": 1}
    assert fake.pending_faults() == {}
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]


def test_wait_for_waits_and_times_out_with_listing(fake: FakeSlack, client: WebClient) -> None:
    mark = fake.mark()
    threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="later")).start()
    call = fake.wait_for(
        "chat.postMessage", lambda c: c.params["text"] == "later", timeout=3, after=mark
    )
    assert call.ok
    with pytest.raises(AssertionError, match=r"chat\.postMessage -> ok"):
        fake.wait_for("views.open", timeout=0.1)
