"""`/misa help`: every subcommand, explained."""

from __future__ import annotations

from bot.i18n import Translator
from handlers.blocks import kit
from handlers.blocks.kit import Block

HELP_TOPICS = (
    "help.lookup",
    "help.order",
    "help.order_corrections",
    "help.deletion_claim",
    "help.igov",
    "help.license",
    "help.pending",
    "help.export",
    "help.report",
    "help.paging",
    "help.home",
    "help.shortcut",
    "help.previews",
    "help.help",
)


def help_blocks(t: Translator, command: str) -> list[Block]:
    # The guide writes placeholders as <MST>: in mrkdwn, < > must be escaped or Slack reads
    # them as a link.
    blocks: list[Block] = [kit.header(t("help.title")), kit.section(kit.escape(t("help.intro")))]
    blocks.extend(kit.section(kit.escape(t(topic, command=command))) for topic in HELP_TOPICS)
    blocks.append(kit.context(kit.escape(t("help.states"))))
    return blocks
