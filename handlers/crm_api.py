"""The CRM sync API under `/api`: customers and subscriptions in, JSON out (README "CRM sync
API"; the use cases are in bot/crm_sync.py, the document in handlers/crm_openapi.py).

Every call carries `Authorization: Bearer <key>`, a key of API_KEYS (each compared in constant
time); with no key set the API is off and every /api address answers 404. Errors are JSON
`{"error", "message"}` (and `errors: [{field, message}]` for a 422), in Vietnamese unless
Accept-Language asks for English.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route

from bot.crm_sync import (
    SyncedCustomer,
    SyncResult,
    SyncStatus,
    customer_by_tax_code,
    parse_customer,
    sync_batch,
    sync_customer,
)
from bot.errors import InvalidFields, InvalidInput, NotFound
from bot.i18n import Translator, language_for_header
from handlers.context import Context
from handlers.crm_openapi import openapi_document

log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]


class _Refusal(Exception):
    def __init__(self, status: int, error: str, key: str, **params: Any) -> None:
        super().__init__(error)
        self.status, self.error, self.key, self.params = status, error, key, params


def _translator(request: Request) -> Translator:
    return Translator(language_for_header(request.headers.get("accept-language")))


def _error(t: Translator, status: int, error: str, key: str, **params: Any) -> JSONResponse:
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="misa-store-bot"'
    return JSONResponse(
        {"error": error, "message": t(key, **params)}, status_code=status, headers=headers
    )


def field_errors(t: Translator, failed: InvalidFields) -> list[dict[str, str]]:
    return [{"field": name, "message": t(e.key, **e.params)} for name, e in failed.errors.items()]


def _invalid(t: Translator, failed: InvalidFields) -> JSONResponse:
    body = {"error": "invalid", "message": t("api.invalid"), "errors": field_errors(t, failed)}
    return JSONResponse(body, status_code=422)


def customer_json(synced: SyncedCustomer) -> dict[str, Any]:
    card = synced.card
    return {
        "tax_code": card.tax_code,
        "company_name": card.name,
        "address": card.address,
        "segment": card.segment.value,
        "budget_code": card.budget_code,
        "contact_name": card.contact_name,
        "contact_email": card.contact_email,
        "contact_phone": card.contact_phone,
        "owner": card.owner,
        "updated_at": synced.updated_at.isoformat(),
        "subscriptions": [
            {
                "product": s.product.value,
                "contract_no": s.contract_no,
                "starts_on": s.starts_on.isoformat(),
                "expires_on": s.expires_on.isoformat(),
                "state": s.lifecycle.state.value,
                "open_order_no": s.open_order_no,
            }
            for s in card.subscriptions
        ],
    }


async def _json_body(request: Request) -> Any:
    """The request's JSON (the size is bounded by BodyGuard); _Refusal for anything else."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise _Refusal(415, "unsupported_media_type", "api.content_type")
    try:
        return json.loads((await request.body()).decode("utf-8"))
    except (ValueError, RecursionError):  # bad UTF-8 or JSON; [[[[… past the stack
        raise _Refusal(400, "malformed_json", "api.not_json") from None


def routes(ctx: Context) -> list[Route]:
    services = ctx.services
    keys = [key.get_secret_value().encode() for key in services.settings.api_keys]

    def authorized(request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        given = token.strip().encode("utf-8", "replace")
        # Every key is compared (no early exit), each in constant time.
        matches = [hmac.compare_digest(given, key) for key in keys]
        return scheme.lower() == "bearer" and bool(given) and any(matches)

    def guarded(endpoint: Endpoint, *, public: bool = False) -> Endpoint:
        async def guard(request: Request) -> Response:
            t = _translator(request)
            if not keys:
                return _error(t, 404, "not_found", "api.not_found")
            if not public and not authorized(request):
                return _error(t, 401, "unauthorized", "api.unauthorized")
            try:
                return await endpoint(request)
            except _Refusal as refusal:
                return _error(t, refusal.status, refusal.error, refusal.key, **refusal.params)
            except InvalidFields as failed:
                return _invalid(t, failed)
            except NotFound as missing:
                return _error(t, 404, "not_found", missing.key, **missing.params)

        return guard

    async def get_customer(request: Request) -> Response:
        raw = request.path_params["tax_code"]
        synced = await run_in_threadpool(customer_by_tax_code, services, raw)
        return JSONResponse(customer_json(synced))

    async def put_customer(request: Request) -> Response:
        # The path's tax code is checked with the body: every problem is told at once.
        sync = parse_customer(await _json_body(request), request.path_params["tax_code"])
        result: SyncResult = await run_in_threadpool(sync_customer, services, sync)
        assert result.customer is not None
        log.info("CRM sync of %s: %s", sync.tax_code, result.status.value)
        body = {
            "status": result.status.value,
            "customer": customer_json(result.customer),
            "cancelled_orders": list(result.cancelled_orders),
        }
        return JSONResponse(body, status_code=201 if result.status is SyncStatus.CREATED else 200)

    async def post_batch(request: Request) -> Response:
        t = _translator(request)
        body = await _json_body(request)
        items = body.get("customers") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise InvalidFields({"customers": "api.batch_not_list"})
        try:
            results = await run_in_threadpool(sync_batch, services, items)
        except InvalidInput as too_many:
            raise _Refusal(413, "batch_too_large", too_many.key, **too_many.params) from None
        counts = {status.value: 0 for status in SyncStatus}
        answers = []
        for tax_code, result in results:
            counts[result.status.value] += 1
            errors = field_errors(t, result.errors) if result.errors else []
            answers.append(
                {
                    "tax_code": tax_code,
                    "status": result.status.value,
                    "errors": errors,
                    "cancelled_orders": list(result.cancelled_orders),
                }
            )
        log.info("CRM batch sync: %s", counts)
        return JSONResponse({"counts": counts, "results": answers})

    async def openapi(_request: Request) -> Response:
        return JSONResponse(openapi_document())

    known = [
        Route("/api/openapi.json", guarded(openapi, public=True), methods=["GET"]),
        Route("/api/customers:batch", guarded(post_batch), methods=["POST"]),
        Route("/api/customers/{tax_code}", guarded(get_customer), methods=["GET"]),
        Route("/api/customers/{tax_code}", guarded(put_customer), methods=["PUT"]),
    ]

    async def unknown(request: Request) -> Response:
        """JSON 404 for any other /api address; 405 for a known one with another method."""
        allowed = sorted(
            method
            for route in known
            if route.matches(request.scope)[0] is not Match.NONE
            for method in route.methods or ()
        )
        if allowed:
            t = _translator(request)
            answer = _error(t, 405, "method_not_allowed", "api.method_not_allowed")
            answer.headers["Allow"] = ", ".join(allowed)
            return answer
        raise _Refusal(404, "not_found", "api.not_found")

    every_method = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return [*known, Route("/api/{rest:path}", guarded(unknown), methods=every_method)]
