"""iGOV order (seed 003, step 1): `/misa igov`, `igov_order.start`, the igov_order modal."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.errors import NotFound
from bot.i18n import Translator
from bot.igov_orders import (
    IgovCustomer,
    OrderForm,
    catalogue,
    chosen_customer,
    customer_by_tax_code,
    customer_for_order,
    load_order,
    place_order,
    record_order_message,
    search_public_customers,
)
from bot.outbox import OutboxJob, PermanentFailure, RetryLater
from bot.outbox_messages import IgovOrderPost, IgovOrderUpdate
from handlers.blocks import forms
from handlers.blocks.igov import customer_option, done_modal, order_message, order_modal
from handlers.context import CommandRequest, Context
from handlers.errors import error_text
from handlers.ids import Action, Callback, IgovAction, IgovOrderInput
from handlers.kernel import FormAnswers, Interaction, button, form, form_action, options
from handlers.metadata import CustomerRef, OrderFormState
from handlers.replies import SLACK_FAILURES, Reply, open_modal

log = logging.getLogger(__name__)


def open_order_modal(
    ctx: Context,
    client: WebClient,
    trigger_id: str,
    t: Translator,
    user_id: str,
    channel_id: str,
    customer: IgovCustomer | None,
) -> bool:
    """The order form for `user_id`; False when Slack did not open it."""
    sealed = ctx.forms.seal(OrderFormState(channel_id=channel_id), user_id)
    view = order_modal(t, catalogue(ctx.services), sealed, customer)
    return open_modal(client, trigger_id, view)


def igov_command(ctx: Context, request: CommandRequest) -> Reply | None:
    """`/misa igov <tax code>`: the order form for that customer (or searching, without one)."""
    t = request.t
    customer = customer_by_tax_code(ctx.services, request.text) if request.text.strip() else None
    # The order message goes where the command was typed (or to the person, if we can't post).
    channel = request.channel_id or request.user_id
    client, trigger = ctx.slack.client, request.trigger_id
    if not open_order_modal(ctx, client, trigger, t, request.user_id, channel, customer):
        return Reply.message(t("error.form_not_opened"))
    return None


def order_form(view: dict[str, Any]) -> OrderForm:
    state = view.get("state") or {}
    descriptions = forms.block_ids_with_prefix(state, IgovOrderInput.DESCRIPTION)
    return OrderForm(
        customer=forms.selected_of(state, IgovOrderInput.CUSTOMER),
        sales_project=forms.value_of(state, IgovOrderInput.SALES_PROJECT),
        description=forms.value_of(state, descriptions[0]) if descriptions else None,
        qty_kt=forms.value_of(state, IgovOrderInput.QTY_KT),
        qty_vps=forms.value_of(state, IgovOrderInput.QTY_VPS),
    )


@button(CustomerRef, stale="igov.customer_not_found")
def on_start(it: Interaction[CustomerRef]) -> None:
    """`igov_order.start`: the order form, with the customer of the lookup chosen."""
    customer = customer_for_order(it.services, it.meta.customer_id)
    channel = it.channel_id or it.user
    if not open_order_modal(it.ctx, it.client, it.trigger_id, it.t, it.user, channel, customer):
        it.tell(it.t("error.form_not_opened"))


@options
def on_search(it: Interaction[Any]) -> list[Any]:
    """The customers the external select offers for what was typed."""
    return [customer_option(c) for c in search_public_customers(it.services, it.value)]


@form_action(OrderFormState)
def on_customer(it: Interaction[OrderFormState]) -> None:
    """A customer was chosen: show its budget code, contacts and contract in the form."""
    customer, refused = chosen_customer(it.services, it.value)
    notice = error_text(it.t, refused) if refused else None  # said again, inline, on submit
    metadata = it.checked_metadata()  # stale, or not theirs: the form is not refreshed
    updated = order_modal(it.t, catalogue(it.services), metadata, customer, notice)
    view = it.view
    try:
        it.client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
    except SLACK_FAILURES as exc:  # changed meanwhile (theirs wins), or Slack is down
        log.info("igov_order form not refreshed: %r", exc)


def _done(t: Translator, text: str) -> dict[str, Any]:
    return done_modal(t, t("igov.order.title"), text)


@form(OrderFormState, FormAnswers(notice=_done, trouble_at=IgovOrderInput.SALES_PROJECT))
def on_submit(it: Interaction[OrderFormState]) -> dict[str, Any]:
    """Save the order once per form; the form turns into its number and amount."""
    card = place_order(
        it.services,
        order_form(it.view),
        authz=it.ctx.authz,
        submission_key=f"igov_order:{it.view['id']}",
        user=it.user,
        channel=it.meta.channel_id,
    )
    t = it.t
    return _done(t, t("igov.order.saved", order_no=card.order_no, amount=t.money(card.amount)))


def post_order(ctx: Context, job: OutboxJob[IgovOrderPost]) -> None:
    services = ctx.services
    card = load_order(services, job.message.order_id)
    if card.message_ts is not None:
        return
    # Channel messages are in the default language: everyone in the channel reads them.
    text, blocks = order_message(Translator(), card, services.settings.tz)
    try:
        channel, ts = ctx.slack.post_once(job, "posted", card.channel_id, text, blocks)
    except PermanentFailure:
        # Started where the bot can't post (a DM between people): tell the creator.
        dm = ctx.slack.dm_channel(card.created_by)
        channel, ts = ctx.slack.post_once(job, "posted.dm", dm, text, blocks)
    record_order_message(services, card.id, channel, ts)


def update_order(ctx: Context, job: OutboxJob[IgovOrderUpdate]) -> None:
    services = ctx.services
    try:
        card = load_order(services, job.message.order_id)
    except NotFound as exc:
        raise PermanentFailure(str(exc)) from exc
    if card.message_ts is None:
        raise RetryLater("order message not posted yet")
    text, blocks = order_message(Translator(), card, services.settings.tz)
    ctx.slack.update(card.channel_id, card.message_ts, text, blocks)


def register(app: App, ctx: Context) -> None:
    app.action(Action.IGOV_ORDER_START)(on_start.bind(ctx))
    app.options(IgovAction.ORDER_CUSTOMER)(on_search.bind(ctx))
    app.action(IgovAction.ORDER_CUSTOMER)(on_customer.bind(ctx))
    app.view(Callback.IGOV_ORDER)(on_submit.bind(ctx))
    ctx.services.outbox.register(IgovOrderPost, partial(post_order, ctx))
    ctx.services.outbox.register(IgovOrderUpdate, partial(update_order, ctx))
