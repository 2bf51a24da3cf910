"""The App Home for a person with many items of every kind: valid Block Kit, within 100 blocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.customers import SubscriptionCard
from bot.home import Dashboard, Listing, MyAccount, MyOrder, MyRequest, Transfer
from bot.i18n import Translator
from bot.licence_cards import RequestCard
from bot.payments import TransferOutcome
from bot.storage_orders import OrderStatus
from bot.subscriptions import Product, lifecycle
from handlers.blocks.home import home_view
from slack_emulator import blockkit

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LONG = "Công ty Trách nhiệm Hữu hạn Một thành viên Thương mại Dịch vụ <Sao> & Mai " * 3


def request_card(n: int) -> RequestCard:
    return RequestCard(
        id=n, code=f"YC{n:010d}", status="pending", order_id=n, order_no=f"IG{n}",
        sales_project="P", customer_id=n, customer_name=LONG, tax_code="0101243150",
        contract_no=None, product="IGOV", budget_code="1054321", amount=3_000_000,
        request_type="new", sector="s", misa_id_email="a@b.vn", misa_id_phone="0912345678",
        customer_info={}, modules=(), documents=(), requested_by="U0LEAD", created_at=NOW,
        decided_by=None, decided_at=None, reject_reason=None, approval_channel=None,
        approval_ts=None,
    )  # fmt: skip


def account(n: int) -> MyAccount:
    expires = TODAY - timedelta(days=n)
    card = SubscriptionCard(
        id=n, product=Product.AMIS_KT, contract_no=f"HD-{n}", starts_on=date(2024, 1, 1),
        expires_on=expires, lifecycle=lifecycle(expires, TODAY),
    )  # fmt: skip
    return MyAccount(customer=LONG, tax_code="0101243150", subscription=card)


def full(total: int = 250) -> Dashboard:
    tens = range(1, 11)
    return Dashboard(
        approvals=Listing(tuple(request_card(n) for n in tens), total),
        my_requests=Listing(
            tuple(MyRequest(n, f"YC{n}", LONG, "pending", 1_000, NOW) for n in tens), total
        ),
        my_orders=Listing(
            tuple(
                MyOrder(n, f"LT{n}", LONG, 1_000_000, OrderStatus.AWAITING_PAYMENT, TODAY, None)
                for n in tens
            ),
            total,
        ),
        my_accounts=Listing(tuple(account(n) for n in tens), total),
        finance=Listing(
            tuple(
                Transfer(n, TransferOutcome.UNMATCHED, 5_000, "x" * 500, NOW, None) for n in tens
            ),
            total,
        ),
    )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_everything_at_once_fits_in_100_valid_blocks(language: str) -> None:
    view = home_view(Translator(language), full(), "/misa", TZ)
    assert len(view["blocks"]) <= 100
    assert blockkit.validate_view(view) == []
    ids = [b["block_id"] for b in view["blocks"] if b["type"] == "header" and "block_id" in b]
    assert ids == [
        "home.approvals",
        "home.my_requests",
        "home.my_orders",
        "home.my_accounts",
        "home.finance",
    ]
    # The guide stays below.
    guide = Translator(language)("help.title")
    assert guide in str(view["blocks"][-20:])


def test_nothing_waiting_leaves_the_guide_alone() -> None:
    empty = Dashboard(None, Listing((), 0), Listing((), 0), Listing((), 0), None)
    view = home_view(Translator(), empty, "/misa", TZ)
    assert not [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("home.")]
    assert blockkit.validate_view(view) == []
