"""Finding licence requests: by request code, order number or contract number; pending ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.authz import Authorizer, Permission
from bot.errors import InvalidInput, NotFound
from bot.licence_cards import OPEN, HistoryEntry, RequestCard, history, request_card
from bot.services import Services
from bot.text import clean_line
from storage.repositories import licences as repo

MAX_LISTED = 10


@dataclass(frozen=True)
class GrantedModule:
    code: str
    name: str
    quantity: int
    months: int
    granted_at: datetime


@dataclass(frozen=True)
class LicenceLookup:
    """What `/misa license <q>` found: requests (newest first), a history, granted resources."""

    query: str
    requests: tuple[RequestCard, ...]
    history: tuple[HistoryEntry, ...]
    contract_no: str | None
    granted: tuple[GrantedModule, ...]


def find_licences(services: Services, authz: Authorizer, actor: str, raw: str) -> LicenceLookup:
    """The request with that code, the requests of that order or of that contract.

    The history is the one of the request found, or of the newest request of an order.
    """
    authz.require(actor, Permission.LOOKUP)
    query = clean_line(raw, 64)
    if not query:
        raise InvalidInput("approval.lookup_empty")
    with services.db.session() as session:
        requests = []
        request = repo.request_by_code(session, query.upper())
        subscription = None
        if request is not None:
            requests = [request]
        else:
            order = repo.order_by_no(session, query.upper())
            if order is not None:
                requests = repo.requests_of_order(session, order.id)[:MAX_LISTED]
            else:
                subscription = repo.subscription_by_contract(session, query)
                if subscription is None:
                    raise NotFound("approval.lookup_not_found", query=query)
                requests = repo.requests_of_subscription(session, subscription.id, MAX_LISTED)
        if subscription is None and requests and requests[0].igov_order.subscription_id:
            subscription = repo.get_subscription(session, requests[0].igov_order.subscription_id)
        granted = ()
        if subscription is not None:
            granted = tuple(
                GrantedModule(g.module_code, g.module_name, g.quantity, g.months, g.granted_at)
                for g in repo.granted_modules(session, subscription.id)
            )
        return LicenceLookup(
            query=query,
            requests=tuple(request_card(session, r) for r in requests),
            history=tuple(history(session, requests[0])) if requests else (),
            contract_no=subscription.contract_no if subscription else None,
            granted=granted,
        )


def pending_requests(
    services: Services,
    authz: Authorizer,
    actor: str,
    limit: int = 10,
    after: tuple[datetime, int] | None = None,
) -> tuple[list[RequestCard], int]:
    """Requests not decided yet (waiting for an approver, or returned to their requester for
    changes), oldest first (after the (created at, id) `after` of the last one shown), and how
    many there are in all."""
    authz.require(actor, Permission.LOOKUP)
    with services.db.session() as session:
        waiting = repo.pending_requests(session, limit, OPEN, after)
        cards = [request_card(session, r) for r in waiting]
        return cards, repo.count_pending(session, OPEN)
