"""The authorization matrix through `serve`: roles from Slack user groups; forged buttons and
submissions by someone without the role change nothing; finance exports by DM."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.importer import import_file
from handlers.metadata import SubscriptionRef
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import StorageOrder, Subscription
from tests.conftest import bot_env
from tests.e2e.slack_helpers import buttons, text_of
from tests.e2e.storage_steps import BANK, MISA, open_form, order_message, order_number
from tests.factories import row, write_csv
from tests.rig.bot_process import SIGNING_SECRET, BotProcess

STAFF, FINANCE, OUTSIDER = "U_STAFF", "U0FIN", "U0OUTSIDER"


@pytest.fixture(scope="module")
def setup(
    module_database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BotProcess, Database]]:
    from tests.e2e.igov_steps import TODAY

    home = tmp_path_factory.mktemp("authz")
    database = Database(module_database_url)
    rows = [row(MISA, "Công ty Cổ phần MISA", "HD-AZ-01", TODAY - timedelta(days=5))]
    assert import_file(database, write_csv(home / "c.csv", rows)).rejected == 0
    fake_slack.set_usergroup("S0STAFF", [STAFF])
    fake_slack.set_usergroup("S0FINANCE", [FINANCE])
    env = bot_env(
        module_database_url,
        fake_slack,
        home,
        STAFF_USERGROUP="S0STAFF",
        FINANCE_USERGROUP="S0FINANCE",
        PAYMENT_WEBHOOK_SECRET="k",
        SMTP_URL="smtp://127.0.0.1:9",
        **BANK,
    )
    process = BotProcess(env, home / "bot.log").start()
    yield process, database
    process.stop()
    database.dispose()


@pytest.fixture
def slack(setup: tuple[BotProcess, Database], fake_slack: FakeSlack) -> Iterator[SignedSlack]:
    client = SignedSlack(setup[0].events_url, SIGNING_SECRET, fake_slack)
    yield client
    client.close()


def orders(database: Database) -> int:
    with database.session() as session:
        return session.execute(select(func.count()).select_from(StorageOrder)).scalar_one()


def test_an_outsider_can_neither_look_up_nor_order(
    slack: SignedSlack, fake_slack: FakeSlack, setup: tuple[BotProcess, Database]
) -> None:
    _, database = setup
    refused = slack.check_ack(slack.command(MISA, user_id=OUTSIDER))
    assert "chưa được cấp quyền tra cứu" in text_of(refused)
    assert "Công ty Cổ phần MISA" not in text_of(refused)

    with database.session() as session:
        sub_id = session.scalar(
            select(Subscription.id).where(Subscription.contract_no == "HD-AZ-01")
        )
    mark, responses = fake_slack.mark(), len(fake_slack.responses)
    value = SubscriptionRef(subscription_id=sub_id).encode()  # a button they never saw
    slack.block_action("storage_order.start", value, user_id=OUTSIDER, channel_id="C_SUPPORT")
    note = fake_slack.wait_for_response(after=responses)
    assert "chưa được cấp quyền đặt hàng" in text_of(note.body)
    assert not [c for c in fake_slack.calls[mark:] if c.method == "views.open"]

    # The form a staff member opened, submitted by the outsider: refused, nothing stored.
    view = open_form(slack, fake_slack, MISA, "HD-AZ-01")
    forged = slack.view_submission(view, {"invoice_email": "a@b.vn"}, user_id=OUTSIDER, forged=True)
    ack = slack.check_ack(forged)
    assert ack["response_action"] == "update"
    assert "Biểu mẫu này được mở cho người khác" in text_of(ack["view"])
    assert orders(database) == 0


def test_finance_looks_up_and_exports_but_does_not_order(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    lookup = slack.check_ack(slack.command(MISA, user_id=FINANCE))
    assert "Công ty Cổ phần MISA" in text_of(lookup)
    view = open_form(slack, fake_slack, MISA, "HD-AZ-01")  # by staff
    mark = fake_slack.mark()
    assert (
        slack.check_ack(
            slack.view_submission(view, {"invoice_email": "ketoan@misa.vn"}, user_id=STAFF)
        )
        is None
    )
    order_no = order_number(order_message(fake_slack, mark))

    refused = slack.check_ack(slack.command("export", user_id=STAFF))
    assert "Chỉ bộ phận tài chính mới được xuất" in text_of(refused)
    before = len(fake_slack.uploaded_files())
    queued = slack.check_ack(slack.command("export", user_id=FINANCE))
    assert "Đang chuẩn bị dữ liệu tháng" in text_of(queued)
    files = wait_files(fake_slack, f"D{FINANCE}", 2, before)
    orders_csv = next(f for f in files if f.name.startswith("don-hang"))
    table = list(csv.DictReader(io.StringIO(orders_csv.content.decode("utf-8-sig"))))
    assert [(r["order_no"], r["status"], r["total"]) for r in table] == [
        (order_no, "awaiting_payment", "1000000")
    ]
    bad_month = slack.check_ack(slack.command("export 13/2026", user_id=FINANCE))
    assert "Tháng `13/2026` không hợp lệ" in text_of(bad_month)
    assert buttons(lookup) == [] or all(
        b["action_id"] != "order.mark_paid" for b in buttons(lookup)
    )


def wait_files(fake: FakeSlack, channel: str, count: int, before: int) -> list[Any]:
    """Files uploaded to `channel` after the first `before` uploads."""
    import time

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [f for f in fake.uploaded_files()[before:] if f.channel == channel]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{count} files expected in {channel}: {fake.uploaded_files()}")
