"""Outbound events end to end: `serve` and the sweep deliver signed events over real HTTP to
receivers on loopback that verify them with the Standard Webhooks library. The receiver fails
each event's first delivery with a 500 and its second with a timeout, and the bot is killed
(`kill -9`) while one delivery is in flight: each event is still processed exactly once, by id.
A receiver that refuses (4xx) is given up and listed by `outbox list`; a receiver holding
another secret verifies nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select
from standardwebhooks import Webhook, WebhookVerificationError

from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import OutboxMessage, StorageOrder
from tests.conftest import bot_env
from tests.e2e import igov_steps as igov
from tests.e2e.storage_steps import (
    BANK,
    open_form,
    order_message,
    order_number,
    transfer,
    webhook,
)
from tests.factories import row, tax_code, write_csv
from tests.igov_data import PUBLIC, import_igov_customers
from tests.rig.bot_process import SIGNING_SECRET, BotProcess
from tests.rig.webhook_receiver import OTHER_SECRET, SECRET, WebhookReceiver
from tests.waiting import wait_until

SCHEMAS = Path(__file__).parents[2] / "docs" / "events"
KEY = "events-bank-key"
STORAGE_TAX, SWEPT_TAX = tax_code(610), tax_code(611)
PUBLIC_URL = "https://bot.example.vn"
EXPECTED = {
    "storage_order.placed",
    "storage_order.paid",
    "licence_request.submitted",
    "licence_request.approved",
    "subscription.data_deleted",
}


@dataclass
class Deployment:
    env: dict[str, str]
    home: Path
    fake: FakeSlack
    database: Database
    flaky: WebhookReceiver  # every event; 500, then a timeout, then 200
    refusing: WebhookReceiver  # storage_order.paid only; always 400
    stranger: WebhookReceiver  # licence_request.approved only; checks with another secret
    mark: int = 0  # the fake Slack's calls before this deployment (it serves every module)
    process: BotProcess | None = None

    def start(self) -> SignedSlack:
        self.process = BotProcess(self.env, self.home / "bot.log").start()
        return SignedSlack(self.process.events_url, SIGNING_SECRET, self.fake)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env, "PUBLIC_BASE_URL": PUBLIC_URL}
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def deployment(
    module_database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("events")
    database = Database(module_database_url)
    today = igov.TODAY
    rows = [
        row(STORAGE_TAX, "Công ty TNHH Sự Kiện", "HD-EV-01", today - timedelta(days=9)),
        row(SWEPT_TAX, "Công ty TNHH Đã Xóa", "HD-EV-02", today - timedelta(days=35)),
    ]
    assert import_file(database, write_csv(home / "storage.csv", rows)).rejected == 0
    import_igov_customers(module_database_url, home, today)
    fake_slack.set_usergroup("S_APPROVERS", [igov.BOSS2, igov.LEAD])
    with (
        WebhookReceiver(script=(500, "sleep")) as flaky,
        WebhookReceiver(always=400) as refusing,
        WebhookReceiver(secret=OTHER_SECRET) as stranger,
    ):
        endpoints = [
            {"url": flaky.url, "secret": SECRET},
            {"url": refusing.url, "secret": SECRET, "events": ["storage_order.paid"]},
            {"url": stranger.url, "secret": SECRET, "events": ["licence_request.approved"]},
        ]
        env = bot_env(
            module_database_url,
            fake_slack,
            home,
            PAYMENT_WEBHOOK_SECRET=KEY,
            SUPPORT_CHANNEL="C_SUPPORT",
            APPROVAL_CHANNEL=igov.APPROVALS,
            APPROVER_USER_IDS=igov.BOSS,
            APPROVER_USERGROUP="S_APPROVERS",
            WEBHOOK_ENDPOINTS=json.dumps(endpoints),
            WEBHOOK_TIMEOUT_SECONDS="1",
            OUTBOX_LEASE_SECONDS="3",
            **BANK,
        )
        deployment = Deployment(env, home, fake_slack, database, flaky, refusing, stranger)
        deployment.mark = fake_slack.mark()
        yield deployment
        if deployment.process is not None:
            deployment.process.stop()
    database.dispose()


def pay(deployment: Deployment, slack: SignedSlack) -> str:
    """Place a storage order in Slack, then the bank pays it in full."""
    view = open_form(slack, deployment.fake, STORAGE_TAX, "HD-EV-01")
    mark = deployment.fake.mark()
    values = {"invoice_email": "ketoan@sukien.vn", "quantity": "1"}
    assert slack.check_ack(slack.view_submission(view, values, user_id="U_STAFF")) is None
    order_no = order_number(order_message(deployment.fake, mark))
    with deployment.database.session() as session:
        total = session.scalar(select(StorageOrder.total).where(StorageOrder.order_no == order_no))
    assert deployment.process is not None
    response = webhook(deployment.process, transfer(order_no, int(total or 0), "EV-1"), KEY)
    assert response.json()["outcome"] == "paid"
    return order_no


def approve(deployment: Deployment, slack: SignedSlack) -> str:
    """An iGOV order, its licence request, and an approver's approval."""
    fake = deployment.fake
    order = igov.place_order(slack, fake, PUBLIC, kt=2, vps=1)
    code, message = igov.send_request(slack, fake, igov.open_request(slack, fake, order))
    click = slack.click(igov.approval(fake, message), "license.approve", user_id=igov.BOSS)
    assert click.status_code == 200
    return code


