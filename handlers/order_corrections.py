"""Correcting a storage order from its message: `order.edit_invoice`, `order.resend_email`,
`order.cancel`, and their modals `order_invoice`, `order_cancel`."""

from __future__ import annotations

from slack_bolt import App

from bot.order_corrections import cancel_order, correctable_order, edit_invoice, resend_email
from handlers.blocks import forms
from handlers.blocks.kit import escape
from handlers.blocks.order_corrections import cancel_modal, correction_notice, invoice_modal
from handlers.blocks.storage_order import INVOICE_FIELDS
from handlers.context import Context
from handlers.ids import OrderAction, OrderCallback, OrderCancelInput, StorageOrderInput
from handlers.kernel import FormAnswers, Interaction, button, form
from handlers.metadata import OrderCorrectionState, StorageOrderRef


@button(StorageOrderRef)
def on_edit_invoice(it: Interaction[StorageOrderRef]) -> None:
    """The invoice details as the order has them, to correct (the placer and finance)."""
    order = correctable_order(it.services, it.ctx.authz, it.meta.order_id, it.user)
    state = OrderCorrectionState(order_id=order.id)
    it.open_modal(invoice_modal(it.t, order, it.seal(state)))


@form(
    OrderCorrectionState,
    FormAnswers(correction_notice, trouble_at=StorageOrderInput.INVOICE_EMAIL),
)
def on_invoice_submit(it: Interaction[OrderCorrectionState]) -> None:
    """Save the corrected details; the order message, page and email follow. The modal closes."""
    services = it.services
    edit_invoice(
        services,
        it.ctx.authz,
        it.meta.order_id,
        it.user,
        {str(name): forms.value_of(it.state, name) for name, _ in INVOICE_FIELDS},
        services.clock.now(),
    )


@button(StorageOrderRef)
def on_resend_email(it: Interaction[StorageOrderRef]) -> None:
    services = it.services
    order = resend_email(services, it.ctx.authz, it.meta.order_id, it.user, services.clock.now())
    email = escape(order.invoice.invoice_email)
    it.tell(it.t("order.correct.resending", order_no=order.order_no, email=email))


@button(StorageOrderRef)
def on_cancel(it: Interaction[StorageOrderRef]) -> None:
    """Ask why before cancelling (the placer and finance)."""
    order = correctable_order(it.services, it.ctx.authz, it.meta.order_id, it.user)
    state = OrderCorrectionState(order_id=order.id)
    it.open_modal(cancel_modal(it.t, order, it.seal(state)))


@form(OrderCorrectionState, FormAnswers(correction_notice, trouble_at=OrderCancelInput.REASON))
def on_cancel_submit(it: Interaction[OrderCorrectionState]) -> None:
    services = it.services
    reason = forms.value_of(it.state, OrderCancelInput.REASON)
    cancel_order(services, it.ctx.authz, it.meta.order_id, it.user, reason, services.clock.now())


def register(app: App, ctx: Context) -> None:
    app.action(OrderAction.EDIT_INVOICE)(on_edit_invoice.bind(ctx))
    app.view(OrderCallback.INVOICE)(on_invoice_submit.bind(ctx))
    app.action(OrderAction.RESEND_EMAIL)(on_resend_email.bind(ctx))
    app.action(OrderAction.CANCEL)(on_cancel.bind(ctx))
    app.view(OrderCallback.CANCEL)(on_cancel_submit.bind(ctx))
