"""A licence request returned for changes, edited, resubmitted and approved; withdrawn; the
refusals for the wrong people, through `python -m bot serve` over signed HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers.metadata import RequestRef
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import AuditEvent, LicenceDocument, LicenceRequest
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
    upload,
    wait_message,
    wait_update,
)
from tests.igov_data import PNG, PUBLIC, PUBLIC_2
from tests.rig.bot_process import BotProcess

DECIDE = ["license.approve", "license.reject", "license.request_changes"]
NEW_DECISION = b"%PDF-1.4\n% signed funding decision\n%%EOF\n"


@pytest.fixture(scope="module")
def bot(
    module_database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    yield from start_bot(module_database_url, fake_slack, tmp_path_factory.mktemp("home"))


def click_value(
    slack: SignedSlack, fake: FakeSlack, action: str, request_id: int, user: str
) -> str:
    """A click on a button as an older message had it (now gone): what the person is told."""
    posts = len(fake.responses)
    value = RequestRef(request_id=request_id).encode()
    slack.block_action(action, value, user_id=user, channel_id=APPROVALS)
    return refusal(fake, posts, user)


def request_id(db: Database, code: str) -> int:
    with db.session() as session:
        found = session.scalar(select(LicenceRequest.id).where(LicenceRequest.code == code))
        assert found is not None
        return found


def return_for_changes(
    slack: SignedSlack, fake: FakeSlack, message: dict[str, Any], reason: str
) -> dict[str, Any]:
    """BOSS asks for changes; returns the requester's DM with the edit button."""
    mark = fake.mark()
    slack.click(message, "license.request_changes", user_id=BOSS)
    form = new_view(fake, mark)
    assert form["callback_id"] == "license_changes"
    # Only spaces is no reason: said under the input, nothing changes.
    blank = slack.check_ack(slack.view_submission(form, {"reason": "   "}, user_id=BOSS))
    assert blank["response_action"] == "errors" and set(blank["errors"]) == {"reason"}
    assert "cần bổ sung" in blank["errors"]["reason"]
    mark = fake.mark()
    ack = slack.check_ack(slack.view_submission(form, {"reason": reason}, user_id=BOSS))
    assert ack["response_action"] == "update" and "Đã trả lại" in texts(ack["view"])
    wait_update(fake, APPROVALS, message["ts"], "Trả lại để bổ sung", mark)
    return wait_message(fake, "D" + LEAD, lambda p: "trả lại" in p["text"], mark)


