"""The CRM sync API's rules without a server: the checks of a synced customer (the import's row
rule), the OpenAPI document (valid, and naming only routes that are served), the API off."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Match

from bot.config import load_settings
from bot.crm_sync import ACTOR, parse_customer
from bot.errors import InvalidFields
from bot.i18n import Translator
from bot.payments import TransferNotice, TransferOutcome
from handlers import crm_api
from handlers.blocks.payments import finance_notice_blocks
from handlers.crm_openapi import openapi_document
from tests.factories import tax_code

MISA = "0101243150"


def good_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "company_name": "Công ty Cổ phần MISA",
        "address": "Hà Nội",
        "segment": "enterprise",
        "budget_code": None,
        "contact_name": "Nguyễn Văn An",
        "contact_email": "ketoan@misa.com.vn",
        "contact_phone": "0912345678",
        "owner": "U0OWNER",
        "subscriptions": [
            {
                "product": "AMIS_KT",
                "contract_no": "HD-1",
                "starts_on": "2026-01-01",
                "expires_on": "31/12/2026",
            }
        ],
    }
    body.update(changes)
    return body


def fields_of(body: Any, path_tax_code: str | None = MISA) -> set[str]:
    with pytest.raises(InvalidFields) as failed:
        parse_customer(body, path_tax_code)
    return set(failed.value.errors)


def test_a_good_customer_is_read_as_the_import_reads_it() -> None:
    sync = parse_customer(good_body(tax_code="0101243150"), MISA)
    assert sync.tax_code == MISA and sync.customer.name_folded == "cong ty co phan misa"
    (subscription,) = sync.subscriptions
    assert subscription.expires_on.isoformat() == "2026-12-31"


def test_every_problem_at_once_by_field() -> None:
    body = good_body(
        tax_code="0101243151",
        company_name="",
        segment="corporate",
        contact_email="a@@b",
        contact_phone="12",
        owner="someone",
        colour="blue",
        address=12,
        subscriptions=[
            {"product": "XYZ", "contract_no": "HD 1", "starts_on": "2026-13-01"},
            {"product": "IGOV", "contract_no": "HD-2", "starts_on": "2026-02-01"},
            "not an object",
            {
                "product": "IGOV",
                "contract_no": "HD-3",
                "starts_on": "2026-05-01",
                "expires_on": "2026-04-01",
            },
        ],
    )
    assert fields_of(body) == {
        "tax_code",  # differs from the path's
        "company_name",
        "segment",
        "contact_email",
        "contact_phone",
        "owner",
        "colour",
        "address",
        "subscriptions[0].product",
        "subscriptions[0].contract_no",
        "subscriptions[0].starts_on",
        "subscriptions[0].expires_on",
        "subscriptions[1].expires_on",
        "subscriptions[2]",
        "subscriptions[3].starts_on",
    }


def test_public_customers_need_a_budget_code_and_subscriptions_are_required() -> None:
    assert fields_of(good_body(segment="public", subscriptions=[])) == {
        "budget_code",
        "subscriptions",
    }
    assert fields_of([1, 2]) == {"body"}
    twice = good_body()["subscriptions"] * 2
    assert fields_of(good_body(subscriptions=twice)) == {"subscriptions[1].contract_no"}


def test_the_path_tax_code_wins_and_a_batch_item_names_its_own() -> None:
    assert parse_customer(good_body(tax_code="0101243150"), MISA).tax_code == MISA
    assert fields_of(good_body(), "0101243151") == {"tax_code"}
    assert fields_of(good_body(), None) == {"tax_code"}  # a batch item without one
    other = tax_code(42)
    assert parse_customer(good_body(tax_code=other), None).tax_code == other


def _ctx(**settings: Any) -> Any:
    services = SimpleNamespace(settings=load_settings(_env_file=None, **settings))
    return SimpleNamespace(services=services)


def test_the_openapi_document_is_valid_and_names_served_routes() -> None:
    document = openapi_document()
    validate(document)  # OpenAPI 3.1, with its JSON Schemas
    routes = crm_api.routes(_ctx(api_keys="k" * 32))
    served = 0
    for path, item in document["paths"].items():
        for method in ("get", "put", "post", "delete", "patch"):
            if method not in item:
                continue
            concrete = path.replace("{tax_code}", MISA)
            scope = {"type": "http", "path": concrete, "method": method.upper()}
            matches = [r for r in routes[:-1] if r.matches(scope)[0] is Match.FULL]
            assert matches, f"{method.upper()} {path} is documented but not served"
            served += 1
    assert served == 3
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/openapi.json"),
        ("GET", f"/api/customers/{MISA}"),
        ("PUT", f"/api/customers/{MISA}"),
        ("POST", "/api/customers:batch"),
        ("GET", "/api/anything"),
        ("OPTIONS", "/api/customers:batch"),  # nothing to probe: not even which methods
        ("OPTIONS", f"/api/customers/{MISA}"),
    ],
)
def test_without_keys_the_api_is_off(method: str, path: str) -> None:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=Starlette(routes=crm_api.routes(_ctx())))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            headers = {"Authorization": "Bearer anything"}
            return await client.request(method, path, headers=headers, json={})

    response = asyncio.run(call())
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_finance_is_told_an_order_was_cancelled_by_the_crm_not_by_a_person() -> None:
    notice = TransferNotice(
        outcome=TransferOutcome.CANCELLED,
        provider_id="92704",
        account_number="12510000123456",
        amount=1_000_000,
        content="LT261201ABC123 thanh toan",
        gateway="BIDV",
        transaction_date="2026-12-01 10:15:00",
        reference_code="FT92704",
        order_no="LT261201ABC123",
        order_total=1_000_000,
        placed_by="U_STAFF",
        cancelled_by=ACTOR,
        cancel_reason="Tài khoản đã được gia hạn đến 01/12/2027 (đồng bộ từ CRM).",
    )
    _, blocks = finance_notice_blocks(Translator(), notice)
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "<@crm>" not in shown
    assert "đồng bộ từ CRM" in shown and "gia hạn đến 01/12/2027" in shown
