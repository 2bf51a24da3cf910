"""response_url POSTs are recorded, validated and replace the message they came from."""

from __future__ import annotations

import httpx
from slack_sdk import WebClient

from slack_emulator import FakeSlack
from tests.slack_emulator.builders import (
    actions,
    button,
    plain,
    section,
)


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
