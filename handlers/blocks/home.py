"""The App Home: the person's dashboard (what waits for them, by role), then the help guide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any, TypeVar

from bot.home import Dashboard, Listing, MyAccount, MyOrder, MyRequest, Section, Transfer
from bot.i18n import Translator
from bot.licence_cards import RequestCard
from bot.storage_orders import OrderStatus
from handlers.blocks import forms, kit
from handlers.blocks.approvals import decision_buttons
from handlers.blocks.help import help_blocks
from handlers.blocks.kit import Block, escape
from handlers.blocks.subscriptions import subscription_line
from handlers.ids import (
    Action,
    DecisionSource,
    HomeAction,
    HomeBlock,
    HomeCallback,
    HomeKeyed,
    Keyed,
    TransferResolveInput,
    keyed,
)
from handlers.metadata import HomePage, SubscriptionRef, TransferRef

T = TypeVar("T")
HOME_BLOCK_LIMIT = 100
HEADERS = {
    Section.APPROVALS: HomeBlock.APPROVALS,
    Section.MY_REQUESTS: HomeBlock.MY_REQUESTS,
    Section.MY_ORDERS: HomeBlock.MY_ORDERS,
    Section.MY_ACCOUNTS: HomeBlock.MY_ACCOUNTS,
    Section.FINANCE: HomeBlock.FINANCE,
}


def home_view(t: Translator, board: Dashboard, command: str, tz: tzinfo) -> dict[str, Any]:
    """The Home tab: each section that has something, then the help guide (cut short, with a
    pointer to `/misa help`, if the sections leave it too little room)."""
    blocks: list[Block] = []
    if board.approvals is not None:
        blocks += _section(t, Section.APPROVALS, board.approvals, lambda c: _approval(t, c, tz))
    blocks += _lines(t, Section.MY_REQUESTS, board.my_requests, lambda r: _request(t, r))
    blocks += _lines(t, Section.MY_ORDERS, board.my_orders, lambda o: _order(t, o))
    blocks += _section(t, Section.MY_ACCOUNTS, board.my_accounts, lambda a: _account(t, a))
    if board.finance is not None:
        blocks += _section(t, Section.FINANCE, board.finance, lambda x: _transfer(t, x, tz))
    if blocks:
        blocks.append(kit.divider())
    guide = help_blocks(t, command)
    room = HOME_BLOCK_LIMIT - len(blocks)
    if len(guide) > room:
        guide = [*guide[: room - 1], kit.context(t("home.help_more", command=command))]
    return {"type": "home", "blocks": blocks + guide}


def _header(t: Translator, section: Section, listing: Listing[Any]) -> list[Block]:
    title = t(f"home.{section.value}", count=listing.total)
    return [kit.header(title) | {"block_id": HEADERS[section].value}]


def _more(t: Translator, section: Section, listing: Listing[Any]) -> list[Block]:
    """ "And N more", with a button showing them (the first page again after the last)."""
    blocks: list[Block] = []
    if listing.rest:
        blocks.append(kit.context(t("home.and_more", count=listing.rest)))
    if listing.rest or listing.page:
        page = listing.page + 1 if listing.rest else 0
        label = t("home.more_button") if listing.rest else t("home.first_page")
        value = HomePage(section=section.value, page=page).encode()
        button = kit.button(label, HomeAction.MORE, value)
        blocks.append(kit.actions(button, block_id=keyed(HomeKeyed.MORE, section.value)))
    return blocks


def _section(
    t: Translator, section: Section, listing: Listing[T], item: Callable[[T], list[Block]]
) -> list[Block]:
    """A header, each item as its own block(s) (with its buttons), "and N more"."""
    if not listing.items:
        return []
    blocks = _header(t, section, listing)
    for thing in listing.items:
        blocks += item(thing)
    return blocks + _more(t, section, listing)


def _lines(
    t: Translator, section: Section, listing: Listing[T], line: Callable[[T], str]
) -> list[Block]:
    """A header and the items as lines of one section (they have no buttons)."""
    if not listing.items:
        return []
    text = "\n".join(line(thing) for thing in listing.items)
    blocks = [
        *_header(t, section, listing),
        kit.section(kit.truncate(text, kit.SECTION_TEXT_LIMIT)),
    ]
    return blocks + _more(t, section, listing)


def _approval(t: Translator, card: RequestCard, tz: tzinfo) -> list[Block]:
    summary = t(
        "approval.pending_line",
        code=card.code,
        name=escape(card.customer_name),
        amount=t.money(card.amount),
        user=card.requested_by,
        at=t.moment(card.created_at, tz),
        modules=len(card.modules),
    )
    return [
        kit.section(summary, block_id=keyed(Keyed.PENDING_REQUEST, card.id)),
        decision_buttons(t, card, DecisionSource.HOME),
    ]


def _request(t: Translator, request: MyRequest) -> str:
    return t(
        "home.request_line",
        code=request.code,
        name=escape(request.customer),
        status=t(f"approval.status.{request.status}"),
        amount=t.money(request.amount),
        day=request.changed_at.date(),
    )


def _order(t: Translator, order: MyOrder) -> str:
    if order.status is OrderStatus.PAID and order.paid_at is not None:
        state = t("home.order_paid", day=order.paid_at.date())
    else:
        state = t("home.order_awaiting", deadline=order.payment_deadline)
    return t(
        "home.order_line",
        order_no=order.order_no,
        name=escape(order.customer),
        amount=t.money(order.total),
        state=state,
    )


def _account(t: Translator, account: MyAccount) -> list[Block]:
    sub = account.subscription
    text = f"*{escape(account.customer)}* · MST `{account.tax_code}`\n{subscription_line(t, sub)}"
    accessory = None
    if sub.can_order_storage:
        value = SubscriptionRef(subscription_id=sub.id).encode()
        accessory = kit.button(t("action.storage_order"), Action.STORAGE_ORDER_START, value)
    block_id = keyed(HomeKeyed.ACCOUNT, sub.id)
    return [kit.section(kit.truncate(text, 3000), block_id=block_id, accessory=accessory)]


def _transfer(t: Translator, transfer: Transfer, tz: tzinfo) -> list[Block]:
    text = t(
        "home.transfer_line",
        title=t(f"finance.title.{transfer.outcome.value}"),
        amount=t.money(transfer.amount),
        content=escape(transfer.content[:200]),
        at=t.moment(transfer.received_at, tz),
        order=transfer.order_no or "—",
    )
    value = TransferRef(transaction_id=transfer.id).encode()
    button = kit.button(t("home.resolve"), HomeAction.TRANSFER_RESOLVE, value)
    block_id = keyed(HomeKeyed.TRANSFER, transfer.id)
    return [kit.section(kit.truncate(text, 3000), block_id=block_id, accessory=button)]


def resolve_modal(t: Translator, metadata: str) -> dict[str, Any]:
    """The transfer_resolve modal: what was done about the transfer (refunded, matched…)."""
    note = forms.text_input(
        TransferResolveInput.NOTE,
        t("home.resolve_note"),
        multiline=True,
        max_length=1000,
        hint=t("home.resolve_hint"),
    )
    return forms.modal(
        HomeCallback.TRANSFER_RESOLVE,
        t("home.resolve_title"),
        [note],
        submit=t("home.resolve_submit"),
        close=t("igov.cancel"),
        private_metadata=metadata,
    )
