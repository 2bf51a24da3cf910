"""Customer queries: by tax code, by name (database full-text / trigram search), by id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    func,
    literal_column,
    select,
    text,
)
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


# Ranking reads every match; beyond this many, a ranked list would take longer than a person
# waits, and the words typed are too common to rank meaningfully anyway ("cong ty tnhh").
RANK_LIMIT = 5_000

# Legal-form words found in most company names. Their posting lists are huge and intersecting
# them costs more than all the rest; when a query has other words, those do the searching and
# these only order the results.
COMMON_NAME_WORDS = frozenset(
    {"cong", "ty", "co", "phan", "tnhh", "mtv", "tap", "doan", "chi", "nhanh", "doanh", "nghiep"}
)


def search_by_name(session: Session, words: Sequence[str], limit: int) -> list[Customer]:
    """Customers whose folded name has the words typed (the last may be unfinished), best first.

    The words together and in order come first, then anywhere; within each tier the database
    ranks the matches when there are few enough. Names with more of the typed words (legal
    forms included) then move up.
    """
    searching = [w for w in words if w not in COMMON_NAME_WORDS] or list(words)
    if words[-1] not in searching:
        searching.append(words[-1])  # the word being typed always searches (as a prefix)
    postgres = session.get_bind().dialect.name == "postgresql"
    search = _PostgresSearch(searching) if postgres else _SqliteSearch(searching)
    # Words set aside still decide the order: draw a larger pool to order them by.
    pool = limit * 4 if len(searching) < len(words) else limit
    ids: list[int] = []
    for tier in search.tiers():
        many = session.execute(search.count_up_to(tier, RANK_LIMIT + 1)).scalar_one() > RANK_LIMIT
        rows = session.execute(search.ids(tier, pool, ranked=not many))
        ids += [found for (found,) in rows if found not in ids]
        if len(ids) >= pool:
            break
    if not ids:
        return []
    found = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_(ids)).options(WITH_SUBSCRIPTIONS)
        )
    }
    ordered = [found[i] for i in ids if i in found]
    typed = set(words)
    ordered.sort(key=lambda c: -len(typed & set(c.name_folded.split())))  # stable
    return ordered[:limit]


def _last_is_prefix(words: Sequence[str]) -> bool:
    """The last word may be unfinished; a single letter as a prefix would match everything."""
    return len(words[-1]) > 1


class _SqliteSearch:
    """FTS5 over the folded name. Words are [a-z0-9]+ and quoted: no FTS syntax from input."""

    def __init__(self, words: Sequence[str]) -> None:
        star = "*" if _last_is_prefix(words) else ""
        phrase = f'"{" ".join(words)}"{star}'
        every = " ".join(f'"{w}"' for w in words[:-1])
        every = f'{every} "{words[-1]}"{star}'.strip()
        self._tiers = [phrase, every] if len(words) > 1 else [every]

    def tiers(self) -> list[str]:
        return self._tiers

    def count_up_to(self, tier: str, cap: int) -> TextClause:
        return text(
            "SELECT count(*) FROM (SELECT rowid FROM customer_name_fts "
            "WHERE customer_name_fts MATCH :match LIMIT :cap)"
        ).bindparams(match=tier, cap=cap)

    def ids(self, tier: str, limit: int, *, ranked: bool) -> TextClause:
        order = "rank, rowid" if ranked else "rowid"
        return text(
            "SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH :match "
            f"ORDER BY {order} LIMIT :limit"
        ).bindparams(match=tier, limit=limit)


class _PostgresSearch:
    """Full-text search over the folded name ('simple' config: the words as they are).

    Words are [a-z0-9]+, so they are safe inside a tsquery; `:*` makes the last a prefix.
    """

    # A stored generated column on PostgreSQL only (migration 0004), hence not in the model.
    VECTOR = literal_column("customers.name_words")

    def __init__(self, words: Sequence[str]) -> None:
        last = f"{words[-1]}:*" if _last_is_prefix(words) else words[-1]
        terms = [*words[:-1], last]
        phrase, every = " <-> ".join(terms), " & ".join(terms)
        self._tiers = [phrase, every] if len(words) > 1 else [every]

    def tiers(self) -> list[str]:
        return self._tiers

    def _matches(self, tier: str) -> ColumnElement[bool]:
        return self.VECTOR.op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"), tier))

    def count_up_to(self, tier: str, cap: int) -> Select:
        matches = select(Customer.id).where(self._matches(tier)).limit(cap).subquery()
        return select(func.count()).select_from(matches)

    def ids(self, tier: str, limit: int, *, ranked: bool) -> Select:
        query = func.to_tsquery(literal_column("'simple'::regconfig"), tier)
        # Normalisation 1 divides by the log of the name's length: shorter names first.
        order = (
            (func.ts_rank(self.VECTOR, query, 1).desc(), Customer.id) if ranked else (Customer.id,)
        )
        return select(Customer.id).where(self._matches(tier)).order_by(*order).limit(limit)
