"""The approval message (one renderer for pending, approved and rejected) and what surrounds it."""

from __future__ import annotations

from datetime import tzinfo

from bot.i18n import Translator
from bot.igov_orders import ORDER
from bot.licence_cards import (
    APPROVED,
    PENDING,
    REJECTED,
    RETURNED,
    WITHDRAWN,
    HistoryEntry,
    RequestCard,
)
from bot.licence_lookup import LicenceLookup
from handlers.blocks import forms, kit
from handlers.blocks.kit import Block, escape
from handlers.blocks.licence_request import extra_text
from handlers.ids import (
    Action,
    Callback,
    DecisionSource,
    Keyed,
    LicenceChangesAction,
    LicenceChangesBlock,
    LicenceChangesCallback,
    LicenceChangesInput,
    PagingAction,
    PagingBlock,
    keyed,
)
from handlers.ids import LicenceRejectInput as Input
from handlers.metadata import PendingPage, RequestRef

Source = DecisionSource | None

STATUS_ICON = {
    PENDING: ":hourglass_flowing_sand:",
    APPROVED: ":white_check_mark:",
    REJECTED: ":x:",
    RETURNED: ":leftwards_arrow_with_hook:",
    WITHDRAWN: ":heavy_minus_sign:",
}


def status_label(t: Translator, status: str) -> str:
    return t(f"approval.status.{status}")


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.0f} KB" if size < 1_048_576 else f"{size / 1_048_576:.1f} MB"


def returned_text(t: Translator, card: RequestCard, tz: tzinfo) -> str:
    """Who returned the request for changes, when, and what is missing."""
    if card.returned_by is None or card.returned_at is None:
        return ""
    return t(
        "approval.returned_by",
        user=card.returned_by,
        at=t.moment(card.returned_at, tz),
        reason=escape(card.return_reason or ""),
    )


def decision_text(t: Translator, card: RequestCard, tz: tzinfo) -> str:
    """Who decided (or withdrew), when, and why (for a rejection); while open, who returned
    it for changes (if anyone did); empty while pending."""
    if card.status == RETURNED:
        return returned_text(t, card, tz)
    if card.decided_by is None or card.decided_at is None:
        return ""
    at = t.moment(card.decided_at, tz)
    if card.status == APPROVED:
        return t("approval.approved_by", user=card.decided_by, at=at)
    if card.status == WITHDRAWN:
        return t("approval.withdrawn_by", user=card.decided_by, at=at)
    return t(
        "approval.rejected_by", user=card.decided_by, at=at, reason=escape(card.reject_reason or "")
    )


def request_fields(t: Translator, card: RequestCard, tz: tzinfo) -> list[str]:
    return [
        f"*{t('igov.customer')}*\n{escape(card.customer_name)}\n"
        f"{t('lookup.tax_code')} `{card.tax_code}`",
        f"*{t('lookup.budget_code')}*\n`{card.budget_code}`",
        f"*{t('igov.order_no')}*\n`{card.order_no}` · {escape(card.sales_project)}",
        f"*{t('igov.contract')}*\n`{escape(card.contract_no or '—')}`",
        f"*{t('request.product')}*\n{t(f'product.{card.product}')} · "
        f"{t(f'request.type.{card.request_type}')}",
        f"*{t('request.sector')}*\n{escape(card.sector)}",
        f"*{t('request.amount')}*\n{t.money(card.amount)}",
        f"*{t('request.misa_id')}*\n{escape(card.misa_id_email)}\n{escape(card.misa_id_phone)}",
        f"*{t('approval.requested_by')}*\n<@{card.requested_by}> · {t.moment(card.created_at, tz)}",
    ]


def modules_text(t: Translator, card: RequestCard) -> str:
    lines = [f"*{t('request.modules')}*"]
    for m in card.modules:
        line = (
            f"• *{escape(m.name)}* (`{m.code}`) · {t('request.months', months=m.months)} · "
            f"{t('request.quantity', previous=m.previous, bought=m.bought, total=m.total)}"
        )
        if m.extra:
            line += f"\n    _{extra_text(t, m.extra)}_"
        lines.append(line)
    return "\n".join(lines)


