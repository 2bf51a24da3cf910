"""An audit trail as mrkdwn lines (who, when, from what to what)."""

from __future__ import annotations

from typing import Any

from bot.audit import HistoryEntry
from bot.i18n import Translator
from handlers.blocks.kit import SECTION_TEXT_LIMIT, escape, truncate


def _actor(actor: str) -> str:
    return f"<@{actor}>" if actor[:1] in ("U", "W") and actor.isalnum() else escape(actor)


def _what(t: Translator, details: dict[str, Any]) -> str:
    """What a correction changed: invoice fields before → after, a reason, an address."""
    parts = [
        f"{t(f'order.field.{name}')}: {escape(str(old or '—'))} → {escape(str(new or '—'))}"
        for name, (old, new) in (details.get("changes") or {}).items()
    ]
    if details.get("reason"):
        parts.append(t("history.reason", reason=escape(str(details["reason"]))))
    if details.get("email"):
        parts.append(t("history.email", email=escape(str(details["email"]))))
    return f" ({'; '.join(parts)})" if parts else ""


def history_lines(t: Translator, events: list[HistoryEntry], tz: Any) -> str:
    lines = [f"*{t('history.title')}*"]
    for event in events[-20:]:
        change = ""
        if event.to_status:
            before = t(f"status.{event.from_status}") if event.from_status else "—"
            change = f": {before} → {t(f'status.{event.to_status}')}"
        lines.append(
            f"• {t.moment(event.at, tz)} · {_actor(event.actor)} · "
            f"{t(f'history.action.{event.action}')}{change}{_what(t, event.details)}"
        )
    if len(lines) == 1:
        lines.append(t("history.empty"))
    return truncate("\n".join(lines), SECTION_TEXT_LIMIT)
