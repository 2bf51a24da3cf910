"""Block Kit for the storage-order flow: the form, the order message in any state, refusals."""

from __future__ import annotations

from typing import Any

from bot.i18n import Translator
from bot.payments import PaymentInstructions
from bot.storage_orders import InvoiceInfo, OrderForm, OrderStatus, OrderView, Pricing
from handlers.blocks import forms, kit
from handlers.blocks.kit import Block, escape
from handlers.blocks.subscriptions import lifecycle_text
from handlers.ids import Action, Callback
from handlers.metadata import Metadata

QUANTITY_ACTION = "storage_order.quantity"
OPEN_PAGE_ACTION = "storage_order.open_page"
INVOICE_FIELDS = (
    ("buyer_name", 400),
    ("buyer_tax_code", 20),
    ("buyer_address", 500),
    ("recipient_name", 200),
    ("invoice_email", 254),
    ("phone", 20),
)


class OrderFormMeta(Metadata):
    """What the order modal carries between Slack round trips."""

    subscription_id: int
    package_code: str
    channel_id: str
    quantity: int


class OrderRef(Metadata):
    order_id: int


def pricing_text(t: Translator, pricing: Pricing, note: str | None = None) -> str:
    p = pricing.package
    lines = [
        f"*{escape(p.name)}*",
        f"{t('order.term')}: {p.term_months} {t('order.months')} · "
        f"{t('order.unit_price')}: {t.money(p.unit_price)}",
        f"{t('order.quantity')}: *{pricing.quantity}* · "
        f"{t('order.amount')}: {t.money(pricing.amount)}",
        f"{t('order.tax')}: {p.tax_label} ({t.money(pricing.tax_amount)})",
        f"*{t('order.total')}: {t.money(pricing.total)}*",
    ]
    if note:
        lines.append(f":warning: {note}")
    return "\n".join(lines)


def _invoice_input(t: Translator, block_id: str, initial: str, max_length: int) -> Block:
    label = t(f"order.field.{block_id}")
    if block_id == "invoice_email":
        return forms.email_input(block_id, label, initial=initial, hint=t("order.email_hint"))
    return forms.text_input(
        block_id, label, initial=initial, max_length=max_length, optional=block_id == "phone"
    )


