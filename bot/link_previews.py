"""Previews of order links posted in Slack (`PUBLIC_BASE_URL/orders/<token>`): what may be
shown to everyone in the conversation — the order number, its state, the amount, the deadline
or the day it was paid. Never the invoice email, phone or address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from bot.services import Services
from bot.storage_orders import OrderStatus, order_by_token

MAX_LINKS = 10  # a message with more order links is previewed for the first ones


@dataclass(frozen=True)
class OrderPreview:
    order_no: str
    status: OrderStatus
    total: int
    payment_deadline: date
    paid_at: datetime | None


def order_token(base_url: str | None, url: str) -> str | None:
    """The order token of a link to the order page (or its QR image); None for other links."""
    if not base_url:
        return None
    base, link = urlsplit(base_url), urlsplit(url)
    if (link.scheme, link.netloc.lower()) != (base.scheme, base.netloc.lower()):
        return None
    prefix = f"{base.path.rstrip('/')}/orders/"
    if not link.path.startswith(prefix):
        return None
    token, _, rest = link.path[len(prefix) :].partition("/")
    return token if rest in ("", "qr.png") and token else None


def order_previews(services: Services, urls: list[str]) -> dict[str, OrderPreview]:
    """The previews of the order links among `urls` (unknown tokens are left out)."""
    base = services.settings.public_base_url
    previews: dict[str, OrderPreview] = {}
    for url in urls[:MAX_LINKS]:
        token = order_token(base, url)
        order = order_by_token(services, token) if token else None
        if order is not None:
            previews[url] = OrderPreview(
                order_no=order.order_no,
                status=order.status,
                total=order.total,
                payment_deadline=order.payment_deadline,
                paid_at=order.paid_at,
            )
    return previews
