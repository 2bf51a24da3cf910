"""views.*: invalid views are rejected, trigger ids expire and are single-use, stacks and hashes."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import FakeSlack
from tests.slack_emulator.builders import (
    input_block,
    modal,
    mrkdwn,
    plain,
    section,
)

INVALID_VIEWS: list[tuple[str, dict[str, Any], str]] = [
    ("title over 24", modal([], title=plain("t" * 25)), "/view/title/text"),
    ("title in mrkdwn", modal([], title=mrkdwn("t")), "/view/title/type"),
    (
        "input without submit",
        {
            "type": "modal",
            "title": plain("t"),
            "blocks": [input_block({"type": "plain_text_input", "action_id": "t"})],
        },
        "/view/submit",
    ),
    ("submit over 24", modal([], submit=plain("s" * 25)), "/view/submit/text"),
    ("close over 24", modal([], close=plain("c" * 25)), "/view/close/text"),
    ("101 blocks", modal([section()] * 101), "/view/blocks"),
    (
        "private_metadata over 3000",
        modal([], private_metadata="m" * 3001),
        "/view/private_metadata",
    ),
    ("callback_id over 255", modal([], callback_id="c" * 256), "/view/callback_id"),
    (
        "bad block inside",
        modal([{"type": "header", "text": plain("h" * 151)}]),
        "/view/blocks/0/text/text",
    ),
]


@pytest.mark.parametrize(
    ("view", "pointer"), [pytest.param(v, p, id=n) for n, v, p in INVALID_VIEWS]
)
def test_invalid_view_is_rejected_with_pointer(
    fake: FakeSlack, client: WebClient, view: dict[str, Any], pointer: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id=fake.issue_trigger_id("U1"), view=view)
    data = raised.value.response.data
    assert data["error"] == "invalid_arguments"
    assert any(
        m.endswith(f"[json-pointer:{pointer}]") for m in data["response_metadata"]["messages"]
    )


def test_view_at_its_limits_is_accepted(fake: FakeSlack, client: WebClient) -> None:
    view = modal(
        [section()] * 99 + [input_block({"type": "plain_text_input", "action_id": "t"})],
        title=plain("t" * 24),
        submit=plain("s" * 24),
        private_metadata="m" * 3000,
        callback_id="c" * 255,
    )
    opened = client.views_open(trigger_id=fake.issue_trigger_id("U1"), view=view)["view"]
    assert opened["id"].startswith("V") and opened["hash"] and opened["state"] == {"values": {}}
    assert fake.current_view("U1")["id"] == opened["id"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("trigger", "error"),
    [
        pytest.param(lambda f: "123.456.abc", "invalid_trigger_id", id="unknown"),
        pytest.param(
            lambda f: f.issue_trigger_id("U1", age=4.0), "expired_trigger_id", id="expired"
        ),
    ],
)
def test_trigger_id_unknown_or_expired(
    fake: FakeSlack, client: WebClient, trigger: Any, error: str
) -> None:
    with pytest.raises(SlackApiError, match=error):
        client.views_open(trigger_id=trigger(fake), view=modal([section()]))


def test_trigger_id_is_single_use_and_push_needs_a_modal_trigger(
    fake: FakeSlack, client: WebClient
) -> None:
    trigger = fake.issue_trigger_id("U1", age=2.9)
    root = client.views_open(trigger_id=trigger, view=modal([section()]))["view"]
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        client.views_open(trigger_id=trigger, view=modal([section()]))
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_push(trigger_id=fake.issue_trigger_id("U1"), view=modal([section()]))
    pushed = client.views_push(
        trigger_id=fake.issue_trigger_id("U1", view_id=root["id"]), view=modal([section()])
    )
    assert (
        pushed["view"]["previous_view_id"] == root["id"]
        and pushed["view"]["root_view_id"] == root["id"]
    )
    client.views_push(
        trigger_id=fake.issue_trigger_id("U1", view_id=root["id"]), view=modal([section()])
    )
    with pytest.raises(SlackApiError, match="push_limit_reached"):
        client.views_push(
            trigger_id=fake.issue_trigger_id("U1", view_id=root["id"]), view=modal([section()])
        )


def test_views_update_hash_conflict_external_id_and_not_found(
    fake: FakeSlack, client: WebClient
) -> None:
    opened = client.views_open(
        trigger_id=fake.issue_trigger_id("U1"),
        view=modal([section("loading")], external_id="order-1"),
    )["view"]
    first = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=modal([section("v2")])
    )["view"]
    assert first["id"] == opened["id"] and first["hash"] != opened["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(
            view_id=opened["id"], hash=opened["hash"], view=modal([section("stale")])
        )
    by_external = client.views_update(
        external_id="order-1", view=modal([section("v3")], external_id="order-1")
    )
    assert by_external["view"]["blocks"][0]["text"]["text"] == "v3"
    assert len(fake.view_versions(opened["id"])) == 3
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id="VNOPE", view=modal([section()]))
    fake.close_view("U1")
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id=opened["id"], view=modal([section()]))


def test_views_publish_home(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("Trang chủ")]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    second = client.views_publish(user_id="U1", view=home, hash=first["hash"])["view"]
    assert second["id"] == first["id"] and fake.home_view("U1")["hash"] == second["hash"]  # type: ignore[index]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_publish(user_id="U1", view=home, hash=first["hash"])
