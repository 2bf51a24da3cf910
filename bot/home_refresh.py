"""Have a person's App Home published again when something of theirs changes (in the same
transaction as the change, through the outbox)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.outbox import enqueue
from bot.outbox_messages import HomeRefresh


def refresh_home(session: Session, users: Iterable[str | None], now: datetime) -> None:
    for user in dict.fromkeys(u for u in users if u):
        enqueue(session, HomeRefresh(user_id=user), now=now)
