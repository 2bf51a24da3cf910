"""Correcting a storage order while it awaits payment (issue 11, item 2), end to end over
signed HTTP: the invoice email corrected and the email received at the new address, the email
sent again, a cancellation with its reason and a transfer that comes afterwards, someone else
refused; every correction in `/misa order`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.clock import Clock
from bot.config import load_settings
from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import AuditEvent
from tests.conftest import bot_env
from tests.e2e.slack_helpers import buttons, text_of
from tests.e2e.storage_steps import (
    BANK,
    FINANCE,
    WEBHOOK_KEY,
    open_form,
    order_message,
    order_number,
    transfer,
    webhook,
)
from tests.factories import row, tax_code, write_csv
from tests.rig.bot_process import BotProcess
from tests.rig.smtp import SmtpSink

TZ = load_settings(_env_file=None).tz
TODAY = Clock(TZ).today()
STAFF = "U_STAFF"
OTHER = "U_OTHER"
SUPPORT = "C_SUPPORT"


@pytest.fixture(scope="module")
def database(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Database:
    rows = [
        row(tax_code(700 + i), f"Công ty TNHH Sửa Đơn {i}", f"HD-SD-{i}", TODAY - timedelta(days=9))
        for i in range(4)
    ]
    # Data deleted in 7 days: the deletion digest lists them.
    rows += [
        row(
            tax_code(800 + i), f"Công ty TNHH Sắp Xóa {i}", f"HD-SX-{i}", TODAY - timedelta(days=24)
        )
        for i in range(3)
    ]
    path = write_csv(tmp_path_factory.mktemp("data") / "customers.csv", rows)
    database = Database(module_database_url)
    assert import_file(database, path).rejected == 0
    return database


@pytest.fixture(scope="module")
def bot(
    module_database_url: str,
    database: Database,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    env = bot_env(
        module_database_url,
        fake_slack,
        home,
        SMTP_URL=smtp.url,
        PAYMENT_WEBHOOK_SECRET=WEBHOOK_KEY,
        FINANCE_USER_IDS=FINANCE,
        SUPPORT_CHANNEL=SUPPORT,
        **BANK,
    )
    process = BotProcess(env, home / "bot.log").start()
    yield process
    process.stop()


def place(slack: SignedSlack, fake: FakeSlack, n: int, email: str) -> dict[str, Any]:
    view = open_form(slack, fake, f"sua don {n}", f"HD-SD-{n}")
    mark = fake.mark()
    submitted = {"invoice_email": email, "recipient_name": "Lê Văn Cường"}
    assert slack.check_ack(slack.view_submission(view, submitted, user_id=STAFF)) is None
    return order_message(fake, mark)


def current(fake: FakeSlack, message: dict[str, Any]) -> dict[str, Any]:
    found = fake.message(fake.channel_of(message["ts"]), message["ts"])
    assert found is not None
    return found


def private_note(slack: SignedSlack, fake: FakeSlack, message: dict, action: str, user: str) -> str:
    mark = len(fake.responses)
    slack.click(current(fake, message), action, user_id=user)
    return text_of(fake.wait_for_response(after=mark).body)


def open_modal(
    slack: SignedSlack, fake: FakeSlack, message: dict, action: str, user: str
) -> dict[str, Any]:
    mark = fake.mark()
    slack.click(current(fake, message), action, user_id=user)
    call = fake.wait_for("views.open", after=mark)
    assert call.ok, call.response
    return fake.view(call.response["view"]["id"])


def order_page(bot: BotProcess, message: dict[str, Any]) -> str:
    (page,) = [b["url"] for b in buttons(message) if b.get("url")]
    assert page.startswith(bot.base_url)
    response = httpx.get(page)
    assert response.status_code == 200
    return response.text


def test_invoice_corrected_email_resent_then_cancelled_and_a_late_transfer(
    bot: BotProcess, slack: SignedSlack, fake_slack: FakeSlack, smtp: SmtpSink
) -> None:
    fake = fake_slack
    start = fake.mark()
    message = place(slack, fake, 0, "sai.dia.chi@example.vn")
    order_no = order_number(message)
    smtp.wait_for(lambda m: order_no in m["Subject"])
    actions = {b["action_id"] for b in buttons(message)}
    assert {"order.edit_invoice", "order.resend_email", "order.cancel"} <= actions

    # Someone who neither placed the order nor works in finance is refused, privately.
    for action in ("order.edit_invoice", "order.resend_email", "order.cancel"):
        refused = private_note(slack, fake, message, action, OTHER)
        assert f"Chỉ người đặt đơn (<@{STAFF}>) và bộ phận tài chính" in refused, refused

    # The placer corrects the invoice email: the form has the order's details.
    view = open_modal(slack, fake, message, "order.edit_invoice", STAFF)
    assert view["callback_id"] == "order_invoice"
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert set(inputs) == {
        "buyer_name",
        "buyer_tax_code",
        "buyer_address",
        "recipient_name",
        "invoice_email",
        "phone",
    }
    assert inputs["invoice_email"]["initial_value"] == "sai.dia.chi@example.vn"
    assert inputs["recipient_name"]["initial_value"] == "Lê Văn Cường"
    bad = slack.check_ack(
        slack.view_submission(
            view, {"invoice_email": "dung..email@example.vn", "buyer_name": " "}, user_id=STAFF
        )
    )
    assert bad["response_action"] == "errors"
    assert set(bad["errors"]) == {"invoice_email", "buyer_name"}
    mark = fake.mark()
    fixed = {"invoice_email": "dung.email@example.vn", "buyer_name": "Công ty TNHH Sửa Đơn 0"}
    assert slack.check_ack(slack.view_submission(view, fixed, user_id=STAFF)) is None

    # The email reaches the new address; the message and the page show it.
    again = smtp.wait_for(
        lambda m: (
            order_no in m["Subject"] and m["To"].addresses[0].addr_spec == "dung.email@example.vn"
        )
    )
    assert order_no in again.get_body(preferencelist=("plain",)).get_content()
    fake.wait_for(
        "chat.update",
        lambda c: (
            c.params.get("ts") == message["ts"]
            and "Đã gửi email đơn hàng tới *dung.email@example.vn*" in str(c.params)
        ),
        after=mark,
    )
    page = order_page(bot, current(fake, message))
    assert "dung" in page and "sai.dia.chi" not in page

    # Finance sends the email again, to the address as it is now.
    mark = fake.mark()
    told = private_note(slack, fake, message, "order.resend_email", FINANCE)
    assert "Đang gửi lại email đơn" in told and "dung.email@example.vn" in told
    smtp.wait_for(
        lambda m: (
            order_no in m["Subject"]
            and m["To"].addresses[0].addr_spec == "dung.email@example.vn"
            and m is not again
        )
    )

    # The placer cancels: a reason is required.
    view = open_modal(slack, fake, message, "order.cancel", STAFF)
    assert view["callback_id"] == "order_cancel"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["reason"]
    empty = slack.check_ack(slack.view_submission(view, {"reason": "   "}, user_id=STAFF))
    assert empty["errors"] == {"reason": "Vui lòng nhập lý do hủy đơn."}
    mark = fake.mark()
    reason = "Khách đổi ý, gia hạn thuê bao"
    assert slack.check_ack(slack.view_submission(view, {"reason": reason}, user_id=STAFF)) is None
    fake.wait_for(
        "chat.update",
        lambda c: c.params.get("ts") == message["ts"] and "*Đã hủy*" in str(c.params),
        after=mark,
    )
    cancelled = current(fake, message)
    assert f"bởi <@{STAFF}>. Lý do: {reason}" in text_of(cancelled)
    left = {b["action_id"] for b in buttons(cancelled)}
    assert left == {"storage_order.open_page"}, left
    assert "Đơn hàng đã bị hủy" in order_page(bot, cancelled)
    assert httpx.get(order_page_qr(cancelled)).status_code == 404

    # It no longer holds the account: a new order may be placed.
    lookup = slack.check_ack(slack.command("sua don 0"))
    assert [b["action_id"] for b in buttons(lookup)] == ["storage_order.start"]

    # A stale click on the cancelled order changes nothing.
    mark_responses = len(fake.responses)
    (stale,) = [b for b in buttons(message) if b["action_id"] == "order.cancel"]
    slack.block_action("order.cancel", stale["value"], user_id=STAFF, channel_id=SUPPORT)
    assert "không còn chờ thanh toán" in text_of(fake.wait_for_response(after=mark_responses).body)

    # The customer pays afterwards: never lost, finance is told it is for a cancelled order.
    mark = fake.mark()
    late = webhook(bot, transfer(order_no, 1_000_000, f"after-cancel-{order_no}"))
    assert late.status_code == 200 and late.json()["outcome"] == "cancelled"
    notice = fake.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("channel") == f"D{FINANCE}" and order_no in str(c.params),
        after=mark,
    )
    assert "Chuyển khoản cho đơn đã hủy" in str(notice.params)
    assert reason in str(notice.params)

    # Every correction is in the order's history: who, when, what changed.
    history = text_of(slack.check_ack(slack.command(f"order {order_no}")))
    assert f"{STAFF} · sửa thông tin hóa đơn" in history, history
    assert "Email nhận hóa đơn: sai.dia.chi@example.vn → dung.email@example.vn" in history
    assert f"<@{FINANCE}> · gửi lại email đơn hàng (tới dung.email@example.vn)" in history
    assert f"{STAFF} · hủy đơn: chờ thanh toán → đã hủy (lý do: {reason})" in history
    assert [c for c in fake.calls[start:] if not c.ok] == []


def order_page_qr(message: dict[str, Any]) -> str:
    (page,) = [b["url"] for b in buttons(message) if b.get("url")]
    return f"{page}/qr.png"


def test_finance_cancels_and_nobody_corrects_a_paid_order(
    bot: BotProcess, slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    fake = fake_slack
    message = place(slack, fake, 1, "ketoan1@example.vn")
    view = open_modal(slack, fake, message, "order.cancel", FINANCE)
    mark = fake.mark()
    assert (
        slack.check_ack(slack.view_submission(view, {"reason": "Trùng đơn"}, user_id=FINANCE))
        is None
    )
    fake.wait_for(
        "chat.update",
        lambda c: c.params.get("ts") == message["ts"] and f"bởi <@{FINANCE}>" in str(c.params),
        after=mark,
    )

    paid = place(slack, fake, 2, "ketoan2@example.vn")
    edit = open_modal(slack, fake, paid, "order.edit_invoice", STAFF)
    order_no = order_number(paid)
    assert (
        webhook(bot, transfer(order_no, 1_000_000, f"pay-{order_no}")).json()["outcome"] == "paid"
    )
    # The form was open before the payment: saving it now is refused, nothing changes.
    ack = slack.check_ack(
        slack.view_submission(edit, {"invoice_email": "moi@example.vn"}, user_id=STAFF)
    )
    assert ack["response_action"] == "update"
    assert "không còn chờ thanh toán" in text_of(ack["view"])
    history = text_of(slack.check_ack(slack.command(f"order {order_no}")))
    assert "sửa thông tin hóa đơn" not in history and "moi@example.vn" not in history


def run_job(bot: BotProcess, job: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "run", job, "--at", f"{TODAY}T08:00", "--wait", "30"],
        env={**os.environ, **bot.env, "PUBLIC_BASE_URL": bot.base_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_deletion_warning_is_taken_by_one_agent(
    bot: BotProcess, slack: SignedSlack, fake_slack: FakeSlack, database: Database
) -> None:
    fake = fake_slack
    start = fake.mark()
    run_job(bot, "deletion-warnings")
    posted = fake.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("channel") == SUPPORT and "Sắp Xóa" in str(c.params),
        after=start,
    )
    digest = fake.message(SUPPORT, posted.response["ts"])
    assert digest is not None
    claims = [b for b in buttons(digest) if b["action_id"] == "reminder.claim"]
    assert len(claims) == 3 and {b["text"]["text"] for b in claims} == {"Tôi xử lý"}
    starts = [b for b in buttons(digest) if b["action_id"] == "storage_order.start"]
    assert len(starts) == 3

    # An agent takes the second account: the digest says so on that line, for everyone.
    (line,) = [b for b in digest["blocks"] if b["type"] == "section" and "HD-SX-1" in text_of([b])]
    sid = line["block_id"].split(":")[1]
    mark = fake.mark()
    slack.click(digest, "reminder.claim", block_id=f"deletion_actions:{sid}", user_id=STAFF)
    fake.wait_for("chat.update", lambda c: c.params.get("ts") == digest["ts"], after=mark)
    redrawn = fake.message(SUPPORT, digest["ts"])
    assert redrawn is not None
    lines = {b["block_id"]: text_of([b]) for b in redrawn["blocks"] if b["type"] == "section"}
    assert f"<@{STAFF}> đang xử lý" in lines[line["block_id"]]
    assert sum("đang xử lý" in text for text in lines.values()) == 1
    assert len([b for b in buttons(redrawn) if b["action_id"] == "reminder.claim"]) == 2
    assert len([b for b in buttons(redrawn) if b["action_id"] == "storage_order.start"]) == 3

    # A second agent clicking the button still on their screen is told who has it.
    mark_responses = len(fake.responses)
    (old,) = [b for b in claims if f'"subscription_id":{sid}' in b["value"]]
    slack.block_action("reminder.claim", old["value"], user_id=OTHER, channel_id=SUPPORT)
    refused = text_of(fake.wait_for_response(after=mark_responses).body)
    assert f"<@{STAFF}> đã nhận xử lý khách hàng này rồi" in refused

    # It is in the account's history.
    with database.session() as session:
        events = session.query(AuditEvent).filter_by(entity_type="subscription").all()
    assert [(e.entity_id, e.action, e.actor) for e in events] == [(int(sid), "claimed", STAFF)]
    assert [c for c in fake.calls[start:] if not c.ok] == []
