"""The bank's transfer notifications (SePay format) at `POST /payments/webhook`."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.errors import DomainError, InvalidInput
from bot.i18n import Translator
from bot.payments import parse_transfer, receive_transfer
from handlers.context import Context

log = logging.getLogger(__name__)


def routes(ctx: Context) -> list[Route]:
    services = ctx.services

    async def payment_webhook(request: Request) -> Response:
        secret = services.settings.payment_webhook_secret
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        expected = secret.get_secret_value().encode() if secret else b""
        if (
            not expected
            or scheme.lower() != "apikey"
            or not hmac.compare_digest(key.strip().encode(), expected)
        ):
            return JSONResponse({"success": False, "error": "unauthorized"}, status_code=401)
        body = await request.body()  # bounded by BodyGuard (MAX_BODY_BY_PATH)
        try:
            payload: Any = json.loads(body)
            transfer = parse_transfer(payload)
        except (ValueError, RecursionError, InvalidInput) as exc:  # RecursionError: [[[[…
            field = getattr(exc, "field", None) or "body"
            answer = {"success": False, "error": f"invalid {field}"}
            if isinstance(exc, InvalidInput):  # read by whoever sets up the bank's webhook
                answer["message"] = Translator("en")(exc.key, **exc.params)
            return JSONResponse(answer, status_code=400)
        try:
            outcome = await run_in_threadpool(
                receive_transfer, services, transfer, services.clock.now()
            )
        except DomainError as exc:
            return JSONResponse({"success": False, "error": exc.key}, status_code=422)
        log.info("bank transfer %s: %s", transfer.provider_id, outcome.value)
        return JSONResponse({"success": True, "outcome": outcome.value})

    return [Route("/payments/webhook", payment_webhook, methods=["POST"])]
