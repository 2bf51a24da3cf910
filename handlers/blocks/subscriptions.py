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
    """`*Đã hết hạn 12 ngày* (ngày hết hạn …); còn 19 ngày, xóa dữ liệu ngày …` and the like.

    Every "N days" is counted from today to the date shown next to it: today + N = that date.
    """
    match lc.state:
        case LifecycleState.ACTIVE:
            if lc.days_until_expiry == 0:
                return t("state.active_today", expires_on=lc.expires_on)
            return t.plural("state.active", lc.days_until_expiry, expires_on=lc.expires_on)
        case LifecycleState.EXPIRED:
            expired = t.plural("state.expired", lc.days_since_expiry, expires_on=lc.expires_on)
            if lc.is_held:
                held = t(
                    "state.held", deletion_on=lc.deletion_on, hold_until=lc.deletion_hold_until
                )
                return f"{expired}; {held}"
            deletion = t.plural(
                "state.deletion_in", lc.days_until_deletion, deletion_on=lc.deletion_on
            )
            return f"{expired}; {deletion}"
        case LifecycleState.DATA_DELETED:
            return t(
                "state.data_deleted", deleted_on=lc.data_deleted_date, expires_on=lc.expires_on
            )
        case LifecycleState.ARCHIVED:
            return t("state.archived", storage_until=lc.storage_until, expires_on=lc.expires_on)


def lifecycle_text(t: Translator, lc: Lifecycle) -> str:
    """The state's icon, then its description (which names the state)."""
    return f"{STATE_ICON[lc.state]} {describe_lifecycle(t, lc)}"


def subscription_line(t: Translator, sub: SubscriptionCard) -> str:
    """One mrkdwn line: product, contract, then the state with its dates and day counts."""
    line = (
        f"• *{t(f'product.{sub.product.value}')}* · {t('lookup.contract')} "
        f"`{escape(sub.contract_no)}` · {lifecycle_text(t, sub.lifecycle)}"
    )
    if sub.open_order_no:
        line += " · " + t("lookup.open_order", order_no=sub.open_order_no)
    return line
