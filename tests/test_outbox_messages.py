"""The outbox contract: one type per kind, payloads as the previous version stored them."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from bot import outbox_messages as m

ACCOUNT = {
    "subscription_id": 7,
    "customer": "Công ty TNHH Hoa Sen",
    "tax_code": "0100109106",
    "product": "AMIS_KT",
    "contract_no": "HD-E30",
    "expires_on": "2026-07-15",
    "owner": "U0LAN",
    "days": 30,
}
ORDER_LINE = {"order_no": "LT260611ABCDEF", "payment_deadline": "2026-06-17", "account": ACCOUNT}

# Payloads exactly as rows enqueued before messages were typed hold them, one per kind.
STORED: dict[str, dict[str, Any]] = {
    "storage_order.placed": {"order_id": 1},
    "storage_order.email": {"order_id": 1},
    "storage_order.changed": {"order_id": 1},
    "storage_order.paid_email": {"order_id": 1},
    "payment.finance_notice": {"transaction_id": 5},
    "igov_order.post": {"order_id": 2},
    "igov_order.update": {"order_id": 2},
    "licence.post_approval": {"request_id": 3},
    "licence.update_approval": {"request_id": 3},
    "licence.notify_requester": {"request_id": 3},
    "export.deliver": {"user": "U0FIN", "month": "2026-05-01"},
    "reminder.expiry_digest": {
        "recipient": {"user": "U0LAN"},
        "today": "2026-06-15",
        "items": [ACCOUNT],
    },
    "reminder.deletion_digest": {
        "recipient": {"channel": ""},
        "today": "2026-06-15",
        "items": [{**ACCOUNT, "owner": None, "days": 1}],
    },
    "reminder.sweep_report": {
        "recipient": {"channel": "C0SUPPORT"},
        "today": "2026-06-15",
        "window": ["2026-02-13", "2026-05-14"],
        "deleted": 3,
        "orders_expired": [ORDER_LINE],
        "held": [],
    },
    "reminder.approval": {
        "channel": "C0APPROVAL",
        "thread_ts": "1781500000.000100",
        "code": "YC-25H",
        "customer": "Sở Tài chính Bình Minh",
        "requested_by": "U0LAN",
        "created_at": "2026-06-14T07:00:00+07:00",
        "hours": 24,
        "approvers": ["U0APPR1", "U0APPR2"],
        "usergroup": None,
    },
    "reminder.payment": {
        "recipient": {"user": "U0LAN"},
        "order_no": "LT260611ABCDEF",
        "customer": "Công ty TNHH Hoa Sen",
        "contract_no": "HD-E30",
        "total": 1000000,
        "created_at": "2026-06-11T09:30:00+07:00",
        "payment_deadline": "2026-06-17",
        "days": 3,
        "link": None,
    },
    "licence.notify_returned": {"request_id": 3},
    "licence.post_documents": {"request_id": 3, "kinds": ["decision"]},
    "reminder.digest_claimed": {
        "channel": "C0SUPPORT",
        "ts": "1765432100.000100",
        "day": "2026-06-15",
    },
    "outbox.gave_up": {
        "message_id": 42,
        "message_kind": "payment.finance_notice",
        "attempts": 1,
        "error": "permanent: chat_postMessage: not_in_channel",
        "since": "2026-06-11T09:30:00+07:00",
    },
    "home.refresh": {"user_id": "U0LAN"},
    "webhook.event": {
        "event_id": "msg_0b1f6c3e9a7d4e58b2c4f1a0d9e8c7b6",
        "endpoint": "https://amis.example.vn/hooks",
        "type": "storage_order.paid",
        "timestamp": "2026-06-11T02:30:00Z",
        "data": {"order_no": "LT260611ABCDEF", "tax_code": "0100109106"},
    },
}
PRODUCT_KINDS = {k for k, t in m.Message.types.items() if t.__module__ == m.__name__}


def test_every_kind_has_one_type_and_a_stored_example() -> None:
    assert set(STORED) == PRODUCT_KINDS
    assert all(m.Message.types[kind].kind == kind for kind in STORED)


@pytest.mark.parametrize("kind", sorted(STORED))
def test_a_stored_payload_reads_back_and_is_written_the_same(kind: str) -> None:
    message = m.Message.types[kind].from_payload(STORED[kind])
    assert message.to_payload() == STORED[kind]


def test_fields_read_as_their_types() -> None:
    changed = m.OrderChanged.from_payload({"order_id": 1, "event": "paid"})
    assert (changed.order_id, changed.event) == (1, "paid")
    report = m.SweepReportMessage.from_payload(STORED["reminder.sweep_report"])
    assert report.orders_expired[0].account.expires_on.isoformat() == "2026-07-15"
    assert report.recipient == m.Recipient(channel="C0SUPPORT")
    reminder = m.PaymentReminder.from_payload(STORED["reminder.payment"])
    assert reminder.created_at.utcoffset() is not None and reminder.link is None


@pytest.mark.parametrize(
    ("message_type", "payload", "named"),
    [
        (m.OrderPlaced, {}, "order_id"),
        (m.OrderPlaced, {"order_id": "LT-1"}, "order_id"),
        (m.ExportDelivery, {"user": "U1", "month": "05/2026"}, "month"),
        (m.ExpiryDigest, {**STORED["reminder.expiry_digest"], "items": [{}]}, "items.0"),
        (m.OrderPlaced, ["order_id", 1], "payload"),
    ],
)
def test_a_malformed_payload_is_refused_naming_what_is_wrong(
    message_type: type[m.Message], payload: Any, named: str
) -> None:
    with pytest.raises(m.MalformedMessage, match=rf"malformed '{message_type.kind}'.*{named}"):
        message_type.from_payload(payload)


def test_a_kind_is_defined_once() -> None:
    with pytest.raises(TypeError, match="defined twice"):

        class AnotherPlaced(m.Message):
            kind: ClassVar[str] = "storage_order.placed"
            order_id: int


def test_an_event_body_is_the_same_bytes_after_a_round_trip() -> None:
    event = m.WebhookEvent.from_payload(STORED["webhook.event"])
    again = m.WebhookEvent.from_payload(event.to_payload())
    assert (
        again.body()
        == event.body()
        == (
            '{"type":"storage_order.paid","timestamp":"2026-06-11T02:30:00Z",'
            '"data":{"order_no":"LT260611ABCDEF","tax_code":"0100109106"}}'
        )
    )


# Reports (bot/reports.py).

REPORT_STORED: dict[str, dict[str, Any]] = {
    "report.chart": {"user": "U0LAN", "period": "month", "first": "2026-10-01"},
    "report.weekly": {"channel": "C0SUPPORT", "first": "2026-11-23"},
}
STORED.update(REPORT_STORED)


@pytest.mark.parametrize("kind", sorted(REPORT_STORED))
def test_a_stored_report_payload_reads_back_and_is_written_the_same(kind: str) -> None:
    message = m.Message.types[kind].from_payload(REPORT_STORED[kind])
    assert message.to_payload() == REPORT_STORED[kind]
