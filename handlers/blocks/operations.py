"""The report to support of a delivery that gave up."""

from __future__ import annotations

from datetime import tzinfo

from bot.i18n import Translator
from bot.outbox_messages import DeliveryGaveUp
from handlers.blocks import kit
from handlers.blocks.kit import Block, escape


def gave_up_text(t: Translator, report: DeliveryGaveUp, tz: tzinfo) -> str:
    return t(
        "outbox.gave_up",
        id=report.message_id,
        kind=report.message_kind,
        attempts=report.attempts,
        since=t.moment(report.since, tz),
    )


def gave_up_blocks(t: Translator, report: DeliveryGaveUp, tz: tzinfo) -> list[Block]:
    return [
        kit.section(gave_up_text(t, report, tz)),
        kit.section(f"```{escape(kit.truncate(report.error, 500))}```"),
        kit.context(t("outbox.gave_up.what_to_do", id=report.message_id)),
    ]
