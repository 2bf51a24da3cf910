"""Outbound events delivered to their endpoints, signed as Standard Webhooks says.

A 2xx ends the delivery. A 4xx other than 408 and 429 says the receiver will never take it:
it is given up (and reported like every delivery that gives up). 5xx, 408, 429, timeouts and
connection errors are retried with the outbox's backoff; a redirect is not followed and gives
up (the setting should name the final address). Each attempt is signed anew (the
receiver checks the timestamp is recent); the id and the body stay the same.
"""

from __future__ import annotations

import logging
from datetime import UTC

import httpx
from slack_bolt import App
from standardwebhooks import Webhook

from bot.outbox import OutboxJob, PermanentFailure
from bot.outbox_messages import WebhookEvent
from bot.webhook_endpoints import endpoint_for
from handlers.context import Context

log = logging.getLogger(__name__)

RETRIED_CLIENT_ERRORS = (408, 429)


class ReceiverUnavailable(Exception):
    """The receiver answered with an error worth retrying (5xx, 408, 429)."""


def register(_app: App, ctx: Context) -> None:
    settings = ctx.services.settings
    clock = ctx.services.clock
    client = httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False)

    def deliver(job: OutboxJob[WebhookEvent]) -> None:
        event = job.message
        endpoint = endpoint_for(settings.webhook_endpoints, event.endpoint)
        if endpoint is None:
            raise PermanentFailure(f"{event.endpoint} is no longer in WEBHOOK_ENDPOINTS")
        body = event.body()
        now = clock.now().astimezone(UTC)
        signature = Webhook(endpoint.secret.get_secret_value()).sign(event.event_id, now, body)
        headers = {
            "content-type": "application/json",
            "webhook-id": event.event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        }
        # Only the status is read: a receiver that trickles a long body holds nothing up.
        with client.stream("POST", endpoint.url, content=body.encode(), headers=headers) as answer:
            status = answer.status_code
        url = endpoint.url  # a password in it is redacted from logs and outbox errors
        if 200 <= status < 300:
            log.info("event %s (%s) delivered to %s", event.event_id, event.type, url)
            return
        if 300 <= status < 400:  # not followed: the setting should name the final address
            raise PermanentFailure(f"{url} redirected {event.type}: HTTP {status}")
        if 400 <= status < 500 and status not in RETRIED_CLIENT_ERRORS:
            raise PermanentFailure(f"{url} refused {event.type}: HTTP {status}")
        raise ReceiverUnavailable(f"{url} answered HTTP {status}")

    ctx.services.outbox.register(WebhookEvent, deliver)
