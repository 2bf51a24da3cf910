"""Outbound events: what the bot decided, told to the systems that carry it out (AMIS, IMS).

Each event is written to the outbox in the transaction of the change it reports, once per
endpoint that subscribes to its type (`WEBHOOK_ENDPOINTS`), so each endpoint is retried on its
own. An event keeps one id (`msg_…`, the `webhook-id`) on every endpoint and every retry: a
receiver drops what it has seen. `data` names the order, request or subscription and the
customer's tax code, and nothing personal (no names, emails or phones).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.outbox import enqueue
from bot.outbox_messages import WebhookEvent
from bot.webhook_endpoints import DATA_DELETED as DATA_DELETED
from bot.webhook_endpoints import ORDER_CANCELLED as ORDER_CANCELLED
from bot.webhook_endpoints import ORDER_EXPIRED as ORDER_EXPIRED
from bot.webhook_endpoints import ORDER_PAID as ORDER_PAID
from bot.webhook_endpoints import ORDER_PLACED as ORDER_PLACED
from bot.webhook_endpoints import REQUEST_APPROVED as REQUEST_APPROVED
from bot.webhook_endpoints import REQUEST_REJECTED as REQUEST_REJECTED
from bot.webhook_endpoints import REQUEST_SUBMITTED as REQUEST_SUBMITTED
from bot.webhook_endpoints import WebhookEndpoint


def publish(
    session: Session,
    endpoints: Sequence[WebhookEndpoint],
    event_type: str,
    subject: str,
    data: Mapping[str, Any],
    *,
    now: datetime,
) -> int:
    """Enqueue the event for each endpoint that wants it, in the caller's transaction.

    `subject` (an order number, a request code…) makes it idempotent: the same event about
    the same subject is enqueued once per endpoint. Returns how many were enqueued.
    """
    wanting = [e for e in endpoints if e.wants(event_type)]
    if not wanting:
        return 0
    event_id = f"msg_{uuid.uuid4().hex}"
    timestamp = now.astimezone(UTC)
    count = 0
    for endpoint in wanting:
        message = WebhookEvent(
            event_id=event_id,
            endpoint=endpoint.url,
            type=event_type,
            timestamp=timestamp,
            data=dict(data),
        )
        url_key = hashlib.sha256(endpoint.url.encode()).hexdigest()[:16]
        key = f"{WebhookEvent.kind}:{event_type}:{subject}:{url_key}"
        count += enqueue(session, message, now=now, dedupe_key=key[:255])
    return count


def subscribed(endpoints: Sequence[WebhookEndpoint], event_type: str) -> bool:
    return any(e.wants(event_type) for e in endpoints)


# What each event says (its JSON Schema is in docs/events/).


def order_data(order: Any, **extra: Any) -> dict[str, Any]:
    """A storage order (with its customer and subscription loaded)."""
    return {
        "order_no": order.order_no,
        "tax_code": order.customer.tax_code,
        "contract_no": order.subscription.contract_no,
        "product": order.subscription.product,
        **extra,
    }


def request_data(request: Any, contract_no: str | None, **extra: Any) -> dict[str, Any]:
    """A licence request (with its customer loaded) and the subscription it is for."""
    return {
        "request_code": request.code,
        "tax_code": request.customer.tax_code,
        "contract_no": contract_no,
        "product": request.product,
        **extra,
    }


def granted_modules(modules: Sequence[Any]) -> list[dict[str, Any]]:
    """Modules of a request: months of use and resource quantities (before, bought, total)."""
    return [
        {
            "module_code": m.module_code,
            "module_name": m.module_name,
            "months": m.months,
            "quantity_previous": m.quantity_previous,
            "quantity_bought": m.quantity_bought,
            "quantity_total": m.quantity_total,
        }
        for m in modules
    ]
