"""Reminder messages stay within Block Kit limits however long the list, most urgent first."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest

from bot.i18n import Translator
from bot.outbox_messages import AccountItem, OrderLine
from bot.reminders import SweepReport
from handlers.blocks import reminders as blocks
from handlers.blocks.kit import MESSAGE_BLOCK_LIMIT, SECTION_TEXT_LIMIT
from handlers.metadata import SubscriptionRef
from slack_emulator import blockkit

TODAY = date(2026, 6, 15)


def items(count: int, *, days: tuple[int, ...] = (1, 3, 7), name_length: int = 40) -> list[Any]:
    """`count` accounts spread over `days` (in that order), with long, markup-laden names."""
    made = []
    for n in range(count):
        left = days[n * len(days) // count]
        made.append(
            AccountItem(
                subscription_id=1000 + n,
                customer=(f"Công ty <{n}> & Cộng sự " * 40)[:name_length],
                tax_code="0101243150",
                product="AMIS_KT",
                contract_no=f"HD-{n:05d}",
                expires_on=TODAY - timedelta(days=30 - left),
                owner=None if n % 3 else f"U{n:05d}",
                days=left,
            )
        )
    return made


def check(digest: blocks.Digest) -> None:
    message = {"channel": "C0SUPPORT", "text": digest.text, "blocks": digest.blocks}
    assert blockkit.validate_message(message) == []
    assert len(digest.blocks) <= MESSAGE_BLOCK_LIMIT
    for block in digest.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_TEXT_LIMIT
    ids = [b["block_id"] for b in digest.blocks if "block_id" in b]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("count", "name_length"), [(3, 40), (45, 40), (500, 400)])
def test_deletion_digest_lists_the_most_urgent_with_a_button_each(
    count: int, name_length: int
) -> None:
    listed_items = items(count, name_length=name_length)
    digest = blocks.deletion_digest(Translator(), listed_items, show_owner=True)
    check(digest)
    buttons = [b["accessory"] for b in digest.blocks if "accessory" in b]
    assert {b["action_id"] for b in buttons} == {"storage_order.start"}
    shown = [SubscriptionRef.decode(b["value"]).subscription_id for b in buttons]
    assert shown == [i.subscription_id for i in listed_items[: len(shown)]]
    assert digest.left_out == count - len(shown)
    last = digest.blocks[-1]["elements"][0]["text"] if digest.left_out else ""
    assert (f"… và {digest.left_out} thuê bao khác" in last) == bool(digest.left_out)
    if count > blocks.MAX_LISTED:
        assert len(shown) == blocks.MAX_LISTED


def test_deletion_digest_with_many_groups_stays_within_50_blocks() -> None:
    many = items(200, days=tuple(range(1, 31)))
    digest = blocks.deletion_digest(Translator("en"), many, show_owner=False)
    check(digest)
    assert digest.left_out > 0


@pytest.mark.parametrize(("count", "name_length"), [(2, 30), (400, 400)])
def test_expiry_digest_packs_lines_into_sections(count: int, name_length: int) -> None:
    listed = items(count, days=(1, 7, 30), name_length=name_length)
    digest = blocks.expiry_digest(Translator(), listed, to_channel=True)
    check(digest)
    text = "\n".join(b["text"]["text"] for b in digest.blocks if b["type"] == "section")
    assert text.index("Còn 1 ngày, hết hạn ngày") < text.index(listed[0].contract_no)
    assert "&lt;0&gt; &amp; Cộng sự" in text and "<0>" not in text
    assert digest.left_out == max(count - blocks.MAX_LISTED, 0)


def test_sweep_digest_with_long_lists() -> None:
    accounts = items(blocks.MAX_LISTED, name_length=400)
    deadline = date(2026, 6, 17)
    orders = [
        OrderLine(order_no="MS-1", payment_deadline=deadline, account=account)
        for account in accounts[:60]
    ]
    report = SweepReport(
        today=TODAY,
        deleted=900,
        shown=accounts,
        orders_expired=orders,
        held=orders,
        window=(TODAY - timedelta(days=121), TODAY - timedelta(days=31)),
    )
    digest = blocks.sweep_digest(Translator(), report)
    check(digest)
    assert digest.left_out == 900 - blocks.MAX_LISTED


def test_csv_has_every_account_with_translated_headers() -> None:
    listed = items(120)
    t = Translator()
    csv_file = blocks.accounts_csv(t, listed, blocks.deletion_columns(t), name="x.csv")
    assert csv_file.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Khách hàng",
        "MST",
        "Sản phẩm",
        "Số hợp đồng",
        "Ngày hết hạn",
        "Ngày xóa dữ liệu",
        "Số ngày còn lại",
        "Người phụ trách",
    ]
    assert len(rows) == 121
    first = listed[0]
    assert rows[1][3:7] == [first.contract_no, "17/05/2026", "17/06/2026", "1"]
    assert csv_file.comment == "Danh sách đầy đủ: 120 thuê bao."


def test_pack_lines_never_exceeds_the_limit() -> None:
    lines = ["x" * 1200, "y" * 1200, "z" * 5000, "w"]
    packed = blocks.pack_lines(lines)
    assert [len(p) for p in packed] == [2401, 3000, 1]


def test_approvers_are_mentioned_users_and_group() -> None:
    t = Translator()
    assert blocks.approvers_mention(t, ["U1", "U2"], "S9") == "<@U1>, <@U2>, <!subteam^S9>"
    assert blocks.approvers_mention(t, [], None) == "Chưa cấu hình người duyệt"


@pytest.mark.parametrize("count", [3, 45, 500])
def test_support_digest_has_a_claim_button_per_account_or_who_handles_it(count: int) -> None:
    listed_items = items(count, name_length=400)
    handled = listed_items[1].subscription_id
    claims = blocks.Claims(TODAY, {handled: "U0AGENT"})
    digest = blocks.deletion_digest(Translator(), listed_items, show_owner=True, claims=claims)
    check(digest)
    rows = [b for b in digest.blocks if b["type"] == "actions"]
    assert len(rows) == count - digest.left_out
    claim_buttons = [e for b in rows for e in b["elements"] if e["action_id"] == "reminder.claim"]
    assert len(claim_buttons) == len(rows) - 1
    assert {e["text"]["text"] for e in claim_buttons} == {"Tôi xử lý"}
    (line,) = [b for b in digest.blocks if b.get("block_id") == f"deletion:{handled}"]
    assert "<@U0AGENT> đang xử lý" in line["text"]["text"]
