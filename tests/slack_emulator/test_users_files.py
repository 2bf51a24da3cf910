"""users.info, usergroups.users.list, the retired files.upload and the two-step upload, and
url_private_download's token."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import FakeSlack
from tests.slack_emulator.builders import (
    PNG,
    TOKEN,
)


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
