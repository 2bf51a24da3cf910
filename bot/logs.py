"""Logging set-up: one format, and no secret ever written (tokens, keys, passwords, links)."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from bot.config import Settings

PATTERNS = [
    # Slack tokens, whatever their source.
    (re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+"), "xox…"),
    # The customer's order page and QR links: the token is the key to the order.
    (re.compile(r"/orders/[A-Za-z0-9_\-]{16,}"), "/orders/…"),
    # Credentials in URLs (database, SMTP).
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1…@"),
    # Authorization header values.
    (re.compile(r"(?i)\b(apikey|bearer)\s+[^\s'\",]+"), r"\1 …"),
    # Slack's one-time response URLs and trigger ids act on a person's behalf.
    (re.compile(r"https://hooks\.slack\.com/[^\s'\"]+"), "https://hooks.slack.com/…"),
]


class RedactSecrets(logging.Filter):
    """Rewrites each record's message with secrets replaced, before any handler sees it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "…")
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.msg, record.args = self.redact(message), None
        return True


def secret_values(settings: Settings) -> list[str]:
    values = [
        secret.get_secret_value()
        for secret in (
            settings.slack_bot_token,
            settings.slack_signing_secret,
            settings.slack_app_token,
            settings.payment_webhook_secret,
        )
        if secret is not None
    ]
    for url in (settings.smtp_url, settings.database_url or ""):
        match = re.search(r"://[^:/@\s]+:([^@\s]+)@", url)
        if match:
            values.append(match.group(1))
    return values


def configure_logging(settings: Settings) -> None:
    """Root handler on stderr with the redaction filter; every library logs through it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secret_values(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