def customer_text(t: Translator, card: RequestCard) -> str:
    info = card.customer_info
    parts = (info.get("contact_name"), info.get("contact_email"), info.get("contact_phone"))
    contact = " · ".join(escape(str(part or "")) for part in parts)
    return (
        f"*{t('request.customer_info')}*\n{escape(str(info.get('customer_name', '')))}\n"
        f"{escape(str(info.get('customer_address', '')))}\n{contact}"
    )


def documents_text(t: Translator, card: RequestCard) -> str:
    lines = [f"*{t('approval.documents')}*"]
    for d in card.documents:
        lines.append(
            t(
                "approval.document_line",
                kind=t(f"request.{d.kind}_file"),
                name=escape(d.name),
                size=size_text(d.size),
                sha=d.sha256[:12],
            )
        )
    return "\n".join(lines)


def decision_buttons(t: Translator, card: RequestCard, source: Source = None) -> Block:
    value = RequestRef(request_id=card.id, source=source).encode()
    confirm = {
        "title": kit.plain(t("approval.confirm_title"), 100),
        "text": kit.mrkdwn(t("approval.confirm_text", code=card.code), 300),
        "confirm": kit.plain(t("approval.approve"), 30),
        "deny": kit.plain(t("igov.cancel"), 30),
    }
    return kit.actions(
        kit.button(
            t("approval.approve"), Action.LICENSE_APPROVE, value, style="primary", confirm=confirm
        ),
        kit.button(t("approval.reject"), Action.LICENSE_REJECT, value, style="danger"),
        kit.button(t("approval.request_changes"), LicenceChangesAction.REQUEST_CHANGES, value),
        block_id=keyed(Keyed.APPROVAL_DECIDE, card.id),
    )


def requester_buttons(t: Translator, card: RequestCard, source: Source = None) -> Block:
    """The requester's buttons on their open request: edit (when returned) and withdraw."""
    value = RequestRef(request_id=card.id, source=source).encode()
    confirm = {
        "title": kit.plain(t("approval.withdraw_confirm_title"), 100),
        "text": kit.mrkdwn(t("approval.withdraw_confirm_text", code=card.code), 300),
        "confirm": kit.plain(t("approval.withdraw"), 30),
        "deny": kit.plain(t("approval.keep"), 30),
        "style": "danger",
    }
    elements = []
    if card.status == RETURNED:
        elements.append(
            kit.button(t("approval.edit"), LicenceChangesAction.EDIT, value, style="primary")
        )
    elements.append(
        kit.button(t("approval.withdraw"), LicenceChangesAction.WITHDRAW, value, confirm=confirm)
    )
    return kit.actions(*elements, block_id=keyed(LicenceChangesBlock.OWN_ACTIONS, card.id))


def request_blocks(
    t: Translator,
    card: RequestCard,
    tz: tzinfo,
    *,
    buttons: bool = True,
    own: bool = False,
    source: Source = None,
) -> list[Block]:
    """A request in any state: the buttons while pending, who returned it (and why) while
    returned, who decided (and why) after; its history once it was returned. `own` adds the
    requester's buttons while it is open."""
    status = f"{STATUS_ICON.get(card.status, '')} *{status_label(t, card.status)}*"
    blocks: list[Block] = [
        kit.header(t("approval.title", code=card.code)),
        kit.section(status),
        {"type": "section", "fields": [kit.mrkdwn(f, 2000) for f in request_fields(t, card, tz)]},
        kit.section(modules_text(t, card)),
        kit.section(customer_text(t, card)),
        kit.section(documents_text(t, card)),
    ]
    if card.is_pending:
        if buttons:
            blocks.append(decision_buttons(t, card, source))
    else:
        blocks.append(kit.section(decision_text(t, card, tz)))
    if own and card.is_open:
        blocks.append(requester_buttons(t, card, source))
    if card.history:
        blocks.append(kit.section(history_text(t, card.history, tz)))
    return blocks


