"""Customer emails as a mail reader decodes them: encoded to bytes, parsed back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest

from bot.customer_notices import PaymentConfirmation, SupportContact
from bot.mail import order_email, payment_confirmation_email
from bot.payments import PaymentInstructions
from bot.storage_orders import InvoiceInfo, OrderStatus, OrderView

ORDER = OrderView(
    id=1,
    order_no="LT261122ABCDEF",
    token="t" * 43,
    status=OrderStatus.AWAITING_PAYMENT,
    customer_name="Công ty Cổ phần MISA",
    customer_tax_code="0101243150",
    contract_no="HD-KT-01",
    expires_on=date(2026, 11, 10),
    package_name="Gói lưu trữ dữ liệu AMIS Kế toán 12 tháng",
    term_months=12,
    unit_price=1_000_000,
    quantity=3,
    amount=3_000_000,
    tax_label="KCT",
    tax_amount=0,
    total=3_000_000,
    invoice=InvoiceInfo(
        buyer_name="Công ty Cổ phần MISA",
        buyer_tax_code="0101243150",
        buyer_address="Tầng 9, Tòa nhà Technosoft, Cầu Giấy, Hà Nội",
        recipient_name="Trần Thị Bình",
        invoice_email="binh.tran@misa.com.vn",
        phone="0912345678",
    ),
    payment_deadline=date(2026, 11, 29),
    placed_by="U_STAFF",
    channel_id="C_SUPPORT",
    message_ts=None,
    paid_at=None,
    paid_via=None,
    paid_by=None,
    storage_until=None,
    email_status="queued",
    created_at=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
)
PAYMENT = PaymentInstructions(
    bank_name="BIDV",
    bank_bin="970418",
    account_no="12510000123456",
    account_name="CONG TY CO PHAN MISA",
    amount=3_000_000,
    content="LT261122ABCDEF thanh toan",
    qr_payload="000201",
)
SUPPORT = SupportContact(hotline="1900 8677", email="hotro@misa.com.vn")
LONG_NAME = "Phòng Kế toán Công ty Cổ phần Đầu tư Xây dựng và Thương mại Hoàng Long Việt Nam"


def round_trip(message: EmailMessage) -> EmailMessage:
    """What a mail reader sees: the bytes SMTP carries, parsed with the modern policy."""
    return BytesParser(policy=policy.default).parsebytes(message.as_bytes())  # type: ignore[return-value]


@pytest.mark.parametrize("recipient", ["Trần Thị Bình", LONG_NAME, ""])
@pytest.mark.parametrize("sender", ["MISA Store <no-reply@misa.com.vn>", f"{LONG_NAME} <a@b.vn>"])
def test_order_email_headers_survive_encoding(recipient: str, sender: str) -> None:
    order = replace(ORDER, invoice=replace(ORDER.invoice, recipient_name=recipient))
    message = order_email(
        order, PAYMENT, page_url="https://x/o", qr_png=b"png", sender=sender, support=SUPPORT
    )
    headers = message.as_bytes().split(b"\r\n\r\n")[0].split(b"\r\n")
    assert all(line.isascii() and len(line) <= 998 for line in headers)
    subject = headers[: next(i for i, h in enumerate(headers[1:], 1) if not h[:1].isspace())]
    assert subject[0].startswith(b"Subject:") and all(len(line) <= 78 for line in subject)
    parsed = round_trip(message)
    assert parsed["Subject"] == (
        "MISA Store - Đơn hàng LT261122ABCDEF: gói dịch vụ lưu trữ dữ liệu AMIS Kế toán"
    )
    (to,) = parsed["To"].addresses
    assert (to.display_name, to.addr_spec) == (recipient, "binh.tran@misa.com.vn")
    (sent_from,) = parsed["From"].addresses
    assert sent_from.display_name == sender.split(" <")[0]


def test_payment_confirmation_says_what_the_customer_needs() -> None:
    paid_at = datetime(2026, 11, 22, 8, 12, tzinfo=UTC)  # 15:12 in Hà Nội
    paid = replace(
        ORDER, status=OrderStatus.PAID, paid_at=paid_at, storage_until=date(2029, 11, 10)
    )
    confirmation = PaymentConfirmation(
        order=paid,
        amount_received=3_050_000,
        paid_at=paid_at,
        storage_until=date(2029, 11, 10),
        login_url="https://amisapp.misa.vn/",
        support=SUPPORT,
    )
    message = payment_confirmation_email(
        confirmation,
        page_url="https://x/o",
        sender="MISA Store <no-reply@misa.com.vn>",
        tz=ZoneInfo("Asia/Ho_Chi_Minh"),
    )
    parsed = round_trip(message)
    assert parsed["Subject"] == "MISA Store - Đơn hàng LT261122ABCDEF: đã nhận thanh toán"
    assert parsed["Message-ID"] == "<paid-LT261122ABCDEF@misa-store.local>"
    assert parsed["To"].addresses[0].display_name == "Trần Thị Bình"
    for part in ("plain", "html"):
        body = parsed.get_body(preferencelist=(part,)).get_content()
        for shown in (
            "3.050.000 đ",
            "15:12 22/11/2026",
            "Công ty Cổ phần MISA",
            "0101243150",
            "Tầng 9, Tòa nhà Technosoft, Cầu Giấy, Hà Nội",
            "KCT (0 đ)",
            "3.000.000 đ",
            "MISA sẽ gửi hóa đơn tới địa chỉ email này (binh.tran@misa.com.vn)",
            "Đến hết ngày 10/11/2029",
            "https://amisapp.misa.vn/",
            "1900 8677",
            "hotro@misa.com.vn",
        ):
            assert shown in body, (part, shown)
