"""The slash command (`/misa` by default) and its subcommands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from handlers.approvals import license_command, pending_command
from handlers.blocks.help import help_blocks
from handlers.context import CommandRequest, Context
from handlers.errors import unexpected_text
from handlers.exports import export_command
from handlers.igov import igov_command
from handlers.lookup import lookup_reply
from handlers.order_lookup import order_reply
from handlers.replies import Reply

# A subcommand returns the ephemeral reply to acknowledge with, or None for an empty ack
# (when it answered another way, e.g. by opening a modal).
Subcommand = Callable[[Context, CommandRequest], Reply | None]


def help_reply(ctx: Context, request: CommandRequest) -> Reply:
    blocks = help_blocks(request.t, ctx.services.settings.slack_command)
    return Reply(text=request.t("help.title"), blocks=blocks)


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": help_reply,
    "?": help_reply,
    "lookup": lookup_reply,
    "order": order_reply,
    "export": export_command,
    "igov": igov_command,
    "license": license_command,
    "pending": pending_command,
}


def split_subcommand(text: str) -> tuple[Subcommand, str]:
    """`lookup x` → lookup; an unknown first word is part of a bare lookup query."""
    word, _, rest = text.strip().partition(" ")
    handler = SUBCOMMANDS.get(word.lower())
    if handler is None:
        return lookup_reply, text
    return handler, rest


def register(app: App, ctx: Context) -> None:
    @app.command(ctx.services.settings.slack_command)
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        t = ctx.languages.translator(command.get("user_id"))
        handler, rest = split_subcommand(command.get("text") or "")
        request = CommandRequest.from_payload(command, rest, t)
        try:
            reply = handler(ctx, request)
        except Exception as exc:  # answer within Slack's 3 s whatever happened
            reply = Reply.message(unexpected_text(t, exc, f"command {command.get('text')!r}"))
        if reply is None:
            ack()
        else:
            ack(**reply.ephemeral())
