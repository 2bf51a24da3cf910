"""Outbox deliverers of the storage-order flow: the order message and QR, the order email, the
payment confirmation email, updates after payment or expiry, and notices to finance about
transfers that need a person."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from bot.customer_notices import (
    SupportContact,
    confirmation_sent,
    payment_confirmation,
    record_email_status,
)
from bot.errors import NotFound
from bot.i18n import Translator
from bot.mail import order_email, payment_confirmation_email
from bot.outbox import OutboxJob, PermanentFailure, RetryLater
from bot.outbox_messages import FinanceNotice, OrderChanged, OrderEmail, OrderPlaced, PaidEmail
from bot.payments import instructions_for, qr_png, transfer_notice
from bot.storage_orders import OrderStatus, OrderView, get_order, record_order_message
from handlers.blocks import kit
from handlers.blocks.payments import finance_notice_blocks
from handlers.blocks.storage_order import order_blocks, order_text
from handlers.context import Context
from handlers.slack_out import FileUpload
from handlers.smtp import Mailer

log = logging.getLogger(__name__)


def order_page_url(ctx: Context, order: OrderView) -> str:
    """The customer's page; every command that delivers orders requires PUBLIC_BASE_URL."""
    settings = ctx.services.settings
    settings.require("public_base_url")
    return f"{settings.public_base_url}/orders/{order.token}"


def _render(ctx: Context, order: OrderView) -> tuple[Translator, str, list[kit.Block]]:
    t = ctx.languages.translator(order.placed_by)
    blocks = order_blocks(
        t,
        order,
        instructions_for(ctx.services, order),
        page_url=order_page_url(ctx, order),
        tz=ctx.services.settings.tz,
    )
    return t, order_text(t, order), blocks


def deliver_placed(ctx: Context, job: OutboxJob[OrderPlaced]) -> None:
    """Post the order message (or DM it if the channel refuses), then the QR in its thread."""
    services = ctx.services
    slack = ctx.slack
    order = get_order(services, job.message.order_id)
    t, text, blocks = _render(ctx, order)
    channel, ts = order.channel_id, order.message_ts
    if ts is None:
        try:
            if not channel:
                raise PermanentFailure("no channel")
            channel, ts = slack.post_once(job, "message", channel, text, blocks)
        except PermanentFailure:
            dm = slack.dm_channel(order.placed_by)
            channel, ts = slack.post_once(job, "message.dm", dm, text, blocks)
        record_order_message(services, order.id, channel, ts)
    if "qr" not in job.done:
        qr = FileUpload(
            filename=f"VietQR-{order.order_no}.png",
            content=qr_png(services, order),
            title=t("order.qr_title", order_no=order.order_no),
        )
        slack.upload_once(
            job,
            "qr",
            channel,
            [qr],
            thread_ts=ts,
            comment=t("order.qr_comment", content=order.transfer_content),
        )


def deliver_email(ctx: Context, job: OutboxJob[OrderEmail]) -> None:
    """Send the order email; while SMTP fails the message says it will be retried."""
    services = ctx.services
    mailer = Mailer(ctx.services.settings.smtp_url)
    order = get_order(services, job.message.order_id)
    if order.status is OrderStatus.CANCELLED:
        return  # cancelled before the email went: the customer is not asked to pay
    message = order_email(
        order,
        instructions_for(services, order),
        page_url=order_page_url(ctx, order),
        qr_png=qr_png(services, order),
        sender=services.settings.mail_from,
        support=SupportContact.from_settings(services.settings),
    )
    try:
        mailer.send(message)
    except Exception:
        if order.email_status != "retrying":
            record_email_status(services, order.id, "retrying", job.message.round)
        raise
    record_email_status(services, order.id, "sent", job.message.round)


def deliver_paid_email(ctx: Context, job: OutboxJob[PaidEmail]) -> None:
    """Email the payment confirmation to the invoice address, then say so on the order."""
    services = ctx.services
    mailer = Mailer(ctx.services.settings.smtp_url)
    try:
        confirmation = payment_confirmation(services, job.message.order_id)
    except NotFound as exc:
        raise PermanentFailure("the order is gone or not paid") from exc
    if confirmation.order.paid_email_sent_at is not None:
        return  # sent and recorded by an earlier attempt
    if "sent" not in job.done:
        message = payment_confirmation_email(
            confirmation,
            page_url=order_page_url(ctx, confirmation.order),
            sender=services.settings.mail_from,
            tz=services.settings.tz,
        )
        mailer.send(message)
        job.checkpoint("sent", services.clock.now().isoformat())
    sent_at = datetime.fromisoformat(job.done["sent"])
    confirmation_sent(services, confirmation.order.id, sent_at)


def deliver_changed(ctx: Context, job: OutboxJob[OrderChanged]) -> None:
    """Re-render the order message in place; after payment, the read-only guidance."""
    services = ctx.services
    slack = ctx.slack
    order = get_order(services, job.message.order_id)
    if order.message_ts is None:
        raise RetryLater("the order message is not posted yet")
    t, text, blocks = _render(ctx, order)
    slack.update(order.channel_id, order.message_ts, text, blocks)
    if order.status is OrderStatus.CANCELLED and job.message.event == "renewed":
        # Cancelled by a sync from the CRM: its placer is told in the order's thread.
        notice = t(
            "api.order_cancelled_notice",
            user=order.placed_by,
            order_no=order.order_no,
            reason=kit.escape(order.cancel_reason or ""),
        )
        section = [kit.section(notice)]
        slack.post_once(
            job, "renewed", order.channel_id, notice, section, thread_ts=order.message_ts
        )
    if order.status is OrderStatus.PAID and job.message.event == "paid":
        guidance = t(
            "order.read_only_guidance",
            order_no=order.order_no,
            user=order.placed_by,
            storage_until=order.storage_until,
            login_url=services.settings.amis_login_url,
        )
        thread = order.message_ts
        section = [kit.section(guidance)]
        slack.post_once(job, "guidance", order.channel_id, guidance, section, thread_ts=thread)


def deliver_finance_notice(ctx: Context, job: OutboxJob[FinanceNotice]) -> None:
    """Tell finance (each finance user by DM, else the support channel) what to check."""
    services = ctx.services
    slack = ctx.slack
    try:
        notice = transfer_notice(services, job.message.transaction_id)
    except NotFound as exc:
        raise PermanentFailure("transaction vanished") from exc
    settings = services.settings
    recipients = list(settings.finance_user_ids) or [settings.support_channel or ""]
    for recipient in recipients:
        if not recipient:
            continue
        t = ctx.languages.translator(recipient if recipient.startswith(("U", "W")) else None)
        text, blocks = finance_notice_blocks(t, notice)
        channel = slack.dm_channel(recipient) if recipient.startswith(("U", "W")) else recipient
        slack.post_once(job, f"notice:{recipient}", channel, text, blocks)


def register_deliveries(ctx: Context) -> None:
    outbox = ctx.services.outbox
    outbox.register(OrderPlaced, partial(deliver_placed, ctx))
    outbox.register(OrderEmail, partial(deliver_email, ctx))
    outbox.register(PaidEmail, partial(deliver_paid_email, ctx))
    outbox.register(OrderChanged, partial(deliver_changed, ctx))
    outbox.register(FinanceNotice, partial(deliver_finance_notice, ctx))