def approval_message(t: Translator, card: RequestCard, tz: tzinfo) -> tuple[str, list[Block]]:
    """The message in APPROVAL_CHANNEL, drawn from the database whatever the state."""
    text = t(
        "approval.message_text",
        code=card.code,
        name=escape(card.customer_name),
        status=status_label(t, card.status),
    )
    return text, request_blocks(t, card, tz)


def reject_modal(t: Translator, card: RequestCard, private_metadata: str) -> Block:
    """The rejection form; `private_metadata` is its RejectFormState sealed for the person."""
    blocks = [
        kit.section(t("approval.reject_intro", code=card.code, name=escape(card.customer_name))),
        forms.text_input(Input.REASON, t("approval.reason"), multiline=True, max_length=2000),
    ]
    return forms.modal(
        Callback.LICENSE_REJECT,
        t("approval.reject_title"),
        blocks,
        submit=t("approval.reject"),
        close=t("igov.cancel"),
        private_metadata=private_metadata,
    )


def decision_notice(t: Translator, card: RequestCard, tz: tzinfo) -> tuple[str, list[Block]]:
    """The requester's direct message once their request is decided."""
    key = "approval.notice_approved" if card.status == APPROVED else "approval.notice_rejected"
    text = t(key, code=card.code, name=escape(card.customer_name))
    blocks = [kit.section(text), kit.section(decision_text(t, card, tz))]
    if card.status == APPROVED:
        blocks.append(kit.section(modules_text(t, card)))
    return text, blocks


def already_decided_text(t: Translator, card_status: str, user: str, at: str, code: str) -> str:
    key = {
        APPROVED: "approval.already_approved",
        WITHDRAWN: "approval.already_withdrawn",
    }.get(card_status, "approval.already_rejected")
    return t(key, code=code, user=user, at=at)


def history_text(t: Translator, entries: tuple[HistoryEntry, ...], tz: tzinfo) -> str:
    lines = [f"*{t('approval.history')}*"]
    for e in entries:
        if e.entity_type == ORDER:
            what = t("approval.history.order", ref=e.reference)
            before = t(f"igov.status.{e.from_status}") if e.from_status else None
            after = t(f"igov.status.{e.to_status}") if e.to_status else "—"
        else:
            what = t("approval.history.request", ref=e.reference)
            before = status_label(t, e.from_status) if e.from_status else None
            after = status_label(t, e.to_status) if e.to_status else "—"
        before = before or t("approval.history.new")
        line = f"• {t.moment(e.at, tz)} · <@{e.actor}> · {what}: {before} → {after}"
        if e.details.get("reason"):
            line += f" ({escape(str(e.details['reason']))})"
        lines.append(line)
    return kit.truncate("\n".join(lines), kit.SECTION_TEXT_LIMIT)


def lookup_blocks(
    t: Translator, found: LicenceLookup, tz: tzinfo, *, can_decide: bool, own: bool = False
) -> list[Block]:
    """`/misa license <q>`: one request in full with its history, or a list of them."""
    blocks: list[Block] = []
    if found.contract_no is not None:
        lines = [t("approval.granted_title", contract_no=escape(found.contract_no))]
        lines += [
            t(
                "approval.granted_line",
                name=escape(g.name),
                code=g.code,
                quantity=g.quantity,
                months=g.months,
            )
            for g in found.granted
        ] or [t("approval.granted_none")]
        blocks.append(kit.section("\n".join(lines)))
    if len(found.requests) == 1:
        card = found.requests[0]
        blocks += request_blocks(
            t, card, tz, buttons=can_decide, own=own, source=DecisionSource.LICENCE
        )
        if card.history:  # the lookup's own history below says it all, with the order's
            blocks.pop()
    elif found.requests:
        lines = [t("approval.list_title", query=escape(found.query))]
        lines += [
            t(
                "approval.list_line",
                code=c.code,
                status=status_label(t, c.status),
                order_no=c.order_no,
                at=t.moment(c.created_at, tz),
                amount=t.money(c.amount),
            )
            for c in found.requests
        ]
        blocks.append(kit.section("\n".join(lines)))
    else:
        blocks.append(kit.section(t("approval.no_requests")))
    if found.history:
        blocks.append(kit.section(history_text(t, found.history, tz)))
    return blocks[: kit.MESSAGE_BLOCK_LIMIT]


