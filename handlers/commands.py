"""The slash command (`/misa` by default) and its subcommands."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.errors import DomainError
from bot.text import fold
from handlers.approvals import license_command, pending_command
from handlers.blocks.help import help_blocks
from handlers.blocks.kit import escape
from handlers.context import CommandRequest, Context
from handlers.deadlines import Deadlines
from handlers.errors import refusal_text, unexpected_text
from handlers.exports import export_command
from handlers.igov import igov_command
from handlers.lookup import Hint, lookup_reply
from handlers.order_lookup import order_reply
from handlers.replies import Reply
from handlers.reports import report_command

log = logging.getLogger(__name__)

# Leaves room for the network within Slack's 3 s.
ANSWER_WITHIN = 2.4
_deadlines = Deadlines(ANSWER_WITHIN)

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
    "report": report_command,
}


# How alike a mistyped first word and a subcommand must be (difflib's ratio): `hepl`/`help`
# is 0.75, `oder`/`order` 0.89; company words like `misa` or `cong` are far below.
SUGGESTION_CUTOFF = 0.75


def suggest_subcommand(word: str) -> str | None:
    """The subcommand a first word was probably meant to be (`hepl` → `help`), if any."""
    folded = fold(word)
    if not folded.isalpha() or folded in SUBCOMMANDS:
        return None
    names = [name for name in SUBCOMMANDS if name.isalpha()]
    close = difflib.get_close_matches(folded, names, n=1, cutoff=SUGGESTION_CUTOFF)
    return close[0] if close else None


def bare_lookup_reply(ctx: Context, request: CommandRequest) -> Reply:
    """A query without a subcommand; a first word close to one also gets "did you mean"."""
    first, _, rest = request.text.strip().partition(" ")
    suggestion = suggest_subcommand(first)
    if suggestion is None:
        return lookup_reply(ctx, request)
    rest = escape(" ".join(rest.replace("`", "").split()))[:100]
    meant = " ".join(p for p in (ctx.services.settings.slack_command, suggestion, rest) if p)
    hint = Hint(text=request.t("lookup.did_you_mean", command=meant), word=fold(first))
    return lookup_reply(ctx, request, hint=hint)


def split_subcommand(text: str) -> tuple[Subcommand, str]:
    """`lookup x` → lookup; an unknown first word is part of a bare lookup query."""
    word, _, rest = text.strip().partition(" ")
    handler = SUBCOMMANDS.get(word.lower())
    if handler is None:
        return bare_lookup_reply, text
    return handler, rest


def answer(ctx: Context, command: dict[str, Any]) -> Reply | None:
    t = ctx.languages.translator(command.get("user_id"))
    handler, rest = split_subcommand(command.get("text") or "")
    request = CommandRequest.from_payload(command, rest, t)
    try:
        return handler(ctx, request)
    except DomainError as error:  # the command surface's one translation of a refusal
        return Reply.message(refusal_text(t, error, ctx.services.settings.tz))
    except Exception as exc:  # the person gets an answer whatever happened
        return Reply.message(unexpected_text(t, exc, f"command {command.get('text')!r}"))


def register(app: App, ctx: Context) -> None:
    @app.command(ctx.services.settings.slack_command)
    def on_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        # Slack shows an error unless the command is acknowledged within 3 s. When Slack itself
        # is slow to answer us (a modal to open, approvers to ask), the command is acknowledged
        # in time on its behalf and the answer goes through response_url when it is ready.
        watched = _deadlines.watch(ack)
        try:
            reply = answer(ctx, command)
        finally:
            in_time = watched.finish()
        if not in_time:
            _answer_late(respond, reply)
        elif reply is None:
            ack()
        else:
            ack(**reply.ephemeral())


def _answer_late(respond: Respond, reply: Reply | None) -> None:
    if reply is None:
        return
    try:
        respond(**reply.ephemeral())
    except OSError as exc:
        log.warning("late answer to a command not delivered: %r", exc)
