"""The customer's order page (`/orders/{token}`) and its QR image."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.customer_notices import SupportContact
from bot.i18n import Translator
from bot.payments import instructions_for, qr_png
from bot.storage_orders import OrderStatus, order_by_token
from handlers.context import Context

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
# The copy buttons' script, inline; the page's policy allows exactly this script by its hash.
COPY_SCRIPT = (TEMPLATES / "order_page.js").read_text(encoding="utf-8")
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(COPY_SCRIPT.encode()).digest()).decode()
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        f"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{_SCRIPT_HASH}'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}
# The QR image: never sniffed as anything but a PNG, never framed, no referrer.
IMAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def breakable_email(value: str) -> Markup:
    """An email address that a narrow screen wraps before "@" or ".", not inside a word."""
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?=[@.])", value))


_templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)
_templates.filters["breakable_email"] = breakable_email


def _not_found(t: Translator) -> Response:
    html = _templates.get_template("order_not_found.html").render(t=t)
    return HTMLResponse(html, status_code=404, headers=PAGE_HEADERS)


async def not_found(request: Request, _exc: Exception) -> Response:
    """Any URL no route takes: under /orders/ it looks exactly like an unknown token."""
    if request.url.path.startswith("/orders/"):
        return _not_found(Translator("vi"))
    return PlainTextResponse("Not Found", status_code=404)


def routes(ctx: Context) -> list[Route]:
    services = ctx.services

    async def order_page(request: Request) -> Response:
        t = Translator("vi")
        order = await run_in_threadpool(order_by_token, services, request.path_params["token"])
        if order is None:
            return _not_found(t)
        payment = instructions_for(services, order)
        html = _templates.get_template("order_page.html").render(
            t=t,
            order=order,
            pay=payment,
            paid=order.status is OrderStatus.PAID,
            open=order.status is OrderStatus.AWAITING_PAYMENT,
            cancelled=order.status is OrderStatus.CANCELLED,
            tz=services.settings.tz,
            login_url=services.settings.amis_login_url,
            support=SupportContact.from_settings(services.settings),
            script=COPY_SCRIPT,
        )
        return HTMLResponse(html, headers=PAGE_HEADERS)

    async def order_qr(request: Request) -> Response:
        order = await run_in_threadpool(order_by_token, services, request.path_params["token"])
        if order is None or order.status is not OrderStatus.AWAITING_PAYMENT:
            return _not_found(Translator("vi"))
        png = await run_in_threadpool(qr_png, services, order)
        return Response(png, media_type="image/png", headers=IMAGE_HEADERS)

    async def no_such_order(_request: Request) -> Response:
        return _not_found(Translator("vi"))

    return [
        Route("/orders/{token}", order_page, methods=["GET", "HEAD"]),
        Route("/orders/{token}/qr.png", order_qr, methods=["GET", "HEAD"]),
        # Anything else under /orders answers exactly like an unknown token.
        Route("/orders/{rest:path}", no_such_order, methods=["GET", "HEAD"]),
    ]
