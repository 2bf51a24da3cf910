"""The SMTP transport: the outside adapter that hands composed emails to the mail server."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from bot.mail import parse_smtp_url


class Mailer:
    """Sends one message per connection; failures raise so the outbox retries later."""

    def __init__(self, smtp_url: str, timeout: float = 20.0) -> None:
        self.config = parse_smtp_url(smtp_url)
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        config = self.config
        if config.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host,
                config.port,
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
        with client:
            if config.starttls:
                client.starttls(context=ssl.create_default_context())
            if config.username:
                client.login(config.username, config.password or "")
            client.send_message(message)
