"""The storage-package procedure (seed 000) end to end: signed Slack HTTP into `serve`, the fake
Slack Web API, a real SMTP server, the web routes in headless Chromium, the payment webhook."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from dateutil.relativedelta import relativedelta
from PIL import Image

from bot.clock import Clock
from bot.config import load_settings
from bot.importer import import_file
from bot.vietqr import parse_payload
from handlers.metadata import SubscriptionRef
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import StorageOrder, Subscription
from tests.conftest import bot_env
from tests.e2e.slack_helpers import buttons, text_of
from tests.e2e.storage_steps import (
    BANK,
    FINANCE,
    MISA,
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
EXPIRED_ON = TODAY - timedelta(days=12)
QUANTITY = "storage_order.quantity"


@pytest.fixture(scope="module")
def database(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Database:
    rows = [
        row(MISA, "Công ty Cổ phần MISA", "HD-KT-01", EXPIRED_ON, email="ketoan@misa.com.vn"),
        row(
            MISA,
            "Công ty Cổ phần MISA",
            "HD-KT-02",
            TODAY + timedelta(days=90),
            email="ketoan@misa.com.vn",
        ),
    ]
    rows += [
        row(tax_code(500 + i), f"Công ty TNHH Lưu Trữ {i}", f"HD-LT-{i}", TODAY - timedelta(days=5))
        for i in range(10)
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
        SUPPORT_CHANNEL="C_SUPPORT",
        **BANK,
    )
    process = BotProcess(env, home / "bot.log").start()
    yield process
    process.stop()


def subscription_id(database: Database, contract_no: str) -> int:
    with database.session() as session:
        return session.query(Subscription.id).filter_by(contract_no=contract_no).scalar()


def test_the_whole_procedure(
    bot: BotProcess, slack: SignedSlack, fake_slack: FakeSlack, smtp: SmtpSink, database: Database
) -> None:
    fake = fake_slack
    start = fake.mark()
    # An active account is refused on the server, even with a forged button.
    active = SubscriptionRef(subscription_id=subscription_id(database, "HD-KT-02")).encode()
    mark = len(fake.responses)
    slack.block_action("storage_order.start", active, channel_id="C_SUPPORT")
    refusal = fake.wait_for_response(after=mark)
    until = (TODAY + timedelta(days=90)).strftime("%d/%m/%Y")
    assert f"vẫn còn hạn sử dụng đến {until}" in text_of(refusal.body)

    # The expired account opens the form, prefilled from the customer.
    view = open_form(slack, fake, MISA, "HD-KT-01")
    form_text = text_of(view)
    assert "Công ty Cổ phần MISA" in form_text and "KCT" in form_text
    assert "Kiểm tra thật kỹ email nhận hóa đơn" in form_text
    assert "*Tổng cộng: 1.000.000 đ*" in form_text

    # The seed's −/+: quantity 3 recomputes the totals in place.
    mark = fake.mark()
    slack.block_action(QUANTITY, "3", view=view, user_id="U_STAFF")
    update = fake.wait_for("views.update", after=mark)
    assert update.ok, update.response
    view = fake.view(view["id"])
    assert "*Tổng cộng: 3.000.000 đ*" in text_of(view)

    # A bad email is refused inline; everything typed is kept.
    typed = {"recipient_name": "Trần Thị Bình", "invoice_email": "binh..tran@misa.com.vn"}
    ack = slack.check_ack(slack.view_submission(view, typed, user_id="U_STAFF"))
    assert ack["response_action"] == "errors" and set(ack["errors"]) == {"invoice_email"}
    assert "binh..tran@misa.com.vn" in ack["errors"]["invoice_email"]

    mark = fake.mark()
    fixed = {**typed, "invoice_email": "binh.tran@misa.com.vn", "quantity": "3"}
    response = slack.view_submission(view, fixed, user_id="U_STAFF")
    assert slack.check_ack(response) is None  # the modal closes

    # (1) the order message with the page link, (2) payment details and the QR in its thread.
    message = order_message(fake, mark)
    order_no = order_number(message)
    text = text_of(message)
    assert "3.000.000 đ" in text and "BIDV" in text and "12510000123456" in text
    assert f"{order_no} thanh toan" in text
    (page_button,) = [b for b in buttons(message) if b.get("url")]
    page_url = page_button["url"]
    assert re.fullmatch(rf"{re.escape(bot.base_url)}/orders/[A-Za-z0-9_\-]{{43}}", page_url)

    upload = fake.wait_for("files.completeUploadExternal", after=mark)
    assert upload.ok, upload.response
    (qr_file,) = [f for f in fake.uploaded_files() if order_no in f.title]
    assert qr_file.thread_ts == message["ts"]
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_file.content)))
    assert len(decoded) == 1
    qr = parse_payload(decoded[0].text)
    assert qr.crc_ok and qr.bank_bin == "970418" and qr.account_no == "12510000123456"
    assert qr.amount == 3_000_000 and order_no in qr.purpose
    assert fake.calls_to("files.upload") == []

    # (3) the email reached the invoice address, with the order, link, details and QR.
    email = smtp.wait_for(lambda m: order_no in m["Subject"])
    assert email["Subject"] == (
        f"MISA Store - Đơn hàng {order_no}: gói dịch vụ lưu trữ dữ liệu AMIS Kế toán"
    )
    (to,) = email["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Trần Thị Bình", "binh.tran@misa.com.vn")
    assert email["From"].addresses[0].display_name == "MISA Store"
    plain = email.get_body(preferencelist=("plain",)).get_content()
    assert "3.000.000 đ" in plain and page_url in plain and f"{order_no} thanh toan" in plain
    assert "đến hết ngày" in plain and "1900 8677" in plain and "hotro@misa.com.vn" in plain
    images = [p for p in email.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    assert (
        parse_payload(
            zxingcpp.read_barcodes(Image.open(io.BytesIO(images[0].get_content())))[0].text
        ).amount
        == 3_000_000
    )
    fake.wait_for("chat.update", lambda c: "Đã gửi email đơn hàng tới" in str(c.params), after=mark)

    # The order page, as the customer sees it in a browser.
    seen = browser_view(page_url)
    assert order_no in seen["text"] and "3.000.000 đ" in seen["text"]
    assert "Chờ thanh toán" in seen["text"] and seen["qr_width"] > 0

    # Underpayment and an unmatched transfer are recorded and shown to finance, never paid.
    assert webhook(bot, transfer(order_no, 1_000, "9001")).json()["outcome"] == "underpaid"
    assert (
        webhook(bot, transfer(order_no, 5_000, "9002", "chuyen tien hoc phi")).json()["outcome"]
        == "unmatched"
    )
    finance_dm = f"D{FINANCE}"
    fake.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("channel") == finance_dm and "thiếu tiền" in str(c.params),
        after=mark,
    )
    fake.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("channel") == finance_dm and "không khớp" in str(c.params),
        after=mark,
    )
    assert webhook(bot, transfer(order_no, 3_000_000, "9003"), key="wrong").status_code == 401

    # The bank mangles the content; the order is still found and paid, once.
    mangled = f"MBVCB.3312.{order_no[:5].lower()}-{order_no[5:].lower()} thanh toan. CT tu 0011"
    mark = fake.mark()
    before = datetime.now(TZ)
    paid = webhook(bot, transfer(order_no, 3_000_000, "9004", mangled))
    paid_at = {f"lúc {moment:%H:%M %d/%m/%Y}" for moment in (before, datetime.now(TZ))}
    assert paid.status_code == 200 and paid.json() == {"success": True, "outcome": "paid"}
    assert (
        webhook(bot, transfer(order_no, 3_000_000, "9004", mangled)).json()["outcome"]
        == "duplicate"
    )
    updated = fake.wait_for(
        "chat.update",
        lambda c: c.params.get("ts") == message["ts"] and "Đã thanh toán" in str(c.params),
        after=mark,
    )
    assert updated.ok
    message = fake.message(fake.channel_of(message["ts"]), message["ts"])
    assert message is not None and "order.mark_paid" not in str(message["blocks"])
    assert any(f"*Đã thanh toán* {at}" in text_of(message) for at in paid_at), text_of(message)
    guidance = fake.wait_for(
        "chat.postMessage", lambda c: c.params.get("thread_ts") == message["ts"], after=mark
    )
    assert "chỉ đọc" in str(guidance.params) and "không thể thêm, sửa hoặc xóa" in str(
        guidance.params
    )

    storage_until = (EXPIRED_ON + relativedelta(months=36)).strftime("%d/%m/%Y")
    lookup = text_of(slack.check_ack(slack.command(MISA)))
    assert f"*Lưu trữ chỉ đọc* đến hết ngày {storage_until}" in lookup

    # The customer is emailed the payment confirmation, once; the order message says so.
    confirmation = smtp.wait_for(lambda m: m["Subject"].endswith(f"{order_no}: đã nhận thanh toán"))
    assert confirmation["Message-ID"] == f"<paid-{order_no}@misa-store.local>"
    assert confirmation["To"].addresses[0].addr_spec == "binh.tran@misa.com.vn"
    told = confirmation.get_body(preferencelist=("plain",)).get_content()
    assert "khoản thanh toán 3.000.000 đ" in told and any(at in told for at in paid_at)
    for shown in (
        "Tên đơn vị mua hàng: Công ty Cổ phần MISA",
        f"Mã số thuế: {MISA}",
        "Địa chỉ: Hà Nội",
        "Thuế GTGT: KCT (0 đ)",
        "Tổng thanh toán: 3.000.000 đ",
        "Hệ thống hóa đơn điện tử của MISA sẽ gửi hóa đơn tới",
        f"Đến hết ngày {storage_until}, Quý khách đăng nhập AMIS Kế toán",
        "không thể thêm, sửa hoặc xóa",
        "https://amisapp.misa.vn/",
        "1900 8677",
        "hotro@misa.com.vn",
    ):
        assert shown in told, shown
    fake.wait_for(
        "chat.update",
        lambda c: c.params.get("ts") == message["ts"] and "Đã gửi email xác nhận" in str(c.params),
        after=mark,
    )
    assert [m["Subject"] for m in smtp.messages].count(confirmation["Subject"]) == 1

    seen = browser_view(page_url)
    assert any(f"Đã thanh toán {at}" in seen["text"] for at in paid_at), seen["text"]
    assert (
        f"Đến hết ngày {storage_until}" in seen["text"] and "Đăng nhập AMIS Kế toán" in seen["text"]
    )
    assert "Đã gửi email xác nhận thanh toán tới binh.tran@misa.com.vn" in seen["text"]

    history = text_of(slack.check_ack(slack.command(f"order {order_no.lower()}")))
    assert "đặt hàng" in history and "thanh toán" in history and "<@U_STAFF>" in history
    assert any(f"*Đã thanh toán* {at}" in history for at in paid_at), history
    assert "Đã gửi email xác nhận thanh toán tới *binh.tran@misa.com.vn* lúc" in history
    assert [c for c in fake.calls[start:] if not c.ok] == []


def browser_view(url: str) -> dict[str, Any]:
    """Load a page in headless Chromium; what a person sees, and whether the QR loaded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            response = page.goto(url)
            assert response is not None and response.status == 200
            page.wait_for_load_state("networkidle")
            width = page.evaluate(
                "() => { const img = document.querySelector('#qr');"
                " return img && img.complete ? img.naturalWidth : 0; }"
            )
            return {"text": page.inner_text("body"), "qr_width": width}
        finally:
            browser.close()


