"""`/misa order <order no>`: an order, where it stands, and its history."""

from __future__ import annotations

from bot.audit import history
from bot.payments import instructions_for
from bot.storage_orders import ENTITY, find_order
from handlers.blocks import kit
from handlers.blocks.history import history_lines
from handlers.blocks.storage_order import order_blocks, order_text
from handlers.context import CommandRequest, Context
from handlers.replies import Reply
from handlers.storage_order_delivery import order_page_url


def order_reply(ctx: Context, request: CommandRequest) -> Reply:
    t = request.t
    if not request.text.strip():
        return Reply.message(t("order.lookup_usage", command=ctx.services.settings.slack_command))
    order = find_order(ctx.services, ctx.authz, request.user_id, request.text)
    blocks = order_blocks(
        t,
        order,
        instructions_for(ctx.services, order),
        page_url=order_page_url(ctx, order),
        tz=ctx.services.settings.tz,
        with_actions=False,
    )
    events = history(ctx.services, ENTITY, order.id)
    blocks.append(kit.section(history_lines(t, events, ctx.services.settings.tz)))
    return Reply(text=order_text(t, order), blocks=blocks)
