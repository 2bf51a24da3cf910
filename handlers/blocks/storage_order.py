"""Block Kit for the storage-order flow: the form, the order message in any state, refusals."""

from __future__ import annotations

from typing import Any

from bot.crm_sync import ACTOR as CRM_ACTOR
from bot.i18n import Translator
from bot.payments import PaymentInstructions
from bot.storage_orders import InvoiceInfo, OrderForm, OrderStatus, OrderView, Pricing
from handlers.blocks import forms, kit
from handlers.blocks.kit import Block, escape
from handlers.blocks.subscriptions import lifecycle_text
from handlers.ids import Action, Callback, OrderAction, StorageOrderAction, StorageOrderBlock
from handlers.ids import StorageOrderInput as Input
from handlers.metadata import OrderFormMeta, StorageOrderRef

# The invoice inputs, named as InvoiceInfo's fields, with the length each accepts.
INVOICE_FIELDS = (
    (Input.BUYER_NAME, 400),
    (Input.BUYER_TAX_CODE, 20),
    (Input.BUYER_ADDRESS, 500),
    (Input.RECIPIENT_NAME, 200),
    (Input.INVOICE_EMAIL, 254),
    (Input.PHONE, 20),
)


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


def invoice_input(t: Translator, block_id: str, initial: str, max_length: int) -> Block:
    label = t(f"order.field.{block_id}")
    if block_id == Input.INVOICE_EMAIL:
        return forms.email_input(block_id, label, initial=initial, hint=t("order.email_hint"))
    return forms.text_input(
        block_id, label, initial=initial, max_length=max_length, optional=block_id == Input.PHONE
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
            block_id=StorageOrderBlock.SUBSCRIPTION,
        ),
        kit.header(t("order.package_title")),
        kit.section(pricing_text(t, pricing, note), block_id=StorageOrderBlock.PRICING),
        forms.whole_number_input(
            Input.QUANTITY,
            t("order.quantity_label", max=package.max_quantity),
            initial=meta.quantity,
            minimum=1,
            maximum=package.max_quantity,
            on_change=StorageOrderAction.QUANTITY,
        ),
        kit.header(t("order.invoice_title")),
        kit.context(t("order.email_warning")),
    ]
    values = invoice.__dict__
    blocks += [invoice_input(t, name, values[name], limit) for name, limit in INVOICE_FIELDS]
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
            if order.cancelled_at is None:
                return t("order.status.cancelled")
            if order.cancelled_by == CRM_ACTOR:
                return t(
                    "order.status.cancelled_by_crm",
                    at=t.moment(order.cancelled_at, tz),
                    reason=escape(order.cancel_reason or ""),
                )
            return t(
                "order.status.cancelled_by",
                at=t.moment(order.cancelled_at, tz),
                user=order.cancelled_by or "",
                reason=escape(order.cancel_reason or ""),
            )


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
            block_id=StorageOrderBlock.SUMMARY,
        ),
    ]
    if awaiting:
        blocks += [
            kit.section(t("order.way1"), block_id=StorageOrderBlock.WAY1),
            kit.section(
                t(
                    "order.way2",
                    bank=escape(payment.bank_name),
                    account_no=payment.account_no,
                    account_name=escape(payment.account_name),
                    amount=t.money(payment.amount),
                    content=payment.content,
                ),
                block_id=StorageOrderBlock.WAY2,
            ),
            kit.section(
                f"{t('order.way3')} {email_line(t, order)}", block_id=StorageOrderBlock.WAY3
            ),
        ]
    if order.status is OrderStatus.PAID:
        blocks.append(
            kit.section(paid_email_line(t, order, tz), block_id=StorageOrderBlock.PAID_EMAIL)
        )
    elements = [kit.button(t("order.open_page"), StorageOrderAction.OPEN_PAGE, url=page_url)]
    if awaiting and with_actions:
        confirm = {
            "title": kit.plain(t("order.confirm_title"), 100),
            "text": kit.mrkdwn(
                t("order.confirm_text", order_no=order.order_no, total=t.money(order.total)), 300
            ),
            "confirm": kit.plain(t("order.confirm_yes"), 30),
            "deny": kit.plain(t("order.confirm_no"), 30),
        }
        value = StorageOrderRef(order_id=order.id).encode()
        elements += [
            kit.button(t("order.mark_paid"), Action.ORDER_MARK_PAID, value, confirm=confirm),
            kit.button(t("order.edit_invoice"), OrderAction.EDIT_INVOICE, value),
            kit.button(t("order.resend_email"), OrderAction.RESEND_EMAIL, value),
            kit.button(t("order.cancel"), OrderAction.CANCEL, value, style="danger"),
        ]
    blocks.append(kit.actions(*elements, block_id=StorageOrderBlock.ORDER_ACTIONS))
    blocks.append(kit.context(t("order.placed_by", user=order.placed_by)))
    return blocks


def order_text(t: Translator, order: OrderView) -> str:
    return t("order.fallback", order_no=order.order_no, total=t.money(order.total))
