"""How a subscription's lifecycle reads in a message (shared by lookup, refusals, reminders)."""

from __future__ import annotations

from bot.customers import SubscriptionCard
from bot.i18n import Translator
from bot.subscriptions import Lifecycle, LifecycleState
from handlers.blocks.kit import escape

STATE_ICON = {
    LifecycleState.ACTIVE: ":large_green_circle:",
    LifecycleState.EXPIRED: ":large_orange_circle:",
    LifecycleState.DATA_DELETED: ":red_circle:",
    LifecycleState.ARCHIVED: ":file_cabinet:",
}


def describe_lifecycle(t: Translator, lc: Lifecycle) -> str:
    """`hết hạn 12 ngày, dữ liệu bị xóa sau 18 ngày (ngày xóa …)` and the like."""
    match lc.state:
        case LifecycleState.ACTIVE:
            if lc.days_until_expiry == 0:
                return t("state.active_today", expires_on=lc.expires_on)
            return t.plural("state.active", lc.days_until_expiry, expires_on=lc.expires_on)
        case LifecycleState.EXPIRED:
            expired = t.plural("state.expired", lc.days_since_expiry)
            if lc.is_held:
                return f"{expired}, {t('state.held', hold_until=lc.deletion_hold_until)}"
            if lc.grace_days_left == 0:
                return f"{expired}, {t('state.deletion_after_today', deletion_on=lc.deletion_on)}"
            deletion = t.plural("state.deletion_in", lc.grace_days_left, deletion_on=lc.deletion_on)
            return f"{expired}, {deletion}"
        case LifecycleState.DATA_DELETED:
            return t("state.data_deleted", deleted_on=lc.data_deleted_date)
        case LifecycleState.ARCHIVED:
            return t("state.archived", storage_until=lc.storage_until)


def state_label(t: Translator, lc: Lifecycle) -> str:
    return f"{STATE_ICON[lc.state]} *{t(f'state.name.{lc.state.value}')}*"


def subscription_line(t: Translator, sub: SubscriptionCard) -> str:
    """One mrkdwn line: product, contract, expiry date, state with its day counts."""
    line = (
        f"• *{t(f'product.{sub.product.value}')}* · {t('lookup.contract')} "
        f"`{escape(sub.contract_no)}` · {t('lookup.expires')} {t.day(sub.expires_on)} · "
        f"{state_label(t, sub.lifecycle)}: {describe_lifecycle(t, sub.lifecycle)}"
    )
    if sub.open_order_no:
        line += " · " + t("lookup.open_order", order_no=sub.open_order_no)
    return line
