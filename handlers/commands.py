"""The slash command (`/misa` by default) and its subcommands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.i18n import Translator
from bot.services import Services
from handlers.blocks.help import help_blocks
from handlers.errors import unexpected_text
from handlers.locale import UserLanguages
from handlers.lookup import lookup_reply
from handlers.replies import Reply

Subcommand = Callable[[Services, Translator, str], Reply]


def help_reply(services: Services, t: Translator, _rest: str) -> Reply:
    return Reply(text=t("help.title"), blocks=help_blocks(t, services.settings.slack_command))


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": help_reply,
    "?": help_reply,
    "lookup": lookup_reply,
}


def split_subcommand(text: str) -> tuple[Subcommand, str]:
    """`lookup x` → lookup; an unknown first word is part of a bare lookup query."""
    word, _, rest = text.strip().partition(" ")
    handler = SUBCOMMANDS.get(word.lower())
    if handler is None:
        return lookup_reply, text
    return handler, rest


def register(app: App, services: Services, languages: UserLanguages) -> None:
    @app.command(services.settings.slack_command)
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        t = languages.translator(command.get("user_id"))
        handler, rest = split_subcommand(command.get("text") or "")
        try:
            reply = handler(services, t, rest)
        except Exception as exc:  # answer within Slack's 3 s whatever happened
            reply = Reply.message(unexpected_text(t, exc, f"command {command.get('text')!r}"))
        ack(**reply.ephemeral())