def test_returned_edited_resubmitted_and_approved_with_quantities_right(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database
) -> None:
    fake = fake_slack
    view = open_request(slack, fake, place_order(slack, fake, PUBLIC, kt=3, vps=0))
    code, message = send_request(slack, fake, view)
    assert action_ids(message) == DECIDE
    fake.wait_for("files.completeUploadExternal", lambda c: c.ok and in_thread(fake, message) == 2)
    rid = request_id(db, code)

    # Only approvers may ask for changes, and never on their own request.
    posts = len(fake.responses)
    slack.click(message, "license.request_changes", user_id=SALES_USER)
    assert "không có quyền duyệt" in refusal(fake, posts, SALES_USER)
    posts = len(fake.responses)
    slack.click(message, "license.request_changes", user_id=LEAD)
    assert "do chính mình đề nghị" in refusal(fake, posts, LEAD)

    notice = return_for_changes(slack, fake, message, "Quyết định cấp nguồn chưa có chữ ký")
    returned = approval(fake, message)
    shown = texts(returned["blocks"])
    assert action_ids(returned) == []
    assert "Trả lại để bổ sung" in shown and "Quyết định cấp nguồn chưa có chữ ký" in shown
    assert f"<@{BOSS}> đã trả lại để bổ sung lúc" in shown
    assert "chưa có chữ ký" in texts(notice["blocks"])
    assert action_ids(notice) == ["license_request.edit", "license.withdraw"]

    # A returned request cannot be decided, nor returned again; only its requester edits it.
    assert "trả lại để bổ sung" in click_value(slack, fake, "license.approve", rid, BOSS2)
    assert "trả lại để bổ sung" in click_value(slack, fake, "license.request_changes", rid, BOSS2)
    assert "Chỉ người đề nghị" in click_value(slack, fake, "license_request.edit", rid, BOSS)
    listed = texts(slack.check_ack(slack.command("pending", user_id=BOSS)))
    assert code in listed and "Trả lại để bổ sung" in listed
    found = slack.check_ack(slack.command(f"license {code}", user_id=SALES_USER))
    assert "Trả lại để bổ sung" in texts(found) and action_ids(found) == []

    # The requester edits it: prefilled, the documents kept unless replaced.
    mark = fake.mark()
    slack.click(notice, "license_request.edit", user_id=LEAD)
    form = new_view(fake, mark)
    assert form["callback_id"] == "license_request"
    shown = texts(form["blocks"])
    assert f"Sửa yêu cầu {code}" in shown and "chưa có chữ ký" in shown
    assert "Đã có: quyet-dinh-cap-nguon.pdf" in shown and "Đã có: bang-chung.png" in shown
    assert "0 (đã có) + 3 (mua thêm) = *3*" in shown
    assert "stc@bacninh.gov.vn" in shown
    signed = upload(fake, "quyet-dinh-co-chu-ky.pdf", NEW_DECISION, "application/pdf")
    values = {"decision_file": [signed], "misa_id_email": "quantri@bacninh.gov.vn"}
    mark = fake.mark()
    sent = slack.view_submission(form, values, user_id=LEAD, apply_ack=False)
    ack = slack.check_ack(sent)
    assert ack["response_action"] == "update" and code in texts(ack["view"]), ack
    # The same form sent again (a retry) is answered the same; nothing changes twice.
    assert slack.check_ack(slack.view_submission(form, values, user_id=LEAD)) == ack
    again = wait_update(fake, APPROVALS, message["ts"], "quantri@bacninh.gov.vn", mark)
    shown = texts(again["blocks"])
    assert action_ids(again) == DECIDE and "Chờ duyệt" in shown
    assert "quyet-dinh-co-chu-ky.pdf" in shown and "bang-chung.png" in shown
    assert "Lịch sử" in shown and "Chờ duyệt → Trả lại để bổ sung" in shown
    assert "Trả lại để bổ sung → Chờ duyệt" in shown
    # The replacing document is posted in the thread, byte for byte.
    fake.wait_for("files.completeUploadExternal", lambda c: c.ok and in_thread(fake, message) == 3)
    thread = [f.content for f in fake.uploaded_files() if f.thread_ts == message["ts"]]
    assert NEW_DECISION in thread
    with db.session() as session:
        kept = dict(
            session.execute(
                select(LicenceDocument.kind, LicenceDocument.content).where(
                    LicenceDocument.request_id == rid
                )
            ).all()
        )
        assert kept == {"decision": NEW_DECISION, "evidence": PNG}
        assert session.scalar(select(LicenceRequest.code).where(LicenceRequest.id == rid)) == code
        resubmitted = select(func.count()).where(
            AuditEvent.entity_id == rid, AuditEvent.action == "resubmitted"
        )
        assert session.scalar(resubmitted) == 1

    # Editing a pending request is refused.
    assert "đang chờ duyệt" in click_value(slack, fake, "license_request.edit", rid, LEAD)

    mark = fake.mark()
    slack.click(again, "license.approve", user_id=BOSS)
    approved = wait_update(fake, APPROVALS, message["ts"], "KTLicense – Đã duyệt", mark)
    assert action_ids(approved) == []
    granted = texts(slack.check_ack(slack.command("license HD-IG-01", user_id=SALES_USER)))
    assert "Kế toán ngân sách, dự toán (`KT_NS`): *3*" in granted
    assert "không còn chờ bổ sung" in click_value(slack, fake, "license_request.edit", rid, LEAD)
    assert "đã được" in click_value(slack, fake, "license.withdraw", rid, LEAD)

    # The next purchase builds on the approved quantity, not on anything returned.
    view = open_request(slack, fake, place_order(slack, fake, PUBLIC, kt=2, vps=0))
    assert "3 (đã có) + 2 (mua thêm) = *5*" in texts(view["blocks"])


