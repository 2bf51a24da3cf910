"""The App Home as a personal dashboard, per role: `python -m bot serve` over signed HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import BankTransaction, StorageOrder
from tests.conftest import bot_env
from tests.e2e.igov_steps import (
    APPROVALS,
    BOSS,
    BOSS2,
    LEAD,
    TODAY,
    pending_request,
    use_cases,
)
from tests.e2e.slack_helpers import text_of
from tests.e2e.storage_steps import BANK, FINANCE, WEBHOOK_KEY, transfer, webhook
from tests.factories import row, tax_code, write_csv
from tests.igov_data import PUBLIC, igov_rows
from tests.rig.bot_process import BotProcess
from tests.rig.smtp import SmtpSink

OWNER = "U0OWNER"
HEADERS = ("home.approvals", "home.my_requests", "home.my_orders", "home.my_accounts")


def accounts() -> list[dict[str, str]]:
    """An owner's customers: 13 expired in the last days (grace), one expiring soon, one far."""
    rows = [
        row(
            tax_code(700 + n),
            f"Công ty TNHH Khách Hàng {n}",
            f"HD-OW-{n:02d}",
            TODAY - timedelta(days=n + 1),
            owner=OWNER,
        )
        for n in range(13)
    ]
    rows.append(
        row(
            tax_code(720),
            "Công ty Sắp Hết Hạn",
            "HD-OW-SOON",
            TODAY + timedelta(days=9),
            owner=OWNER,
        )
    )
    rows.append(
        row(tax_code(721), "Công ty Còn Lâu", "HD-OW-FAR", TODAY + timedelta(days=200), owner=OWNER)
    )
    return rows