def pending_blocks(
    t: Translator,
    cards: list[RequestCard],
    total: int,
    tz: tzinfo,
    *,
    viewer: str,
    approver: bool,
    shown_before: int = 0,
    page_size: int | None = None,
) -> list[Block]:
    """Requests waiting, oldest first; approve/reject buttons for approvers (not their own).
    `cards` beyond `page_size` only tell that there is a next page: a `pending.more` button."""
    size = len(cards) if page_size is None else page_size
    more = len(cards) > size
    cards = cards[:size]
    if not cards:
        return [kit.section(t("approval.pending_none"))]
    blocks: list[Block] = [kit.header(t("approval.pending_title", count=total))]
    if shown_before:
        page = t(
            "approval.pending_page",
            first=shown_before + 1,
            last=shown_before + len(cards),
            count=total,
        )
        blocks.append(kit.context(page))
    for card in cards:
        summary = t(
            "approval.pending_line",
            code=card.code,
            name=escape(card.customer_name),
            amount=t.money(card.amount),
            user=card.requested_by,
            at=t.moment(card.created_at, tz),
            modules=len(card.modules),
        )
        if not card.is_pending:
            summary += "\n" + f"{STATUS_ICON[card.status]} *{status_label(t, card.status)}*"
        blocks.append(kit.section(summary, block_id=keyed(Keyed.PENDING_REQUEST, card.id)))
        if card.requested_by == viewer:
            blocks.append(requester_buttons(t, card, DecisionSource.PENDING))
        elif approver and card.is_pending:
            blocks.append(decision_buttons(t, card, DecisionSource.PENDING))
    if more:
        last = cards[-1]
        page = PendingPage(
            after_at=last.created_at, after_id=last.id, shown=shown_before + len(cards)
        )
        rest = max(total - shown_before - len(cards), 1)
        button = kit.button(
            t("approval.pending_more_button"), PagingAction.PENDING_MORE, page.encode()
        )
        blocks = blocks[: kit.MESSAGE_BLOCK_LIMIT - 2]
        blocks.append(kit.context(t("approval.pending_more", count=rest)))
        blocks.append(kit.actions(button, block_id=PagingBlock.MORE))
    elif total > shown_before + len(cards) and page_size is None:
        blocks.append(kit.context(t("approval.pending_more", count=total - len(cards))))
    return blocks[: kit.MESSAGE_BLOCK_LIMIT]


def changes_modal(t: Translator, card: RequestCard, private_metadata: str) -> Block:
    """The form asking what the requester must add or correct (`license_changes`)."""
    blocks = [
        kit.section(t("approval.changes_intro", code=card.code, name=escape(card.customer_name))),
        forms.text_input(
            LicenceChangesInput.REASON,
            t("approval.changes_reason"),
            multiline=True,
            max_length=2000,
        ),
    ]
    return forms.modal(
        LicenceChangesCallback.LICENSE_CHANGES,
        t("approval.changes_title"),
        blocks,
        submit=t("approval.changes_submit"),
        close=t("igov.cancel"),
        private_metadata=private_metadata,
    )


def returned_notice(t: Translator, card: RequestCard, tz: tzinfo) -> tuple[str, list[Block]]:
    """The requester's DM: their request was returned for changes, with edit and withdraw
    (while it is still returned; afterwards what it is now)."""
    text = t("approval.notice_returned", code=card.code, name=escape(card.customer_name))
    blocks = [kit.section(text), kit.section(returned_text(t, card, tz))]
    if card.status == RETURNED:
        blocks.append(requester_buttons(t, card, DecisionSource.NOTICE))
    else:
        status = f"{STATUS_ICON.get(card.status, '')} *{status_label(t, card.status)}*"
        blocks.append(kit.context(status))
    return text, blocks
