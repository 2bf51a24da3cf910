"""Running it in production, against `python -m bot serve`: `/metrics` moves with the work,
`/readyz` says when the bot is not ready, and a delivery that gave up is listed and retried by
`python -m bot outbox` while the bot runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.clock import Clock
from bot.config import load_settings
from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import bot_env
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
from tests.factories import row, write_csv
from tests.rig.bot_process import BotProcess
from tests.rig.smtp import SmtpSink

TODAY = Clock(load_settings(_env_file=None).tz).today()
SUPPORT = "C_SUPPORT"

Figures = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def bot(
    module_database_url: str,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    rows = [row(MISA, "Công ty Cổ phần MISA", "HD-KT-01", TODAY - timedelta(days=12))]
    database = Database(module_database_url)
    assert import_file(database, write_csv(home / "customers.csv", rows)).rejected == 0
    database.dispose()
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


def scrape(bot: BotProcess) -> Figures:
    response = httpx.get(f"{bot.base_url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def figure(figures: Figures, name: str, **labels: str) -> float:
    return figures.get((name, frozenset(labels.items())), 0.0)


def wait_until(check: Callable[[], bool], timeout: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def pending(db: Database) -> int:
    with db.session() as session:
        waiting = select(func.count()).where(OutboxMessage.status == "pending")
        return session.scalar(waiting) or 0


def test_metrics_move_with_a_lookup_an_order_and_a_failed_delivery(
    bot: BotProcess, slack: SignedSlack, fake_slack: FakeSlack, db: Database
) -> None:
    fake = fake_slack
    before = scrape(bot)
    assert figure(before, "misa_bot_database_up") == 1

    # A lookup: one command, acknowledged, timed.
    slack.check_ack(slack.command(MISA))
    after = scrape(bot)
    command = {"kind": "command", "outcome": "ok"}
    assert figure(after, "misa_bot_slack_requests_total", **command) == (
        figure(before, "misa_bot_slack_requests_total", **command) + 1
    )
    assert figure(after, "misa_bot_slack_ack_seconds_count", kind="command") == (
        figure(before, "misa_bot_slack_ack_seconds_count", kind="command") + 1
    )

    # An order: placed, its message delivered through the outbox and the Web API.
    view = open_form(slack, fake, MISA, "HD-KT-01")
    mark = fake.mark()
    values = {"invoice_email": "ketoan@misa.com.vn", "quantity": "1"}
    assert slack.check_ack(slack.view_submission(view, values, user_id="U_STAFF")) is None
    order_no = order_number(order_message(fake, mark))
    wait_until(lambda: pending(db) == 0, what="the order's deliveries")
    after = scrape(bot)
    assert figure(after, "misa_bot_storage_orders_placed_total") == 1
    assert figure(after, "misa_bot_storage_orders", status="awaiting_payment") == 1
    delivered = {"kind": "storage_order.placed", "outcome": "delivered"}
    assert figure(after, "misa_bot_outbox_deliveries_total", **delivered) == 1
    assert figure(after, "misa_bot_outbox_messages", kind="storage_order.placed", status="sent")
    assert figure(after, "misa_bot_slack_requests_total", kind="view", outcome="ok") >= 1
    assert figure(after, "misa_bot_slack_requests_total", kind="action", outcome="ok") >= 1
    posted = figure(after, "misa_bot_slack_api_calls_total", method="chat.postMessage", result="ok")
    assert posted >= 1
    assert figure(after, "misa_bot_outbox_oldest_pending_age_seconds") == 0

    # A transfer nobody can match: finance must be told, and Slack refuses the post for good.
    fake.fail_next("chat.postMessage", error="channel_not_found")
    outcome = webhook(bot, transfer("", 5_000, "ops-1", "chuyen tien khong ro 7001")).json()
    assert outcome["outcome"] == "unmatched"
    notice = {"kind": "payment.finance_notice", "outcome": "failed"}
    wait_until(
        lambda: figure(scrape(bot), "misa_bot_outbox_deliveries_total", **notice) == 1,
        what="the notice to fail",
    )
    wait_until(lambda: pending(db) == 0, what="the report to support")
    after = scrape(bot)
    assert figure(after, "misa_bot_bank_notifications_total", outcome="unmatched") == 1
    assert figure(after, "misa_bot_outbox_messages", kind="payment.finance_notice", status="dead")
    refused = {"method": "chat.postMessage", "result": "channel_not_found"}
    assert figure(after, "misa_bot_slack_api_calls_total", **refused) == 1
    assert order_no


def test_metrics_can_be_turned_off(
    module_database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if not module_database_url.startswith("sqlite"):
        pytest.skip("the database does not change this case: run on SQLite")
    home = tmp_path_factory.mktemp("off")
    env = bot_env(module_database_url, fake_slack, home, METRICS_ENABLED="false")
    process = BotProcess(env, home / "bot.log").start()
    try:
        assert httpx.get(f"{process.base_url}/metrics").status_code == 404
    finally:
        process.stop()


def test_readyz_says_ready_and_healthz_stays_cheap(bot: BotProcess) -> None:
    ready = httpx.get(f"{bot.base_url}/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["database"] and body["migrations"] and body["outbox"]
    assert httpx.get(f"{bot.base_url}/healthz").json() == {"status": "ok", "database": True}


def cli(bot: BotProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot <args>` with the running bot's settings, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **bot.env, "PUBLIC_BASE_URL": bot.base_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_delivery_that_gave_up_is_reported_listed_retried_and_arrives_once(
    bot: BotProcess, fake_slack: FakeSlack, db: Database
) -> None:
    fake = fake_slack
    finance_dm = f"D{FINANCE}"
    wait_until(lambda: pending(db) == 0, what="earlier deliveries and their reports")
    mark = fake.mark()
    fake.fail_next("chat.postMessage", error="not_in_channel")
    content = "chuyen tien khong ro 7002"
    assert webhook(bot, transfer("", 6_000, "ops-2", content)).json()["outcome"] == "unmatched"

    # Support hears of it once, with what to run.
    report = fake.wait_for(
        "chat.postMessage",
        lambda c: c.ok and c.params.get("channel") == SUPPORT and "finance_notice" in str(c.params),
        after=mark,
    )
    assert "python -m bot outbox retry" in str(report.params)

    listed = cli(
        bot, "outbox", "list", "--failed", "--kind", "payment.finance_notice", "--lang", "en"
    )
    assert listed.returncode == 0, listed.stderr
    (line,) = [x for x in listed.stdout.splitlines() if "not_in_channel" in x]
    message_id = line.split()[0]
    assert "gave up" in line and "payment.finance_notice" in line
    assert f"#{message_id}" in str(report.params)

    retried = cli(bot, "outbox", "retry", message_id, "--lang", "en")
    assert retried.returncode == 0, retried.stderr
    assert f"#{message_id}" in retried.stdout
    fake.wait_for(
        "chat.postMessage",
        lambda c: c.ok and c.params.get("channel") == finance_dm and "7002" in str(c.params),
        after=mark,
    )
    wait_until(lambda: pending(db) == 0, what="the retried delivery")
    time.sleep(1)  # anything repeated would show by now
    delivered = [
        c
        for c in fake.calls[mark:]
        if c.method == "chat.postMessage"
        and c.ok
        and c.params.get("channel") == finance_dm
        and "7002" in str(c.params)
    ]
    assert len(delivered) == 1
    reports = [
        c
        for c in fake.calls[mark:]
        if c.method == "chat.postMessage" and c.ok and c.params.get("channel") == SUPPORT
    ]
    assert len(reports) == 1
    assert "not_in_channel" not in cli(bot, "outbox", "list", "--lang", "en").stdout

    # Delivered: neither retried nor dropped again; a drop needs a reason.
    again = cli(bot, "outbox", "retry", message_id, "--lang", "en")
    assert again.returncode == 1 and "not retried" in again.stderr
    dropped = cli(bot, "outbox", "drop", message_id, "--why", "duplicate", "--lang", "en")
    assert dropped.returncode == 1 and "not dropped" in dropped.stderr
    assert cli(bot, "outbox", "drop", message_id).returncode == 2
