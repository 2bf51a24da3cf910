"""The storage-order flow in Slack: start, form with live totals, submit, mark paid, messages."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import DomainError, InvalidFields, InvalidInput
from bot.i18n import Translator
from bot.payments import mark_paid
from bot.storage_orders import (
    InvoiceInfo,
    OrderForm,
    PlaceOrder,
    open_order_form,
    package_by_code,
    parse_quantity,
    place_order,
    price,
    validate_invoice,
)
from handlers.blocks import forms
from handlers.blocks.storage_order import INVOICE_FIELDS, notice_view, order_form_view
from handlers.context import Context
from handlers.errors import error_text, reject_fields, unexpected_text
from handlers.ids import Action, Callback, StorageOrderAction, StorageOrderInput
from handlers.metadata import MetadataError, OrderFormMeta, StorageOrderRef, SubscriptionRef
from handlers.replies import SLACK_FAILURES, open_modal, tell
from handlers.storage_order_delivery import register_deliveries

log = logging.getLogger(__name__)


def _form_and_meta(
    ctx: Context, user_id: str, view: dict[str, Any]
) -> tuple[OrderForm, OrderFormMeta]:
    meta = ctx.forms.open(OrderFormMeta, view.get("private_metadata"), user_id)
    form = open_order_form(
        ctx.services, ctx.authz, user_id, meta.subscription_id, ctx.services.clock.today()
    )
    return form, meta


def register(app: App, ctx: Context) -> None:
    services = ctx.services
    register_deliveries(ctx)

    @app.action(Action.STORAGE_ORDER_START)
    def on_start(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        t = ctx.languages.translator(user_id)
        try:
            ref = SubscriptionRef.decode(body["actions"][0].get("value"))
            form = open_order_form(
                services, ctx.authz, user_id, ref.subscription_id, services.clock.today()
            )
        except MetadataError:
            tell(respond, t("error.stale_button"))
            return
        except DomainError as error:
            tell(respond, error_text(t, error))
            return
        channel_id = (body.get("channel") or {}).get("id", "")
        meta = OrderFormMeta(
            subscription_id=form.subscription.id,
            package_code=form.package.code,
            channel_id=channel_id,
            quantity=1,
        )
        sealed = ctx.forms.seal(meta, user_id)
        view = order_form_view(t, form, price(form.package, 1), meta, sealed)
        if not open_modal(client, body["trigger_id"], view):
            tell(respond, t("error.form_not_opened"))

    @app.action(StorageOrderAction.QUANTITY)
    def on_quantity(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """The seed's −/+: recompute the totals in place, keeping what was typed."""
        ack()
        view = body["view"]
        user_id = body["user"]["id"]
        t = ctx.languages.translator(user_id)
        try:
            form, meta = _form_and_meta(ctx, user_id, view)
        except (MetadataError, DomainError):
            return  # the submit will say what is wrong
        package = package_by_code(services, meta.package_code)
        raw = forms.value_of(view["state"], StorageOrderInput.QUANTITY)
        note = None
        try:
            meta = meta.model_copy(update={"quantity": parse_quantity(raw, package)})
        except InvalidInput as error:
            note = error_text(t, error)
        sealed = ctx.forms.seal(meta, user_id)
        new_view = order_form_view(t, form, price(package, meta.quantity), meta, sealed, note=note)
        try:
            client.views_update(view_id=view["id"], hash=view["hash"], view=new_view)
        except SLACK_FAILURES as exc:  # the totals stay as they were; the submit recomputes them
            if isinstance(exc, SlackApiError) and exc.response.get("error") == "hash_conflict":
                log.info("quantity redraw skipped: a newer keystroke redrew the form")
            else:
                log.warning("order form totals not refreshed: %r", exc)

    @app.view(Callback.STORAGE_ORDER)
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        t = ctx.languages.translator(user_id)
        try:
            _submit(ctx, ack, t, user_id, view)
        except MetadataError as exc:  # not what we wrote, or not theirs: say so, nothing placed
            log.warning("storage_order submission refused: %s", exc)
            ack(response_action="update", view=notice_view(t, t(exc.text_key)))
        except Exception as exc:  # never leave the modal spinning
            ack(response_action="update", view=notice_view(t, unexpected_text(t, exc, "order")))

    @app.action(Action.ORDER_MARK_PAID)
    def on_mark_paid(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        t = ctx.languages.translator(user_id)
        try:
            order_id = StorageOrderRef.decode(body["actions"][0].get("value")).order_id
            mark_paid(services, ctx.authz, order_id, user_id, services.clock.now())
        except MetadataError:
            text = t("error.stale_button")
        except DomainError as error:
            text = error_text(t, error)
        else:
            text = t("order.marked_paid")
        tell(respond, text)

    @app.action(StorageOrderAction.OPEN_PAGE)
    def on_open_page(ack: Ack) -> None:
        ack()  # a link button: Slack opens the page, the bot only acknowledges


def _submit(ctx: Context, ack: Ack, t: Translator, user_id: str, view: dict[str, Any]) -> None:
    services = ctx.services
    meta = ctx.forms.open(OrderFormMeta, view.get("private_metadata"), user_id)
    state = view["state"]
    package = package_by_code(services, meta.package_code)
    errors: dict[str, DomainError] = {}
    quantity = meta.quantity
    try:
        quantity = parse_quantity(forms.value_of(state, StorageOrderInput.QUANTITY), package)
    except InvalidInput as error:
        errors[StorageOrderInput.QUANTITY] = error
    invoice: InvoiceInfo | None = None
    try:
        invoice = validate_invoice(
            {str(name): forms.value_of(state, name) for name, _ in INVOICE_FIELDS}
        )
    except InvalidFields as failed:
        errors.update(failed.errors)
    if errors or invoice is None:
        reject_fields(ack, t, errors)
        return
    command = PlaceOrder(
        submission_key=f"storage_order:{view['id']}",
        subscription_id=meta.subscription_id,
        package_code=package.code,
        quantity=quantity,
        invoice=invoice,
        placed_by=user_id,
        channel_id=meta.channel_id,
    )
    try:
        place_order(services, ctx.authz, command, services.clock.now())
    except DomainError as error:
        ack(response_action="update", view=notice_view(t, error_text(t, error)))
        return
    ack()
