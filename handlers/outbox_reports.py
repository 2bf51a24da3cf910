"""Deliveries that gave up, reported once to SUPPORT_CHANNEL (the worker enqueues the report)."""

from __future__ import annotations

from slack_bolt import App

from bot.i18n import Translator
from bot.outbox import OutboxJob, PermanentFailure
from bot.outbox_messages import DeliveryGaveUp
from handlers.blocks.operations import gave_up_blocks, gave_up_text
from handlers.context import Context


def register(_app: App, ctx: Context) -> None:
    settings = ctx.services.settings

    def deliver(job: OutboxJob[DeliveryGaveUp]) -> None:
        channel = settings.support_channel
        if not channel:
            raise PermanentFailure("SUPPORT_CHANNEL is not set")
        t = Translator()
        report = job.message
        ctx.slack.post_once(
            job,
            "report",
            channel,
            gave_up_text(t, report, settings.tz),
            gave_up_blocks(t, report, settings.tz),
        )

    ctx.services.outbox.register(DeliveryGaveUp, deliver)
