"""Customer lookup: `/misa lookup <q>` and `/misa <q>`."""

from __future__ import annotations

from bot.customers import lookup
from bot.errors import DomainError, InvalidInput
from handlers.blocks.kit import escape
from handlers.blocks.lookup import lookup_blocks, lookup_text
from handlers.context import CommandRequest, Context
from handlers.errors import error_text
from handlers.replies import Reply


def lookup_reply(ctx: Context, request: CommandRequest) -> Reply:
    """What the person sees for a query; bad or empty queries get guidance, not errors."""
    services, t = ctx.services, request.t
    command = services.settings.slack_command
    try:
        result = lookup(services, ctx.authz, request.user_id, request.text, services.clock.today())
    except InvalidInput as error:
        if error.key == "lookup.empty":
            return Reply.message(t("lookup.empty", command=command))
        if error.key.startswith("tax_code."):
            return Reply.message(t("lookup.invalid_tax_code", reason=error_text(t, error)))
        return Reply.message(error_text(t, error))
    except DomainError as error:
        return Reply.message(error_text(t, error))
    if not result.customers:
        if result.query.tax_code is not None:
            text = t("lookup.not_found_tax", tax_code=result.query.tax_code.value, command=command)
        else:
            text = t("lookup.not_found_name", query=escape(result.query.text))
        return Reply.message(text)
    return Reply(text=lookup_text(t, result), blocks=lookup_blocks(t, result))
