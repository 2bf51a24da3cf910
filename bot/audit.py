"""The audit trail as people read it: who changed what, when, from which state to which."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services import Services
from storage.repositories import audit as audit_repo


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    details: dict[str, Any]


def history(services: Services, entity_type: str, entity_id: int) -> list[HistoryEntry]:
    with services.db.session() as session:
        return [
            HistoryEntry(e.at, e.actor, e.action, e.from_status, e.to_status, dict(e.details))
            for e in audit_repo.history(session, entity_type, entity_id)
        ]
