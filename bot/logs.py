"""Logging set-up: one handler, text or JSON lines (LOG_FORMAT), and no secret ever written
(tokens, keys, passwords, links) in either.

What a record is about rides along in context variables: the request id of the Slack request
or outbox delivery being handled, the Slack user and team, the order or licence request
concerned. `bound(...)` sets them for a block of work; every record made inside carries them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets as random_ids
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

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


def redact_patterns(text: str) -> str:
    """`text` without what any token, credential or one-time URL looks like (PATTERNS)."""
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# What the work being done is about (see `bound`): request_id (a Slack or web request, an
# outbox delivery, a scheduled job's run), user and team (Slack's), order_id,
# licence_request_id, outbox_id, job.
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("log_context")


def new_request_id() -> str:
    return random_ids.token_hex(6)


@contextmanager
def bound(**fields: Any) -> Iterator[dict[str, Any]]:
    """Within the block, every log record carries `fields` (added to those already bound)."""
    current = {**_context.get({}), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(current)
    try:
        yield current
    finally:
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to what is bound for the rest of the current block (e.g. the order, once
    known)."""
    current = _context.get(None)
    if current is not None:
        current.update({k: v for k, v in fields.items() if v is not None})


def current_request_id() -> str | None:
    return _context.get({}).get("request_id")


class WithContext(logging.Filter):
    """Puts the bound fields on each record (as attributes; the JSON format writes them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.context = dict(_context.get({}))
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the bound fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "context", {}),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class RedactSecrets(logging.Filter):
    """Rewrites each record's message with secrets replaced, before any handler sees it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "…")
        return redact_patterns(text)

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
    for endpoint in settings.webhook_endpoints:  # the key itself, with or without its prefix
        values.append(endpoint.secret.get_secret_value().removeprefix("whsec_"))
    values += [key.get_secret_value() for key in settings.api_keys]
    for url in (settings.smtp_url, settings.database_url or ""):
        match = re.search(r"://[^:/@\s]+:([^@\s]+)@", url)
        if match:
            values.append(match.group(1))
    return values


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings) -> None:
    """Root handler on stderr with the redaction filter; every library logs through it."""
    handler = logging.StreamHandler(sys.stderr)
    json_lines = settings.log_format == "json"
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactSecrets(secret_values(settings)))
    handler.addFilter(WithContext())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
