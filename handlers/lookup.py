"""Customer lookup: `/misa lookup <q>` and `/misa <q>`."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import App

from bot.customers import LookupResult, lookup
from bot.errors import DomainError, InvalidInput
from bot.text import fold
from handlers.blocks.kit import escape
from handlers.blocks.lookup import lookup_blocks, lookup_text
from handlers.context import CommandRequest, Context
from handlers.errors import error_text
from handlers.ids import PagingAction
from handlers.kernel import Interaction, button
from handlers.metadata import LookupPage
from handlers.replies import Reply


@dataclass(frozen=True)
class Hint:
    """A note shown above the answer ("did you mean …"), unless a customer found has `word`
    in its name: then the query meant what it said."""

    text: str
    word: str

    def applies_to(self, result: LookupResult | None) -> bool:
        customers = result.customers if result else ()
        return not any(self.word in fold(customer.name).split() for customer in customers)


def lookup_reply(
    ctx: Context,
    request: CommandRequest,
    hint: Hint | None = None,
    page: LookupPage | None = None,
) -> Reply:
    """What the person sees for a query (or for its next `page`); bad or empty queries get
    guidance, not errors."""
    services, t = ctx.services, request.t
    command = services.settings.slack_command
    result: LookupResult | None = None
    after = page.after if page else None
    try:
        today = services.clock.today()
        result = lookup(services, ctx.authz, request.user_id, request.text, today, after)
    except InvalidInput as error:
        if error.key == "lookup.empty":
            text = t("lookup.empty", command=command)
        elif error.key.startswith("tax_code."):
            text = t("lookup.invalid_tax_code", reason=error_text(t, error))
        else:
            text = error_text(t, error)
    except DomainError as error:
        text = error_text(t, error)
    else:
        if result.customers:
            note = hint.text if hint and hint.applies_to(result) else None
            shown_before = page.shown if page else 0
            blocks = lookup_blocks(t, result, note=note, shown_before=shown_before)
            return Reply(text=_noted(note, lookup_text(t, result)), blocks=blocks)
        if result.query.tax_code is not None:
            text = t("lookup.not_found_tax", tax_code=result.query.tax_code.value, command=command)
        else:
            text = t("lookup.not_found_name", query=escape(result.query.text))
    if hint and hint.applies_to(result):
        return Reply.message(f"{hint.text}\n{text}")
    return Reply.message(text)


def _noted(note: str | None, text: str) -> str:
    return f"{note}\n{text}" if note else text


@button(LookupPage)
def on_more(it: Interaction[LookupPage]) -> None:
    """`lookup.more`: the next page replaces the one clicked in, starting after its last
    customer (in the same order, whatever was imported meanwhile)."""
    page = it.meta
    request = CommandRequest(
        text=page.query,
        user_id=it.user,
        channel_id=it.channel_id,
        trigger_id=it.trigger_id,
        response_url="",
        t=it.t,
    )
    reply = lookup_reply(it.ctx, request, page=page)
    it.reply(reply.text, reply.blocks)


def register(app: App, ctx: Context) -> None:
    app.action(PagingAction.LOOKUP_MORE)(on_more.bind(ctx))
