"""The iGOV procedure (seed 003) through `python -m bot serve`, over signed HTTP, on the fake Slack.

Order → licence request with two uploaded documents → approval message → refusals → approval
(message updated, requester told, resources granted) → a second purchase on top; a rejection
with a reason; concurrent decisions; the inline errors of the forms.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import AuditEvent, LicenceRequest
from tests.e2e.igov_steps import (
    APPROVALS,
    BOSS,
    BOSS2,
    LEAD,
    SALES_USER,
    action_ids,
    approval,
    in_thread,
    new_view,
    open_request,
    place_order,
    refusal,
    send_request,
    start_bot,
    texts,
    wait_message,
    wait_update,
)
from tests.igov_data import PDF, PNG, PUBLIC, PUBLIC_2
from tests.rig.bot_process import BotProcess

DECIDE = ["license.approve", "license.reject", "license.request_changes"]


@pytest.fixture(scope="module")
def bot(
    module_database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    yield from start_bot(module_database_url, fake_slack, tmp_path_factory.mktemp("home"))


def test_seed_walkthrough_order_request_approval_and_second_purchase(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database
) -> None:
    fake = fake_slack
    order_message = place_order(slack, fake, PUBLIC, kt=3, vps=0)
    text = texts(order_message["blocks"])
    assert "Sở Tài chính tỉnh Bắc Ninh" in text and "9.000.000 đ" in text
    assert action_ids(order_message) == ["license_request.start"]

    view = open_request(slack, fake, order_message)
    shown = texts(view["blocks"])
    assert "1054321" in shown and "9.000.000 đ" in shown and "Cấp" in shown
    assert "Hành chính sự nghiệp" in shown and "0 (đã có) + 3 (mua thêm) = *3*" in shown

    # The module's extra information, in a modal pushed over the form.
    mark = fake.mark()
    slack.click(view, "license_request.module_info", block_id="module_KT_NS", user_id=LEAD)
    pushed = new_view(fake, mark, "views.push")
    assert pushed["callback_id"] == "license_request_module"
    ack = slack.view_submission(pushed, {"extra_fiscal_year": "2026"}, user_id=LEAD)
    assert slack.check_ack(ack) is None
    view = new_view(fake, mark, "views.update")
    assert fake.current_view(LEAD) == view
    assert "Năm ngân sách bắt đầu: 2026" in texts(view["blocks"])

    code, message = send_request(slack, fake, view)
    shown = texts(message["blocks"])
    for expected in (
        "Chờ duyệt",
        "Sở Tài chính tỉnh Bắc Ninh",
        "quyet-dinh-cap-nguon.pdf",
        "bang-chung.png",
        "stc@bacninh.gov.vn",
        "Năm ngân sách bắt đầu: 2026",
        "1054321",
        "HD-IG-01",
        "9.000.000 đ",
    ):
        assert expected in shown, expected
    assert action_ids(message) == DECIDE
    # The kept documents, byte for byte, in the approval message's thread.
    fake.wait_for("files.completeUploadExternal", lambda c: c.ok and in_thread(fake, message) == 2)
    uploads = [f for f in fake.uploaded_files() if f.thread_ts == message["ts"]]
    assert sorted(f.content for f in uploads) == sorted([PDF, PNG])
    assert fake.downloads and all(d.authorized for d in fake.downloads)  # with the bot token

    # A non-approver and the requester are refused; nothing changes.
    posts = len(fake.responses)
    slack.click(message, "license.approve", user_id=SALES_USER)
    assert "không có quyền duyệt" in refusal(fake, posts, SALES_USER)
    posts = len(fake.responses)
    slack.click(message, "license.approve", user_id=LEAD)
    assert "do chính mình đề nghị" in refusal(fake, posts, LEAD)
    posts = len(fake.responses)
    slack.click(message, "license.reject", user_id=LEAD)
    assert "do chính mình đề nghị" in refusal(fake, posts, LEAD)
    assert action_ids(approval(fake, message)) == DECIDE

    # Approved: the message loses its buttons and says who and when; the requester is told.
    mark = fake.mark()
    slack.click(message, "license.approve", user_id=BOSS)
    fake.wait_for("chat.update", lambda c: c.ok and c.params["ts"] == message["ts"], after=mark)
    updated = approval(fake, message)
    assert action_ids(updated) == []
    assert "KTLicense – Đã duyệt" in texts(updated["blocks"])
    assert f"<@{BOSS}> đã duyệt lúc" in texts(updated["blocks"])
    notice = wait_message(fake, "D" + LEAD, lambda p: code in p["text"], mark)
    assert "đã được duyệt" in texts(notice["blocks"])
    channel = fake.channel_of(order_message["ts"])
    assert channel is not None and channel.startswith("C_SALES")
    order_now = wait_update(fake, channel, order_message["ts"], "Đã cấp tài nguyên", mark)
    assert action_ids(order_now) == []

    # The subscription lists what was granted, with the history of the request.
    reply = slack.check_ack(slack.command("license HD-IG-01", user_id=SALES_USER))
    assert "Kế toán ngân sách, dự toán (`KT_NS`): *3*" in texts(reply)
    reply = slack.check_ack(slack.command(f"license {code}", user_id=SALES_USER))
    history = texts(reply)
    assert "Lịch sử" in history and "Chờ duyệt → KTLicense – Đã duyệt" in history

    # A second purchase later: previous + new quantity, before saving and once approved.
    second = place_order(slack, fake, PUBLIC, kt=2, vps=1)
    view = open_request(slack, fake, second)
    assert "3 (đã có) + 2 (mua thêm) = *5*" in texts(view["blocks"])
    assert "0 (đã có) + 1 (mua thêm) = *1*" in texts(view["blocks"])
    _, message2 = send_request(slack, fake, view, modules=["KT_NS", "VPS_VB"])
    mark = fake.mark()
    slack.click(message2, "license.approve", user_id=BOSS2)
    wait_update(fake, APPROVALS, message2["ts"], "KTLicense – Đã duyệt", mark)
    granted = texts(slack.check_ack(slack.command("license HD-IG-01", user_id=SALES_USER)))
    for line in ("(`KT_NS`): *5*", "(`VPS_VB`): *1*", "(`KT_TSCD`): *3*"):
        assert line in granted, line
    with db.session() as session:
        statuses = session.scalars(select(LicenceRequest.status).order_by(LicenceRequest.id))
        assert list(statuses)[-2:] == ["approved", "approved"]


def test_rejection_with_a_reason(slack: SignedSlack, fake_slack: FakeSlack, db: Database) -> None:
    fake = fake_slack
    code, message = send_request(
        slack, fake, open_request(slack, fake, place_order(slack, fake, PUBLIC_2, kt=1, vps=0))
    )
    mark = fake.mark()
    slack.click(message, "license.reject", user_id=BOSS2)
    form = new_view(fake, mark)
    mark = fake.mark()
    ack = slack.check_ack(
        slack.view_submission(form, {"reason": "Quyết định cấp nguồn thiếu chữ ký"}, user_id=BOSS2)
    )
    assert ack["response_action"] == "update" and code in texts(ack["view"])
    fake.wait_for("chat.update", lambda c: c.ok and c.params["ts"] == message["ts"], after=mark)
    updated = approval(fake, message)
    assert action_ids(updated) == []
    assert "Quyết định cấp nguồn thiếu chữ ký" in texts(updated["blocks"])
    assert f"<@{BOSS2}> đã từ chối lúc" in texts(updated["blocks"])
    notice = wait_message(fake, "D" + LEAD, lambda p: code in p["text"], mark)
    assert "thiếu chữ ký" in texts(notice["blocks"])
    with db.session() as session:
        assert session.scalar(select(LicenceRequest.status).where(LicenceRequest.code == code)) == (
            "rejected"
        )


@pytest.mark.parametrize("second_decision", ["approve", "reject"])
def test_concurrent_decisions_give_exactly_one(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database, second_decision: str
) -> None:
    fake = fake_slack
    code, message = send_request(
        slack, fake, open_request(slack, fake, place_order(slack, fake, PUBLIC_2, kt=1, vps=0))
    )
    reject_form = None
    if second_decision == "reject":
        mark = fake.mark()
        slack.click(message, "license.reject", user_id=BOSS2)
        reject_form = new_view(fake, mark)
    posts, mark = len(fake.responses), fake.mark()
    barrier = threading.Barrier(2)
    acks: dict[str, Any] = {}

    def boss() -> None:
        barrier.wait()
        acks[BOSS] = slack.click(message, "license.approve", user_id=BOSS)

    def boss2() -> None:
        barrier.wait()
        if reject_form is None:
            acks[BOSS2] = slack.click(message, "license.approve", user_id=BOSS2)
        else:
            acks[BOSS2] = slack.view_submission(
                reject_form, {"reason": "Không đủ hồ sơ"}, user_id=BOSS2, apply_ack=False
            )

    threads = [threading.Thread(target=boss), threading.Thread(target=boss2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a.status_code == 200 for a in acks.values())
    # Buttons are acknowledged first and decided after: wait for what the decision sends.
    decided = wait_update(fake, APPROVALS, message["ts"], "> đã ", mark)
    assert action_ids(decided) == []
    with db.session() as session:
        request = session.scalar(select(LicenceRequest).where(LicenceRequest.code == code))
        assert request is not None and request.status in ("approved", "rejected")
        decisions = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.entity_type == "licence_request",
                AuditEvent.entity_id == request.id,
                AuditEvent.from_status == "pending",
            )
        )
        assert decisions == 1
        winner = request.decided_by
    assert f"<@{winner}> đã " in texts(decided["blocks"])
    loser = BOSS2 if winner == BOSS else BOSS
    # The slower one is told who decided first (ephemeral, or in the reject form).
    told = f"<@{winner}>"
    if loser == BOSS2 and reject_form is not None:
        assert told in texts(acks[BOSS2].json()["view"])
    else:
        assert told in refusal(fake, posts, loser)
