"""chat.*, conversations.* and auth: messages stored, threaded, paged and changed as in Slack."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import FakeSlack
from tests.slack_emulator.builders import (
    TOKEN,
    button,
    mrkdwn,
    plain,
    section,
)


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


def test_unfurl_previews_a_message_or_a_draft_and_checks_the_blocks(
    fake: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C_SUPPORT", text="https://bot.example.com/orders/x")
    preview = {"https://bot.example.com/orders/x": {"blocks": [section("*Đơn hàng LT1*")]}}
    assert client.chat_unfurl(channel="C_SUPPORT", ts=posted["ts"], unfurls=preview)["ok"]
    assert client.chat_unfurl(unfurl_id="U1", source="composer", unfurls=preview)["ok"]
    with pytest.raises(SlackApiError) as missing:
        client.chat_unfurl(channel="C_SUPPORT", ts="1.000001", unfurls=preview)
    assert missing.value.response["error"] == "cannot_find_message"
    bad = {"https://bot.example.com/orders/x": {"blocks": [{"type": "section"}]}}
    with pytest.raises(SlackApiError) as invalid:
        client.chat_unfurl(channel="C_SUPPORT", ts=posted["ts"], unfurls=bad)
    assert invalid.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as source:
        client.chat_unfurl(unfurl_id="U1", source="elsewhere", unfurls=preview)
    assert source.value.response["error"] == "invalid_source"