def place(
    slack: SignedSlack, fake: FakeSlack, contract_no: str, company: str, **values: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open the form for `contract_no`, submit it; (the view, the posted order message)."""
    view = open_form(slack, fake, company, contract_no)
    mark = fake.mark()
    submitted = {"invoice_email": "ketoan@example.vn", **values}
    assert slack.check_ack(slack.view_submission(view, submitted, user_id="U_STAFF")) is None
    return view, order_message(fake, mark)


def test_double_submission_and_slack_retry_create_one_order(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    view = open_form(slack, fake_slack, "luu tru 0", "HD-LT-0")
    mark = fake_slack.mark()
    # A double click on "Đặt hàng" and Slack re-delivering the submission (a retry): three
    # deliveries of the same view while it is still on screen.
    submitted = {"invoice_email": "ketoan@example.vn"}
    for retry in (None, None, 1):
        response = slack.view_submission(
            view, submitted, user_id="U_STAFF", retry_num=retry, apply_ack=False
        )
        assert response.status_code == 200 and slack.check_ack(response) is None
    message = order_message(fake_slack, mark)
    order_no = order_number(message)
    time.sleep(2)  # give a duplicate every chance to appear
    posted = [
        c
        for c in fake_slack.calls[mark:]
        if c.method == "chat.postMessage" and "Đơn hàng LT" in str(c.params.get("blocks"))
    ]
    assert len(posted) == 1 and order_no in str(posted[0].params)


def test_a_second_order_for_the_same_account_is_refused(
    slack: SignedSlack, fake_slack: FakeSlack, database: Database
) -> None:
    _, message = place(slack, fake_slack, "HD-LT-1", "luu tru 1")
    order_no = order_number(message)
    lookup = slack.check_ack(slack.command("luu tru 1"))
    assert f"đơn lưu trữ `{order_no}` đang chờ thanh toán" in text_of(lookup)
    assert [b["action_id"] for b in buttons(lookup)] == []
    value = SubscriptionRef(subscription_id=subscription_id(database, "HD-LT-1")).encode()
    mark = len(fake_slack.responses)
    slack.block_action("storage_order.start", value, channel_id="C_SUPPORT")
    refusal = fake_slack.wait_for_response(after=mark)
    assert f"đã có đơn lưu trữ *{order_no}* đang chờ thanh toán" in text_of(refusal.body)


def test_renewed_meanwhile_is_refused_on_submit(
    slack: SignedSlack, fake_slack: FakeSlack, database: Database
) -> None:
    view = open_form(slack, fake_slack, "luu tru 2", "HD-LT-2")
    renewed_until = TODAY + timedelta(days=365)
    with database.session() as session:
        session.query(Subscription).filter_by(contract_no="HD-LT-2").update(
            {"expires_on": renewed_until}
        )
    response = slack.view_submission(view, {"invoice_email": "a@example.vn"}, user_id="U_STAFF")
    ack = slack.check_ack(response)
    assert ack["response_action"] == "update"
    assert f"vẫn còn hạn sử dụng đến {renewed_until:%d/%m/%Y}" in text_of(ack["view"])


def test_only_finance_marks_paid(
    slack: SignedSlack, fake_slack: FakeSlack, bot: BotProcess, smtp: SmtpSink
) -> None:
    _, message = place(slack, fake_slack, "HD-LT-3", "luu tru 3")
    mark = len(fake_slack.responses)
    slack.click(message, "order.mark_paid", user_id="U_STAFF")
    refused = fake_slack.wait_for_response(after=mark)
    assert "Chỉ bộ phận tài chính" in text_of(refused.body)
    assert "Chờ thanh toán" in text_of(
        fake_slack.message(fake_slack.channel_of(message["ts"]), message["ts"])
    )

    mark_calls = fake_slack.mark()
    mark = len(fake_slack.responses)
    slack.click(message, "order.mark_paid", user_id=FINANCE)
    assert "Đã ghi nhận thanh toán" in text_of(fake_slack.wait_for_response(after=mark).body)
    fake_slack.wait_for(
        "chat.update",
        lambda c: c.params.get("ts") == message["ts"] and f"<@{FINANCE}>" in str(c.params),
        after=mark_calls,
    )
    # A stale second click (sent before the update reached the screen) and a transfer
    # arriving afterwards change nothing.
    (paid_button,) = [b for b in buttons(message) if b["action_id"] == "order.mark_paid"]
    mark = len(fake_slack.responses)
    slack.block_action(
        "order.mark_paid", paid_button["value"], user_id=FINANCE, channel_id="C_SUPPORT"
    )
    assert "đã được thanh toán trước đó" in text_of(fake_slack.wait_for_response(after=mark).body)
    order_no = order_number(message)
    late = webhook(bot, transfer(order_no, 1_000_000, f"late-{order_no}"))
    assert late.json()["outcome"] == "already_paid"
    # Paid by hand: the customer is emailed the confirmation all the same.
    confirmation = smtp.wait_for(lambda m: m["Subject"].endswith(f"{order_no}: đã nhận thanh toán"))
    told = confirmation.get_body(preferencelist=("plain",)).get_content()
    assert "khoản thanh toán 1.000.000 đ" in told and "hóa đơn điện tử của MISA" in told


def test_mail_outage_loses_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, smtp: SmtpSink
) -> None:
    smtp.stop()
    try:
        _, message = place(slack, fake_slack, "HD-LT-4", "luu tru 4")
        order_no = order_number(message)
        fake_slack.wait_for(
            "chat.update",
            lambda c: c.params.get("ts") == message["ts"] and "sẽ tự gửi lại" in str(c.params),
            timeout=20,
        )
    finally:
        smtp.start()
    email = smtp.wait_for(lambda m: order_no in m["Subject"], timeout=60)
    assert email["To"].addresses[0].addr_spec == "ketoan@example.vn"
    fake_slack.wait_for(
        "chat.update",
        lambda c: c.params.get("ts") == message["ts"] and "Đã gửi email" in str(c.params),
        timeout=20,
    )


def test_unknown_and_malformed_tokens_look_the_same(bot: BotProcess) -> None:
    unknown = httpx.get(f"{bot.base_url}/orders/{'A' * 43}")
    malformed = httpx.get(f"{bot.base_url}/orders/..%2F..%2Fetc")
    short = httpx.get(f"{bot.base_url}/orders/abc/qr.png")
    assert unknown.status_code == malformed.status_code == short.status_code == 404
    assert unknown.text == malformed.text == short.text
    assert "Không tìm thấy đơn hàng" in unknown.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ("[]", 400),
        ('{"id": "1", "transferType": "in"}', 400),
        ('{"id": "1", "transferType": "in", "transferAmount": -5}', 400),
        ('{"id": "1", "transferType": "sideways", "transferAmount": 5}', 400),
        ('{"id": {"$ne": 1}, "transferType": "in", "transferAmount": 5}', 400),
    ],
)
def test_malformed_notifications_are_refused(bot: BotProcess, body: str, status: int) -> None:
    response = httpx.post(
        f"{bot.base_url}/payments/webhook",
        content=body,
        headers={"Authorization": f"Apikey {WEBHOOK_KEY}", "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert response.json()["success"] is False


def order_status(database: Database, order_no: str) -> str:
    with database.session() as session:
        return session.query(StorageOrder.status).filter_by(order_no=order_no).scalar()


def finance_saw(fake: FakeSlack, text: str, mark: int) -> str:
    """The finance DM (after `mark`) holding `text`."""
    call = fake.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("channel") == f"D{FINANCE}" and text in str(c.params),
        after=mark,
    )
    return str(call.params)


def test_only_transfers_to_our_account_pay_and_the_rest_reach_finance(
    slack: SignedSlack, fake_slack: FakeSlack, bot: BotProcess, database: Database
) -> None:
    _, message = place(slack, fake_slack, "HD-LT-6", "luu tru 6")
    order_no = order_number(message)
    mark = fake_slack.mark()

    # No accountNumber (SePay always sends one), or another account: never paid, finance told.
    nameless = transfer(order_no, 1_000_000, "acct-none")
    del nameless["accountNumber"]
    assert webhook(bot, nameless).json()["outcome"] == "other_account"
    elsewhere = {**transfer(order_no, 1_000_000, "acct-other"), "accountNumber": "9704 1800 01"}
    assert webhook(bot, elsewhere).json()["outcome"] == "other_account"
    assert order_status(database, order_no) == "awaiting_payment"
    assert "9704 1800 01" in finance_saw(fake_slack, "acct-other", mark)
    assert "không xác nhận được là vào tài khoản nhận tiền" in finance_saw(
        fake_slack, "acct-none", mark
    )

    # Ids are kept whole: two transfers whose ids share their first 64 characters are two.
    prefix = "SEPAY-" + "7" * 58
    short = transfer(order_no, 1_000, prefix + "-1")
    assert webhook(bot, short).json()["outcome"] == "underpaid"
    # Our account written with spaces, dots and dashes is still our account.
    spaced = "1251 0000.1234-56"
    assert spaced.replace(" ", "").replace(".", "").replace("-", "") == BANK["BANK_ACCOUNT_NO"]
    paying = {**transfer(order_no, 1_000_000, prefix + "-2"), "accountNumber": spaced}
    assert webhook(bot, paying).json()["outcome"] == "paid"
    assert order_status(database, order_no) == "paid"

    # The same notification again is a retry; the same id with other details is not.
    assert webhook(bot, paying).json()["outcome"] == "duplicate"
    other = {**paying, "transferAmount": 2_000_000, "content": "chuyen tien nha"}
    assert webhook(bot, other).json()["outcome"] == "conflicting"
    seen = finance_saw(fake_slack, "Mã giao dịch ngân hàng bị trùng", mark)
    assert "2.000.000 đ" in seen and prefix + "-2" in seen

    # An id too long to keep whole is refused, saying so.
    too_long = webhook(bot, transfer(order_no, 1_000_000, "9" * 256))
    assert too_long.status_code == 400
    assert too_long.json()["error"] == "invalid id" and "255" in too_long.json()["message"]


def orders_of(database: Database, contract_no: str) -> list[tuple[str, str | None]]:
    """(who placed it, where its message went) for each order of the subscription."""
    with database.session() as session:
        query = (
            session.query(StorageOrder.placed_by, StorageOrder.channel_id)
            .join(Subscription, Subscription.id == StorageOrder.subscription_id)
            .filter(Subscription.contract_no == contract_no)
        )
        return [tuple(r) for r in query]


def test_a_form_is_placed_only_by_its_opener_and_only_where_it_was_opened(
    slack: SignedSlack, fake_slack: FakeSlack, database: Database
) -> None:
    view = open_form(slack, fake_slack, "luu tru 7", "HD-LT-7")  # by U_STAFF in C_SUPPORT
    values = {"invoice_email": "ketoan@example.vn"}

    # Someone else submits it (both are staff): refused in their language, nothing placed.
    other = slack.view_submission(view, values, user_id="U_OTHER", forged=True)
    ack = slack.check_ack(other)
    assert ack["response_action"] == "update"
    assert "Biểu mẫu này được mở cho người khác" in text_of(ack["view"])
    assert "`" not in text_of(ack["view"])

    # The opener, with the channel changed in the form's metadata: refused as stale.
    metadata = view["private_metadata"]
    assert '"channel_id":"C_SUPPORT"' in metadata
    moved = metadata.replace('"channel_id":"C_SUPPORT"', '"channel_id":"C_ELSEWHERE"')
    forged = slack.view_submission(
        view, values, user_id="U_STAFF", forged=True, private_metadata=moved
    )
    assert "Biểu mẫu này đã cũ hoặc bị hỏng" in text_of(slack.check_ack(forged)["view"])
    assert orders_of(database, "HD-LT-7") == []

    # The form as written, by its opener: placed, and posted where it was opened.
    mark = fake_slack.mark()
    assert slack.check_ack(slack.view_submission(view, values, user_id="U_STAFF")) is None
    message = order_message(fake_slack, mark)
    assert fake_slack.channel_of(message["ts"]) == "C_SUPPORT"
    assert orders_of(database, "HD-LT-7") == [("U_STAFF", "C_SUPPORT")]


def test_a_stale_quantity_redraw_is_harmless(
    slack: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    view = open_form(slack, fake_slack, "luu tru 5", "HD-LT-5")
    fake_slack.fail_next("views.update", error="hash_conflict")
    mark = fake_slack.mark()
    slack.block_action("storage_order.quantity", "2", view=view, user_id="U_STAFF")
    fake_slack.wait_for("views.update", after=mark)
    slack.block_action("storage_order.quantity", "3", view=fake_slack.view(view["id"]))
    fake_slack.wait_for("views.update", lambda c: c.ok, after=mark)
    assert "*Tổng cộng: 3.000.000 đ*" in text_of(fake_slack.view(view["id"]))
    assert "Traceback" not in bot.logs()


LONG_EMAIL = "ketoan.tonghop.phongtaichinh@hoanglongconstruction.com.vn"

# Where each line of the invoice email starts, from the layout of its characters.
LINE_STARTS = """() => {
  const text = document.querySelector('#invoice-email');
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  const starts = []; let top = null; let seen = '';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
      const y = Math.round(range.getBoundingClientRect().top);
      if (top !== null && y > top + 2) starts.push(seen.length);
      top = y; seen += node.data[i];
    }
  }
  return {text: seen, starts: starts};
}"""


def phone_view(url: str, screenshot: Path) -> dict[str, Any]:
    """The page on a 390 px phone: block positions, copy buttons' results, overflow."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            context.grant_permissions(["clipboard-read", "clipboard-write"])
            page = context.new_page()
            errors: list[str] = []
            # Script errors and refusals by the page's policy; the browser's own favicon request
            # (the bot has none) is not the page's.
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and not m.text.startswith("Failed to load resource")
                    else None
                ),
            )
            page.on(
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            assert page.goto(url).status == 200
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(screenshot), full_page=True)
            copied = {}
            for target in ("account", "amount", "content"):
                button = page.locator(f"button[aria-controls={target}]")
                button.click()
                page.wait_for_function(
                    "b => b.textContent.includes('Đã sao chép')", arg=button.element_handle()
                )
                copied[target] = page.evaluate("() => navigator.clipboard.readText()")
            return {
                "pay_top": page.locator("#pay").bounding_box()["y"],
                "details_top": page.locator("#details").bounding_box()["y"],
                "qr_bottom": page.locator("#qr").bounding_box()["y"]
                + page.locator("#qr").bounding_box()["height"],
                "copied": copied,
                "overflow": page.evaluate(
                    "() => document.documentElement.scrollWidth - window.innerWidth"
                ),
                "email": page.evaluate(LINE_STARTS),
                "errors": errors,
            }
        finally:
            browser.close()


