"""The HTTP answer leaves at the listener's `ack`, the listener goes on in its thread
(handlers/dispatch.py), with bolt's own App on the fake Slack Web API."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient

from handlers.dispatch import acknowledge_events_at_once, dispatch
from slack_emulator import FakeSlack
from tests.conftest import BOT_TOKEN

FORM = {"content-type": ["application/x-www-form-urlencoded"]}
JSON = {"content-type": ["application/json"]}


@pytest.fixture
def threads() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as pool:
        yield pool


def make_app(fake: FakeSlack) -> App:
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=fake.api_url),
        signing_secret="unused: the route checks signatures before dispatch",
        request_verification_enabled=False,
        token_verification_enabled=False,
        process_before_response=True,
    )
    acknowledge_events_at_once(app)
    return app


def command(text: str) -> BoltRequest:
    body = {"command": "/misa", "text": text, "user_id": "U1", "team_id": "T1"}
    return BoltRequest(body=urlencode(body), headers=FORM)


def test_the_answer_leaves_at_ack_while_the_listener_goes_on(
    fake_slack: FakeSlack, threads: ThreadPoolExecutor
) -> None:
    app = make_app(fake_slack)
    release = threading.Event()
    finished = threading.Event()

    @app.command("/misa")
    def on_command(ack: Ack) -> None:
        ack(text="đã nhận")
        release.wait(5)  # e.g. opening a modal after the acknowledgement
        finished.set()

    async def scenario() -> None:
        response = await asyncio.wait_for(dispatch(app, command("x"), threads), 2)
        assert response.status == 200
        assert response.body == "đã nhận"
        assert not finished.is_set()  # answered while the listener still runs

    asyncio.run(scenario())
    release.set()
    assert finished.wait(5)


def test_a_request_nobody_acknowledges_gets_what_dispatch_returns(
    fake_slack: FakeSlack, threads: ThreadPoolExecutor
) -> None:
    app = make_app(fake_slack)  # no listener for /misa
    response = asyncio.run(dispatch(app, command("x"), threads))
    assert response.status == 404


def test_an_error_before_ack_answers_500(
    fake_slack: FakeSlack, threads: ThreadPoolExecutor
) -> None:
    app = make_app(fake_slack)

    @app.command("/misa")
    def on_command(ack: Ack) -> None:
        raise RuntimeError("boom")

    response = asyncio.run(dispatch(app, command("x"), threads))
    assert response.status == 500


def test_events_are_acknowledged_before_their_listener_runs(
    fake_slack: FakeSlack, threads: ThreadPoolExecutor
) -> None:
    app = make_app(fake_slack)
    started = threading.Event()
    release = threading.Event()

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any]) -> None:
        started.set()
        release.wait(5)  # e.g. views.publish to a slow Slack

    body = {
        "type": "event_callback",
        "team_id": "T1",
        "event": {"type": "app_home_opened", "user": "U1", "tab": "home"},
    }
    request = BoltRequest(body=json.dumps(body), headers=JSON)

    async def scenario() -> None:
        response = await asyncio.wait_for(dispatch(app, request, threads), 2)
        assert response.status == 200

    asyncio.run(scenario())
    assert started.wait(5)
    release.set()


def test_only_the_first_answer_counts(fake_slack: FakeSlack, threads: ThreadPoolExecutor) -> None:
    app = make_app(fake_slack)

    @app.command("/misa")
    def on_command(ack: Ack) -> None:
        ack()  # e.g. the deadline watcher's empty acknowledgement
        ack(text="quá muộn")

    response = asyncio.run(dispatch(app, command("x"), threads))
    assert response.status == 200
    assert response.body == ""
