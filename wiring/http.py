"""The HTTP server, and the limits every request meets before any route reads it.

A body is counted while it streams in (chunked bodies have no Content-Length to check first),
so no request can make the process hold more than its route's limit. A client that sends its
headers or its body too slowly is cut off instead of holding a connection forever.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import h11
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.i18n import Translator, language_for_header
from bot.logs import bound, new_request_id

log = logging.getLogger(__name__)

# Slack payloads are a few KB and a bank notification far less: anything bigger is not them.
DEFAULT_MAX_BODY = 1_000_000
MAX_BODY_BY_PATH = {
    "/payments/webhook": 64_000,
    # 1,000 customers of the CRM sync API, each with its subscriptions.
    "/api/customers:batch": 2_000_000,
}
BODY_TIMEOUT_SECONDS = 15.0  # the whole body, once the headers are in
HEADER_TIMEOUT_SECONDS = 10.0  # a request's headers, from the connection or the last response


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class RequestIds:
    """ASGI middleware: each HTTP request gets a request id that its log records carry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with bound(request_id=new_request_id()):
            await self.app(scope, receive, send)


class BodyGuard:
    """ASGI middleware: 413 past the route's body limit, 408 when the body takes too long."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        body_timeout: float = BODY_TIMEOUT_SECONDS,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.body_timeout = body_timeout
        self.limits = {**MAX_BODY_BY_PATH, **(limits or {})}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], DEFAULT_MAX_BODY)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, 413, "payload too large", scope, limit)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        received = 0
        body_done = False
        started = False

        async def guarded_receive() -> Message:
            nonlocal received, body_done
            if body_done:
                return await receive()
            try:
                # A deadline on this task itself: wait_for would start a task per receive.
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _Refused(408, "request body too slow") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _Refused(413, "payload too large")
                body_done = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except _Refused as refused:
            log.warning("refused %s %s: %s", scope.get("method"), scope["path"], refused.reason)
            if not started:
                await _refuse(send, refused.status, refused.reason, scope, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else None
    return None


# The CRM sync API's error shape: a code and a sentence in the client's language.
API_REFUSALS = {413: ("payload_too_large", "api.body_too_large"), 408: ("timeout", "api.body_slow")}


async def _refuse(send: Send, status: int, reason: str, scope: Scope, limit: int) -> None:
    if scope["path"].startswith("/api/") and status in API_REFUSALS:
        error, key = API_REFUSALS[status]
        accept = dict(scope.get("headers", [])).get(b"accept-language", b"").decode("latin-1")
        t = Translator(language_for_header(accept))
        answer = {"error": error, "message": t(key, limit_kb=limit // 1000)}
    else:  # the bank webhook's answer shape; Slack ignores the body of a refusal
        answer = {"success": False, "error": reason}
    body = json.dumps(answer, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # The rest of the body is never read: the connection cannot carry another request.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing connections whose headers do not arrive in time.

    uvicorn waits for a new connection's first request, and for headers sent a byte at a time,
    without limit; this closes such a connection after `HEADER_TIMEOUT_SECONDS`.
    """

    header_timeout = HEADER_TIMEOUT_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.info("closed a connection whose request headers did not arrive in time")
            self.transport.close()


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
        # Connections whose headers dawdle are closed (GuardedH11Protocol); BodyGuard bounds
        # every body's size and time; idle keep-alive connections close after 5 s.
        http=GuardedH11Protocol,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
    )
