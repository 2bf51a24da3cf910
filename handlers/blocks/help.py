"""`/misa help`: every subcommand, explained."""

from __future__ import annotations

from bot.i18n import Translator
from handlers.blocks import kit
from handlers.blocks.kit import Block

HELP_TOPICS = (
    "help.lookup",
    "help.order",
    "help.igov",
    "help.license",
    "help.pending",
    "help.export",
    "help.help",
)


def help_blocks(t: Translator, command: str) -> list[Block]:
    blocks: list[Block] = [kit.header(t("help.title")), kit.section(t("help.intro"))]
    blocks.extend(kit.section(t(topic, command=command)) for topic in HELP_TOPICS)
    blocks.append(kit.context(t("help.states")))
    return blocks
