"""An order link's preview in Slack: number, state, amount, deadline or paid day."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot.i18n import Translator
from bot.link_previews import OrderPreview
from bot.storage_orders import OrderStatus
from handlers.blocks import kit


def order_unfurl(t: Translator, preview: OrderPreview, tz: tzinfo) -> dict[str, Any]:
    if preview.status is OrderStatus.PAID and preview.paid_at is not None:
        state = t("unfurl.paid", day=preview.paid_at.astimezone(tz).date())
    elif preview.status is OrderStatus.AWAITING_PAYMENT:
        state = t("unfurl.awaiting", deadline=preview.payment_deadline)
    else:
        state = t(f"unfurl.{preview.status.value}")
    text = t("unfurl.order", order_no=preview.order_no, amount=t.money(preview.total), state=state)
    return {"blocks": [kit.section(text)]}
