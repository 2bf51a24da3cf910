"""The CRM sync API end to end: real HTTP into `python -m bot serve`, on SQLite and PostgreSQL.

Good PUTs (created, unchanged, updated), every field error at once, bearer refusals, GET,
batches (mixed, too many), bodies too large, not JSON or not declared JSON, and a renewal that
cancels an open storage order placed through Slack, its placer told in the order's thread.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.clock import Clock
from bot.config import load_settings
from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from storage.models import AuditEvent, Customer, StorageOrder
from tests.conftest import bot_env
from tests.e2e.slack_helpers import text_of
from tests.e2e.storage_steps import BANK, open_form, order_message, order_number
from tests.factories import row, tax_code, write_csv
from tests.rig.bot_process import BotProcess
from tests.rig.smtp import SmtpSink

KEY = "crm-key-5d1e7a0c9b"
OTHER_KEY = "crm-key-second-77aa"
TODAY = Clock(load_settings(_env_file=None).tz).today()
RENEWED_TAX_CODE = tax_code(801)


@pytest.fixture(scope="module")
def database(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Database:
    rows = [
        row(RENEWED_TAX_CODE, "Công ty TNHH Gia Hạn", "HD-GH-1", TODAY - timedelta(days=6)),
    ]
    path = write_csv(tmp_path_factory.mktemp("data") / "customers.csv", rows)
    database = Database(module_database_url)
    assert import_file(database, path).rejected == 0
    return database


@pytest.fixture(scope="module")
def bot(
    module_database_url: str,
    database: Database,
    fake_slack: FakeSlack,
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("home")
    env = bot_env(
        module_database_url,
        fake_slack,
        home,
        API_KEYS=f"{KEY}, {OTHER_KEY}",
        SMTP_URL=smtp.url,
        SUPPORT_CHANNEL="C_SUPPORT",
        **BANK,
    )
    process = BotProcess(env, home / "bot.log").start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(bot: BotProcess) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=f"{bot.base_url}/api", headers=headers, timeout=30) as client:
        yield client


def customer(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "company_name": "Công ty Cổ phần Đồng Bộ",
        "address": "Số 1 Tôn Thất Thuyết, Hà Nội",
        "segment": "enterprise",
        "budget_code": None,
        "contact_name": "Trần Thị Bình",
        "contact_email": "binh.tran@dongbo.vn",
        "contact_phone": "0912345678",
        "owner": "U0OWNER1",
        "subscriptions": [
            {
                "product": "AMIS_KT",
                "contract_no": "HD-DB-1",
                "starts_on": "2026-01-01",
                "expires_on": "2027-12-31",
            }
        ],
    }
    body.update(changes)
    return body


def audit_rows(database: Database, tax: str) -> int:
    with database.session() as session:
        customer_id = session.scalar(select(Customer.id).where(Customer.tax_code == tax))
        return session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_type == "customer", AuditEvent.entity_id == customer_id)
        )


def test_put_creates_then_changes_nothing_then_updates(
    api: httpx.Client, database: Database
) -> None:
    tax = tax_code(811)
    created = api.put(f"/customers/{tax}", json=customer())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "created" and body["cancelled_orders"] == []
    stored = body["customer"]
    assert stored["tax_code"] == tax and stored["company_name"] == "Công ty Cổ phần Đồng Bộ"
    (subscription,) = stored["subscriptions"]
    assert subscription["contract_no"] == "HD-DB-1" and subscription["state"] == "active"
    assert audit_rows(database, tax) == 1

    again = api.put(f"/customers/{tax}", json=customer())
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert again.json()["customer"]["updated_at"] == stored["updated_at"]
    assert audit_rows(database, tax) == 1  # nothing written the second time

    moved = api.put(f"/customers/{tax}", json=customer(address="Số 2 Duy Tân, Hà Nội"))
    assert moved.status_code == 200 and moved.json()["status"] == "updated"
    assert moved.json()["customer"]["address"] == "Số 2 Duy Tân, Hà Nội"
    assert moved.json()["customer"]["updated_at"] > stored["updated_at"]
    assert audit_rows(database, tax) == 2

    fetched = api.get(f"/customers/{tax}")
    assert fetched.status_code == 200
    assert fetched.json() == moved.json()["customer"]


def test_every_field_error_at_once(api: httpx.Client, database: Database) -> None:
    tax = tax_code(812)
    bad = customer(
        tax_code=tax_code(813),
        company_name="",
        segment="corporate",
        contact_email="binh..tran@dongbo.vn",
        owner="binh",
        nickname="x",
        subscriptions=[{"product": "AMIS", "contract_no": "HD 2", "starts_on": "31/02/2026"}],
    )
    refused = api.put(f"/customers/{tax}", json=bad)
    assert refused.status_code == 422
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert set(errors) == {
        "tax_code",
        "company_name",
        "segment",
        "contact_email",
        "owner",
        "nickname",
        "subscriptions[0].product",
        "subscriptions[0].contract_no",
        "subscriptions[0].starts_on",
        "subscriptions[0].expires_on",
    }
    assert (
        "binh..tran@dongbo.vn" in errors["contact_email"]
        and "không hợp lệ" in errors["contact_email"]
    )
    assert "khác mã số thuế trên đường dẫn" in errors["tax_code"]
    english = api.put(f"/customers/{tax}", json=bad, headers={"Accept-Language": "en-GB,en"})
    errors = {e["field"]: e["message"] for e in english.json()["errors"]}
    assert "is not a valid email address" in errors["contact_email"]
    assert audit_rows(database, tax) == 0
    with database.session() as session:
        assert session.scalar(select(Customer).where(Customer.tax_code == tax)) is None

    wrong_path = api.put("/customers/0101243151", json=customer())
    assert wrong_path.status_code == 422
    assert [e["field"] for e in wrong_path.json()["errors"]] == ["tax_code"]
    # A wrong tax code in the path is told together with the body's problems.
    both = api.put("/customers/0101243151", json=customer(company_name="", segment="x"))
    assert both.status_code == 422
    fields = {e["field"]: e["message"] for e in both.json()["errors"]}
    assert set(fields) == {"tax_code", "company_name", "segment"}
    assert "0101243151" in fields["tax_code"]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        f"Bearer {KEY} {KEY}",
        "Bearer wrong-key",
        f"Basic {KEY}",
        f"Bearer {KEY}x",
        KEY,
    ],
)
def test_bearer_refusals(bot: BotProcess, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    tax = tax_code(814)
    for method, path, body in (
        ("GET", f"/api/customers/{tax}", None),
        ("PUT", f"/api/customers/{tax}", customer()),
        ("POST", "/api/customers:batch", {"customers": []}),
    ):
        response = httpx.request(method, bot.base_url + path, headers=headers, json=body)
        assert response.status_code == 401, (method, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["error"] == "unauthorized"


def test_the_second_key_works_and_the_document_is_served(bot: BotProcess) -> None:
    headers = {"Authorization": f"Bearer {OTHER_KEY}"}
    response = httpx.get(f"{bot.base_url}/api/customers/{RENEWED_TAX_CODE}", headers=headers)
    assert response.status_code == 200
    document = httpx.get(f"{bot.base_url}/api/openapi.json").json()
    assert set(document["paths"]) == {"/api/customers/{tax_code}", "/api/customers:batch"}


def test_get_unknown_customer_is_404(api: httpx.Client) -> None:
    missing = api.get(f"/customers/{tax_code(815)}")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert tax_code(815) in missing.json()["message"]
    english = api.get(f"/customers/{tax_code(815)}", headers={"Accept-Language": "en"})
    assert english.json()["message"].startswith("No customer")
    assert api.get("/customers/12").status_code == 422  # not a tax code at all
    assert api.get("/nothing-here").status_code == 404
    wrong_method = api.delete(f"/customers/{tax_code(815)}")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "GET, HEAD, PUT"
    assert api.get("/customers:batch").status_code == 405
    options = api.options(f"/customers/{tax_code(815)}")
    assert options.status_code == 405 and options.headers["allow"] == "GET, HEAD, PUT"
    assert options.json()["error"] == "method_not_allowed"


def test_batch_with_valid_and_invalid_items(api: httpx.Client, database: Database) -> None:
    existing = tax_code(816)
    assert api.put(
        f"/customers/{existing}", json=customer(subscriptions=[sub("HD-B-0")])
    ).is_success
    items = [
        {"tax_code": tax_code(817), **customer(subscriptions=[sub("HD-B-1")])},
        {"tax_code": existing, **customer(subscriptions=[sub("HD-B-0")])},
        {"tax_code": tax_code(818), **customer(contact_phone="12", subscriptions=[sub("HD-B-2")])},
        {"tax_code": tax_code(817), **customer(subscriptions=[sub("HD-B-3")])},
        {"tax_code": tax_code(819), **customer(subscriptions=[sub("HD-B-1")])},
        "not a customer",
        {"tax_code": existing, **customer(subscriptions=[sub("HD-B-0")])},
    ]
    response = api.post("/customers:batch", json={"customers": items})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "unchanged",
        "invalid",
        "invalid",  # the same customer twice in one batch
        "invalid",  # a contract already in the batch
        "invalid",
        "invalid",
    ]
    assert [e["field"] for e in results[2]["errors"]] == ["contact_phone"]
    assert results[2]["tax_code"] == tax_code(818)
    assert response.json()["counts"] == {"created": 1, "updated": 0, "unchanged": 1, "invalid": 5}
    with database.session() as session:
        assert session.scalar(select(Customer).where(Customer.tax_code == tax_code(818))) is None
    again = api.post("/customers:batch", json={"customers": items[:2]})
    assert [r["status"] for r in again.json()["results"]] == ["unchanged", "unchanged"]


def sub(contract_no: str, expires_on: date | str = "2027-12-31") -> dict[str, str]:
    return {
        "product": "AMIS_KT",
        "contract_no": contract_no,
        "starts_on": "2026-01-01",
        "expires_on": str(expires_on),
    }


def test_batch_over_the_limit(api: httpx.Client) -> None:
    items = [{"tax_code": "1"}] * 1001
    response = api.post("/customers:batch", json={"customers": items})
    assert response.status_code == 413
    assert response.json()["error"] == "batch_too_large" and "1000" in response.json()["message"]
    english = api.post(
        "/customers:batch", json={"customers": items}, headers={"Accept-Language": "en"}
    )
    assert "at most 1000 customers" in english.json()["message"]
    assert api.post("/customers:batch", json={"people": []}).status_code == 422


def test_a_full_batch_fits_the_body_limit(api: httpx.Client) -> None:
    items = [
        {"tax_code": tax_code(2000 + i), **customer(subscriptions=[sub(f"HD-FULL-{i}")])}
        for i in range(1000)
    ]
    response = api.post("/customers:batch", json={"customers": items})
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["created"] == 1000


def test_bodies_too_large_not_json_or_not_declared_json(api: httpx.Client) -> None:
    tax = tax_code(820)
    huge = json.dumps({"customers": [], "padding": "x" * 2_100_000})
    headers = {"Content-Type": "application/json"}
    too_big = api.post("/customers:batch", content=huge, headers=headers)
    assert too_big.status_code == 413
    assert too_big.json() == {
        "error": "payload_too_large",
        "message": "Nội dung yêu cầu quá lớn: tối đa 2000 KB.",
    }
    big = json.dumps({**customer(), "address": "x" * 1_100_000})
    english = {**headers, "Accept-Language": "en"}
    too_big = api.put(f"/customers/{tax}", content=big, headers=english)
    assert too_big.status_code == 413
    assert too_big.json()["message"] == "The request body is too large: at most 1000 KB."

    broken = api.put(f"/customers/{tax}", content=b'{"company_name": ', headers=headers)
    assert broken.status_code == 400 and broken.json()["error"] == "malformed_json"
    latin = api.put(f"/customers/{tax}", content=b'{"a": "\xff"}', headers=headers)
    assert latin.status_code == 400
    deep = api.put(f"/customers/{tax}", content=b"[" * 100_000, headers=headers)
    assert deep.status_code == 400

    form = api.put(f"/customers/{tax}", content=json.dumps(customer()).encode())
    assert form.status_code == 415 and "application/json" in form.json()["message"]
    typed = {"Content-Type": "text/plain"}
    assert api.post("/customers:batch", content=b"{}", headers=typed).status_code == 415
    assert api.get(f"/customers/{tax}").status_code == 404  # nothing was stored


def test_a_renewal_cancels_the_open_storage_order(
    api: httpx.Client, slack: SignedSlack, fake_slack: FakeSlack, database: Database
) -> None:
    view = open_form(slack, fake_slack, RENEWED_TAX_CODE, "HD-GH-1")
    mark = fake_slack.mark()
    submitted = {"invoice_email": "ketoan@giahan.vn"}
    assert slack.check_ack(slack.view_submission(view, submitted, user_id="U_STAFF")) is None
    message = order_message(fake_slack, mark)
    order_no = order_number(message)
    current = api.get(f"/customers/{RENEWED_TAX_CODE}").json()
    assert current["subscriptions"][0]["open_order_no"] == order_no

    renewed_until = TODAY + timedelta(days=365)
    body = customer(
        company_name="Công ty TNHH Gia Hạn",
        address="Hà Nội",
        contact_name="",
        contact_email="ketoan@example.vn",
        contact_phone="",
        owner=None,
        subscriptions=[
            {
                "product": "AMIS_KT",
                "contract_no": "HD-GH-1",
                "starts_on": "2024-01-01",
                "expires_on": renewed_until.isoformat(),
            }
        ],
    )
    mark = fake_slack.mark()
    response = api.put(f"/customers/{RENEWED_TAX_CODE}", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "updated"
    assert response.json()["cancelled_orders"] == [order_no]
    assert response.json()["customer"]["subscriptions"][0]["state"] == "active"

    with database.session() as session:
        order = session.scalar(select(StorageOrder).where(StorageOrder.order_no == order_no))
        assert order.status == "cancelled" and order.cancelled_by == "crm"
        assert f"gia hạn đến {renewed_until:%d/%m/%Y}" in order.cancel_reason
    # The placer is told in the order's thread, and the order message says it is cancelled.
    told = fake_slack.wait_for(
        "chat.postMessage", lambda c: order_no in str(c.params.get("text")), after=mark
    )
    assert "<@U_STAFF>" in told.params["text"] and "tự động hủy" in told.params["text"]
    assert told.params.get("thread_ts") == message["ts"]
    fake_slack.wait_for("chat.update", after=mark)
    redrawn = fake_slack.message(told.params["channel"], message["ts"])
    assert "Đã hủy" in text_of(redrawn) and "CRM" in text_of(redrawn)

    # The same PUT again: nothing to cancel, nothing changed.
    again = api.put(f"/customers/{RENEWED_TAX_CODE}", json=body)
    assert again.json()["status"] == "unchanged" and again.json()["cancelled_orders"] == []


def test_concurrent_puts_of_a_new_customer_create_it_once(
    api: httpx.Client, database: Database
) -> None:
    tax = tax_code(821)
    body = customer(subscriptions=[sub("HD-RACE-1"), sub("HD-RACE-2")])
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: api.put(f"/customers/{tax}", json=body), range(8)))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201], [a.text for a in answers]
    assert sorted(a.json()["status"] for a in answers) == ["created"] + ["unchanged"] * 7
    assert audit_rows(database, tax) == 1
