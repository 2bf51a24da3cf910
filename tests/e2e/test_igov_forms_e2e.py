"""iGOV forms over signed HTTP: searching customers, refusals, inline errors, lists, idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers.metadata import CustomerRef
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import Customer, IgovOrder, LicenceRequest
from tests.e2e.igov_steps import (
    BOSS,
    BOSS2,
    LEAD,
    SALES,
    SALES_USER,
    action_ids,
    new_view,
    open_request,
    place_order,
    refusal,
    send_request,
    start_bot,
    texts,
    upload,
)
from tests.igov_data import ENTERPRISE, HTML, PDF, PNG, PUBLIC, PUBLIC_2, PUBLIC_NO_IGOV
from tests.rig.bot_process import BotProcess


@pytest.fixture(scope="module")
def bot(
    module_database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    yield from start_bot(module_database_url, fake_slack, tmp_path_factory.mktemp("home"))


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def customer_id(db: Database, tax: str) -> int:
    with db.session() as session:
        found = session.scalar(select(Customer.id).where(Customer.tax_code == tax))
        assert found is not None
        return found


def test_customers_are_searched_as_you_type_and_fill_the_form(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database
) -> None:
    mark = fake_slack.mark()
    assert slack.check_ack(slack.command("igov", user_id=SALES_USER, channel_id=SALES)) is None
    view = new_view(fake_slack, mark)
    assert "Chọn khách hàng" in texts(view["blocks"])
    options = slack.check_ack(
        slack.block_suggestion("igov_order.customer", "bac ninh", view=view, user_id=SALES_USER)
    )["options"]
    names = [o["text"]["text"] for o in options]
    assert any("Sở Tài chính tỉnh Bắc Ninh" in n for n in names)
    assert not any("MISA" in n for n in names)  # enterprises are not offered
    by_tax = slack.check_ack(
        slack.block_suggestion("igov_order.customer", PUBLIC_2, view=view, user_id=SALES_USER)
    )["options"]
    assert [o["value"] for o in by_tax] == [str(customer_id(db, PUBLIC_2))]

    mark = fake_slack.mark()
    slack.select(view, "igov_order.customer", str(customer_id(db, PUBLIC)), user_id=SALES_USER)
    view = new_view(fake_slack, mark, "views.update")
    shown = texts(view["blocks"])
    assert "1054321" in shown and "stc@bacninh.gov.vn" in shown and "HD-IG-01" in shown

    mark = fake_slack.mark()
    slack.select(
        view, "igov_order.customer", str(customer_id(db, PUBLIC_NO_IGOV)), user_id=SALES_USER
    )
    view = new_view(fake_slack, mark, "views.update")
    assert "chưa có thuê bao iGOV" in texts(view["blocks"])
    before = count(db, IgovOrder)
    values = {"sales_project": "Dự án", "qty_KT": "1"}
    ack = slack.check_ack(slack.view_submission(view, values, user_id=SALES_USER))
    assert ack["response_action"] == "errors"
    assert "chưa có thuê bao iGOV" in ack["errors"]["customer"]
    assert count(db, IgovOrder) == before


def test_a_non_public_customer_is_refused_clearly(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database
) -> None:
    reply = slack.check_ack(slack.command(f"igov {ENTERPRISE}", user_id=SALES_USER))
    assert "không phải khách hàng HCSN" in texts(reply)
    # Even with a forged button value (the lookup shows no such button for enterprises).
    posts = len(fake_slack.responses)
    value = CustomerRef(customer_id=customer_id(db, ENTERPRISE)).encode()
    slack.block_action("igov_order.start", value, user_id=SALES_USER, channel_id=SALES)
    assert "không phải khách hàng HCSN" in refusal(fake_slack, posts, SALES_USER)
    reply = slack.check_ack(slack.command("igov 0101243151", user_id=SALES_USER))
    assert "chữ số kiểm tra" in texts(reply)


def test_quantities_need_one_package_and_keep_what_was_typed(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    mark = fake_slack.mark()
    slack.check_ack(slack.command(f"igov {PUBLIC}", user_id=SALES_USER, channel_id=SALES))
    view = new_view(fake_slack, mark)
    values = {"sales_project": "Dự án giữ nguyên", "qty_KT": "0", "qty_VPS": "0"}
    ack = slack.check_ack(slack.view_submission(view, values, user_id=SALES_USER))
    assert ack == {
        "response_action": "errors",
        "errors": {"qty_KT": ack["errors"]["qty_KT"]},
    }
    assert "ít nhất một gói" in ack["errors"]["qty_KT"]
    kept = fake_slack.view(view["id"])["state"]["values"]["sales_project"]["sales_project"]
    assert kept["value"] == "Dự án giữ nguyên"


def test_lookup_offers_the_igov_order_button_that_opens_the_form(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    reply = slack.check_ack(slack.command(PUBLIC, user_id=SALES_USER, channel_id=SALES))
    mark = fake_slack.mark()
    slack.block_action(
        "igov_order.start",
        message=reply | {"ts": "1.000001"},
        channel_id=SALES,
        user_id=SALES_USER,
    )
    view = new_view(fake_slack, mark)
    assert view["callback_id"] == "igov_order"
    initial = next(b for b in view["blocks"] if b.get("block_id") == "customer")
    assert "Sở Tài chính tỉnh Bắc Ninh" in initial["element"]["initial_option"]["text"]["text"]


@pytest.fixture
def request_view(slack: SignedSlack, fake_slack: FakeSlack) -> dict[str, Any]:
    return open_request(slack, fake_slack, place_order(slack, fake_slack, PUBLIC_2, kt=1, vps=1))


def submit_files(
    slack: SignedSlack, view: dict[str, Any], decision: dict[str, Any], evidence: dict[str, Any]
) -> dict[str, Any]:
    values = {"decision_file": [decision], "evidence_file": [evidence]}
    return slack.check_ack(slack.view_submission(view, values, user_id=LEAD))


def test_a_document_that_is_not_a_pdf_or_image_is_an_inline_error(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database, request_view: dict[str, Any]
) -> None:
    before = count(db, LicenceRequest)
    fake_pdf = upload(fake_slack, "quyet-dinh.pdf", HTML, "application/pdf")
    ack = submit_files(slack, request_view, fake_pdf, upload(fake_slack, "b.png", PNG, "image/png"))
    assert ack["response_action"] == "errors"
    assert (
        list(ack["errors"]) == ["decision_file"]
        and "không phải PDF" in ack["errors"]["decision_file"]
    )
    assert count(db, LicenceRequest) == before


def test_a_failed_download_is_an_inline_error_never_a_half_saved_request(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database, request_view: dict[str, Any]
) -> None:
    before = count(db, LicenceRequest)
    fake_slack.fail_next("files.download", status=500, times=2)
    decision = upload(fake_slack, "qd.pdf", PDF, "application/pdf")
    ack = submit_files(slack, request_view, decision, upload(fake_slack, "b.png", PNG, "image/png"))
    assert ack["response_action"] == "errors"
    assert set(ack["errors"]) <= {"decision_file", "evidence_file"} and ack["errors"]
    assert all("Không tải được tệp" in e for e in ack["errors"].values())
    assert count(db, LicenceRequest) == before
    # A file bigger than LICENCE_DOCUMENT_MAX_MB is refused before it is downloaded.
    big = upload(fake_slack, "qd-lon.pdf", PDF + b"0" * 1_100_000, "application/pdf")
    ack = submit_files(slack, request_view, big, upload(fake_slack, "c.png", PNG, "image/png"))
    assert "lớn hơn giới hạn 1 MB" in ack["errors"]["decision_file"]
    assert big["id"] not in {d.file_id for d in fake_slack.downloads}
    # Then the same form goes through, once, whatever the number of submissions.
    decision = upload(fake_slack, "qd2.pdf", PDF, "application/pdf")
    evidence = upload(fake_slack, "b2.png", PNG, "image/png")
    values = {"decision_file": [decision], "evidence_file": [evidence]}
    first = slack.view_submission(request_view, values, user_id=LEAD, apply_ack=False)
    again = slack.view_submission(request_view, values, user_id=LEAD, apply_ack=False)
    assert first.json()["response_action"] == again.json()["response_action"] == "update"
    assert texts(first.json()["view"]) == texts(again.json()["view"])
    assert count(db, LicenceRequest) == before + 1


def test_missing_customer_information_and_bad_misa_id_are_inline_errors(
    slack: SignedSlack, fake_slack: FakeSlack, request_view: dict[str, Any]
) -> None:
    downloads = len(fake_slack.downloads)
    values = {
        "decision_file": [upload(fake_slack, "qd.pdf", PDF, "application/pdf")],
        "evidence_file": [upload(fake_slack, "b.png", PNG, "image/png")],
        "misa_id_phone": "12345",
        "customer_address": "",
    }
    ack = slack.check_ack(slack.view_submission(request_view, values, user_id=LEAD))
    assert ack["response_action"] == "errors"
    assert set(ack["errors"]) == {"misa_id_phone", "customer_address"}
    # Nothing is downloaded while the rest of the form is wrong.
    assert len(fake_slack.downloads) == downloads


def test_pending_lists_requests_with_buttons_for_approvers_only(
    slack: SignedSlack, fake_slack: FakeSlack, request_view: dict[str, Any]
) -> None:
    code, _ = send_request(slack, fake_slack, request_view)
    for_approver = slack.check_ack(slack.command("pending", user_id=BOSS))
    assert code in texts(for_approver) and "license.approve" in texts(for_approver)
    for_staff = slack.check_ack(slack.command("pending", user_id=SALES_USER))
    assert code in texts(for_staff) and action_ids(for_staff) == []
    for_requester = texts(slack.check_ack(slack.command("pending", user_id=LEAD)))
    assert code in for_requester and "decide:" not in for_requester.split(code)[1][:400]

    # Approving from the list refreshes the list (the request is no longer waiting).
    request_id = next(
        b["block_id"].split(":")[1]
        for b in for_approver["blocks"]
        if b.get("block_id", "").startswith("pending:") and code in texts(b)
    )
    posts = len(fake_slack.responses)
    slack.block_action(
        "license.approve",
        message=for_approver | {"ts": "2.000001"},
        block_id=f"decide:{request_id}",
        channel_id=SALES,
        user_id=BOSS,
        container={
            "type": "message",
            "message_ts": "2.000001",
            "channel_id": SALES,
            "is_ephemeral": True,
        },
    )
    post = fake_slack.wait_for_response(lambda p: p.user_id == BOSS, after=posts)
    assert post.body.get("replace_original") is True and code not in texts(post.body)
    reply = slack.check_ack(slack.command(f"license {code}", user_id=SALES_USER))
    assert "KTLicense – Đã duyệt" in texts(reply)


def test_a_request_found_by_code_can_be_decided_there_and_is_redrawn(
    slack: SignedSlack, fake_slack: FakeSlack, request_view: dict[str, Any]
) -> None:
    code, _ = send_request(slack, fake_slack, request_view)
    own = slack.check_ack(slack.command(f"license {code}", user_id=LEAD))
    assert action_ids(own) == ["license.withdraw"]  # the requester's only button
    reply = slack.check_ack(slack.command(f"license {code}", user_id=BOSS))
    assert action_ids(reply) == ["license.approve", "license.reject", "license.request_changes"]
    posts = len(fake_slack.responses)
    slack.block_action(
        "license.approve", message=reply | {"ts": "3.000001"}, channel_id=SALES, user_id=BOSS
    )
    post = fake_slack.wait_for_response(lambda p: p.user_id == BOSS, after=posts)
    assert post.body.get("replace_original") is True
    assert "KTLicense – Đã duyệt" in texts(post.body) and action_ids(post.body) == []
    assert "license.approve" not in texts(post.body)


def test_each_form_is_its_openers_and_keeps_its_channel(
    slack: SignedSlack, fake_slack: FakeSlack, db: Database, request_view: dict[str, Any]
) -> None:
    fake, someone_else = fake_slack, "được mở cho người khác"
    # igov_order, opened by the sales person in their channel.
    mark = fake.mark()
    slack.check_ack(slack.command(f"igov {PUBLIC}", user_id=SALES_USER, channel_id=SALES))
    view = new_view(fake, mark)
    orders = count(db, IgovOrder)
    values = {"sales_project": "Dự án", "qty_KT": "1"}
    ack = slack.check_ack(slack.view_submission(view, values, user_id=LEAD, forged=True))
    assert ack["response_action"] == "errors" and someone_else in texts(ack["errors"])
    metadata = view["private_metadata"]
    moved = metadata.replace(f'"channel_id":"{SALES}"', '"channel_id":"C_ELSEWHERE"')
    assert moved != metadata
    forged = slack.view_submission(
        view, values, user_id=SALES_USER, forged=True, private_metadata=moved
    )
    assert "Biểu mẫu này đã cũ hoặc bị hỏng" in texts(slack.check_ack(forged)["errors"])
    assert count(db, IgovOrder) == orders

    # license_request, opened by the lead: sent by someone else, nothing is saved.
    requests = count(db, LicenceRequest)
    files = {
        "decision_file": [upload(fake, "quyet-dinh.pdf", PDF, "application/pdf")],
        "evidence_file": [upload(fake, "bang-chung.png", PNG, "image/png")],
    }
    sent = slack.view_submission(request_view, files, user_id=SALES_USER, forged=True)
    assert someone_else in texts(slack.check_ack(sent)["errors"])
    assert count(db, LicenceRequest) == requests

    # license_reject, opened by one approver and submitted by another: still pending.
    code, message = send_request(slack, fake, request_view)
    mark = fake.mark()
    slack.click(message, "license.reject", user_id=BOSS)
    form = new_view(fake, mark)
    reason = {"reason": "Thiếu hồ sơ"}
    rejected = slack.view_submission(form, reason, user_id=BOSS2, forged=True)
    assert someone_else in texts(slack.check_ack(rejected)["errors"])
    with db.session() as session:
        status = select(LicenceRequest.status).where(LicenceRequest.code == code)
        assert session.scalar(status) == "pending"


def test_english_speakers_get_english(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    fake_slack.set_user("U0ENGLISH", locale="en-US")
    reply = texts(slack.check_ack(slack.command("license NOPE-1", user_id="U0ENGLISH")))
    assert "Nothing found for `NOPE-1`: no licence request, iGOV order or contract" in reply
    help_text = texts(slack.check_ack(slack.command("help", user_id="U0ENGLISH")))
    # Placeholders are escaped for mrkdwn (Slack shows `&lt;` as `<`).
    assert "/misa igov &lt;tax code&gt;" in help_text and "/misa pending" in help_text


def test_every_web_api_call_was_accepted_and_logs_are_clean(
    fake_slack: FakeSlack, bot: BotProcess
) -> None:
    assert [c for c in fake_slack.calls if not c.ok] == []
    assert "Traceback" not in bot.logs(), bot.logs()[-3000:]
