"""HTTP: Slack's `/slack/events` (signature first, then bolt off the event loop), `/healthz`."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.services import Services

log = logging.getLogger(__name__)

SIGNATURE_MAX_AGE_SECONDS = 60 * 5  # Slack's rule: older requests may be replays


def signed_by_slack(secret: str, body: bytes, timestamp: str, signature: str) -> bool:
    """Slack's v0 signature over the raw bytes; any malformed header is simply not signed."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def _slack_payload(body: bytes, content_type: str) -> dict[str, Any] | None:
    """The body as Slack sends it (JSON, or a form with an optional JSON `payload`), or None.

    bolt parses bodies itself; this only checks that it will find an object to dispatch.
    """
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            parsed = json.loads(text)
        else:
            parsed = parse_qs(text, keep_blank_values=True, strict_parsing=True)
            if "payload" in parsed:
                parsed = json.loads(parsed["payload"][0])
        return parsed if isinstance(parsed, dict) and parsed else None
    except (ValueError, RecursionError):  # bad UTF-8, JSON or form; [[[[… past the stack
        return None


def slack_routes(bolt_app: App, signing_secret: str) -> list[Route]:
    async def slack_events(request: Request) -> Response:
        # Nothing of an unsigned request is parsed, logged or acted on: the check comes first.
        body = await request.body()
        headers = request.headers
        if not signed_by_slack(
            signing_secret,
            body,
            headers.get("x-slack-request-timestamp", ""),
            headers.get("x-slack-signature", ""),
        ):
            # uvicorn's access line (status 401) is the one line a refusal writes at INFO.
            log.debug("refused a request to /slack/events without a valid Slack signature")
            return PlainTextResponse("invalid signature", status_code=401)
        if _slack_payload(body, headers.get("content-type", "")) is None:
            log.debug("refused a signed request to /slack/events with a malformed body")
            return PlainTextResponse("malformed body", status_code=400)
        bolt_request = to_bolt_request(request, body)
        # bolt's App is synchronous: dispatch in a worker thread, return as soon as it acks.
        bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    return [Route("/slack/events", slack_events, methods=["POST"])]


def health_routes(services: Services) -> list[Route]:
    async def healthz(_request: Request) -> Response:
        try:
            database_ok = await run_in_threadpool(services.db.ping)
        except Exception:
            database_ok = False
        status = 200 if database_ok else 503
        body = {"status": "ok" if database_ok else "degraded", "database": database_ok}
        return JSONResponse(body, status_code=status)

    return [Route("/healthz", healthz, methods=["GET", "HEAD"])]
