"""`python -m bot serve --socket` against the emulator's Socket Mode: the lookup, a storage
order and an approval travel as envelopes over the WebSocket, and a reconnect in the middle
loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from bot.clock import Clock
from bot.config import load_settings
from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SocketSlack
from storage.db import Database
from tests.conftest import bot_env
from tests.e2e.igov_steps import (
    APPROVALS,
    BOSS,
    action_ids,
    approval,
    pending_request,
    texts,
    use_cases,
    wait_message,
)
from tests.e2e.slack_helpers import text_of
from tests.e2e.storage_steps import BANK, open_form, order_message, order_number
from tests.factories import row, tax_code, write_csv
from tests.igov_data import PUBLIC, igov_rows
from tests.rig.bot_process import BotProcess
from tests.rig.smtp import SmtpSink

TODAY = Clock(load_settings(_env_file=None).tz).today()
SOCKET = tax_code(77)


@pytest.fixture(scope="module")
def bot(
    module_database_url: str,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    rows = [
        row(SOCKET, "Công ty TNHH Ổ Cắm", "HD-SOCK-01", TODAY - timedelta(days=12)),
        *igov_rows(TODAY),
    ]
    database = Database(module_database_url)
    assert import_file(database, write_csv(home / "customers.csv", rows)).rejected == 0
    database.dispose()
    env = bot_env(
        module_database_url,
        fake_slack,
        home,
        SLACK_APP_TOKEN=fake_slack.app_token,
        SMTP_URL=smtp.url,
        APPROVAL_CHANNEL=APPROVALS,
        APPROVER_USER_IDS=BOSS,
        **BANK,
    )
    process = BotProcess(env, home / "bot.log").start("--socket")
    fake_slack.socket.wait_connected()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def slack(bot: BotProcess, fake_slack: FakeSlack) -> Iterator[SocketSlack]:
    client = SocketSlack(fake_slack)
    yield client
    client.close()


def test_the_lookup_over_socket_mode(bot: BotProcess, slack: SocketSlack) -> None:
    ack = slack.check_ack(slack.command(SOCKET))
    assert "*Công ty TNHH Ổ Cắm*" in text_of(ack)
    # No HTTP endpoint for Slack in Socket Mode; the web routes are still served.
    assert httpx.post(bot.events_url, content=b"{}").status_code == 404
    assert httpx.get(f"{bot.base_url}/healthz").status_code == 200


def test_a_storage_order_with_a_reconnect_in_the_middle(
    bot: BotProcess, slack: SocketSlack, fake_slack: FakeSlack
) -> None:
    fake = fake_slack
    view = open_form(slack, fake, SOCKET, "HD-SOCK-01")
    opened = fake.socket.opened
    fake.socket.disconnect()  # Slack refreshes the connection while the form is open
    fake.socket.wait_connected(timeout=20, opened=opened + 1)
    mark = fake.mark()
    values = {"invoice_email": "ketoan@misa.com.vn", "quantity": "1"}
    assert slack.check_ack(slack.view_submission(view, values, user_id="U_STAFF")) is None
    order_no = order_number(order_message(fake, mark))
    posts = [
        c
        for c in fake.calls[mark:]
        if c.method == "chat.postMessage" and c.ok and order_no in str(c.params)
    ]
    assert len(posts) == 1


def test_an_approval_over_socket_mode(
    bot: BotProcess, slack: SocketSlack, fake_slack: FakeSlack, module_database_url: str
) -> None:
    fake = fake_slack
    mark = fake.mark()
    services = use_cases(module_database_url)
    try:
        request = pending_request(services, PUBLIC, "socket-approval")
    finally:
        services.db.dispose()
    message = wait_message(fake, APPROVALS, lambda p: request.code in p["text"], mark)
    assert action_ids(message) == ["license.approve", "license.reject", "license.request_changes"]
    mark = fake.mark()
    slack.click(message, "license.approve", user_id=BOSS)
    fake.wait_for("chat.update", lambda c: c.ok and c.params["ts"] == message["ts"], after=mark)
    updated = approval(fake, message)
    assert action_ids(updated) == []
    assert f"<@{BOSS}> đã duyệt lúc" in texts(updated["blocks"])
