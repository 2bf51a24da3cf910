"""HTTP: Slack's `/slack/events` (signature first, then bolt off the event loop), `/healthz`,
`/readyz` and `/metrics`."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from concurrent.futures import Executor
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.logs import bind
from bot.metrics import SLACK_ACK_SECONDS, SLACK_REQUESTS
from bot.operations import readiness
from bot.services import Services
from handlers.dispatch import dispatch

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
    """The body as bolt reads it (JSON, a form, or a form's JSON `payload`), parsed once and
    strictly, or None when there is no object to dispatch.

    bolt takes it parsed (`bolt_request`): its own parsing would do it a second time, and
    loses a slash command whose text has the word "payload" in it (it looks for the word in
    the raw body, not for the form field).
    """
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json") or text.startswith("{"):
            parsed = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
            parsed = json.loads(form["payload"]) if "payload" in form else form
        return parsed if isinstance(parsed, dict) and parsed else None
    except (ValueError, RecursionError):  # bad UTF-8, JSON or form; [[[[… past the stack
        return None


def bolt_request(request: Request, payload: dict[str, Any]) -> BoltRequest:
    """The request for bolt, with the body already checked and parsed. bolt calls a request
    with a parsed body "socket_mode", and does not check its signature again: the route
    checked it before anything was parsed."""
    return BoltRequest(
        body=payload,
        query=dict(request.query_params),
        headers=dict(request.headers),
        mode="socket_mode",
    )


# Interactive payload types by the kind of request they are.
KINDS = {
    "block_actions": "action",
    "interactive_message": "action",
    "shortcut": "action",
    "message_action": "action",
    "view_submission": "view",
    "view_closed": "view",
    "block_suggestion": "options",
    "dialog_suggestion": "options",
    "event_callback": "event",
    "url_verification": "event",
    "app_rate_limited": "event",
}


def request_kind(payload: dict[str, Any]) -> str:
    """command, action, view, event, options (or other) from a parsed Slack body."""
    if "command" in payload:
        return "command"
    kind = payload.get("type")
    return KINDS.get(kind, "other") if isinstance(kind, str) else "other"


def _id_of(value: Any) -> str | None:
    """A Slack id given as itself or as an object with `id`."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def who(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    """The Slack user and team of a parsed request (command, interaction or event)."""
    event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    user = (
        _id_of(payload.get("user_id")) or _id_of(payload.get("user")) or _id_of(event.get("user"))
    )
    team = _id_of(payload.get("team_id")) or _id_of(payload.get("team"))
    return user, team


def _outcome(status: int) -> str:
    if status < 400:
        return "ok"
    return "rejected" if status < 500 else "error"


def slack_routes(bolt_app: App, signing_secret: str, threads: Executor) -> list[Route]:
    """`/slack/events`: each signed request dispatched to `bolt_app` in one of `threads`."""

    async def slack_events(request: Request) -> Response:
        # Nothing of an unsigned request is parsed, logged or acted on: the check comes first.
        started = time.perf_counter()
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
            SLACK_REQUESTS.labels("unknown", "unsigned").inc()
            return PlainTextResponse("invalid signature", status_code=401)
        payload = _slack_payload(body, headers.get("content-type", ""))
        if payload is None:
            log.debug("refused a signed request to /slack/events with a malformed body")
            SLACK_REQUESTS.labels("unknown", "malformed").inc()
            return PlainTextResponse("malformed body", status_code=400)
        kind = request_kind(payload)
        user, team = who(payload)
        bind(user=user, team=team)  # the request id is bound for every request (wiring/http.py)
        # bolt's App is synchronous: dispatch in a worker thread, return as soon as it acks.
        try:
            bolt_response = await dispatch(bolt_app, bolt_request(request, payload), threads)
        except Exception:
            SLACK_REQUESTS.labels(kind, "error").inc()
            raise
        SLACK_ACK_SECONDS.labels(kind).observe(time.perf_counter() - started)
        SLACK_REQUESTS.labels(kind, _outcome(bolt_response.status)).inc()
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

    async def readyz(_request: Request) -> Response:
        """Ready for traffic: the database answers, its schema is the code's, and no delivery
        has waited longer than READY_OUTBOX_MAX_AGE_SECONDS."""
        state = await run_in_threadpool(
            readiness,
            services.db,
            services.clock.now(),
            services.settings.ready_outbox_max_age_seconds,
        )
        body = {
            "status": "ready" if state.ready else "not ready",
            "database": state.database,
            "migrations": state.migrations,
            "outbox": state.outbox,
            "outbox_oldest_pending_seconds": state.outbox_oldest_seconds,
            "outbox_max_age_seconds": state.outbox_max_age_seconds,
        }
        return JSONResponse(body, status_code=200 if state.ready else 503)

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
    ]


def metrics_routes(services: Services) -> list[Route]:
    """`GET /metrics`: this process's counters and the database's figures (bot/metrics.py)."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from bot.metrics import registry

    scraped = registry(services.db, services.clock)

    async def metrics(_request: Request) -> Response:
        body = await run_in_threadpool(generate_latest, scraped)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics, methods=["GET"])]
