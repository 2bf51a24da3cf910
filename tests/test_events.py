"""Outbound events as use cases write them (SQLite and PostgreSQL) and as the deliverer sends
them: the settings' checks, who subscribes to what, one row per (event, endpoint) in the
change's transaction, and what a receiver's answer does to the delivery."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from bot import reminders
from bot.approvals import decide
from bot.authz import Authorizer, NoGroups
from bot.catalog import DEFAULT_STORAGE_PACKAGES
from bot.clock import Clock
from bot.config import SettingsError, load_settings
from bot.crm_sync import parse_customer, sync_customer
from bot.events import publish
from bot.importer import import_file
from bot.logs import RedactSecrets, secret_values
from bot.order_corrections import cancel_order
from bot.outbox import OutboxWorker
from bot.outbox_messages import DeliveryGaveUp, WebhookEvent
from bot.reminders import ReminderConfig, Run
from bot.services import Services
from bot.storage_orders import PlaceOrder, place_order
from bot.webhook_endpoints import WebhookEndpoint
from handlers import webhooks
from storage.db import Database
from storage.models import OutboxMessage, StorageOrder, Subscription
from tests import reminders_dataset as ds
from tests.e2e.igov_steps import pending_request
from tests.factories import row, write_csv
from tests.igov_data import PUBLIC, import_igov_customers
from tests.rig.webhook_receiver import SECRET, WebhookReceiver

SCHEMAS = Path(__file__).parents[1] / "docs" / "events"
ALL = {"url": "http://127.0.0.1:9/all", "secret": SECRET}
ORDERS = {
    "url": "http://127.0.0.1:9/orders",
    "secret": SECRET,
    "events": ["storage_order.cancelled", "licence_request.rejected", "subscription.data_deleted"],
}


def events(db: Database) -> list[WebhookEvent]:
    """The events enqueued, each body checked against its schema in docs/events/."""
    with db.session() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == WebhookEvent.kind)
        rows = session.scalars(query.order_by(OutboxMessage.id))
        found = [WebhookEvent.from_payload(r.payload) for r in rows]
    for event in found:
        schema = json.loads((SCHEMAS / f"{event.type}.schema.json").read_text())
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = [e.message for e in validator.iter_errors(json.loads(event.body()))]
        assert not errors, (event.type, errors)
    return found


def sent(db: Database, event_type: str) -> dict[str, WebhookEvent]:
    """The events of one type by endpoint URL."""
    return {e.endpoint: e for e in events(db) if e.type == event_type}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{", "is not JSON (Expecting property name enclosed in double quotes at character 2)"),
        ('{"url": "http://a"}', 'must be a JSON list of {"url": …, "secret": "whsec_…"'),
        ('[{"url": "http://a"}]', "endpoint 1: secret is missing"),
        (f'[{{"secret": "{SECRET}"}}]', "endpoint 1: url is missing"),
        ('[{"url": "http://a", "secret": "s3cret"}]', "secret must be whsec_ and base64"),
        ('[{"url": "http://a", "secret": "whsec_!!"}]', "secret must be whsec_ and base64"),
        (f'[{{"url": "a.vn", "secret": "{SECRET}"}}]', "url 'a.vn' must be an http(s) URL"),
        (
            f'[{{"url": "http://a", "secret": "{SECRET}", "events": ["order.paid"]}}]',
            "unknown event 'order.paid' (known: storage_order.placed,",
        ),
        (
            f'[{{"url": "http://a", "secret": "{SECRET}", "event": []}}]',
            "endpoint 1: unknown key 'event'",
        ),
        (json.dumps([ALL, ALL]), "each url may appear once"),
    ],
)
def test_bad_endpoints_stop_start_up_with_one_line(
    value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_ENDPOINTS", value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    text = str(caught.value)
    assert text.startswith(f"Invalid setting WEBHOOK_ENDPOINTS: {message}"), text
    assert "\n" not in text and SECRET not in text


def test_endpoints_are_read_with_their_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_ENDPOINTS", json.dumps([ALL, ORDERS]))
    everything, orders = load_settings(_env_file=None).webhook_endpoints
    assert everything.events is None and everything.wants("storage_order.paid")
    assert orders.wants("storage_order.cancelled") and not orders.wants("storage_order.paid")
    assert SECRET not in repr(everything)


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    settings = load_settings(
        _env_file=None,
        database_url=database_url,
        approval_channel="C_APPROVALS",
        approver_user_ids=["U0BOSS"],
        webhook_endpoints=[ALL, ORDERS],
    )
    created = Services.create(settings)
    expired = created.clock.today() - timedelta(days=5)
    rows = [row("0101243150", "Công ty Cổ phần MISA", "HD-EV", expired, email="kt@misa.com.vn")]
    assert import_file(created.db, write_csv(tmp_path / "c.csv", rows)).rejected == 0
    yield created
    created.db.dispose()


def place(services: Services) -> int:
    with services.db.session() as session:
        subscription_id = session.scalars(
            select(Subscription.id).where(Subscription.contract_no == "HD-EV")
        ).one()
    command = PlaceOrder(
        submission_key="ev-1",
        subscription_id=subscription_id,
        package_code=DEFAULT_STORAGE_PACKAGES[0].code,
        quantity="2",
        invoice={
            "buyer_name": "Công ty Cổ phần MISA",
            "buyer_tax_code": "0101243150",
            "buyer_address": "Hà Nội",
            "recipient_name": "Trần Bình",
            "invoice_email": "binh@misa.com.vn",
            "phone": "0912345678",
        },
        placed_by="U0STAFF",
        channel_id="C1",
    )
    authz = Authorizer(services.settings, NoGroups())
    order_id, created = place_order(services, authz, command, services.clock.now())
    assert created
    return order_id


def test_an_order_placed_then_cancelled_goes_to_who_subscribed(services: Services) -> None:
    order_id = place(services)
    placed = sent(services.db, "storage_order.placed")
    assert list(placed) == [ALL["url"]]  # the second endpoint does not want it
    data = placed[ALL["url"]].data
    assert data["tax_code"] == "0101243150" and data["contract_no"] == "HD-EV"
    assert (data["quantity"], data["total"]) == (2, 2_000_000)
    assert "binh" not in json.dumps(data) and "0912345678" not in json.dumps(data)

    authz = Authorizer(services.settings, NoGroups())
    now = services.clock.now()
    cancel_order(services, authz, order_id, "U0STAFF", "Khách gia hạn", now)
    cancelled = sent(services.db, "storage_order.cancelled")
    assert set(cancelled) == {ALL["url"], ORDERS["url"]}
    first, second = cancelled.values()
    assert first.event_id == second.event_id and first.event_id.startswith("msg_")
    assert first.data == {
        "order_no": first.data["order_no"],
        "tax_code": "0101243150",
        "contract_no": "HD-EV",
        "product": "AMIS_KT",
    }
    body = json.loads(first.body())
    assert body["type"] == "storage_order.cancelled" and body["timestamp"].endswith("Z")


def test_a_renewal_from_the_crm_cancels_with_an_event(services: Services) -> None:
    order_id = place(services)
    renewed = services.clock.today() + timedelta(days=365)
    body = {
        "company_name": "Công ty Cổ phần MISA",
        "segment": "enterprise",
        "contact_email": "kt@misa.com.vn",
        "subscriptions": [
            {
                "product": "AMIS_KT",
                "contract_no": "HD-EV",
                "starts_on": "2024-01-01",
                "expires_on": renewed.isoformat(),
            }
        ],
    }
    result = sync_customer(services, parse_customer(body, "0101243150"))
    assert result.cancelled_orders
    cancelled = sent(services.db, "storage_order.cancelled")
    assert set(cancelled) == {ALL["url"], ORDERS["url"]}
    data = cancelled[ALL["url"]].data
    assert (data["tax_code"], data["contract_no"]) == ("0101243150", "HD-EV")
    with services.db.session() as session:
        status = session.get(StorageOrder, order_id)
        assert status is not None and status.status == "cancelled"


def test_an_import_renewing_the_account_cancels_its_open_order(
    services: Services, database_url: str, tmp_path: Path
) -> None:
    """The CRM's file renews an account whose storage order awaits payment: paying it would
    archive an account that is active again, so the import cancels it, as the sync API does."""
    order_id = place(services)
    renewed = services.clock.today() + timedelta(days=365)
    rows = [row("0101243150", "Công ty Cổ phần MISA", "HD-EV", renewed, email="kt@misa.com.vn")]
    path = write_csv(tmp_path / "renewed.csv", rows)
    env = {
        "DATABASE_URL": database_url,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "WEBHOOK_ENDPOINTS": json.dumps([ALL]),
    }
    command = [sys.executable, "-m", "bot", "import", str(path)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Đã tự hủy 1 đơn gói lưu trữ chờ thanh toán" in result.stdout
    with services.db.session() as session:
        order = session.get(StorageOrder, order_id)
        assert order is not None and order.status == "cancelled"
        assert order.cancel_reason is not None
        assert renewed.strftime("%d/%m/%Y") in order.cancel_reason
    cancelled = sent(services.db, "storage_order.cancelled")
    assert cancelled[ALL["url"]].data["contract_no"] == "HD-EV"
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "Đã tự hủy" not in again.stdout


def test_a_rejected_request_is_an_event_without_modules(services: Services, tmp_path: Path) -> None:
    import_igov_customers(
        services.settings.effective_database_url, tmp_path, services.clock.today()
    )
    request = pending_request(services, PUBLIC, "ev-req")
    submitted = sent(services.db, "licence_request.submitted")[ALL["url"]].data
    assert submitted["request_code"] == request.code and submitted["modules"]
    assert submitted["contract_no"] == "HD-IG-01" and submitted["tax_code"] == PUBLIC
    authz = Authorizer(services.settings, NoGroups())
    decide(services, authz, request_id=request.id, actor="U0BOSS", approve=False, reason="Sai")
    rejected = sent(services.db, "licence_request.rejected")
    assert set(rejected) == {ALL["url"], ORDERS["url"]}
    assert "modules" not in rejected[ALL["url"]].data
    assert not sent(services.db, "licence_request.approved")


def test_no_endpoint_no_event(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, database_url=database_url)
    quiet = Services.create(settings)
    expired = quiet.clock.today() - timedelta(days=5)
    rows = [row("0101243150", "Công ty Cổ phần MISA", "HD-EV", expired)]
    assert import_file(quiet.db, write_csv(tmp_path / "c.csv", rows)).rejected == 0
    place(quiet)
    assert events(quiet.db) == []
    quiet.db.dispose()


def test_the_sweep_tells_of_expired_orders_and_deleted_data(db: Database, tmp_path: Path) -> None:
    ds.load(db, tmp_path)
    settings = load_settings(_env_file=None, webhook_endpoints=[ALL, ORDERS])
    config = ReminderConfig.from_settings(settings)
    moment = datetime.combine(ds.TODAY, time(0, 15), tzinfo=ds.TZ)
    reminders.deletion_sweep(db, config, Run(at=moment, now=moment))
    expired = sent(db, "storage_order.expired")
    assert list(expired) == [ALL["url"]]
    assert expired[ALL["url"]].data["order_no"] == "MS-LAPSED"
    deleted = [e for e in events(db) if e.type == "subscription.data_deleted"]
    contracts = sorted({e.data["contract_no"] for e in deleted})
    assert contracts == ["HD-S31", "HD-S31-IG", "HD-S35-LAPSED"]
    assert len(deleted) == 2 * len(contracts)  # one row per endpoint
    assert all(e.data["deleted_on"] == ds.TODAY.isoformat() for e in deleted)
    before = len(events(db))
    reminders.deletion_sweep(db, config, Run(at=moment, now=moment))  # a re-run adds nothing
    assert len(events(db)) == before


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (204, "sent"),
        (404, "dead"),
        (410, "dead"),
        (302, "dead"),  # a redirect is not followed: the setting should name the final URL
        (408, "pending"),
        (429, "pending"),
        (503, "pending"),
    ],
)
def test_what_an_answer_does_to_the_delivery(db: Database, status: int, outcome: str) -> None:
    clock = Clock(ds.TZ)  # the real one: receivers refuse signatures older than 5 minutes
    with WebhookReceiver(always=status) as receiver:
        # A password in the URL never reaches the outbox's error, `outbox list` or support.
        url = receiver.url.replace("http://", "http://crm:s3cr3t-pw@")
        endpoint = {"url": url, "secret": SECRET}
        settings = load_settings(
            _env_file=None, webhook_endpoints=[endpoint], webhook_timeout_seconds=2
        )
        worker = OutboxWorker(db, clock, report_to="C_SUPPORT")
        services = SimpleNamespace(settings=settings, clock=clock, outbox=worker, db=db)
        webhooks.register(None, SimpleNamespace(services=services))  # type: ignore[arg-type]
        with db.session() as session:
            data = {"contract_no": "HD-1", "tax_code": "0101243150"}
            endpoints = [WebhookEndpoint.model_validate(endpoint)]
            publish(session, endpoints, "subscription.data_deleted", "s1", data, now=clock.now())
        worker.run_once()
        (delivery,) = receiver.deliveries
        assert delivery.verified and delivery.id.startswith("msg_")
    with db.session() as session:
        rows = {r.kind: r for r in session.scalars(select(OutboxMessage))}
    assert rows[WebhookEvent.kind].status == outcome
    assert (DeliveryGaveUp.kind in rows) == (outcome == "dead")  # reported to support
    if outcome == "dead":
        assert f"HTTP {status}" in (rows[WebhookEvent.kind].last_error or "")
        assert "s3cr3t-pw" not in (rows[WebhookEvent.kind].last_error or "")
        assert "s3cr3t-pw" not in json.dumps(rows[DeliveryGaveUp.kind].payload)


def test_endpoint_secrets_are_kept_out_of_the_logs() -> None:
    settings = load_settings(_env_file=None, webhook_endpoints=[ALL])
    redact = RedactSecrets(secret_values(settings))
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key %s", (SECRET,), None)
    redact.filter(record)
    assert SECRET.removeprefix("whsec_") not in record.getMessage()
