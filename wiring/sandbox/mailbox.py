"""The sandbox's SMTP sink: a real SMTP server on loopback (aiosmtpd) keeping what the bot
sends, shown in the page's inbox with its HTML rendered and its inline images in place."""

from __future__ import annotations

import base64
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """Receives every email on 127.0.0.1 (any recipient) and keeps it in memory."""

    def __init__(self) -> None:
        self.port = free_port()
        self._messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self._messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def start(self) -> Mailbox:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def emails(self) -> list[dict[str, Any]]:
        """Every email received, newest first, as the inbox shows it."""
        with self._lock:
            messages = list(self._messages)
        return [_as_shown(index, m) for index, m in reversed(list(enumerate(messages)))]


def _as_shown(index: int, message: EmailMessage) -> dict[str, Any]:
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    html = html_part.get_content() if html_part is not None else ""
    for part in message.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_maintype() == "image":
            data = base64.b64encode(part.get_payload(decode=True) or b"").decode()
            uri = f"data:{part.get_content_type()};base64,{data}"
            html = html.replace(f"cid:{cid.strip('<>')}", uri)
    return {
        "id": index,
        "subject": str(message.get("Subject", "")),
        "from": str(message.get("From", "")),
        "to": str(message.get("To", "")),
        "date": str(message.get("Date", "")),
        "html": html,
        "text": text_part.get_content() if text_part is not None else "",
        "attachments": [
            part.get_filename()
            for part in message.iter_attachments()
            if part.get_filename() and not part.get("Content-ID")
        ],
    }
