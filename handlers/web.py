"""HTTP: Slack's `/slack/events` (bolt, off the event loop), `/healthz`, and the server."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.services import Services

MAX_SLACK_BODY = 1_000_000  # Slack payloads are a few KB; anything this big is not Slack.


def slack_routes(bolt_app: App) -> list[Route]:
    async def slack_events(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_SLACK_BODY:
            return PlainTextResponse("payload too large", status_code=413)
        body = await request.body()
        if len(body) > MAX_SLACK_BODY:
            return PlainTextResponse("payload too large", status_code=413)
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


def serve_http(web: Starlette, *, host: str, port: int, log_level: str) -> None:
    """Serve `web` with uvicorn until stopped (SIGTERM/SIGINT end it gracefully)."""
    import uvicorn

    uvicorn.run(
        web,
        host=host,
        port=port,
        log_level=log_level.lower(),
        # The process's logging set-up (with its redaction of secrets) instead of uvicorn's.
        log_config=None,
        timeout_graceful_shutdown=10,
    )