def test_the_order_page_on_a_phone(
    slack: SignedSlack, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    _, message = place(slack, fake_slack, "HD-LT-8", "luu tru 8", invoice_email=LONG_EMAIL)
    order_no = order_number(message)
    (page_button,) = [b for b in buttons(message) if b.get("url")]
    seen = phone_view(page_button["url"], tmp_path / "order-390.png")
    # What the customer needs to pay comes first, the QR on the first screen.
    assert seen["pay_top"] < seen["details_top"] and seen["qr_bottom"] < 844
    assert seen["copied"] == {
        "account": BANK["BANK_ACCOUNT_NO"],
        "amount": "1000000",
        "content": f"{order_no} thanh toan",
    }
    assert seen["overflow"] <= 0 and seen["errors"] == []
    # The long address wraps only before "@" or ".", never inside a word.
    email = seen["email"]
    assert email["text"] == LONG_EMAIL and email["starts"]
    assert all(email["text"][i] in "@." for i in email["starts"]), email


def test_order_page_and_qr_send_security_headers(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    _, message = place(slack, fake_slack, "HD-LT-9", "luu tru 9")
    (page_button,) = [b for b in buttons(message) if b.get("url")]
    page = httpx.get(page_button["url"])
    qr = httpx.get(f"{page_button['url']}/qr.png")
    assert page.status_code == qr.status_code == 200 and qr.content.startswith(b"\x89PNG")
    for response in (page, qr):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert qr.headers["Content-Type"] == "image/png"
    assert page.headers["X-Frame-Options"] == "DENY"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