def test_withdrawn_requests_free_the_order_and_count_for_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database
) -> None:
    fake = fake_slack
    order = place_order(slack, fake, PUBLIC_2, kt=2, vps=0)
    code, message = send_request(slack, fake, open_request(slack, fake, order))
    rid = request_id(db, code)
    notice = return_for_changes(slack, fake, message, "Thiếu bằng chứng cam kết")

    # Nobody but the requester withdraws it.
    for someone in (BOSS, SALES_USER):
        posts = len(fake.responses)
        slack.click(notice, "license.withdraw", user_id=someone)
        assert "Chỉ người đề nghị" in refusal(fake, posts, someone)
    assert request_status(db, code) == "returned"

    # From the DM (after Slack's confirm dialog): the DM and the approval message say so.
    posts, mark = len(fake.responses), fake.mark()
    slack.click(notice, "license.withdraw", user_id=LEAD)
    post = fake.wait_for_response(lambda p: p.user_id == LEAD, after=posts)
    assert post.body.get("replace_original") is True and "Đã rút" in texts(post.body)
    assert action_ids(post.body) == []
    withdrawn = wait_update(fake, APPROVALS, message["ts"], "Đã rút", mark)
    assert action_ids(withdrawn) == [] and f"<@{LEAD}> đã rút yêu cầu lúc" in texts(withdrawn)
    assert request_status(db, code) == "withdrawn"
    channel = fake.channel_of(order["ts"])
    assert channel is not None
    freed = wait_update(fake, channel, order["ts"], "Đã rút", mark)
    assert action_ids(freed) == ["license_request.start"]
    assert "đã được" in click_value(slack, fake, "license.approve", rid, BOSS)
    assert "không còn chờ bổ sung" in click_value(slack, fake, "license_request.edit", rid, LEAD)

    # A new request from the same order: a withdrawn request granted nothing.
    view = open_request(slack, fake, order)
    assert "0 (đã có) + 2 (mua thêm) = *2*" in texts(view["blocks"])
    code2, message2 = send_request(slack, fake, view)

    # A pending request is withdrawn from `/misa pending`, which is redrawn.
    listed = slack.check_ack(slack.command("pending", user_id=LEAD))
    assert code2 in texts(listed) and "license.withdraw" in texts(listed)
    rid2 = request_id(db, code2)
    posts, mark = len(fake.responses), fake.mark()
    slack.block_action(
        "license.withdraw",
        message=listed | {"ts": "4.000001"},
        block_id=f"own:{rid2}",
        channel_id="C_SALES",
        user_id=LEAD,
        container={
            "type": "message",
            "message_ts": "4.000001",
            "channel_id": "C_SALES",
            "is_ephemeral": True,
        },
    )
    post = fake.wait_for_response(lambda p: p.user_id == LEAD, after=posts)
    assert post.body.get("replace_original") is True and code2 not in texts(post.body)
    wait_update(fake, APPROVALS, message2["ts"], "Đã rút", mark)
    assert request_status(db, code2) == "withdrawn"


def test_a_withdrawal_and_an_approval_that_cross_give_exactly_one(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database
) -> None:
    fake = fake_slack
    code, message = send_request(
        slack, fake, open_request(slack, fake, place_order(slack, fake, PUBLIC_2, kt=1, vps=0))
    )
    rid = request_id(db, code)
    mark = fake.mark()
    barrier = threading.Barrier(2)

    def approve() -> None:
        barrier.wait()
        slack.click(message, "license.approve", user_id=BOSS)

    def withdraw() -> None:
        barrier.wait()
        value = RequestRef(request_id=rid).encode()
        slack.block_action("license.withdraw", value, user_id=LEAD, channel_id=APPROVALS)

    threads = [threading.Thread(target=approve), threading.Thread(target=withdraw)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    decided = wait_update(fake, APPROVALS, message["ts"], "> đã ", mark)
    assert action_ids(decided) == []
    with db.session() as session:
        closing = select(func.count()).where(
            AuditEvent.entity_type == "licence_request",
            AuditEvent.entity_id == rid,
            AuditEvent.from_status == "pending",
        )
        assert session.scalar(closing) == 1
    assert request_status(db, code) in ("approved", "withdrawn")


def request_status(db: Database, code: str) -> str | None:
    with db.session() as session:
        return session.scalar(select(LicenceRequest.status).where(LicenceRequest.code == code))


def test_english_speakers_get_english(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    fake_slack.set_user("U0ENGLISH2", locale="en-US")
    help_text = texts(slack.check_ack(slack.command("help", user_id="U0ENGLISH2")))
    assert "*Request changes*" in help_text and "*Withdraw*" in help_text


def test_every_web_api_call_was_accepted_and_logs_are_clean(
    fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """Every message, modal and reply passed the emulator's Block Kit checks."""
    assert [c for c in fake_slack.calls if not c.ok] == []
    assert [r for r in fake_slack.responses if not r.ok] == []
    assert "Traceback" not in bot.logs(), bot.logs()[-3000:]
