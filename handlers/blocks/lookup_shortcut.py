"""The lookup shortcut's modal: the type-ahead customer select, then the chosen customer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.customers import CustomerCard
from bot.i18n import Translator
from handlers.blocks import forms, kit
from handlers.blocks.kit import Block
from handlers.blocks.lookup import customer_actions, customer_summary
from handlers.ids import (
    LookupShortcutAction,
    LookupShortcutBlock,
    LookupShortcutInput,
    ShortcutCallback,
)


def customer_option(card: CustomerCard) -> Block:
    """Name, then tax code (options are 75 characters)."""
    suffix = f" · {card.tax_code}"
    name = kit.truncate(card.name, forms.OPTION_TEXT_LIMIT - len(suffix))
    return forms.option(f"{name}{suffix}", str(card.id))


def customer_options(cards: Iterable[CustomerCard]) -> list[Block]:
    return [customer_option(card) for card in cards]


def lookup_modal(
    t: Translator, card: CustomerCard | None = None, *, notice: str | None = None
) -> dict[str, Any]:
    """The select (the chosen customer kept in it), then the customer's card and buttons."""
    select = forms.external_select_input(
        LookupShortcutInput.CUSTOMER,
        LookupShortcutAction.CUSTOMER,
        t("shortcut.customer_label"),
        placeholder=t("shortcut.customer_placeholder"),
        initial=customer_option(card) if card else None,
    )
    select["hint"] = kit.plain(t("shortcut.customer_hint"), 150)
    blocks: list[Block] = [select]
    if notice:
        blocks.append(kit.section(notice))
    if card is not None:
        blocks.append(kit.divider())
        blocks.append(kit.section(customer_summary(t, card), block_id=LookupShortcutBlock.CARD))
        blocks.extend(customer_actions(t, card))
    return forms.modal(
        ShortcutCallback.LOOKUP,
        t("shortcut.title"),
        blocks,
        submit=t("shortcut.submit"),
        close=t("igov.close"),
    )
