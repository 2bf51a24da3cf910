"""iGOV order (seed 003, step 1): `/misa igov`, `igov_order.start`, the igov_order modal."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.errors import DomainError, InvalidFields, NotAuthorized, NotFound
from bot.i18n import Translator
from bot.igov_orders import (
    POST_ORDER,
    UPDATE_ORDER,
    IgovCustomer,
    OrderForm,
    catalogue,
    customer_by_tax_code,
    customer_for_order,
    load_order,
    place_order,
    search_public_customers,
)
from bot.outbox import OutboxJob, PermanentFailure, RetryLater
from handlers.blocks import forms
from handlers.blocks.igov import customer_option, done_modal, order_message, order_modal
from handlers.context import CommandRequest, Context
from handlers.errors import error_text, reject_fields, unexpected_field_error
from handlers.ids import Action, Callback, IgovAction, IgovOrderInput
from handlers.metadata import CustomerRef, MetadataError, OrderFormState
from handlers.replies import SLACK_FAILURES, Reply, open_modal, tell
from storage.repositories import licences as repo

log = logging.getLogger(__name__)


def form_errors(error: InvalidFields) -> dict[str, DomainError]:
    """The errors to show on a form: the first one per input."""
    return error.errors


def answer_form(
    ack: Ack, t: Translator, block_id: str, where: str, submit: Callable[[], None]
) -> None:
    """Run a form's submission; a surprise becomes an inline error with a reference to quote
    (rather than Slack's wordless failure), and the person's input stays."""
    try:
        submit()
    except MetadataError as exc:  # not what we wrote, or not theirs: the form can't be trusted
        log.warning("%s refused: %s", where, exc)
        reject_fields(ack, t, {block_id: DomainError(exc.text_key)})
    except Exception as exc:
        reject_fields(ack, t, {block_id: unexpected_field_error(exc, where)})


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
    customer = None
    if request.text.strip():
        try:
            customer = customer_by_tax_code(ctx.services, request.text)
        except DomainError as error:
            return Reply.message(error_text(t, error))
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


def register(app: App, ctx: Context) -> None:
    services = ctx.services

    @app.action(Action.IGOV_ORDER_START)
    def on_start(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        try:
            ref = CustomerRef.decode(body["actions"][0].get("value"))
            customer = customer_for_order(services, ref.customer_id)
        except MetadataError:
            tell(respond, t("igov.customer_not_found"))
            return
        except DomainError as error:
            tell(respond, error_text(t, error))
            return
        channel = (body.get("channel") or {}).get("id") or user
        if not open_order_modal(ctx, client, body["trigger_id"], t, user, channel, customer):
            tell(respond, t("error.form_not_opened"))

    @app.options(IgovAction.ORDER_CUSTOMER)
    def on_search(ack: Ack, payload: dict[str, Any]) -> None:
        found = search_public_customers(services, payload.get("value") or "")
        ack(options=[customer_option(c) for c in found])

    @app.action(IgovAction.ORDER_CUSTOMER)
    def on_customer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A customer was chosen: show its budget code, contacts and contract in the form."""
        ack()
        view = body["view"]
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        chosen = (body["actions"][0].get("selected_option") or {}).get("value") or ""
        customer, notice = None, None
        try:
            chosen_id = int(chosen) if re.fullmatch(r"[0-9]{1,18}", chosen) else 0
            customer = customer_for_order(services, chosen_id)
        except DomainError as error:
            notice = error_text(t, error)  # said again, inline, if the form is submitted
        metadata = view.get("private_metadata") or ""
        try:
            ctx.forms.open(OrderFormState, metadata, user)  # checked, then kept as it is
        except MetadataError as exc:
            log.warning("igov_order form not refreshed: %s", exc)
            return  # submitting it says the form is stale (or not theirs)
        updated = order_modal(t, catalogue(services), metadata, customer, notice)
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
        except SLACK_FAILURES as exc:  # changed meanwhile (theirs wins), or Slack is down
            log.info("igov_order form not refreshed: %r", exc)

    @app.view(Callback.IGOV_ORDER)
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        where = "igov_order submission"
        answer_form(ack, t, IgovOrderInput.SALES_PROJECT, where, lambda: save(ack, t, user, view))

    def save(ack: Ack, t: Translator, user: str, view: dict[str, Any]) -> None:
        state = ctx.forms.open(OrderFormState, view.get("private_metadata"), user)
        try:
            card = place_order(
                services,
                order_form(view),
                authz=ctx.authz,
                submission_key=f"igov_order:{view['id']}",
                user=user,
                channel=state.channel_id,
            )
        except InvalidFields as error:
            reject_fields(ack, t, form_errors(error))
            return
        except NotAuthorized as error:
            title = t("igov.order.title")
            ack(response_action="update", view=done_modal(t, title, error_text(t, error)))
            return
        text = t("igov.order.saved", order_no=card.order_no, amount=t.money(card.amount))
        ack(response_action="update", view=done_modal(t, t("igov.order.title"), text))

    def post_order(job: OutboxJob) -> None:
        card = load_order(services, job.payload["order_id"])
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
        with services.db.session() as session:
            repo.set_order_message(session, card.id, channel, ts)

    def update_order(job: OutboxJob) -> None:
        try:
            card = load_order(services, job.payload["order_id"])
        except NotFound as exc:
            raise PermanentFailure(str(exc)) from exc
        if card.message_ts is None:
            raise RetryLater("order message not posted yet")
        text, blocks = order_message(Translator(), card, services.settings.tz)
        ctx.slack.update(card.channel_id, card.message_ts, text, blocks)

    services.outbox.register(POST_ORDER, post_order)
    services.outbox.register(UPDATE_ORDER, update_order)
