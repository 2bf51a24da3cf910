"""Reminder messages: digests within Block Kit limits (most urgent first), CSVs of full lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.csv_files import csv_bytes
from bot.i18n import Translator
from bot.outbox_messages import AccountItem, ApprovalReminder, OrderLine, PaymentReminder
from bot.reminders import SweepReport
from handlers.blocks import kit
from handlers.blocks.kit import Block, escape
from handlers.ids import Action, Keyed, ReminderAction, ReminderBlock, keyed
from handlers.metadata import DeletionClaimRef, SubscriptionRef

# Accounts listed in a message; longer lists are attached in full as a CSV file.
MAX_LISTED = 40
# Room kept for the closing "… and N more" line.
_RESERVED_BLOCKS = 1


@dataclass(frozen=True)
class Digest:
    """A message to post: notification text, blocks, and how many accounts it left out."""

    text: str
    blocks: list[Block]
    left_out: int = 0


@dataclass(frozen=True)
class Claims:
    """Who handles which account of a support deletion digest, and the digest's day."""

    day: date
    by_account: Mapping[int, str]


@dataclass(frozen=True)
class CsvFile:
    filename: str
    title: str
    comment: str
    content: bytes


def pack_lines(lines: Iterable[str], limit: int = kit.SECTION_TEXT_LIMIT) -> list[str]:
    """Join lines into as few texts as fit in a section each (a too-long line is cut)."""
    texts: list[str] = []
    current = ""
    for line in lines:
        line = kit.truncate(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            texts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        texts.append(current)
    return texts


def _product(t: Translator, item: AccountItem) -> str:
    return t(f"product.{item.product}")


def account_line(t: Translator, item: AccountItem, *, expired: bool = False) -> str:
    line = t(
        "reminders.account_line",
        customer=escape(item.customer),
        tax_code=escape(item.tax_code),
        product=_product(t, item),
        contract_no=escape(item.contract_no),
    )
    if expired:
        line += f" · {t('reminders.expired_on', expires_on=item.expires_on)}"
    return line


def _owner(t: Translator, item: AccountItem) -> str:
    if item.owner:
        return t("reminders.owner", owner=item.owner)
    return t("reminders.no_owner")


def _more(t: Translator, left_out: int) -> list[Block]:
    return [kit.context(t.plural("reminders.more", left_out))] if left_out else []


def expiry_digest(
    t: Translator, items: Sequence[AccountItem], *, to_channel: bool, show_owner: bool = False
) -> Digest:
    """Accounts expiring soon, grouped by days left (fewest first), as few sections as fit."""
    intro_key = "reminders.expiry.intro_unowned" if to_channel else "reminders.expiry.intro"
    intro = t.plural(intro_key, len(items))
    blocks: list[Block] = [kit.header(t("reminders.expiry.title")), kit.section(intro)]
    listed = items[:MAX_LISTED]
    lines: list[str] = []
    for index, item in enumerate(listed):
        if index == 0 or listed[index - 1].days != item.days:
            heading = t.plural("reminders.expiry.group", item.days, expires_on=item.expires_on)
            lines.append(("\n" if lines else "") + heading)
        line = account_line(t, item)
        lines.append(f"{line} · {_owner(t, item)}" if show_owner else line)
    budget = kit.MESSAGE_BLOCK_LIMIT - len(blocks) - _RESERVED_BLOCKS
    texts = pack_lines(lines)[:budget]
    blocks.extend(kit.section(text) for text in texts)
    left_out = len(items) - len(listed)
    blocks.extend(_more(t, left_out))
    return Digest(text=intro, blocks=blocks, left_out=left_out)


def deletion_digest(
    t: Translator,
    items: Sequence[AccountItem],
    *,
    show_owner: bool,
    claims: Claims | None = None,
) -> Digest:
    """Accounts whose data is deleted soon, each with a storage-order button, most urgent first.

    With `claims` (the support channel's digest: who handles which account), each account also
    gets a "Tôi xử lý" button (`reminder.claim`), or says who handles it.
    """
    intro = t.plural("reminders.deletion.intro", len(items))
    blocks: list[Block] = [kit.header(t("reminders.deletion.title")), kit.section(intro)]
    budget = kit.MESSAGE_BLOCK_LIMIT - _RESERVED_BLOCKS
    per_account = 1 if claims is None else 2
    listed = 0
    for index, item in enumerate(items[:MAX_LISTED]):
        new_group = index == 0 or items[index - 1].days != item.days
        if len(blocks) + per_account + (1 if new_group else 0) > budget:
            break
        if new_group:
            heading = t.plural("reminders.deletion.group", item.days, deletion_on=item.deletion_on)
            blocks.append(kit.section(heading))
        if claims is None:
            blocks.append(_deletion_account(t, item, show_owner=show_owner))
        else:
            blocks += _claimable_account(t, item, claims, show_owner=show_owner)
        listed += 1
    left_out = len(items) - listed
    blocks.extend(_more(t, left_out))
    return Digest(text=intro, blocks=blocks, left_out=left_out)


def _storage_button(t: Translator, item: AccountItem) -> Block:
    label = f"{t('action.storage_order')} · {item.contract_no}"
    value = SubscriptionRef(subscription_id=item.subscription_id).encode()
    return kit.button(label, Action.STORAGE_ORDER_START, value, style="primary")


def _deletion_account(t: Translator, item: AccountItem, *, show_owner: bool) -> Block:
    text = f"{account_line(t, item, expired=True)}"
    if show_owner:
        text += f" · {_owner(t, item)}"
    return kit.section(
        text,
        block_id=keyed(Keyed.DELETION_ITEM, item.subscription_id),
        accessory=_storage_button(t, item),
    )


def _claimable_account(
    t: Translator, item: AccountItem, claims: Claims, *, show_owner: bool
) -> list[Block]:
    """An account of the support digest: its line (and who handles it), then its buttons."""
    text = f"{account_line(t, item, expired=True)}"
    if show_owner:
        text += f" · {_owner(t, item)}"
    handler = claims.by_account.get(item.subscription_id)
    if handler:
        text += f"\n{t('reminders.claim.by', user=handler)}"
    elements = [_storage_button(t, item)]
    if not handler:
        value = DeletionClaimRef(subscription_id=item.subscription_id, day=claims.day).encode()
        elements.append(kit.button(t("reminders.claim.button"), ReminderAction.CLAIM, value))
    return [
        kit.section(text, block_id=keyed(Keyed.DELETION_ITEM, item.subscription_id)),
        kit.actions(
            *elements, block_id=keyed(ReminderBlock.DELETION_ACTIONS, item.subscription_id)
        ),
    ]


def sweep_digest(t: Translator, report: SweepReport) -> Digest:
    """What the deletion sweep did: accounts deleted, orders closed, accounts still held."""
    title = t("reminders.sweep.title", date=report.today)
    blocks: list[Block] = [kit.header(title)]
    if report.deleted:
        lines = [t.plural("reminders.sweep.deleted", report.deleted)]
        lines += [account_line(t, item, expired=True) for item in report.shown]
    else:
        lines = [t("reminders.sweep.none_deleted")]
    deleted_texts = pack_lines(lines)
    order_texts: list[str] = []
    if report.orders_expired:
        orders = [t.plural("reminders.sweep.orders_expired", len(report.orders_expired))]
        orders += [_order_line(t, o, "reminders.sweep.order_line") for o in report.orders_expired]
        order_texts = pack_lines(orders)
    held_texts: list[str] = []
    if report.held:
        held = [t.plural("reminders.sweep.held", len(report.held))]
        held += [_order_line(t, h, "reminders.sweep.held_line") for h in report.held[:MAX_LISTED]]
        held_texts = pack_lines(held)
    budget = kit.MESSAGE_BLOCK_LIMIT - len(blocks) - _RESERVED_BLOCKS
    for text in [*deleted_texts, *order_texts, *held_texts][:budget]:
        blocks.append(kit.section(text))
    left_out = report.deleted - len(report.shown)
    blocks.extend(_more(t, left_out))
    return Digest(text=title, blocks=blocks, left_out=left_out)


def _order_line(t: Translator, order: OrderLine, key: str) -> str:
    return t(
        key,
        order_no=escape(order.order_no),
        customer=escape(order.account.customer),
        contract_no=escape(order.account.contract_no),
        deadline=order.payment_deadline,
    )


def approvers_mention(t: Translator, user_ids: Sequence[str], usergroup: str | None) -> str:
    mentions = [f"<@{user}>" for user in user_ids]
    if usergroup:
        mentions.append(f"<!subteam^{usergroup}>")
    return ", ".join(mentions) if mentions else t("reminders.approval.no_approvers")


def approval_reminder(t: Translator, reminder: ApprovalReminder, tz: ZoneInfo) -> Digest:
    """The reply in an approval message's thread that reminds the approvers."""
    text = t(
        "reminders.approval.text",
        code=escape(reminder.code),
        customer=escape(reminder.customer),
        requested_by=reminder.requested_by,
        created_at=t.moment(reminder.created_at, tz),
        hours=reminder.hours,
        approvers=approvers_mention(t, reminder.approvers, reminder.usergroup),
    )
    return Digest(text=text, blocks=[kit.section(text)])


def payment_reminder(t: Translator, reminder: PaymentReminder, tz: ZoneInfo) -> Digest:
    """The DM that reminds a staff member of an order the customer has not paid yet."""
    text = t(
        "reminders.payment.text",
        order_no=escape(reminder.order_no),
        customer=escape(reminder.customer),
        contract_no=escape(reminder.contract_no),
        total=t.money(reminder.total),
        created_at=t.moment(reminder.created_at, tz),
        days=reminder.days,
        deadline=reminder.payment_deadline,
    )
    blocks = [kit.section(text)]
    if reminder.link:
        blocks.append(kit.context(t("reminders.payment.link", url=reminder.link)))
    return Digest(text=text, blocks=blocks)


Column = tuple[str, Callable[[AccountItem], Any]]


def _columns(t: Translator, *extra: Column) -> list[Column]:
    return [
        ("reminders.csv.customer", lambda i: i.customer),
        ("reminders.csv.tax_code", lambda i: i.tax_code),
        ("reminders.csv.product", lambda i: _product(t, i)),
        ("reminders.csv.contract_no", lambda i: i.contract_no),
        ("reminders.csv.expires_on", lambda i: t.day(i.expires_on)),
        *extra,
        ("reminders.csv.owner", lambda i: i.owner or ""),
    ]


def expiry_columns(t: Translator) -> list[Column]:
    return _columns(t, ("reminders.csv.days_left", lambda i: i.days))


def deletion_columns(t: Translator) -> list[Column]:
    return _columns(
        t,
        ("reminders.csv.deletion_on", lambda i: t.day(i.deletion_on)),
        ("reminders.csv.days_left", lambda i: i.days),
    )


def deleted_columns(t: Translator, day: date) -> list[Column]:
    return _columns(t, ("reminders.csv.data_deleted_on", lambda _: t.day(day)))


def accounts_csv(
    t: Translator, items: Iterable[AccountItem], columns: Sequence[Column], *, name: str
) -> CsvFile:
    """The full list as CSV, for spreadsheet programs (`bot.csv_files`)."""
    rows = [[getter(item) for _, getter in columns] for item in items]
    content = csv_bytes([t(key) for key, _ in columns], rows)
    count = len(rows)
    return CsvFile(
        filename=name,
        title=name,
        comment=t.plural("reminders.csv_comment", count),
        content=content,
    )
