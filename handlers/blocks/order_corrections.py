"""Block Kit for correcting a storage order: the invoice form, the cancel form, their notices."""

from __future__ import annotations

from typing import Any

from bot.i18n import Translator
from bot.order_corrections import REASON_LIMIT
from bot.storage_orders import OrderView
from handlers.blocks import forms, kit
from handlers.blocks.kit import escape
from handlers.blocks.storage_order import INVOICE_FIELDS, invoice_input
from handlers.ids import OrderCallback, OrderCancelInput


def _about(t: Translator, order: OrderView) -> dict[str, Any]:
    return kit.section(
        t(
            "order.correct.about",
            order_no=order.order_no,
            customer=escape(order.customer_name),
            total=t.money(order.total),
        )
    )


def invoice_modal(t: Translator, order: OrderView, private_metadata: str) -> dict[str, Any]:
    """`order_invoice`: the invoice inputs of the order form, as the order has them now."""
    values = vars(order.invoice)
    blocks = [
        _about(t, order),
        kit.context(t("order.correct.invoice_warning")),
        *(invoice_input(t, name, values[name], limit) for name, limit in INVOICE_FIELDS),
    ]
    return forms.modal(
        OrderCallback.INVOICE,
        t("order.correct.invoice_title"),
        blocks,
        submit=t("order.correct.save"),
        close=t("order.close"),
        private_metadata=private_metadata,
    )


def cancel_modal(t: Translator, order: OrderView, private_metadata: str) -> dict[str, Any]:
    """`order_cancel`: why the order is cancelled."""
    blocks = [
        _about(t, order),
        kit.context(t("order.correct.cancel_warning")),
        forms.text_input(
            OrderCancelInput.REASON,
            t("order.correct.reason"),
            max_length=REASON_LIMIT,
            multiline=True,
        ),
    ]
    return forms.modal(
        OrderCallback.CANCEL,
        t("order.correct.cancel_title"),
        blocks,
        submit=t("order.correct.cancel_submit"),
        close=t("order.correct.keep"),
        private_metadata=private_metadata,
    )


def correction_notice(t: Translator, text: str) -> dict[str, Any]:
    """Replaces a correction form when the order can no longer be corrected (paid meanwhile…)."""
    return forms.modal(
        OrderCallback.INVOICE, t("order.correct.title"), [kit.section(text)], close=t("order.close")
    )
