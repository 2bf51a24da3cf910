"""Block Kit for transfers finance must check (underpaid, unmatched, late, duplicate…)."""

from __future__ import annotations

from bot.crm_sync import ACTOR as CRM_ACTOR
from bot.i18n import Translator
from bot.payments import TransferNotice
from handlers.blocks import kit
from handlers.blocks.kit import Block, escape


def finance_notice_blocks(t: Translator, notice: TransferNotice) -> tuple[str, list[Block]]:
    title = t(f"finance.title.{notice.outcome.value}")
    lines = [
        f"*{title}*",
        t("finance.amount", amount=t.money(notice.amount)),
        t("finance.content", content=escape(notice.content) or "—"),
        t(
            "finance.bank",
            gateway=escape(notice.gateway) or "—",
            date=escape(notice.transaction_date) or "—",
            reference=escape(notice.reference_code) or "—",
        ),
        t(
            "finance.account",
            account=escape(notice.account_number) or "—",
            provider_id=escape(notice.provider_id),
        ),
    ]
    if notice.order_no and notice.order_total is not None:
        lines.append(
            t(
                "finance.order",
                order_no=notice.order_no,
                total=t.money(notice.order_total),
                user=notice.placed_by or "",
            )
        )
    if notice.cancelled_by:
        reason = escape(notice.cancel_reason or "")
        key = (
            "finance.cancelled_by_crm" if notice.cancelled_by == CRM_ACTOR else "finance.cancelled"
        )
        lines.append(t(key, user=notice.cancelled_by, reason=reason))
    lines.append(t(f"finance.advice.{notice.outcome.value}"))
    text = "\n".join(lines)
    return title, [kit.section(text)]
