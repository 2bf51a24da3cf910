"""The bank simulator: SePay-style transfer notifications sent to the bot's own
`/payments/webhook` with the sandbox's webhook key, and the control that sends them, added to
the real order page when (and only when) the sandbox serves it."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import Settings
from storage.db import Database
from storage.repositories import storage_orders
from wiring.sandbox.workspace import BANK_ACCOUNT_NO


class Transfer(StrEnum):
    FULL = "full"  # the whole amount, the order number in the content
    LESS = "less"  # half the amount
    WRONG_CONTENT = "wrong"  # the whole amount, no order number in the content


LABELS = {
    Transfer.FULL: "Chuyển đủ số tiền",
    Transfer.LESS: "Chuyển thiếu (một nửa)",
    Transfer.WRONG_CONTENT: "Chuyển sai nội dung",
}


def notification(order_no: str, total: int, kind: Transfer, now: datetime) -> dict[str, Any]:
    """What SePay posts for an incoming transfer."""
    amount = total // 2 if kind is Transfer.LESS else total
    content = (
        "CHUYEN TIEN THANH TOAN DON HANG"
        if kind is Transfer.WRONG_CONTENT
        else f"{order_no.replace('-', '')} THANH TOAN"
    )
    return {
        "id": secrets.randbelow(10**9),
        "gateway": "BIDV",
        "transactionDate": now.strftime("%Y-%m-%d %H:%M:%S"),
        "accountNumber": BANK_ACCOUNT_NO,
        "code": None,
        "content": content,
        "transferType": "in",
        "transferAmount": amount,
        "accumulated": 0,
        "subAccount": None,
        "referenceCode": f"FT{secrets.randbelow(10**10):010d}",
        "description": content,
    }


def send_transfer(
    settings: Settings, database: Database, token: str, kind: Transfer
) -> httpx.Response | None:
    """Notify the bot of a transfer for the order with this page token (None: no such order)."""
    with database.session() as session:
        order = storage_orders.by_token(session, token)
        if order is None:
            return None
        order_no, total = order.order_no, order.total
    secret = settings.payment_webhook_secret
    assert secret is not None and settings.public_base_url is not None
    body = notification(order_no, total, kind, datetime.now(settings.tz))
    return httpx.post(
        f"{settings.public_base_url}/payments/webhook",
        json=body,
        headers={"Authorization": f"Apikey {secret.get_secret_value()}"},
        timeout=10,
    )


def routes(settings: Settings, database: Database) -> list[Route]:
    async def transfer(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            kind = Transfer(request.path_params["kind"])
        except ValueError:
            return PlainTextResponse("unknown transfer", status_code=404)
        from starlette.concurrency import run_in_threadpool

        answer = await run_in_threadpool(send_transfer, settings, database, token, kind)
        if answer is None:
            return PlainTextResponse("no such order", status_code=404)
        return RedirectResponse(f"/orders/{token}?transfer={kind.value}", status_code=303)

    return [Route("/sandbox/bank/{token}/{kind}", transfer, methods=["POST"])]


_ORDER_PAGE = re.compile(r"^/orders/[A-Za-z0-9_-]+$")


def _panel(token: str, sent: str | None) -> Markup:
    buttons = Markup("").join(
        Markup(
            '<form method="post" action="/sandbox/bank/{token}/{kind}" style="display:inline">'
            '<button type="submit" data-testid="bank-{kind}">{label}</button></form> '
        ).format(token=token, kind=kind.value, label=label)
        for kind, label in LABELS.items()
    )
    note = (
        Markup('<p data-testid="bank-sent">Đã gửi thông báo chuyển khoản: {}.</p>').format(
            LABELS.get(Transfer(sent), "")
        )
        if sent in {k.value for k in Transfer}
        else Markup("")
    )
    return Markup(
        '<aside data-testid="bank-simulator" style="background:#fff8e1;border-bottom:2px solid '
        '#f0b400;padding:.75rem 1rem;font-family:system-ui,sans-serif">'
        "<strong>Sandbox · Mô phỏng ngân hàng</strong> "
        "<span>(gửi thông báo chuyển khoản kiểu SePay tới /payments/webhook)</span><br>"
        "{buttons}{note}</aside>"
    ).format(buttons=buttons, note=note)


class OrderPagePanel:
    """ASGI middleware: adds the bank simulator's control to the order page's HTML and lets
    its forms post to this server (the page's policy otherwise forbids any form)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not _ORDER_PAGE.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            assert start is not None
            await _send_with_panel(send, start, b"".join(chunks), scope)

        await self.app(scope, receive, capture)


async def _send_with_panel(send: Send, start: Message, body: bytes, scope: Scope) -> None:
    headers = [(k, v) for k, v in start["headers"] if k not in (b"content-length",)]
    if start["status"] == 200 and any(
        k == b"content-type" and v.startswith(b"text/html") for k, v in headers
    ):
        token = scope["path"].rsplit("/", 1)[1]
        query = dict(
            part.split("=", 1) for part in scope["query_string"].decode().split("&") if "=" in part
        )
        panel = str(_panel(str(escape(token)), query.get("transfer"))).encode()
        body = re.sub(rb"(<body[^>]*>)", lambda m: m.group(1) + panel, body, count=1)
        headers = [
            (k, v.replace(b"form-action 'none'", b"form-action 'self'"))
            if k == b"content-security-policy"
            else (k, v)
            for k, v in headers
        ]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})
