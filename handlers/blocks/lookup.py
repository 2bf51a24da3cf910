"""The lookup reply: customers with their subscriptions, states and allowed actions."""

from __future__ import annotations

from bot.customers import CustomerCard, LookupResult
from bot.i18n import Translator
from handlers.blocks import kit
from handlers.blocks.kit import Block, escape
from handlers.blocks.subscriptions import subscription_line
from handlers.ids import Action, Keyed, PagingAction, PagingBlock, keyed
from handlers.metadata import CustomerRef, LookupPage, SubscriptionRef

MAX_LINES_PER_CUSTOMER = 12
MAX_STORAGE_BUTTONS_PER_CUSTOMER = 5


def customer_summary(t: Translator, card: CustomerCard) -> str:
    facts = [f"{t('lookup.tax_code')} `{card.tax_code}`", t(f"segment.{card.segment.value}")]
    if card.budget_code:
        facts.append(f"{t('lookup.budget_code')} `{card.budget_code}`")
    if card.owner:
        facts.append(f"{t('lookup.owner')} <@{card.owner}>")
    lines = [f"*{escape(card.name)}*", " · ".join(facts)]
    subscriptions = card.subscriptions
    if not subscriptions:
        lines.append(t("lookup.no_subscriptions"))
    lines.extend(subscription_line(t, s) for s in subscriptions[:MAX_LINES_PER_CUSTOMER])
    if len(subscriptions) > MAX_LINES_PER_CUSTOMER:
        extra = len(subscriptions) - MAX_LINES_PER_CUSTOMER
        lines.append(t.plural("lookup.more_subscriptions", extra))
    return kit.truncate("\n".join(lines), kit.SECTION_TEXT_LIMIT)


def customer_actions(t: Translator, card: CustomerCard) -> list[Block]:
    """One actions block per button: Slack wants action ids unique within a block."""
    blocks: list[Block] = []
    eligible = [s for s in card.subscriptions if s.can_order_storage]
    for sub in eligible[:MAX_STORAGE_BUTTONS_PER_CUSTOMER]:
        if sub.can_order_storage:
            label = f"{t('action.storage_order')} · {sub.contract_no}"
            value = SubscriptionRef(subscription_id=sub.id).encode()
            element = kit.button(label, Action.STORAGE_ORDER_START, value, style="primary")
            blocks.append(kit.actions(element, block_id=keyed(Keyed.LOOKUP_STORAGE, sub.id)))
    if card.is_public:
        value = CustomerRef(customer_id=card.id).encode()
        element = kit.button(t("action.igov_order"), Action.IGOV_ORDER_START, value)
        blocks.append(kit.actions(element, block_id=keyed(Keyed.LOOKUP_IGOV, card.id)))
    return blocks


def lookup_blocks(
    t: Translator, result: LookupResult, *, note: str | None = None, shown_before: int = 0
) -> list[Block]:
    """An optional note, the header, then per customer a section and its action buttons, within
    50 blocks; a `lookup.more` button when more customers match (the next page starts after the
    last customer that fitted)."""
    blocks: list[Block] = [kit.section(note)] if note else []
    count = len(result.customers)
    if shown_before:
        summary = t("lookup.page", first=shown_before + 1, last=shown_before + count)
    else:
        summary = t.plural("lookup.count", count)
    blocks += [kit.header(t("lookup.title", query=result.query.text)), kit.context(summary)]
    truncated = result.has_more
    reserve = 3  # a divider, the "more results" hint and its button
    fitted = 0
    for card in result.customers:
        group = [
            kit.divider(),
            kit.section(customer_summary(t, card), block_id=keyed(Keyed.LOOKUP_CUSTOMER, card.id)),
        ]
        group.extend(customer_actions(t, card))
        if len(blocks) + len(group) + reserve > kit.MESSAGE_BLOCK_LIMIT:
            truncated = True
            break
        blocks.extend(group)
        fitted += 1
    if truncated and fitted and len(result.keys) >= fitted:
        page = LookupPage(
            query=result.query.text, after=result.keys[fitted - 1], shown=shown_before + fitted
        )
        more = kit.button(t("lookup.more_button"), PagingAction.LOOKUP_MORE, page.encode())
        blocks.extend(
            [
                kit.divider(),
                kit.context(t("lookup.more")),
                kit.actions(more, block_id=PagingBlock.MORE),
            ]
        )
    elif truncated:
        blocks.extend([kit.divider(), kit.context(t("lookup.more"))])
    return blocks


def lookup_text(t: Translator, result: LookupResult) -> str:
    """Notification fallback text for the reply."""
    names = ", ".join(escape(c.name) for c in result.customers[:3])
    title = t("lookup.title", query=escape(result.query.text))
    return kit.truncate(f"{title}: {names}", 300)
