"""What every flow's `register(app, ctx)` receives, and what a subcommand is given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.authz import Authorizer
from bot.i18n import Translator
from bot.services import Services
from handlers.locale import UserLanguages
from handlers.metadata import FormSeal
from handlers.slack_out import SlackOut


@dataclass(frozen=True)
class Context:
    services: Services
    languages: UserLanguages
    slack: SlackOut
    authz: Authorizer
    forms: FormSeal  # signs and checks every modal's private_metadata


@dataclass(frozen=True)
class CommandRequest:
    """A slash command after the subcommand word: who asked, where, and the rest of the text."""

    text: str
    user_id: str
    channel_id: str
    trigger_id: str
    response_url: str
    t: Translator

    @classmethod
    def from_payload(cls, payload: dict[str, Any], text: str, t: Translator) -> CommandRequest:
        return cls(
            text=text,
            user_id=payload.get("user_id", ""),
            channel_id=payload.get("channel_id", ""),
            trigger_id=payload.get("trigger_id", ""),
            response_url=payload.get("response_url", ""),
            t=t,
        )
