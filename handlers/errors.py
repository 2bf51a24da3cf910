"""One translator from domain errors (and surprises) to what the person sees, in their language."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt import App

from bot.errors import DomainError
from bot.i18n import Translator
from handlers.blocks.kit import escape
from handlers.replies import tell

log = logging.getLogger("handlers")


def _escaped(params: dict[str, Any]) -> dict[str, Any]:
    return {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}


def error_text(t: Translator, error: DomainError) -> str:
    """The catalog message for a domain error, with user-typed values escaped for mrkdwn."""
    return t(error.key, **_escaped(error.params))


def unexpected_text(t: Translator, exc: BaseException, where: str) -> str:
    """Log the surprise with a short reference the person can quote to support."""
    ref = secrets.token_hex(3).upper()
    log.error("unexpected error ref=%s in %s", ref, where, exc_info=exc)
    return t("error.unexpected", ref=ref)


def register(app: App) -> None:
    @app.error
    def on_unhandled(error: Exception, body: dict[str, Any], respond: Any) -> None:
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        text = unexpected_text(Translator(), error, f"listener (user {user})")
        if body.get("response_url") or body.get("response_urls"):
            try:
                tell(respond, text)
            except Exception:  # the person is told nothing more; the log has the reference
                log.exception("could not report the error to the user")
