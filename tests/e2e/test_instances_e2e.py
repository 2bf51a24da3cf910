"""Several instances on one PostgreSQL, as deployed behind a load balancer: two
`python -m bot serve --no-scheduler` and one `python -m bot scheduler`.

Requests alternate between the two instances at every step of a storage order (lookup, start,
form, submit, message and QR, payment webhook, paid) and of an iGOV approval (order, licence
request with its two documents, approval); both outbox workers deliver, each message once;
the scheduled reminders come from the scheduler alone, once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest

from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from tests.conftest import bot_env
from tests.e2e.igov_steps import (
    APPROVALS,
    BOSS,
    BOSS2,
    LEAD,
    SALES_USER,
    TODAY,
    action_ids,
    in_thread,
    open_request,
    place_order,
    refusal,
    send_request,
    texts,
    wait_message,
    wait_update,
)
from tests.e2e.slack_helpers import buttons, text_of
from tests.e2e.test_scheduler_e2e import TZ, SchedulerProcess
from tests.e2e.test_storage_order_e2e import (
    BANK,
    QUANTITY,
    WEBHOOK_KEY,
    order_message,
    order_number,
    transfer,
    webhook,
)
from tests.factories import row, tax_code, write_csv
from tests.igov_data import PUBLIC, igov_rows
from tests.rig.bot_process import SIGNING_SECRET, BotProcess
from tests.rig.postgres import PostgresServer
from tests.rig.smtp import SmtpSink

pytestmark = pytest.mark.postgres  # several processes sharing one database

EXPIRED = tax_code(600)  # AMIS Kế toán expired 12 days ago: a storage order can be placed
OWNER = "U0LAN"  # owns a subscription expiring in 7 days: reminded by the scheduler
SUPPORT = "C_SUPPORT"


@dataclass
class Deployment:
    a: BotProcess
    b: BotProcess
    scheduler: SchedulerProcess
    reminder_due: datetime


@pytest.fixture(scope="module")
def deployment(
    request: pytest.FixtureRequest,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    now = datetime.now(TZ)
    if (now + timedelta(minutes=3)).date() != now.date():
        pytest.skip("too close to midnight for a same-day reminder")
    # An empty database: the two instances, started together, migrate it in turn.
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database()
    home = tmp_path_factory.mktemp("instances")
    fake_slack.set_usergroup("S_APPROVERS", [BOSS2, LEAD])
    # Far enough ahead for three processes to start on a busy machine (a run time already
    # past when the scheduler starts would wait a day).
    reminder_due = (now + timedelta(seconds=40)).replace(microsecond=0)
    env = bot_env(
        url,
        fake_slack,
        home,
        SMTP_URL=smtp.url,
        PAYMENT_WEBHOOK_SECRET=WEBHOOK_KEY,
        SUPPORT_CHANNEL=SUPPORT,
        SALES_CHANNEL="C_SALES_TEAM",
        APPROVAL_CHANNEL=APPROVALS,
        APPROVER_USER_IDS=BOSS,
        APPROVER_USERGROUP="S_APPROVERS",
        REMINDER_TIME=f"{reminder_due:%H:%M:%S}",
        **BANK,
    )
    a = BotProcess(env, home / "a.log")
    # Customers follow the link of the load balancer, whichever instance placed the order.
    env["PUBLIC_BASE_URL"] = a.base_url
    b = BotProcess(env, home / "b.log")
    try:
        with ThreadPoolExecutor(2) as starting:
            list(starting.map(lambda instance: instance.start("--no-scheduler"), (a, b)))
    except BaseException:
        a.stop()
        b.stop()
        raise
    rows = [
        *igov_rows(TODAY),
        row(EXPIRED, "Công ty TNHH Lưu Trữ Hai Nơi", "HD-LT-01", TODAY - timedelta(days=12)),
        row(tax_code(601), "Công ty TNHH Hoa Sen", "HD-HS-07", TODAY + timedelta(7), owner=OWNER),
    ]
    database = Database(url)
    assert import_file(database, write_csv(home / "customers.csv", rows)).rejected == 0
    database.dispose()
    scheduler = SchedulerProcess({**os.environ, **env}, home / "scheduler.log")
    scheduler.start()
    try:
        yield Deployment(a=a, b=b, scheduler=scheduler, reminder_due=reminder_due)
    finally:
        scheduler.stop()
        a.stop()
        b.stop()
    for process in (a, b):
        assert "Traceback" not in process.logs(), process.logs()[-3000:]


@pytest.fixture
def slack_a(deployment: Deployment, fake_slack: FakeSlack) -> Iterator[SignedSlack]:
    with SignedSlack(deployment.a.events_url, SIGNING_SECRET, fake_slack) as client:
        yield client


@pytest.fixture
def slack_b(deployment: Deployment, fake_slack: FakeSlack) -> Iterator[SignedSlack]:
    with SignedSlack(deployment.b.events_url, SIGNING_SECRET, fake_slack) as client:
        yield client


def test_a_storage_order_across_instances(
    deployment: Deployment,
    slack_a: SignedSlack,
    slack_b: SignedSlack,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
) -> None:
    fake = fake_slack
    # A looks the customer up; B gets the click on the result and opens the form.
    lookup = slack_a.check_ack(slack_a.command(EXPIRED, channel_id=SUPPORT))
    (button,) = buttons(lookup)
    mark = fake.mark()
    slack_b.block_action(button["action_id"], button["value"], message=lookup, channel_id=SUPPORT)
    opened = fake.wait_for("views.open", after=mark)
    assert opened.ok, opened.response
    view = fake.view(opened.response["view"]["id"])  # type: ignore[index]

    # A recomputes the totals for 2 packages; B places the order.
    mark = fake.mark()
    slack_a.block_action(QUANTITY, "2", view=view)
    assert fake.wait_for("views.update", after=mark).ok
    view = fake.view(view["id"])
    assert "*Tổng cộng: 2.000.000 đ*" in text_of(view)
    mark = fake.mark()
    submitted = {"invoice_email": "ketoan@luutru.vn", "quantity": "2"}
    assert slack_b.check_ack(slack_b.view_submission(view, submitted)) is None

    # The order message, the QR in its thread and the email, each delivered once by one of the
    # two outbox workers.
    message = order_message(fake, mark)
    order_no = order_number(message)
    upload = fake.wait_for("files.completeUploadExternal", after=mark)
    assert upload.ok
    email = smtp.wait_for(lambda m: order_no in m["Subject"])
    assert email["To"].addresses[0].addr_spec == "ketoan@luutru.vn"
    fake.wait_for("chat.update", lambda c: "Đã gửi email đơn hàng tới" in str(c.params), after=mark)
    posted = [
        c
        for c in fake.calls[mark:]
        if c.method == "chat.postMessage" and order_no in str(c.params.get("blocks"))
    ]
    assert len(posted) == 1
    assert len([f for f in fake.uploaded_files() if order_no in f.title]) == 1
    assert len([m for m in smtp.messages if order_no in m["Subject"]]) == 1

    # The order page answers on both instances.
    (page,) = [b for b in buttons(message) if b.get("url")]
    path = httpx.URL(page["url"]).path
    for instance in (deployment.a, deployment.b):
        shown = httpx.get(f"{instance.base_url}{path}")
        assert shown.status_code == 200 and order_no in shown.text

    # The bank notifies B, then (a retry) A: paid once.
    mark = fake.mark()
    paid = webhook(deployment.b, transfer(order_no, 2_000_000, "tx-instances-1"))
    assert paid.json()["outcome"] == "paid"
    again = webhook(deployment.a, transfer(order_no, 2_000_000, "tx-instances-1"))
    assert again.json()["outcome"] == "duplicate"
    fake.wait_for(
        "chat.update",
        lambda c: c.params.get("ts") == message["ts"] and "Đã thanh toán" in str(c.params),
        after=mark,
    )
    guidance = fake.wait_for(
        "chat.postMessage", lambda c: c.params.get("thread_ts") == message["ts"], after=mark
    )
    assert "chỉ đọc" in str(guidance.params)

    # Both instances see the archived account.
    for client in (slack_a, slack_b):
        lookup = text_of(client.check_ack(client.command(EXPIRED)))
        assert "*Lưu trữ chỉ đọc* đến hết ngày" in lookup


def test_an_approval_across_instances(
    slack_a: SignedSlack, slack_b: SignedSlack, fake_slack: FakeSlack
) -> None:
    fake = fake_slack
    order = place_order(slack_a, fake, PUBLIC, kt=2, vps=1)  # on A
    view = open_request(slack_b, fake, order)  # the request form on B
    code, message = send_request(slack_a, fake, view)  # saved on A, with both documents
    fake.wait_for("files.completeUploadExternal", lambda c: c.ok and in_thread(fake, message) == 2)
    assert action_ids(message) == ["license.approve", "license.reject", "license.request_changes"]
    (approve,) = [b for b in buttons(message) if b["action_id"] == "license.approve"]

    mark = fake.mark()
    assert slack_b.click(message, "license.approve", user_id=BOSS).status_code == 200  # on B
    decided = wait_update(fake, APPROVALS, message["ts"], "KTLicense – Đã duyệt", mark)
    assert action_ids(decided) == []
    notice = wait_message(fake, "D" + LEAD, lambda p: code in p["text"], mark)
    assert "đã được duyệt" in texts(notice["blocks"])

    # A second approver's click, sent before the update reached the screen, lands on A: it
    # finds the request decided; the resources are granted once.
    posts = len(fake.responses)
    slack_a.block_action(
        approve["action_id"], approve["value"], user_id=BOSS2, channel_id=APPROVALS
    )
    assert f"<@{BOSS}>" in refusal(fake, posts, BOSS2)
    granted = texts(slack_a.check_ack(slack_a.command("license HD-IG-01", user_id=SALES_USER)))
    assert "(`KT_NS`): *2*" in granted and "(`VPS_VB`): *1*" in granted
    notices = [
        c
        for c in fake.calls[mark:]
        if c.method == "chat.postMessage" and c.params.get("channel") == "D" + LEAD
    ]
    assert len(notices) == 1


def test_reminders_come_from_the_scheduler_once(
    deployment: Deployment, fake_slack: FakeSlack
) -> None:
    owner_dm = "D" + OWNER
    fake_slack.wait_for(
        "chat.postMessage", lambda c: c.ok and c.params["channel"] == owner_dm, timeout=60
    )
    # Well past the run, nothing more: one message from the one scheduler.
    wait = (deployment.reminder_due + timedelta(seconds=5) - datetime.now(TZ)).total_seconds()
    time.sleep(max(wait, 0.0))
    dms = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == owner_dm]
    assert len(dms) == 1
    assert "job expiry-reminders as of" in deployment.scheduler.logs()
    for instance in (deployment.a, deployment.b):
        assert "scheduler started" not in instance.logs()
        assert "job expiry-reminders" not in instance.logs()


def test_both_instances_are_healthy(deployment: Deployment) -> None:
    for instance in (deployment.a, deployment.b):
        response = httpx.get(f"{instance.base_url}/healthz")
        assert response.status_code == 200 and response.json()["database"] is True
