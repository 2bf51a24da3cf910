"""The sandbox's receiver of outbound events: the bot's one endpoint points back at the sandbox
itself (`/sandbox/events`), which verifies each delivery as a real receiver does (Standard
Webhooks) and records it once per `webhook-id`. The page's panel lists the events the bot
wrote (from the outbox: type, id, time, delivery status, body) and whether they arrived."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.outbox_messages import MalformedMessage, WebhookEvent
from storage.db import Database
from storage.models import OutboxMessage

PATH = "/sandbox/events"
SHOWN = 50


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class EventReceiver:
    """Verifies and records what the bot sends to `PATH`; lists what it wrote to the outbox."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._received: dict[str, datetime] = {}
        self._refused = 0
        self._lock = threading.Lock()

    def endpoint(self, public_url: str) -> dict[str, Any]:
        """The sandbox's one `WEBHOOK_ENDPOINTS` entry (every event)."""
        return {"url": f"{public_url}{PATH}", "secret": self.secret}

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            with self._lock:
                self._refused += 1
            return 401
        with self._lock:
            self._received.setdefault(headers["webhook-id"], datetime.now(UTC))
        return 204

    def events(self, db: Database, tz: tzinfo) -> dict[str, Any]:
        """The newest events the bot wrote, each with its delivery status and its body."""
        with db.session() as session:
            rows = list(
                session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.kind == WebhookEvent.kind)
                    .order_by(OutboxMessage.id.desc())
                    .limit(SHOWN)
                )
            )
        with self._lock:
            received = dict(self._received)
            refused = self._refused
        shown = []
        for row in rows:
            try:
                event = WebhookEvent.from_payload(row.payload)
            except MalformedMessage:
                continue
            arrived = received.get(event.event_id)
            shown.append(
                {
                    "id": event.event_id,
                    "type": event.type,
                    "time": f"{event.timestamp.astimezone(tz):%d/%m/%Y %H:%M:%S}",
                    "status": row.status,
                    "attempts": row.attempts,
                    "error": row.last_error,
                    "received": arrived.isoformat() if arrived else None,
                    "body": json.loads(event.body()),
                }
            )
        return {"events": shown, "refused": refused}


def routes(receiver: EventReceiver) -> list[Route]:
    async def receive(request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        status = await run_in_threadpool(receiver.receive, body, headers)
        if status == 401:
            return JSONResponse({"error": "signature not verified"}, status_code=401)
        return Response(status_code=status)

    return [Route(PATH, receive, methods=["POST"])]
