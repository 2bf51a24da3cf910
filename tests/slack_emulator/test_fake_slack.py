"""The Slack emulator accepts what Slack accepts and rejects what Slack rejects.

Driven with the real slack_sdk WebClient (and a real slack_bolt App for the signed client of
tests/rig/), so the emulator is proven against the same libraries the bot uses.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier

from slack_emulator import FakeSlack, blockkit
from tests.rig.slack_client import SignedSlack, SubmissionBlocked

TOKEN = "xoxb-test"
SECRET = "rig-signing-secret"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(TOKEN) as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.api_url, timeout=5)


# -- Block Kit builders ----------------------------------------------------------------------------


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hello", **kw: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **kw}


def button(text: str = "Go", action_id: str = "go", **kw: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, **kw}


def actions(*elements: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements), **kw}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def options(n: int) -> list[dict[str, Any]]:
    return [option(f"o{i}", f"v{i}") for i in range(n)]


def select(**kw: Any) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "sel", "options": options(3), **kw}


def input_block(element: dict[str, Any], block_id: str = "in", **kw: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain("Label"),
        "element": element,
        **kw,
    }


def confirm(**kw: Any) -> dict[str, Any]:
    base = {
        "title": plain("Sure?"),
        "text": plain("Really"),
        "confirm": plain("Yes"),
        "deny": plain("No"),
    }
    return {**base, **kw}


def modal(blocks: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": plain("Đơn hàng"), "blocks": blocks, **kw}
    if any(b["type"] == "input" for b in blocks) and "submit" not in kw:
        view["submit"] = plain("Đặt hàng")
    return view


# -- messages ----------------------------------------------------------------------------------


def test_valid_message_is_accepted_stored_and_listed(fake: FakeSlack, client: WebClient) -> None:
    blocks = [
        {"type": "header", "text": plain("Gói lưu trữ dữ liệu")},
        section("*MST* 0101243150", accessory=button("Mua", "storage_order.start", value="sub-1")),
        {"type": "context", "elements": [mrkdwn("Hết hạn 01/06/2025")]},
        {"type": "divider"},
    ]
    resp = client.chat_postMessage(
        channel="C_SUPPORT",
        text="Gói lưu trữ",
        blocks=blocks,
        metadata={"event_type": "lookup", "event_payload": {"sub": 1}},
    )
    assert resp["ok"] and resp["channel"] == "C_SUPPORT"
    assert resp["message"]["ts"] == resp["ts"]
    stored = fake.message("C_SUPPORT", resp["ts"])
    assert stored is not None and all(b.get("block_id") for b in stored["blocks"])
    call = fake.wait_for("chat.postMessage")
    assert call.ok and call.params["blocks"][1]["accessory"]["value"] == "sub-1"
    history = client.conversations_history(channel="C_SUPPORT")["messages"]
    assert [m["ts"] for m in history] == [resp["ts"]] and "metadata" not in history[0]
    with_meta = client.conversations_history(channel="C_SUPPORT", include_all_metadata=True)
    assert with_meta["messages"][0]["metadata"]["event_type"] == "lookup"


def test_message_to_user_id_goes_to_the_dm(client: WebClient) -> None:
    resp = client.chat_postMessage(channel="U123", text="xin chào")
    assert resp["channel"] == "DU123"
    assert client.conversations_open(users="U123")["channel"]["id"] == "DU123"


INVALID_MESSAGE_BLOCKS: list[tuple[str, list[dict[str, Any]], str]] = [
    ("more than 50 blocks", [section()] * 51, "/blocks"),
    ("unknown block type", [{"type": "carousel"}], "/blocks/0/type"),
    ("section text over 3000", [section("x" * 3001)], "/blocks/0/text/text"),
    ("empty text", [section("")], "/blocks/0/text/text"),
    ("section without text or fields", [{"type": "section"}], "/blocks/0"),
    ("11 section fields", [{"type": "section", "fields": [mrkdwn("f")] * 11}], "/blocks/0/fields"),
    (
        "section field over 2000",
        [{"type": "section", "fields": [mrkdwn("f" * 2001)]}],
        "/blocks/0/fields/0/text",
    ),
    (
        "emoji on mrkdwn",
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}],
        "/blocks/0/text/emoji",
    ),
    (
        "unknown text type",
        [{"type": "section", "text": {"type": "md", "text": "x"}}],
        "/blocks/0/text/type",
    ),
    ("header in mrkdwn", [{"type": "header", "text": mrkdwn("x")}], "/blocks/0/text/type"),
    ("header over 150", [{"type": "header", "text": plain("h" * 151)}], "/blocks/0/text/text"),
    (
        "context with 11 elements",
        [{"type": "context", "elements": [mrkdwn("c")] * 11}],
        "/blocks/0/elements",
    ),
    ("empty actions", [actions()], "/blocks/0/elements"),
    (
        "26 elements in actions",
        [actions(*[button(action_id=f"b{i}") for i in range(26)])],
        "/blocks/0/elements",
    ),
    ("button text over 75", [actions(button("b" * 76))], "/blocks/0/elements/0/text/text"),
    (
        "button text mrkdwn",
        [actions({**button(), "text": mrkdwn("b")})],
        "/blocks/0/elements/0/text/type",
    ),
    ("button value over 2000", [actions(button(value="v" * 2001))], "/blocks/0/elements/0/value"),
    (
        "button url over 3000",
        [actions(button(url="https://x/" + "u" * 2991))],
        "/blocks/0/elements/0/url",
    ),
    ("button style secondary", [actions(button(style="secondary"))], "/blocks/0/elements/0/style"),
    (
        "action_id over 255",
        [actions(button(action_id="a" * 256))],
        "/blocks/0/elements/0/action_id",
    ),
    (
        "duplicate action_id in a block",
        [actions(button(), button())],
        "/blocks/0/elements/1/action_id",
    ),
    ("duplicate block_id", [section(block_id="b"), section(block_id="b")], "/blocks/1/block_id"),
    ("block_id over 255", [section(block_id="b" * 256)], "/blocks/0/block_id"),
    (
        "confirm title over 100",
        [actions(button(confirm=confirm(title=plain("t" * 101))))],
        "/blocks/0/elements/0/confirm/title/text",
    ),
    (
        "confirm text over 300",
        [actions(button(confirm=confirm(text=plain("t" * 301))))],
        "/blocks/0/elements/0/confirm/text/text",
    ),
    (
        "confirm button over 30",
        [actions(button(confirm=confirm(confirm=plain("c" * 31))))],
        "/blocks/0/elements/0/confirm/confirm/text",
    ),
    (
        "confirm without deny",
        [actions(button(confirm={k: v for k, v in confirm().items() if k != "deny"}))],
        "/blocks/0/elements/0/confirm",
    ),
    (
        "select with 101 options",
        [actions(select(options=options(101)))],
        "/blocks/0/elements/0/options",
    ),
    (
        "option text over 75",
        [actions(select(options=[option("o" * 76, "v")]))],
        "/blocks/0/elements/0/options/0/text/text",
    ),
    (
        "option value over 150",
        [actions(select(options=[option("o", "v" * 151)]))],
        "/blocks/0/elements/0/options/0/value",
    ),
    (
        "initial_option not among options",
        [actions(select(initial_option=option("x", "nope")))],
        "/blocks/0/elements/0/initial_option",
    ),
    (
        "select placeholder over 150",
        [actions(select(placeholder=plain("p" * 151)))],
        "/blocks/0/elements/0/placeholder/text",
    ),
    (
        "select with both options and option_groups",
        [actions(select(option_groups=[{"label": plain("g"), "options": options(2)}]))],
        "/blocks/0/elements/0",
    ),
    (
        "overflow with 1 option",
        [actions({"type": "overflow", "action_id": "o", "options": options(1)})],
        "/blocks/0/elements/0/options",
    ),
    (
        "overflow with 6 options",
        [actions({"type": "overflow", "action_id": "o", "options": options(6)})],
        "/blocks/0/elements/0/options",
    ),
    (
        "checkboxes with 11 options",
        [actions({"type": "checkboxes", "action_id": "c", "options": options(11)})],
        "/blocks/0/elements/0/options",
    ),
    (
        "radio initial_option not among options",
        [
            actions(
                {
                    "type": "radio_buttons",
                    "action_id": "r",
                    "options": options(2),
                    "initial_option": option("o9", "v9"),
                }
            )
        ],
        "/blocks/0/elements/0/initial_option",
    ),
    ("image without alt_text", [{"type": "image", "image_url": "https://x/y.png"}], "/blocks/0"),
    (
        "image url over 3000",
        [{"type": "image", "image_url": "https://x/" + "i" * 2991, "alt_text": "a"}],
        "/blocks/0/image_url",
    ),
    (
        "image alt_text over 2000",
        [{"type": "image", "image_url": "https://x/y.png", "alt_text": "a" * 2001}],
        "/blocks/0/alt_text",
    ),
    (
        "text input as section accessory",
        [section(accessory={"type": "plain_text_input", "action_id": "t"})],
        "/blocks/0/accessory/type",
    ),
    (
        "misspelt property",
        [{"type": "section", "txt": mrkdwn("x"), "text": mrkdwn("x")}],
        "/blocks/0/txt",
    ),
    (
        "input label over 2000",
        [
            {
                **input_block({"type": "plain_text_input", "action_id": "t"}),
                "label": plain("l" * 2001),
            }
        ],
        "/blocks/0/label/text",
    ),
    (
        "input hint over 2000",
        [input_block({"type": "plain_text_input", "action_id": "t"}, hint=plain("h" * 2001))],
        "/blocks/0/hint/text",
    ),
    ("button inside an input", [input_block(button())], "/blocks/0/element/type"),
    (
        "number_input without is_decimal_allowed",
        [input_block({"type": "number_input", "action_id": "n"})],
        "/blocks/0/element",
    ),
    (
        "number_input initial_value as a number",
        [
            input_block(
                {
                    "type": "number_input",
                    "action_id": "n",
                    "is_decimal_allowed": False,
                    "initial_value": 1,
                }
            )
        ],
        "/blocks/0/element/initial_value",
    ),
    (
        "datepicker impossible date",
        [input_block({"type": "datepicker", "action_id": "d", "initial_date": "2025-02-30"})],
        "/blocks/0/element/initial_date",
    ),
    (
        "file_input max_files 11",
        [input_block({"type": "file_input", "action_id": "f", "max_files": 11})],
        "/blocks/0/element/max_files",
    ),
]


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [pytest.param(b, p, id=name) for name, b, p in INVALID_MESSAGE_BLOCKS],
)
def test_block_kit_violation_is_rejected_with_pointer(
    fake: FakeSlack, client: WebClient, blocks: list[dict[str, Any]], pointer: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="fallback", blocks=blocks)
    data = raised.value.response.data
    assert data["error"] == "invalid_blocks"
    assert any(e.endswith(f"[json-pointer:{pointer}]") for e in data["errors"]), data["errors"]
    assert data["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert fake.messages("C1") == []


VALID_AT_THE_LIMITS: list[tuple[str, list[dict[str, Any]]]] = [
    ("50 blocks", [section()] * 50),
    ("section text 3000", [section("x" * 3000)]),
    ("10 fields of 2000", [{"type": "section", "fields": [mrkdwn("f" * 2000)] * 10}]),
    (
        "header 150 with emoji flag",
        [{"type": "header", "text": {**plain("h" * 150), "emoji": True}}],
    ),
    (
        "context 10 with image",
        [
            {
                "type": "context",
                "elements": [mrkdwn("c")] * 9
                + [{"type": "image", "image_url": "https://x/i.png", "alt_text": "i"}],
            }
        ],
    ),
    ("25 buttons", [actions(*[button(action_id=f"b{i}") for i in range(25)])]),
    (
        "button at its limits",
        [
            actions(
                button(
                    "b" * 75,
                    value="v" * 2000,
                    style="danger",
                    confirm=confirm(title=plain("t" * 100)),
                )
            )
        ],
    ),
    (
        "select with 100 options",
        [actions(select(options=options(100), initial_option=option("o5", "v5")))],
    ),
    (
        "option groups",
        [
            actions(
                {
                    "type": "static_select",
                    "action_id": "g",
                    "option_groups": [{"label": plain("A"), "options": options(2)}],
                }
            )
        ],
    ),
    (
        "overflow with 2 and 5",
        [
            actions(
                {"type": "overflow", "action_id": "a", "options": options(2)},
                {"type": "overflow", "action_id": "b", "options": options(5)},
            )
        ],
    ),
    (
        "checkboxes 10 with mrkdwn",
        [
            actions(
                {
                    "type": "checkboxes",
                    "action_id": "c",
                    "options": [{"text": mrkdwn(f"*{i}*"), "value": str(i)} for i in range(10)],
                }
            )
        ],
    ),
    ("image from slack_file", [{"type": "image", "slack_file": {"id": "F123"}, "alt_text": "qr"}]),
    (
        "rich_text tolerated",
        [
            {
                "type": "rich_text",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "x"}]}
                ],
            }
        ],
    ),
    (
        "input in a message",
        [input_block({"type": "plain_text_input", "action_id": "t"}, dispatch_action=True)],
    ),
    (
        "number_input with strings",
        [
            input_block(
                {
                    "type": "number_input",
                    "action_id": "n",
                    "is_decimal_allowed": False,
                    "initial_value": "1",
                    "min_value": "1",
                    "max_value": "12",
                }
            )
        ],
    ),
    ("block_id of 255", [section(block_id="b" * 255)]),
    ("same action_id in two blocks", [actions(button()), actions(button())]),
]


@pytest.mark.parametrize(("blocks",), [pytest.param(b, id=n) for n, b in VALID_AT_THE_LIMITS])
def test_valid_blocks_at_the_limits_are_accepted(
    client: WebClient, blocks: list[dict[str, Any]]
) -> None:
    assert client.chat_postMessage(channel="C1", text="ok", blocks=blocks)["ok"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_message_needs_content_and_text_is_limited(client: WebClient) -> None:
    with pytest.raises(SlackApiError, match="no_text"):
        client.chat_postMessage(channel="C1")
    with pytest.raises(SlackApiError, match="msg_too_long"):
        client.chat_postMessage(channel="C1", text="x" * 40_001)
    assert client.chat_postMessage(channel="C1", text="x" * 40_000)["ok"]


def test_chat_update_delete_permalink_and_threads(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="p", blocks=[section("v1")])
    reply = client.chat_postMessage(channel="C1", text="r", thread_ts=parent["ts"])
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="C1", ts="1.000001", text="x")
    updated = client.chat_update(channel="C1", ts=parent["ts"], text="p2")
    assert updated["message"]["blocks"][0]["text"]["text"] == "v1"  # omitted blocks are kept
    client.chat_update(channel="C1", ts=parent["ts"], text="p3", blocks=[])
    assert fake.message("C1", parent["ts"])["blocks"] == []  # type: ignore[index]
    thread = client.conversations_replies(channel="C1", ts=parent["ts"])["messages"]
    assert [m["ts"] for m in thread] == [parent["ts"], reply["ts"]]
    assert thread[0]["reply_count"] == 1
    assert client.conversations_history(channel="C1")["messages"][0]["ts"] == parent["ts"]
    link = client.chat_getPermalink(channel="C1", message_ts=reply["ts"])["permalink"]
    assert "/archives/C1/p" in link and "thread_ts=" in link
    client.chat_delete(channel="C1", ts=reply["ts"])
    assert fake.message("C1", reply["ts"]) is None
    eph = client.chat_postEphemeral(channel="C1", user="U1", text="chỉ bạn thấy")
    assert fake.ephemerals(user="U1")[0]["message_ts"] == eph["message_ts"]


def test_history_paging_oldest_and_limit(client: WebClient) -> None:
    ts = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(5)]
    page = client.conversations_history(channel="C1", limit=2)
    assert [m["text"] for m in page["messages"]] == ["4", "3"] and page["has_more"]
    cursor = page["response_metadata"]["next_cursor"]
    assert [
        m["text"]
        for m in client.conversations_history(channel="C1", limit=2, cursor=cursor)["messages"]
    ] == ["2", "1"]
    newer = client.conversations_history(channel="C1", oldest=ts[2])["messages"]
    assert [m["text"] for m in newer] == ["4", "3"]


def test_auth_errors_and_unknown_method(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=fake.api_url).auth_test()
    with pytest.raises(SlackApiError, match="unknown_method"):
        WebClient(token=TOKEN, base_url=fake.api_url).api_call("chat.postMesage")
    status = httpx.post(
        fake.api_url + "users.info",
        json={"user": "U1"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert status.status_code == 200 and status.json()["error"] == "invalid_arguments"


# -- views -------------------------------------------------------------------------------------


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


# -- users, groups, files ----------------------------------------------------------------------


def test_users_info_locale(fake: FakeSlack, client: WebClient) -> None:
    fake.set_user("U_EN", locale="en-US", real_name="Anna")
    assert client.users_info(user="U_VI", include_locale=True)["user"]["locale"] == "vi-VN"
    en = client.users_info(user="U_EN", include_locale=True)["user"]
    assert en["locale"] == "en-US" and en["real_name"] == "Anna" and en["tz"] == "Asia/Ho_Chi_Minh"
    assert "locale" not in client.users_info(user="U_EN")["user"]


def test_usergroups_users_list(fake: FakeSlack, client: WebClient) -> None:
    fake.set_usergroup("S_APPROVERS", ["U1", "U2"])
    assert client.usergroups_users_list(usergroup="S_APPROVERS")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError, match="no_such_subteam"):
        client.usergroups_users_list(usergroup="S_NONE")


def test_files_upload_is_retired_but_v2_works(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="Thanh toán")
    # The retired method, called by name as an old client would: the fake refuses it as Slack does.
    with pytest.raises(SlackApiError, match="method_deprecated"):
        client.api_call("files.upload", data={"channels": "C1", "filename": "qr.png"})
    assert len(fake.calls_to("files.upload")) == 1
    resp = client.files_upload_v2(
        channel="C1",
        thread_ts=parent["ts"],
        content=PNG,
        filename="qr.png",
        title="VietQR",
        initial_comment="QR",
    )
    assert resp["file"]["title"] == "VietQR"
    (uploaded,) = fake.uploaded_files()
    assert (
        uploaded.content == PNG and uploaded.channel == "C1" and uploaded.thread_ts == parent["ts"]
    )
    assert uploaded.mimetype == "image/png"
    reply = client.conversations_replies(channel="C1", ts=parent["ts"])["messages"][-1]
    assert reply["files"][0]["id"] == uploaded.id and reply["text"] == "QR"
    with pytest.raises(SlackApiError, match="file_not_found"):
        client.files_completeUploadExternal(
            files=[{"id": "FNOTUPLOADED", "title": "x"}], channel_id="C1"
        )


def test_url_private_download_needs_the_bot_token(fake: FakeSlack, client: WebClient) -> None:
    added = fake.add_file("quyet-dinh.pdf", b"%PDF-1.4 test", "application/pdf", user="U1")
    info = client.files_info(file=added["id"])["file"]
    assert (
        info["mimetype"] == "application/pdf" and info["filetype"] == "pdf" and info["size"] == 13
    )
    url = info["url_private_download"]
    anonymous = httpx.get(url)
    assert anonymous.status_code == 200 and anonymous.headers["content-type"].startswith(
        "text/html"
    )
    authed = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert authed.content == b"%PDF-1.4 test"
    assert [d.authorized for d in fake.downloads] == [False, True]
    with pytest.raises(SlackApiError, match="file_not_found"):
        client.files_info(file="FNONE")


# -- fault injection ---------------------------------------------------------------------------


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


# -- response_url ------------------------------------------------------------------------------


def test_response_url_records_validates_and_replaces(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(
        channel="C1", text="Chờ duyệt", blocks=[actions(button("Duyệt", "license.approve"))]
    )
    url = fake.new_response_url(channel="C1", message_ts=posted["ts"], user_id="U1")
    bad = httpx.post(url, json={"blocks": [{"type": "header", "text": plain("h" * 151)}]})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_blocks"
    ok = httpx.post(
        url, json={"replace_original": True, "text": "Đã duyệt", "blocks": [section("Đã duyệt")]}
    )
    assert ok.status_code == 200
    assert fake.message("C1", posted["ts"])["blocks"][0]["text"]["text"] == "Đã duyệt"  # type: ignore[index]
    post = fake.wait_for_response(lambda r: r.body.get("replace_original") is True)
    assert post.ok and post.message_ts == posted["ts"]
    httpx.post(url, json={"text": "chỉ bạn thấy"})
    assert fake.ephemerals(user="U1")[-1]["message"]["text"] == "chỉ bạn thấy"
    httpx.post(url, json={"response_type": "in_channel", "text": "mọi người thấy"})
    assert fake.messages("C1")[-1]["text"] == "mọi người thấy"
    httpx.post(url, json={"delete_original": True})
    assert fake.message("C1", posted["ts"]) is None
    assert httpx.post(url, json={"text": "fifth"}).status_code == 200
    assert httpx.post(url, json={"text": "sixth"}).status_code == 404  # 5 uses per response_url


# -- Block Kit validator entry points -----------------------------------------------------------


def test_response_action_validation() -> None:
    view = modal(
        [input_block({"type": "email_text_input", "action_id": "e"}, block_id="invoice_email")]
    )
    assert (
        blockkit.validate_response_action(
            {"response_action": "errors", "errors": {"invoice_email": "Sai"}}, view
        )
        == []
    )
    errors = blockkit.validate_response_action(
        {"response_action": "errors", "errors": {"email": "Sai"}}, view
    )
    assert errors and "[json-pointer:/errors/email]" in errors[0]
    update = blockkit.validate_response_action(
        {"response_action": "update", "view": modal([], title=plain("t" * 25))}
    )
    assert update == ["must be less than 25 characters [json-pointer:/view/title/text]"]
    assert blockkit.validate_response_action({"response_action": "clear"}) == []
    assert blockkit.validate_response_action({"response_action": "close"})
    assert blockkit.validate_options_response({"options": options(3)}) == []
    assert blockkit.validate_options_response({"options": [option("o", "v" * 151)]})


# -- signed client + a real bolt app ------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


ORDER_VIEW = {
    "type": "modal",
    "callback_id": "storage_order",
    "title": plain("Gói lưu trữ"),
    "submit": plain("Đặt hàng"),
    "notify_on_close": True,
    "private_metadata": json.dumps({"subscription": 7}),
    "blocks": [
        input_block(
            {
                "type": "number_input",
                "action_id": "qty",
                "is_decimal_allowed": False,
                "initial_value": "1",
                "min_value": "1",
                "max_value": "12",
            },
            block_id="quantity",
        ),
        input_block({"type": "email_text_input", "action_id": "email"}, block_id="invoice_email"),
        input_block(
            {
                "type": "static_select",
                "action_id": "term",
                "options": [option("1 năm", "12"), option("2 năm", "24")],
            },
            block_id="term",
            optional=True,
            dispatch_action=True,
        ),
        input_block(
            {"type": "external_select", "action_id": "pick", "min_query_length": 2},
            block_id="customer",
            optional=True,
        ),
        input_block(
            {"type": "file_input", "action_id": "files", "filetypes": ["pdf"]},
            block_id="decision_file",
            optional=True,
        ),
    ],
}


@pytest.fixture
def bot(fake: FakeSlack) -> Iterator[SignedSlack]:
    app = App(client=WebClient(token=TOKEN, base_url=fake.api_url), signing_secret=SECRET)

    @app.command("/misa")
    def open_order(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=ORDER_VIEW)

    @app.view("storage_order")
    def place_order(
        ack: Any, view: dict[str, Any], body: dict[str, Any], client: WebClient
    ) -> None:
        values = view["state"]["values"]
        if int(values["quantity"]["qty"]["value"]) > 5:
            ack(response_action="errors", errors={"quantity": "Tối đa 5 năm"})
            return
        ack()
        files = values["decision_file"]["files"]["files"]
        client.chat_postMessage(
            channel="C_APPROVAL",
            text="Đơn mới",
            blocks=[
                section(f"{values['invoice_email']['email']['value']} {len(files)}"),
                actions(button("Duyệt", "license.approve", value="order-1", style="primary")),
            ],
        )

    @app.view_closed("storage_order")
    def closed(ack: Any) -> None:
        ack()

    @app.action("license.approve")
    def approve(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        respond(replace_original=True, text=f"Đã duyệt {body['actions'][0]['value']}")

    @app.action("term")
    def term_changed(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        chosen = body["actions"][0]["selected_option"]["value"]
        view = body["view"]
        total = section(f"Thời hạn {chosen} tháng", block_id="total")
        client.views_update(
            view_id=view["id"],
            hash=view["hash"],
            view={**ORDER_VIEW, "blocks": [*ORDER_VIEW["blocks"], total]},
        )

    @app.options("pick")
    def customers(ack: Any, payload: dict[str, Any]) -> None:
        ack(options=[option(f"Công ty {payload['value']}", "0101243150")])

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"], view={"type": "home", "blocks": [section("Trang chủ")]}
        )

    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    with SignedSlack(f"http://127.0.0.1:{server.server_port}/slack/events", SECRET, fake) as signed:
        yield signed
    server.shutdown()
    server.server_close()


def test_signature_verifies_with_slack_sdk(fake: FakeSlack) -> None:
    signed = SignedSlack("http://127.0.0.1:9/slack/events", SECRET, fake)
    body, ts = b"token=x&text=%2Fmisa+lookup", int(time.time())
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, ts, signed.signature(body, ts))
    assert not verifier.is_valid(body, ts, signed.signature(body, ts, secret="other"))
    signed.close()


def test_bolt_rejects_bad_stale_and_unsigned_requests(bot: SignedSlack) -> None:
    assert bot.command("help", bad_signature=True).status_code == 401
    assert bot.command("help", timestamp=int(time.time()) - 600).status_code == 401
    assert bot.command("help", unsigned=True).status_code == 401
    assert bot.url_verification("chal-123").status_code == 200
    assert bot.check_ack(bot.url_verification("chal-123")) == {"challenge": "chal-123"}


def test_command_modal_submission_and_click_end_to_end(fake: FakeSlack, bot: SignedSlack) -> None:
    assert bot.check_ack(bot.command("order", user_id="U_STAFF")) is None
    view = fake.wait_for_view("U_STAFF", "storage_order")
    with pytest.raises(ValueError, match="not input blocks"):
        bot.view_submission(view, {"nope": "x"})
    with pytest.raises(SubmissionBlocked, match=r"invoice_email.*required"):
        bot.view_submission(view, {"quantity": 2})
    with pytest.raises(SubmissionBlocked, match="not an email"):
        bot.view_submission(view, {"invoice_email": "not-an-email"})
    with pytest.raises(SubmissionBlocked, match="above max_value"):
        bot.view_submission(view, {"quantity": 13, "invoice_email": "a@b.vn"})
    ack = bot.check_ack(
        bot.view_submission(view, {"quantity": 6, "invoice_email": "ke.toan@misa.vn"})
    )
    assert ack == {"response_action": "errors", "errors": {"quantity": "Tối đa 5 năm"}}
    assert fake.view_errors(view["id"]) == {"quantity": "Tối đa 5 năm"}
    assert fake.current_view("U_STAFF")["id"] == view["id"]  # type: ignore[index]
    decision = fake.add_file("qd.pdf", b"%PDF", "application/pdf", user="U_STAFF")
    view = fake.current_view("U_STAFF")  # still shows what the user typed
    assert view is not None
    assert view["state"]["values"]["invoice_email"]["email"]["value"] == "ke.toan@misa.vn"
    resp = bot.view_submission(view, {"quantity": 2, "term": "24", "decision_file": [decision]})
    assert bot.check_ack(resp) is None
    assert fake.current_view("U_STAFF") is None  # plain ack closed the modal
    posted = fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "C_APPROVAL")
    assert posted.params["blocks"][0]["text"]["text"] == "ke.toan@misa.vn 1"
    message = posted.response["message"]  # type: ignore[index]
    with pytest.raises(AssertionError, match=r"no element with action_id 'license\.reject'"):
        bot.click(message, "license.reject")
    assert bot.check_ack(bot.click(message, "license.approve", user_id="U_BOSS")) is None
    fake.wait_for_response(lambda r: r.message_ts == message["ts"])
    assert fake.message("C_APPROVAL", message["ts"])["text"] == "Đã duyệt order-1"  # type: ignore[index]


def test_view_closed_and_check_ack_rejects_bad_errors(fake: FakeSlack, bot: SignedSlack) -> None:
    bot.command("order")
    view = fake.wait_for_view("U_STAFF", "storage_order")
    assert bot.view_closed(view).status_code == 200
    assert fake.current_view("U_STAFF") is None
    request = httpx.Request(
        "POST",
        "http://x",
        content=b"payload=" + json.dumps({"type": "view_submission", "view": view}).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    fake_ack = httpx.Response(
        200, json={"response_action": "errors", "errors": {"email": "Sai"}}, request=request
    )
    fake_ack.elapsed = dt.timedelta(seconds=0.1)
    with pytest.raises(AssertionError, match="not the block_id of an input block"):
        bot.check_ack(fake_ack)


def test_actions_in_a_modal_suggestions_and_home(fake: FakeSlack, bot: SignedSlack) -> None:
    bot.command("order")
    view = fake.wait_for_view("U_STAFF", "storage_order")
    suggested = bot.check_ack(bot.block_suggestion("pick", "misa", view=view))
    assert suggested["options"][0]["value"] == "0101243150"
    with pytest.raises(AssertionError, match="min_query_length"):
        bot.block_suggestion("pick", "m", view=view)
    assert bot.check_ack(bot.select(view, "term", "24")) is None
    fake.wait_for("views.update")
    updated = fake.current_view("U_STAFF")
    assert updated is not None and updated["blocks"][-1]["block_id"] == "total"
    assert updated["state"]["values"]["term"]["term"]["selected_option"]["value"] == "24"  # kept
    bot.check_ack(
        bot.view_submission(updated, {"invoice_email": "a@misa.vn", "customer": "0101243150"})
    )
    posted = fake.wait_for("chat.postMessage")
    assert posted.params["blocks"][0]["text"]["text"] == "a@misa.vn 0"
    assert fake.current_view("U_STAFF") is None
    assert (
        bot.app_home_opened("U_STAFF", retry_num=1, retry_reason="http_timeout").status_code == 200
    )
    fake.wait_for("views.publish")
    assert fake.home_view("U_STAFF")["blocks"][0]["text"]["text"] == "Trang chủ"  # type: ignore[index]
