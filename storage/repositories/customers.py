"""Customer queries: by tax code, by name (database full-text / trigram search), by id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, func, literal, select, text
from sqlalchemy.orm import Session, selectinload

from storage.models import Customer, Subscription

WITH_SUBSCRIPTIONS = selectinload(Customer.subscriptions)


def get_customer(session: Session, customer_id: int) -> Customer | None:
    return session.scalar(
        select(Customer).where(Customer.id == customer_id).options(WITH_SUBSCRIPTIONS)
    )


def get_subscription(session: Session, subscription_id: int) -> Subscription | None:
    return session.scalar(
        select(Subscription)
        .where(Subscription.id == subscription_id)
        .options(selectinload(Subscription.customer))
    )


def find_by_tax_code(session: Session, tax_code: str, root: str, limit: int) -> list[Customer]:
    """The exact tax code first, then the company's other branches (same 10-digit root)."""
    exact_first = (Customer.tax_code != tax_code).asc()
    rows = session.scalars(
        select(Customer)
        .where(Customer.tax_code_root == root)
        .order_by(exact_first, Customer.tax_code)
        .limit(limit)
        .options(WITH_SUBSCRIPTIONS)
    )
    customers = list(rows)
    if "-" in tax_code:
        # A branch code finds that branch only (and nothing when it is unknown).
        return [c for c in customers if c.tax_code == tax_code]
    return customers


def search_by_name(session: Session, words: Sequence[str], limit: int) -> list[Customer]:
    """Customers whose folded name has every word as a word prefix, best match first."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        ids = _search_ids_postgres(session, words, limit)
    else:
        ids = _search_ids_sqlite(session, words, limit)
    if not ids:
        return []
    by_id = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_(ids)).options(WITH_SUBSCRIPTIONS)
        )
    }
    return [by_id[i] for i in ids if i in by_id]


def _search_ids_sqlite(session: Session, words: Sequence[str], limit: int) -> list[int]:
    # Words are folded to [a-z0-9]; quoting keeps FTS5 syntax out of user input anyway.
    match = " ".join(f'"{w}"*' for w in words)
    rows = session.execute(
        text(
            "SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH :match "
            "ORDER BY rank, rowid LIMIT :limit"
        ),
        {"match": match, "limit": limit},
    )
    return [row[0] for row in rows]


def _search_ids_postgres(session: Session, words: Sequence[str], limit: int) -> list[int]:
    padded = literal(" ") + Customer.name_folded
    conditions = [padded.like(f"% {w}%") for w in words]
    query = " ".join(words)
    rows = session.execute(
        select(Customer.id)
        .where(and_(*conditions))
        .order_by(func.similarity(Customer.name_folded, query).desc(), Customer.id)
        .limit(limit)
    )
    return [row[0] for row in rows]