def order_form_view(
    t: Translator,
    form: OrderForm,
    pricing: Pricing,
    meta: OrderFormMeta,
    private_metadata: str,
    *,
    note: str | None = None,
    invoice: InvoiceInfo | None = None,
) -> dict[str, Any]:
    """The order modal; the same block ids every time so Slack keeps what was typed.

    `private_metadata` is `meta` sealed for the person (handlers/metadata.py FormSeal)."""
    sub, customer = form.subscription, form.customer
    invoice = invoice or form.invoice
    package = pricing.package
    blocks: list[Block] = [
        kit.section(
            f"*{escape(customer.name)}* · {t('lookup.tax_code')} `{customer.tax_code}`\n"
            f"{t('lookup.contract')} `{escape(sub.contract_no)}` · "
            f"{lifecycle_text(t, sub.lifecycle)}",
            block_id="subscription",
        ),
        kit.header(t("order.package_title")),
        kit.section(pricing_text(t, pricing, note), block_id="pricing"),
        forms.whole_number_input(
            "quantity",
            t("order.quantity_label", max=package.max_quantity),
            initial=meta.quantity,
            minimum=1,
            maximum=package.max_quantity,
            on_change=QUANTITY_ACTION,
        ),
        kit.header(t("order.invoice_title")),
        kit.context(t("order.email_warning")),
    ]
    values = invoice.__dict__
    blocks += [_invoice_input(t, name, values[name], limit) for name, limit in INVOICE_FIELDS]
    return {
        "type": "modal",
        "callback_id": Callback.STORAGE_ORDER,
        "title": kit.plain(t("order.modal_title"), 24),
        "submit": kit.plain(t("order.submit"), 24),
        "close": kit.plain(t("order.close"), 24),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


def notice_view(t: Translator, text: str) -> dict[str, Any]:
    """Replaces the form when the order can no longer be placed (renewed meanwhile…)."""
    return {
        "type": "modal",
        "callback_id": Callback.STORAGE_ORDER,
        "title": kit.plain(t("order.modal_title"), 24),
        "close": kit.plain(t("order.close"), 24),
        "blocks": [kit.section(text)],
    }


def status_line(t: Translator, order: OrderView, tz: Any) -> str:
    match order.status:
        case OrderStatus.AWAITING_PAYMENT:
            return t("order.status.awaiting", deadline=order.payment_deadline)
        case OrderStatus.PAID:
            by = t("order.paid_by_bank") if order.paid_via == "transfer" else f"<@{order.paid_by}>"
            moment = t.moment(order.paid_at, tz) if order.paid_at else ""
            return t("order.status.paid", at=moment, by=by, storage_until=order.storage_until)
        case OrderStatus.EXPIRED:
            return t("order.status.expired", deadline=order.payment_deadline)
        case OrderStatus.CANCELLED:
            return t("order.status.cancelled")


def email_line(t: Translator, order: OrderView) -> str:
    email = escape(order.invoice.invoice_email)
    key = {"sent": "order.email.sent", "retrying": "order.email.retrying"}.get(
        order.email_status, "order.email.queued"
    )
    return t(key, email=email)


def paid_email_line(t: Translator, order: OrderView, tz: Any) -> str:
    """After payment: whether the confirmation email reached the customer's address yet."""
    email = escape(order.invoice.invoice_email)
    if order.paid_email_sent_at is None:
        return t("order.paid_mail.sending", email=email)
    return t("order.paid_mail.sent", email=email, at=t.moment(order.paid_email_sent_at, tz))


def order_blocks(
    t: Translator,
    order: OrderView,
    payment: PaymentInstructions,
    *,
    page_url: str,
    tz: Any,
    with_actions: bool = True,
) -> list[Block]:
    """The order message for any state: after payment the buttons give way to who and when."""
    awaiting = order.status is OrderStatus.AWAITING_PAYMENT
    blocks: list[Block] = [
        kit.header(t("order.message_title", order_no=order.order_no)),
        kit.section(
            f"*{escape(order.customer_name)}* · {t('lookup.tax_code')} `{order.customer_tax_code}`"
            f" · {t('lookup.contract')} `{escape(order.contract_no)}`\n"
            f"{escape(order.package_name)}: {order.quantity} × {order.term_months} "
            f"{t('order.months')} · *{t('order.total')}: {t.money(order.total)}*\n"
            f"{t('order.storage_until', storage_until=order.planned_storage_until)}\n"
            f"{status_line(t, order, tz)}",
            block_id="summary",
        ),
    ]
    if awaiting:
        blocks += [
            kit.section(t("order.way1"), block_id="way1"),
            kit.section(
                t(
                    "order.way2",
                    bank=escape(payment.bank_name),
                    account_no=payment.account_no,
                    account_name=escape(payment.account_name),
                    amount=t.money(payment.amount),
                    content=payment.content,
                ),
                block_id="way2",
            ),
            kit.section(f"{t('order.way3')} {email_line(t, order)}", block_id="way3"),
        ]
    if order.status is OrderStatus.PAID:
        blocks.append(kit.section(paid_email_line(t, order, tz), block_id="paid_email"))
    elements = [kit.button(t("order.open_page"), OPEN_PAGE_ACTION, url=page_url)]
    if awaiting and with_actions:
        confirm = {
            "title": kit.plain(t("order.confirm_title"), 100),
            "text": kit.mrkdwn(
                t("order.confirm_text", order_no=order.order_no, total=t.money(order.total)), 300
            ),
            "confirm": kit.plain(t("order.confirm_yes"), 30),
            "deny": kit.plain(t("order.confirm_no"), 30),
        }
        value = OrderRef(order_id=order.id).encode()
        elements.append(
            kit.button(t("order.mark_paid"), Action.ORDER_MARK_PAID, value, confirm=confirm)
        )
    blocks.append(kit.actions(*elements, block_id="order_actions"))
    blocks.append(kit.context(t("order.placed_by", user=order.placed_by)))
    return blocks


def order_text(t: Translator, order: OrderView) -> str:
    return t("order.fallback", order_no=order.order_no, total=t.money(order.total))
