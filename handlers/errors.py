"""One translator from domain errors (and surprises) to what the person sees, in their language."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from slack_bolt import Ack, App

from bot.errors import AlreadyDecided, DomainError
from bot.i18n import Translator
from bot.logs import current_request_id
from handlers.blocks.approvals import already_decided_text
from handlers.blocks.kit import escape
from handlers.replies import tell

log = logging.getLogger("handlers")


def _escaped(params: dict[str, Any]) -> dict[str, Any]:
    return {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}


def error_text(t: Translator, error: DomainError) -> str:
    """The catalog message for a domain error, with user-typed values escaped for mrkdwn."""
    return t(error.key, **_escaped(error.params))


def refusal_text(t: Translator, error: DomainError, tz: tzinfo) -> str:
    """What a person is told (mrkdwn) when a rule says no; a licence request decided already
    says who decided it and when."""
    if isinstance(error, AlreadyDecided) and error.key == "approval.already_decided":
        at = error.params.get("decided_at")
        when = t.moment(at, tz) if isinstance(at, datetime) else ""
        by = error.params.get("decided_by") or ""
        return already_decided_text(t, error.params["status"], by, when, error.params["code"])
    return error_text(t, error)


def _reference(exc: BaseException, where: str) -> str:
    """Log the surprise with a short reference the person can quote to support: the request's
    id, which every log line of that request carries (LOG_FORMAT=json: `request_id`)."""
    ref = (current_request_id() or secrets.token_hex(6)).upper()
    log.error("unexpected error ref=%s in %s", ref, where, exc_info=exc)
    return ref


def unexpected_text(t: Translator, exc: BaseException, where: str) -> str:
    return t("error.unexpected", ref=_reference(exc, where))


def unexpected_field_error(exc: BaseException, where: str) -> DomainError:
    """The surprise as an inline form error (plain text), with its logged reference."""
    return DomainError("error.unexpected_field", ref=_reference(exc, where))


def reject_fields(ack: Ack, t: Translator, errors: Mapping[str, DomainError]) -> None:
    """Refuse a modal submission with a message under each input (`response_action: errors`).

    Slack shows these messages as plain text: typed values are not escaped for mrkdwn, and the
    catalog texts carry no markup (tests/test_modal_errors.py keeps them so).
    """
    texts = {block_id: t(error.key, **error.params) for block_id, error in errors.items()}
    ack(response_action="errors", errors=texts)


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
