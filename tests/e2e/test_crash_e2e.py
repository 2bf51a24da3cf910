"""`kill -9` in the middle of an order and of an approval: after a restart nothing is lost,
nothing is doubled (one order, one message, one QR, one email; one decision, one update,
one notice)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import AuditEvent, LicenceRequest, OutboxMessage, StorageOrder
from tests.conftest import bot_env
from tests.e2e import igov_steps as igov
from tests.e2e.storage_steps import BANK, MISA, open_form, order_message, order_number
from tests.factories import row, write_csv
from tests.igov_data import PUBLIC, import_igov_customers
from tests.rig.bot_process import SIGNING_SECRET, BotProcess
from tests.rig.smtp import SmtpSink
from tests.waiting import wait_until

CHANNEL = "C_SUPPORT"


class Bot:
    """One deployment that can be killed and started again on the same database."""

    def __init__(self, env: dict[str, str], home: Path, fake: FakeSlack) -> None:
        self.env, self.home, self.fake = env, home, fake
        self.process: BotProcess | None = None
        self.slack: SignedSlack | None = None

    def start(self) -> SignedSlack:
        self.process = BotProcess(self.env, self.home / "bot.log").start()
        self.slack = SignedSlack(self.process.events_url, SIGNING_SECRET, self.fake)
        return self.slack

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@pytest.fixture(scope="module")
def deployment(
    module_database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Bot, SmtpSink, Database]]:
    home = tmp_path_factory.mktemp("crash")
    database = Database(module_database_url)
    rows = [row(MISA, "Công ty Cổ phần MISA", "HD-CR-01", igov.TODAY - timedelta(days=9))]
    assert import_file(database, write_csv(home / "storage.csv", rows)).rejected == 0
    import_igov_customers(module_database_url, home, igov.TODAY)
    fake_slack.set_usergroup("S_APPROVERS", [igov.BOSS2, igov.LEAD])
    with SmtpSink() as smtp:
        env = bot_env(
            module_database_url,
            fake_slack,
            home,
            SMTP_URL=smtp.url,
            PAYMENT_WEBHOOK_SECRET="crash-key",
            APPROVAL_CHANNEL=igov.APPROVALS,
            APPROVER_USER_IDS=igov.BOSS,
            APPROVER_USERGROUP="S_APPROVERS",
            OUTBOX_LEASE_SECONDS="3",
            **BANK,
        )
        bot = Bot(env, home, fake_slack)
        yield bot, smtp, database
        bot.stop()
    database.dispose()


def count(database: Database, statement: object) -> int:
    with database.session() as session:
        return session.execute(statement).scalar_one()  # type: ignore[call-overload]


def in_flight(fake_slack: FakeSlack, method: str) -> None:
    """The bot's call of `method` reached Slack, which is still working on it (a delay fault)."""
    wait_until(lambda: method not in fake_slack.pending_faults(), 30, f"the bot calls {method}")


def delivered(database: Database) -> None:
    """The outbox holds nothing more to deliver: a duplicate would have been sent by now."""
    waiting = select(func.count()).where(OutboxMessage.status == "pending")
    wait_until(lambda: count(database, waiting) == 0, 60, "the outbox drained")


def test_killed_while_posting_the_order(
    deployment: tuple[Bot, SmtpSink, Database], fake_slack: FakeSlack
) -> None:
    bot, smtp, database = deployment
    slack = bot.start()
    view = open_form(slack, fake_slack, MISA, "HD-CR-01")
    # Slack takes its time with the order message; the bot dies while waiting for the answer.
    # Slack still posts it: the crash falls between Slack's work and the bot's record of it.
    fake_slack.fail_next("chat.postMessage", delay=3)
    mark = fake_slack.mark()
    submitted = {"invoice_email": "ketoan@misa.com.vn", "quantity": "2"}
    assert slack.check_ack(slack.view_submission(view, submitted, user_id="U_STAFF")) is None
    in_flight(fake_slack, "chat.postMessage")
    bot.kill()
    message = order_message(fake_slack, mark)  # Slack did post it, after the bot died
    order_no = order_number(message)

    bot.start()
    email = smtp.wait_for(lambda m: order_no in m["Subject"], timeout=60)
    fake_slack.wait_for("files.completeUploadExternal", after=mark, timeout=30)
    delivered(database)
    posts = [
        c
        for c in fake_slack.calls[mark:]
        if c.method == "chat.postMessage" and c.ok and order_no in str(c.params.get("blocks"))
    ]
    assert len(posts) == 1
    # The restarted bot looked for the message before posting again, and found it.
    assert [c for c in fake_slack.calls[mark:] if c.method == "conversations.history"]
    qr_files = [f for f in fake_slack.uploaded_files() if order_no in f.title]
    assert len(qr_files) == 1 and qr_files[0].thread_ts == message["ts"]
    assert len([m for m in smtp.messages if order_no in m["Subject"]]) == 1
    assert email["To"].addresses[0].addr_spec == "ketoan@misa.com.vn"
    assert count(database, select(func.count()).select_from(StorageOrder)) == 1
    bot.stop()


def test_killed_while_publishing_a_decision(
    deployment: tuple[Bot, SmtpSink, Database], fake_slack: FakeSlack
) -> None:
    bot, _, database = deployment
    slack = bot.start()
    order = igov.place_order(slack, fake_slack, PUBLIC, kt=2, vps=1)
    code, message = igov.send_request(
        slack, fake_slack, igov.open_request(slack, fake_slack, order)
    )

    # The decision is stored; the bot dies while Slack is slow to update the message.
    fake_slack.fail_next("chat.update", delay=3)
    mark = fake_slack.mark()
    assert (
        slack.click(
            igov.approval(fake_slack, message), "license.approve", user_id=igov.BOSS
        ).status_code
        == 200
    )
    in_flight(fake_slack, "chat.update")
    bot.kill()

    slack = bot.start()
    updated = igov.wait_update(fake_slack, igov.APPROVALS, message["ts"], "Đã duyệt", mark)
    assert "license.approve" not in igov.action_ids(updated)
    # A late click on the restarted bot changes nothing.
    responses = len(fake_slack.responses)
    slack.block_action(
        "license.approve",
        next(
            e["value"]
            for b in message["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "license.approve"
        ),
        user_id=igov.BOSS2,
        channel_id=igov.APPROVALS,
    )
    igov.refusal(fake_slack, responses, igov.BOSS2)
    delivered(database)
    notices = [
        c
        for c in fake_slack.calls[mark:]
        if c.method == "chat.postMessage" and c.ok and code in str(c.params)
    ]
    assert len(notices) == 1  # the requester is told once
    with database.session() as session:
        request = session.scalar(select(LicenceRequest).where(LicenceRequest.code == code))
        assert (
            request is not None and request.status == "approved" and request.decided_by == igov.BOSS
        )
        decisions = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.entity_type == "licence_request",
                AuditEvent.entity_id == request.id,
                AuditEvent.to_status == "approved",
            )
        )
    assert decisions == 1
    bot.stop()