def waiting_events(database: Database) -> int:
    with database.session() as session:
        return (
            session.scalar(
                select(func.count()).where(
                    OutboxMessage.kind == "webhook.event", OutboxMessage.status == "pending"
                )
            )
            or 0
        )


@pytest.fixture(scope="module")
def delivered(deployment: Deployment) -> dict[str, Any]:
    """Every event made once, through faults and a `kill -9`, until nothing waits."""
    flaky = deployment.flaky
    sweep = deployment.cli("jobs", "run", "deletion-sweep", "--wait", "0", "--lang", "en")
    assert "Deleted the data of 1 subscriptions" in sweep.stdout, sweep.stdout + sweep.stderr
    slack = deployment.start()
    order_no = pay(deployment, slack)
    code = approve(deployment, slack)

    def approval_in_flight() -> bool:
        return any(
            d.answered == "sleep" and json.loads(d.body)["type"] == "licence_request.approved"
            for d in list(flaky.deliveries)
        )

    # The approval's second delivery reached the receiver, which is still answering: the bot
    # dies before it knows. The restarted bot delivers it again, with the same id.
    wait_until(approval_in_flight, 60, "the approval event's second delivery")
    assert deployment.process is not None
    deployment.process.kill()
    deployment.start()
    wait_until(lambda: {e["type"] for e in flaky.processed_events()} >= EXPECTED, 90, "every event")
    wait_until(lambda: waiting_events(deployment.database) == 0, 90, "the outbox drained")
    return {"order_no": order_no, "code": code}


def test_each_event_is_processed_exactly_once(
    deployment: Deployment, delivered: dict[str, Any]
) -> None:
    flaky = deployment.flaky
    events = list(flaky.processed.values())
    assert sorted(e["type"] for e in events) == sorted(EXPECTED)  # none missing, none twice
    verified = {d.id for d in flaky.deliveries if d.verified}
    assert verified == set(flaky.processed) and len(verified) == len(EXPECTED)
    assert all(d.verified for d in flaky.deliveries)
    for msg_id in verified:
        answers = [d.answered for d in flaky.deliveries if d.id == msg_id]
        # 500, the timeout, then 200: three deliveries (or more) of one id, one processing.
        assert answers[:3] == [500, "sleep", 200], (msg_id, answers)
        assert msg_id.startswith("msg_")
    assert flaky.duplicates >= len(EXPECTED)  # the timed-out deliveries came again
    by_type = {e["type"]: e["data"] for e in events}
    assert by_type["storage_order.paid"]["order_no"] == delivered["order_no"]
    assert by_type["storage_order.paid"]["tax_code"] == STORAGE_TAX
    assert by_type["storage_order.paid"]["storage_until"] > igov.TODAY.isoformat()
    approved = by_type["licence_request.approved"]
    assert approved["request_code"] == delivered["code"] and approved["tax_code"] == PUBLIC
    assert approved["modules"]
    assert all(m["quantity_total"] >= m["quantity_bought"] > 0 for m in approved["modules"])
    deleted = by_type["subscription.data_deleted"]
    assert deleted["contract_no"] == "HD-EV-02" and deleted["tax_code"] == SWEPT_TAX


def test_bodies_match_the_documented_schemas(
    deployment: Deployment, delivered: dict[str, Any]
) -> None:
    bodies = deployment.flaky.bodies()
    assert {b["type"] for b in bodies} == EXPECTED
    for body in bodies:
        schema = json.loads((SCHEMAS / f"{body['type']}.schema.json").read_text())
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = [e.message for e in validator.iter_errors(body)]
        assert not errors, (body, errors)
        text = json.dumps(body, ensure_ascii=False)
        assert "@" not in text and "Nguyễn" not in text  # no contact emails or names


def test_a_refusing_receiver_is_given_up_and_listed(
    deployment: Deployment, delivered: dict[str, Any]
) -> None:
    refusing = deployment.refusing
    assert [d.answered for d in refusing.deliveries] == [400]  # tried once, never again
    assert all(d.verified for d in refusing.deliveries)
    listed = deployment.cli("outbox", "list", "--failed", "--kind", "webhook.event", "--lang", "en")
    assert listed.returncode == 0, listed.stderr
    assert refusing.url in listed.stdout and "HTTP 400" in listed.stdout, listed.stdout

    # Support is told, once per delivery that gave up (this one and the stranger's).
    def reports() -> int:
        return sum(
            1
            for c in list(deployment.fake.calls[deployment.mark :])
            if c.method == "chat.postMessage"
            and c.ok
            and c.params.get("channel") == "C_SUPPORT"
            and "webhook.event" in str(c.params.get("text"))
        )

    wait_until(lambda: reports() >= 2, 30, "support told of both")
    assert reports() == 2


def test_another_secret_verifies_nothing(deployment: Deployment, delivered: dict[str, Any]) -> None:
    stranger = deployment.stranger
    assert stranger.deliveries and not stranger.processed
    assert not any(d.verified for d in stranger.deliveries)
    # The same delivery that the right secret verifies fails with another one.
    good = next(d for d in deployment.flaky.deliveries if d.verified)
    assert Webhook(SECRET).verify(good.body, good.headers)["type"] in EXPECTED
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER_SECRET).verify(good.body, good.headers)
    tampered = good.body.replace(b'"data":{', b'"data":{"x":1,')
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(tampered, good.headers)
