"""A full flow at DEBUG level leaves no secret in the log: tokens, signing secret, webhook key,
SMTP and database passwords, order-page tokens; in text and in JSON lines (LOG_FORMAT=json),
whose every line is one object carrying the request id, the Slack user and the order."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.importer import import_file
from bot.logs import RedactSecrets
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import StorageOrder
from tests.conftest import bot_env
from tests.e2e.slack_helpers import buttons
from tests.e2e.storage_steps import BANK, MISA, open_form, order_message, order_number, transfer
from tests.factories import row, write_csv
from tests.rig.bot_process import BOT_TOKEN, SIGNING_SECRET, BotProcess

WEBHOOK_KEY = "whk-9a8b7c6d5e4f"
SMTP_PASSWORD = "smtp-pw-1f2e3d"
DB_PASSWORD = "db-pw-7c6b5a"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_reaches_the_log(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path, log_format: str
) -> None:
    from tests.e2e.igov_steps import TODAY

    database = Database(database_url)
    rows = [row(MISA, "Công ty Cổ phần MISA", "HD-LOG-01", TODAY - timedelta(days=3))]
    assert import_file(database, write_csv(tmp_path / "c.csv", rows)).rejected == 0
    url = database_url
    if make_url(url).get_backend_name() == "postgresql":
        # The throwaway server trusts loopback: any password works, and must never be logged.
        url = make_url(url).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    env = bot_env(
        url,
        fake_slack,
        tmp_path,
        LOG_LEVEL="DEBUG",
        LOG_FORMAT=log_format,
        PAYMENT_WEBHOOK_SECRET=WEBHOOK_KEY,
        SMTP_URL=f"smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:9",  # nothing listens: retried
        **BANK,
    )
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        slack = SignedSlack(bot.events_url, SIGNING_SECRET, fake_slack)
        view = open_form(slack, fake_slack, MISA, "HD-LOG-01")
        mark = fake_slack.mark()
        slack.check_ack(
            slack.view_submission(view, {"invoice_email": "kt@misa.vn"}, user_id="U_STAFF")
        )
        message = order_message(fake_slack, mark)
        order_no = order_number(message)
        page = next(b["url"] for b in buttons(message) if b.get("url"))
        assert httpx.get(page).status_code == 200
        assert httpx.get(page + "/qr.png").status_code == 200
        paid = httpx.post(
            f"{bot.base_url}/payments/webhook",
            json=transfer(order_no, 1_000_000, f"log-{order_no}"),
            headers={"Authorization": f"Apikey {WEBHOOK_KEY}"},
        )
        assert paid.json()["outcome"] == "paid"
        assert (
            httpx.post(
                f"{bot.base_url}/payments/webhook",
                json={},
                headers={"Authorization": "Apikey wrong-key-123"},
            ).status_code
            == 401
        )
    finally:
        bot.stop()
    with database.session() as session:
        tokens = list(session.scalars(select(StorageOrder.token)))
        order_id = session.scalar(select(StorageOrder.id))
    database.dispose()
    log = bot.logs()
    assert "DEBUG" in log and "/payments/webhook" in log  # a full, chatty run was logged
    for secret in [SIGNING_SECRET, BOT_TOKEN, WEBHOOK_KEY, SMTP_PASSWORD, DB_PASSWORD, *tokens]:
        assert secret not in log, f"{secret[:6]}… found in the log"
    assert "wrong-key-123" not in log
    if log_format == "json":
        assert_json_lines(log, order_id=order_id)


def assert_json_lines(log: str, *, order_id: int) -> None:
    """Every line is one JSON object; Slack requests and deliveries carry their context."""
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(e["level"] == "DEBUG" for e in entries)
    slack = [e for e in entries if e.get("user") == "U_STAFF" and e.get("team")]
    assert slack and all(e.get("request_id") for e in slack)
    # The listener's records (in bolt's listener threads) carry the request's context too.
    assert len({e["request_id"] for e in slack}) >= 2
    delivered = [e for e in entries if e.get("outbox_id") and e.get("order_id") == order_id]
    assert delivered and all(e.get("request_id") for e in delivered)
    webhook = [e for e in entries if "/payments/webhook" in e["message"] or e.get("order_id")]
    assert webhook


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("token xoxb-123-456-abc in a message", "token xox… in a message"),
        (
            "GET /orders/AbCdEfGhIjKlMnOpQrStUv_-0123456789abcdefghij HTTP/1.1",
            "GET /orders/… HTTP/1.1",
        ),
        ("postgresql://bot:hunter2@db:5432/misa", "postgresql://bot:…@db:5432/misa"),
        ("Authorization: Apikey abc123def", "Authorization: Apikey …"),
        ("the signing secret is s3cr3t-value", "the signing secret is …"),
    ],
)
def test_redaction(text: str, kept: str) -> None:
    assert RedactSecrets(["s3cr3t-value"]).redact(text) == kept