@pytest.fixture(scope="module")
def bot(
    module_database_url: str,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    database = Database(module_database_url)
    rows = igov_rows(TODAY) + accounts()
    assert import_file(database, write_csv(home / "customers.csv", rows)).rejected == 0
    database.dispose()
    fake_slack.set_usergroup("S_APPROVERS", [BOSS2, LEAD])
    env = bot_env(
        module_database_url,
        fake_slack,
        home,
        APPROVAL_CHANNEL=APPROVALS,
        APPROVER_USER_IDS=BOSS,
        APPROVER_USERGROUP="S_APPROVERS",
        FINANCE_USER_IDS=FINANCE,
        SMTP_URL=smtp.url,
        PAYMENT_WEBHOOK_SECRET=WEBHOOK_KEY,
        SUPPORT_CHANNEL="C_SUPPORT",
        **BANK,
    )
    process = BotProcess(env, home / "bot.log").start()
    yield process
    process.stop()


def open_home(slack: SignedSlack, fake: FakeSlack, user: str) -> dict[str, Any]:
    mark = fake.mark()
    assert slack.app_home_opened(user).status_code == 200
    call = fake.wait_for("views.publish", lambda c: c.params.get("user_id") == user, after=mark)
    assert call.ok, call.response
    view = fake.home_view(user)
    assert view is not None
    return view


def headers(view: dict[str, Any]) -> list[str]:
    return [
        b["block_id"]
        for b in view["blocks"]
        if b.get("block_id", "").startswith("home.") and b["type"] == "header"
    ]


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def after_header(view: dict[str, Any], header: str) -> str:
    """The text of a section: from its header to the next header."""
    blocks = view["blocks"]
    start = blocks.index(block(view, header))
    end = next(
        (i for i in range(start + 1, len(blocks)) if blocks[i]["type"] == "header"), len(blocks)
    )
    return text_of(blocks[start:end])


def test_someone_with_nothing_waiting_sees_only_the_guide(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    view = open_home(slack, fake_slack, "U_NOBODY")
    assert headers(view) == []
    assert "/misa help" in str(view["blocks"])


def test_approver_and_requester(
    slack: SignedSlack, fake_slack: FakeSlack, module_database_url: str
) -> None:
    services = use_cases(module_database_url)
    try:
        codes = [pending_request(services, PUBLIC, f"home-{n}").code for n in range(12)]
    finally:
        services.db.dispose()
    # The approver: the 10 oldest with their buttons, "and 2 more", a button showing them.
    boss = open_home(slack, fake_slack, BOSS)
    assert headers(boss) == ["home.approvals"]
    section = after_header(boss, "home.approvals")
    assert "Chờ bạn duyệt (12)" in section and "… và 2 mục nữa." in section
    assert [c for c in codes if c in section] == codes[:10]
    assert len(boss["blocks"]) <= 100
    mark = fake_slack.mark()
    slack.click(boss, "home.more", user_id=BOSS, block_id="home.more:approvals")
    fake_slack.wait_for("views.publish", lambda c: c.params.get("user_id") == BOSS, after=mark)
    page = after_header(fake_slack.home_view(BOSS), "home.approvals")
    assert [c for c in codes if c in page] == codes[10:]

    # Approving from the Home tab works as in the channel, and the tab is published again.
    boss = open_home(slack, fake_slack, BOSS)
    first = block(boss, "pending:" + _request_id(boss, codes[0]))
    assert codes[0] in text_of([first])
    mark = fake_slack.mark()
    slack.click(
        boss, "license.approve", user_id=BOSS, block_id=f"decide:{_request_id(boss, codes[0])}"
    )
    fake_slack.wait_for(
        "views.publish",
        lambda c: c.params.get("user_id") == BOSS and codes[0] not in str(c.params),
        after=mark,
    )
    assert codes[0] not in text_of(fake_slack.home_view(BOSS))
    fake_slack.wait_for("chat.update", lambda c: codes[0] in str(c.params), after=mark)

    # The requester (an approver too, but never of their own): their requests and states.
    lead = open_home(slack, fake_slack, LEAD)
    assert headers(lead) == ["home.my_requests"]
    mine = after_header(lead, "home.my_requests")
    assert "Yêu cầu cấp phép của tôi (12)" in mine
    assert f"*{codes[0]}*" in mine and "KTLicense – Đã duyệt" in mine and "Chờ duyệt" in mine


def _request_id(view: dict[str, Any], code: str) -> str:
    found = next(
        b
        for b in view["blocks"]
        if b.get("block_id", "").startswith("pending:") and code in text_of([b])
    )
    return found["block_id"].split(":")[1]


def test_account_owner_orders_from_the_home_tab_and_sees_the_order(
    slack: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    owner = open_home(slack, fake_slack, OWNER)
    assert headers(owner) == ["home.my_accounts"]
    section = after_header(owner, "home.my_accounts")
    assert "Khách hàng của tôi sắp hết hạn (14)" in section and "… và 4 mục nữa." in section
    assert "Công ty Còn Lâu" not in section
    # The nearest deletion first: the account that expired 13 days ago.
    accounts_shown = [
        b for b in owner["blocks"] if b.get("block_id", "").startswith("home.account:")
    ]
    assert len(accounts_shown) == 10 and "HD-OW-12" in text_of([accounts_shown[0]])
    assert accounts_shown[0]["accessory"]["action_id"] == "storage_order.start"
    assert "còn 18 ngày" in text_of([accounts_shown[0]])
    assert len(owner["blocks"]) <= 100

    # storage_order.start from the Home tab opens the form; the order goes to the owner's DM.
    mark = fake_slack.mark()
    slack.click(owner, "storage_order.start", user_id=OWNER, block_id=accounts_shown[0]["block_id"])
    opened = fake_slack.wait_for("views.open", after=mark)
    assert opened.ok, opened.response
    view = fake_slack.view(opened.response["view"]["id"])
    submitted = {"invoice_email": "ketoan@example.vn"}
    assert slack.check_ack(slack.view_submission(view, submitted, user_id=OWNER)) is None
    owner = open_home(slack, fake_slack, OWNER)
    assert headers(owner) == ["home.my_orders", "home.my_accounts"]
    orders = after_header(owner, "home.my_orders")
    assert "chờ thanh toán đến hết ngày" in orders and "1.000.000 đ" in orders
    assert "ketoan@example.vn" not in orders


def test_finance_resolves_transfers_that_paid_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, bot: BotProcess, db: Database
) -> None:
    for n in range(11):
        body = transfer("", 50_000 + n, f"HOME{n}", content=f"chuyen tien khong ro {n}")
        assert webhook(bot, body).status_code == 200
    staff = open_home(slack, fake_slack, "U_NOBODY")
    assert "home.finance" not in headers(staff)
    finance = open_home(slack, fake_slack, FINANCE)
    assert headers(finance) == ["home.finance"]
    section = after_header(finance, "home.finance")
    assert "Chuyển khoản chưa xử lý (11)" in section and "… và 1 mục nữa." in section
    # The latest first.
    first = next(b for b in finance["blocks"] if b.get("block_id", "").startswith("home.transfer:"))
    assert "chuyen tien khong ro 10" in text_of([first])
    assert first["accessory"]["action_id"] == "transfer.resolve"

    mark = fake_slack.mark()
    slack.click(finance, "transfer.resolve", user_id=FINANCE, block_id=first["block_id"])
    opened = fake_slack.wait_for("views.open", after=mark)
    assert opened.ok, opened.response
    modal = fake_slack.view(opened.response["view"]["id"])
    assert modal["callback_id"] == "transfer_resolve"
    empty = slack.check_ack(slack.view_submission(modal, {"note": "  "}, user_id=FINANCE))
    assert empty["response_action"] == "errors" and set(empty["errors"]) == {"note"}
    mark = fake_slack.mark()
    note = "Đã hoàn tiền cho khách ngày 01/12"
    assert slack.check_ack(slack.view_submission(modal, {"note": note}, user_id=FINANCE)) is None
    fake_slack.wait_for(
        "views.publish",
        lambda c: c.params.get("user_id") == FINANCE and "(10)" in str(c.params),
        after=mark,
    )
    transaction_id = int(first["block_id"].split(":")[1])
    with db.session() as session:
        resolved = session.get(BankTransaction, transaction_id)
        assert resolved is not None
        assert resolved.resolved_by == FINANCE and resolved.resolution_note == note
        assert resolved.resolved_at is not None
    assert "chuyen tien khong ro 10" not in text_of(fake_slack.home_view(FINANCE))


def test_english_speakers_get_english(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    fake_slack.set_user(BOSS2, locale="en-US")
    approver = open_home(slack, fake_slack, BOSS2)
    assert "Waiting for your approval (11)" in after_header(approver, "home.approvals")
    assert "… and 1 more." in after_header(approver, "home.approvals")


def test_an_order_link_is_previewed_without_personal_data(
    slack: SignedSlack, fake_slack: FakeSlack, bot: BotProcess, db: Database
) -> None:
    with db.session() as session:
        order = session.scalars(select(StorageOrder).where(StorageOrder.placed_by == OWNER)).one()
        link = f"{bot.base_url}/orders/{order.token}"
        order_no, email, phone = order.order_no, order.invoice_email, order.phone
        address = order.buyer_address
    unknown = f"{bot.base_url}/orders/{'x' * 43}"
    mark = fake_slack.mark()
    links = [link, unknown, "https://example.com/orders/abc"]
    assert slack.link_shared(links, channel="C_SUPPORT", message_ts="5.000001").status_code == 200
    call = fake_slack.wait_for("chat.unfurl", after=mark)
    assert call.ok, call.response
    unfurls = call.params["unfurls"]
    assert list(unfurls) == [link]
    shown = text_of(unfurls[link]["blocks"])
    deadline = order.payment_deadline.strftime("%d/%m/%Y")
    assert order_no in shown and "1.000.000 đ" in shown
    assert f"chờ thanh toán đến hết ngày {deadline}" in shown
    for personal in (email, phone, address):
        assert personal not in str(unfurls)
    # A message with no order link is left alone.
    mark = fake_slack.mark()
    slack.link_shared([unknown], channel="C_SUPPORT", message_ts="5.000002")
    slack.check_ack(slack.command("help"))
    assert fake_slack.calls_to("chat.unfurl")[-1] == call
