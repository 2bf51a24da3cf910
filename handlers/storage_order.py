"""The storage-order flow in Slack: start, form with live totals, submit, mark paid, messages."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.payments import mark_paid
from bot.storage_orders import PlaceOrder, open_order_form, place_order, preview, price
from handlers.blocks import forms
from handlers.blocks.storage_order import INVOICE_FIELDS, notice_view, order_form_view
from handlers.context import Context
from handlers.errors import error_text
from handlers.ids import Action, Callback, StorageOrderAction, StorageOrderInput
from handlers.kernel import FormAnswers, Interaction, button, form, form_action
from handlers.metadata import OrderFormMeta, StorageOrderRef, SubscriptionRef
from handlers.replies import SLACK_FAILURES
from handlers.storage_order_delivery import register_deliveries

log = logging.getLogger(__name__)


@button(SubscriptionRef)
def on_start(it: Interaction[SubscriptionRef]) -> None:
    """`storage_order.start`: the order form, if the account may buy storage."""
    services = it.services
    today = services.clock.today()
    opened = open_order_form(services, it.ctx.authz, it.user, it.meta.subscription_id, today)
    meta = OrderFormMeta(
        subscription_id=opened.subscription.id,
        package_code=opened.package.code,
        # From the Home tab (no channel), the order message goes to the person's DM.
        channel_id=it.channel_id or it.ctx.slack.dm_channel(it.user),
        quantity=1,
    )
    it.open_modal(order_form_view(it.t, opened, price(opened.package, 1), meta, it.seal(meta)))


@form_action(OrderFormMeta)
def on_quantity(it: Interaction[OrderFormMeta]) -> None:
    """The seed's −/+: recompute the totals in place, keeping what was typed."""
    services, meta, view = it.services, it.meta, it.view
    today = services.clock.today()
    opened = open_order_form(services, it.ctx.authz, it.user, meta.subscription_id, today)
    typed = forms.value_of(it.state, StorageOrderInput.QUANTITY)
    pricing, refused = preview(services, meta.package_code, typed, meta.quantity)
    meta = meta.model_copy(update={"quantity": pricing.quantity})
    note = error_text(it.t, refused) if refused else None
    new_view = order_form_view(it.t, opened, pricing, meta, it.seal(meta), note=note)
    try:
        it.client.views_update(view_id=view["id"], hash=view["hash"], view=new_view)
    except SLACK_FAILURES as exc:  # the totals stay as they were; the submit recomputes them
        if isinstance(exc, SlackApiError) and exc.response.get("error") == "hash_conflict":
            log.info("quantity redraw skipped: a newer keystroke redrew the form")
        else:
            log.warning("order form totals not refreshed: %r", exc)


@form(OrderFormMeta, FormAnswers(notice=notice_view))
def on_submit(it: Interaction[OrderFormMeta]) -> None:
    """Place the order once per form (a retried submission finds it); the modal closes."""
    services, meta = it.services, it.meta
    command = PlaceOrder(
        submission_key=f"storage_order:{it.view['id']}",
        subscription_id=meta.subscription_id,
        package_code=meta.package_code,
        quantity=forms.value_of(it.state, StorageOrderInput.QUANTITY),
        invoice={str(name): forms.value_of(it.state, name) for name, _ in INVOICE_FIELDS},
        placed_by=it.user,
        channel_id=meta.channel_id,
    )
    place_order(services, it.ctx.authz, command, services.clock.now())


@button(StorageOrderRef)
def on_mark_paid(it: Interaction[StorageOrderRef]) -> None:
    services = it.services
    mark_paid(services, it.ctx.authz, it.meta.order_id, it.user, services.clock.now())
    it.tell(it.t("order.marked_paid"))


@button()
def on_open_page(it: Interaction[Any]) -> None:
    """A link button: Slack opens the page, the bot only acknowledges."""


def register(app: App, ctx: Context) -> None:
    register_deliveries(ctx)
    app.action(Action.STORAGE_ORDER_START)(on_start.bind(ctx))
    app.action(StorageOrderAction.QUANTITY)(on_quantity.bind(ctx))
    app.view(Callback.STORAGE_ORDER)(on_submit.bind(ctx))
    app.action(Action.ORDER_MARK_PAID)(on_mark_paid.bind(ctx))
    app.action(StorageOrderAction.OPEN_PAGE)(on_open_page.bind(ctx))
