"""Customer queries: by tax code, by name (the database's full-text search), by id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import Row, TextClause, bindparam, select, text
from sqlalchemy.orm import Session, selectinload

from storage.models import Customer, Subscription

WITH_SUBSCRIPTIONS = selectinload(Customer.subscriptions)


@dataclass(frozen=True, slots=True)
class CustomerView:
    """A customer as a lookup shows it, read without the ORM (the lookup's hot path): its
    columns, and its subscriptions (rows with the Subscription's columns) by expiry date."""

    id: int
    tax_code: str
    name: str
    address: str
    segment: str
    budget_code: str | None
    contact_name: str
    contact_email: str
    contact_phone: str
    owner: str | None
    subscriptions: tuple[Row, ...]


_customers = Customer.__table__.c
_subscriptions = Subscription.__table__.c
_VIEW_COLUMNS = [_customers[f] for f in CustomerView.__slots__ if f != "subscriptions"]
# Built once: SQLAlchemy then finds their compiled form in its cache by identity of shape.
_BY_ROOT = select(*_VIEW_COLUMNS).where(_customers.tax_code_root == bindparam("root"))
_BY_IDS = select(*_VIEW_COLUMNS).where(_customers.id.in_(bindparam("ids", expanding=True)))
_SUBSCRIPTIONS_OF = (
    select(_subscriptions.customer_id, *[c for c in _subscriptions if c.key != "customer_id"])
    .where(_subscriptions.customer_id.in_(bindparam("ids", expanding=True)))
    .order_by(_subscriptions.expires_on, _subscriptions.id)
)


def _views(session: Session, rows: Iterable[Row]) -> list[CustomerView]:
    """The customers of `rows` (in their order) with their subscriptions, in one statement."""
    found = list(rows)
    if not found:
        return []
    connection = session.connection()
    by_customer: dict[int, list[Row]] = {row[0]: [] for row in found}
    for sub in connection.execute(_SUBSCRIPTIONS_OF, {"ids": list(by_customer)}):
        by_customer[sub[0]].append(sub)
    return [CustomerView(*row, tuple(by_customer[row[0]])) for row in found]


_OF_SUBSCRIPTION = select(*_VIEW_COLUMNS).where(
    _customers.id
    == select(_subscriptions.customer_id)
    .where(_subscriptions.id == bindparam("subscription_id"))
    .scalar_subquery()
)


def view_of_subscription(session: Session, subscription_id: int) -> CustomerView | None:
    """The customer holding a subscription, with all its subscriptions (None if unknown)."""
    rows = session.connection().execute(_OF_SUBSCRIPTION, {"subscription_id": subscription_id})
    found = _views(session, rows)
    return found[0] if found else None


def views_by_ids(session: Session, ids: Iterable[int]) -> dict[int, CustomerView]:
    """The customers of `ids` that exist, by id, with their subscriptions."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.connection().execute(_BY_IDS, {"ids": wanted})
    return {view.id: view for view in _views(session, rows)}


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
# At a million names, ranking 2,000-5,000 matches of common words took 40-80 ms of CPU (the
# slowest 1% of lookups); past this limit the first names in id order come at once.
RANK_LIMIT = 2_000

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
    # Legal-form words alone ("cong ty co phan") name no company in particular and are in
    # most names: the first names holding them are shown, without counting or ranking them all.
    generic = COMMON_NAME_WORDS.issuperset(searching)
    postgres = session.get_bind().dialect.name == "postgresql"
    search = (_PostgresSearch if postgres else _SqliteSearch)(searching, generic=generic)
    # Words set aside still decide the order: draw a larger pool to order them by.
    pool = limit * 4 if len(searching) < len(words) else limit
    ids: list[int] = []
    for tier in search.tiers():
        ids += [found for found in search.best(session, tier, pool) if found not in ids]
        if len(ids) >= pool:
            break
    if not ids:
        return []
    if len(ids) > limit:
        # Order the pool by its names alone; load in full only the customers shown.
        rows = session.execute(
            select(Customer.id, Customer.name_folded).where(Customer.id.in_(ids))
        )
        names = {customer_id: name for customer_id, name in rows}
        ids = _more_typed_words_first([i for i in ids if i in names], names, words)[:limit]
    found = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_(ids)).options(WITH_SUBSCRIPTIONS)
        )
    }
    shown = _more_typed_words_first(
        [i for i in ids if i in found], {i: c.name_folded for i, c in found.items()}, words
    )
    return [found[i] for i in shown]


def _more_typed_words_first(
    ids: list[int], names: dict[int, str], words: Sequence[str]
) -> list[int]:
    """Stable: names holding more of the typed words (legal forms included) move up."""
    typed = set(words)
    return sorted(ids, key=lambda i: -len(typed & set(names[i].split())))


def _last_is_prefix(words: Sequence[str]) -> bool:
    """The last word may be unfinished; a single letter as a prefix would match everything."""
    return len(words[-1]) > 1


class _SqliteSearch:
    """FTS5 over the folded name. Words are [a-z0-9]+ and quoted: no FTS syntax from input.

    A tier costs one pass over the index when its matches are many (they come in rowid order,
    unranked) or none, and a second, ranked pass when there are a few.
    """

    def __init__(self, words: Sequence[str], *, generic: bool = False) -> None:
        star = "*" if _last_is_prefix(words) else ""
        together = f'"{" ".join(words)}"{star}'
        every = " ".join(f'"{w}"' for w in words[:-1])
        every = f'{every} "{words[-1]}"{star}'.strip()
        self._generic = generic
        self._words = list(words)
        self._tiers = [every] if generic or len(words) == 1 else [together, every]

    def tiers(self) -> list[str]:
        return self._tiers

    def statements(self, tier: str, pool: int) -> list[TextClause]:
        """What `best` may run for a tier: the bounded probe, then the ranked query."""
        # The probe counts up to RANK_LIMIT + 1 matches (in rowid order, the index's own) and
        # returns only the first `pool` of them with that count. Generic words: no count.
        cap = pool if self._generic else max(RANK_LIMIT + 1, pool)
        probe = text(
            "WITH matches AS MATERIALIZED (SELECT rowid AS id FROM customer_name_fts "
            "WHERE customer_name_fts MATCH :match ORDER BY rowid LIMIT :cap) "
            "SELECT id, (SELECT count(*) FROM matches) FROM matches ORDER BY id LIMIT :limit"
        ).bindparams(match=tier, cap=cap, limit=pool)
        ranked = text(
            "SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH :match "
            "ORDER BY rank, rowid LIMIT :limit"
        ).bindparams(match=tier, limit=pool)
        return [probe, ranked]

    def best(self, session: Session, tier: str, pool: int) -> list[int]:
        probe, ranked = self.statements(tier, pool)
        rows = session.execute(probe).all()
        count = rows[0][1] if rows else 0
        if self._generic or count > RANK_LIMIT or count <= 1:
            return [found for found, _ in rows]
        return list(session.scalars(ranked))

    FIND = "instr"

    def ranked_after(
        self, session: Session, words: Sequence[str], after: NameKey | None, limit: int
    ) -> list[NameKey] | None:
        """The NameKeys of the matches after `after`, in order, when there are few enough to
        order them all (else None). One pass over the index: the matches it finds, at most
        RANK_LIMIT + 1, are both counted and ranked."""
        bounded = (
            "SELECT rowid AS id FROM customer_name_fts WHERE customer_name_fts MATCH :match "
            "LIMIT :cap"
        )
        where = f"id IN (SELECT id FROM matches) AND NOT {_TOO_MANY}"
        ranked = _ranked_after(self._words, words, self.FIND, where, after)
        return _ranked_within(session, bounded, ranked, self._tiers[-1], limit)

    def walk_after(self, session: Session, after_id: int, limit: int) -> list[int]:
        """The first matching names in id order after `after_id`."""
        return list(
            session.scalars(
                text(
                    "SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH :match "
                    "AND rowid > :after ORDER BY rowid LIMIT :limit"
                ).bindparams(match=self._tiers[-1], after=after_id, limit=limit)
            )
        )


class _PostgresSearch:
    """Full-text search over the folded name ('simple' config: the words as they are).

    Words are [a-z0-9]+, so they are safe inside a tsquery; `:*` makes the last a prefix.
    Counting the matches of common words through the index costs as much as reading them all
    (tens of milliseconds for 50,000 names), so a fixed-size sample of the table first tells
    whether a tier has more than RANK_LIMIT matches. If so, the first names in id order that
    match are found at once by walking the table in that order; if not, the index finds them
    all and they are ranked.
    """

    SAMPLE_ROWS = 2_000
    # The function form of @@, which no index serves: checked row by row while walking names
    # in id order (the words index would first collect every match).
    WALK = (
        "SELECT id FROM customers WHERE ts_match_vq(name_words, to_tsquery('simple', :query)) "
        "ORDER BY id LIMIT :limit"
    )

    # An unfinished word starting more words than this is searched as a prefix after all.
    MAX_WHOLE_WORDS = 200
    WORDS_STARTING = text(
        "SELECT word FROM customer_name_vocabulary WHERE word >= :start AND word < :end "
        "ORDER BY word LIMIT :limit"
    )

    def __init__(self, words: Sequence[str], *, generic: bool = False) -> None:
        last = f"{words[-1]}:*" if _last_is_prefix(words) else words[-1]
        terms = [*words[:-1], last]
        self._generic = generic
        self._words = list(words)
        self._queries = {"together": " <-> ".join(terms), "every": " & ".join(terms)}
        self._indexed: str | None = None
        self._tiers = ["every"] if generic or len(words) == 1 else ["together", "every"]
        # Adjacent pairs as indexed by migration 0006 ("hoa_binh"); quoted, as `_` would
        # otherwise split them.
        pairs = [f"'{a}_{b}'" for a, b in pairwise(words)]
        if pairs and _last_is_prefix(words):
            pairs[-1] += ":*"
        self._pairs = " & ".join(pairs)
        self._many: dict[str, bool] | None = None

    def tiers(self) -> list[str]:
        return self._tiers

    def sample(self) -> TextClause:
        """How many sampled names match each tier, the sample's size, the table's size."""
        reltuples = "(SELECT reltuples FROM pg_class WHERE oid = 'customers'::regclass)"
        return text(
            "SELECT count(*) FILTER (WHERE name_words @@ to_tsquery('simple', :together)), "
            "count(*) FILTER (WHERE name_words @@ to_tsquery('simple', :every)), "
            f"count(*), {reltuples} FROM customers "
            # Whole blocks at random (the same ones each time): about SAMPLE_ROWS names, or
            # the whole table when it is that small.
            f"TABLESAMPLE SYSTEM ((SELECT 100.0 * :rows / greatest(reltuples, :rows) "
            "FROM pg_class WHERE oid = 'customers'::regclass)) REPEATABLE (0)"
        ).bindparams(rows=self.SAMPLE_ROWS, **self._queries)

    def walk(self, tier: str, pool: int) -> TextClause:
        return text(self.WALK).bindparams(query=self._queries[tier], limit=pool)

    def indexed(self, session: Session) -> str:
        """The tier "every" as the words index serves it best: an unfinished last word named
        as the whole words it starts (`minh & (bac | bach)`, from migration 0018's
        vocabulary), which the index skips through like any word, instead of a prefix, whose
        matching words' posting lists it must first read and merge in full."""
        if self._indexed is None:
            self._indexed = self._queries["every"]
            if _last_is_prefix(self._words):
                start = self._words[-1]
                # Words are [a-z0-9]+ and "{" sorts after all of them: one range of the key.
                whole = session.scalars(
                    self.WORDS_STARTING.bindparams(
                        start=start, end=start + "{", limit=self.MAX_WHOLE_WORDS + 1
                    )
                ).all()
                if 0 < len(whole) <= self.MAX_WHOLE_WORDS:
                    self._indexed = " & ".join([*self._words[:-1], f"({' | '.join(whole)})"])
        return self._indexed

    def ranked(self, tier: str, pool: int, indexed: str | None = None) -> TextClause:
        """All the matches, ranked (the lowest ids if they turn out to be many after all).
        `indexed`: the tier "every" as the index serves it best (see `indexed`)."""
        if tier == "together":
            # The pairs index finds the names with these words side by side (rare pairs even
            # of common words); the phrase check makes sure they are in that order.
            where = (
                "customer_name_pairs(name_folded) @@ CAST(:pairs AS tsquery) "
                "AND ts_match_vq(name_words, to_tsquery('simple', :query))"
            )
            params = {"pairs": self._pairs, "query": self._queries[tier]}
        else:
            where = "name_words @@ to_tsquery('simple', :match)"
            params = {"query": self._queries[tier], "match": indexed or self._queries[tier]}
        return text(
            f"WITH matches AS MATERIALIZED (SELECT id, name_words FROM customers WHERE {where} "
            "LIMIT :cap) "
            "SELECT id FROM matches ORDER BY "
            "CASE WHEN (SELECT count(*) FROM matches) > :rank_limit THEN 0 "
            # Normalisation 1 divides by the log of the name's length: shorter names first.
            "ELSE ts_rank(name_words, to_tsquery('simple', :query), 1) END DESC, id "
            "LIMIT :limit"
        ).bindparams(cap=max(RANK_LIMIT + 1, pool), rank_limit=RANK_LIMIT, limit=pool, **params)

    def best(self, session: Session, tier: str, pool: int) -> list[int]:
        if self._generic:
            return list(session.scalars(self.walk(tier, pool)))
        if self._too_many(session)[tier]:
            return list(session.scalars(self.walk(tier, pool)))
        indexed = self.indexed(session) if tier == "every" else None
        return list(session.scalars(self.ranked(tier, pool, indexed)))

    def _too_many(self, session: Session) -> dict[str, bool]:
        if self._many is None:
            together, every, seen, rows = session.execute(self.sample()).one()
            scale = max(rows, seen) / max(seen, 1)
            self._many = {
                "together": together * scale > RANK_LIMIT,
                "every": every * scale > RANK_LIMIT,
            }
        return self._many

    FIND = "strpos"

    def ranked_after(
        self, session: Session, words: Sequence[str], after: NameKey | None, limit: int
    ) -> list[NameKey] | None:
        """The NameKeys of the matches after `after`, in order, when there are few enough to
        order them all (else None)."""
        if self._too_many(session)["every"]:
            return None
        # The sample misjudges by a few thousand names either way: as on SQLite, at most
        # RANK_LIMIT + 1 matches are read, the names they hold ranked straight from them.
        bounded = (
            "SELECT id, name_folded FROM customers "
            "WHERE name_words @@ to_tsquery('simple', :match) LIMIT :cap"
        )
        ranked = _ranked_after(
            self._words, words, self.FIND, f"NOT {_TOO_MANY}", after, source="matches"
        )
        return _ranked_within(session, bounded, ranked, self.indexed(session), limit)

    def walk_after(self, session: Session, after_id: int, limit: int) -> list[int]:
        """The first matching names in id order after `after_id`."""
        walk = self.WALK.replace("WHERE ", "WHERE id > :after AND ", 1)
        statement = text(walk).bindparams(query=self._queries["every"], after=after_id, limit=limit)
        return list(session.scalars(statement))


# -- Paging: the lookup's order as a key, so a page starts where the previous one ended ---------

# (fewer typed words missing, together before apart, shorter names, id): the order
# `search_by_name` approximates, made total so that "after this key" is well defined.
NameKey = tuple[int, int, int, int]
# (the exact tax code before its branches, the tax code).
TaxKey = tuple[int, str]


def page_by_tax_code(
    session: Session, tax_code: str, root: str, after: TaxKey | None, limit: int
) -> list[tuple[TaxKey, CustomerView]]:
    """The exact tax code, then the company's branches in tax-code order, after `after`."""
    rows = session.connection().execute(_BY_ROOT, {"root": root}).all()
    if "-" in tax_code:
        rows = [r for r in rows if r.tax_code == tax_code]
    keyed = sorted(((int(r.tax_code != tax_code), r.tax_code), r) for r in rows)
    page = [(key, r) for key, r in keyed if after is None or key > tuple(after)][:limit]
    return list(zip((key for key, _ in page), _views(session, (r for _, r in page)), strict=True))


def page_by_name(
    session: Session, words: Sequence[str], after: NameKey | None, limit: int
) -> list[tuple[NameKey, CustomerView]]:
    """Customers whose folded name has the words typed, in the order of their NameKey, after
    `after`: new customers imported meanwhile take their place in that order, and a page never
    repeats one shown before.

    When few enough names match, all of them are ordered (like `search_by_name` ranks them);
    when too many do (common words), they come in id order, walked from the last one shown.
    """
    searching = [w for w in words if w not in COMMON_NAME_WORDS] or list(words)
    if words[-1] not in searching:
        searching.append(words[-1])
    generic = COMMON_NAME_WORDS.issuperset(searching)
    postgres = session.get_bind().dialect.name == "postgresql"
    search = (_PostgresSearch if postgres else _SqliteSearch)(searching, generic=generic)
    ranked = None if generic else search.ranked_after(session, words, after, limit)
    if ranked is not None:
        keys: dict[int, NameKey] = {key[3]: key for key in ranked}
    else:
        after_id = after[3] if after is not None and after[:3] == (0, 0, 0) else 0
        ids = search.walk_after(session, after_id, limit)
        keys = {i: (0, 0, 0, i) for i in ids}
    found = views_by_ids(session, keys)
    return [(key, found[i]) for i, key in keys.items() if i in found]


# Said of the CTE `matches` (at most RANK_LIMIT + 1 rows): too many to rank them all.
_TOO_MANY = "(SELECT count(*) FROM matches) > :rank_limit"


def _ranked_within(
    session: Session,
    bounded: str,
    ranked: tuple[str, dict[str, object]],
    match: str,
    limit: int,
    /,
) -> list[NameKey] | None:
    """The page of `ranked` (from `_ranked_after`, over the CTE `matches` that `bounded`
    selects with `:match` and `:cap`), or None when more than RANK_LIMIT names matched."""
    query, params = ranked
    statement = text(
        f"WITH matches AS MATERIALIZED ({bounded}) "
        f"SELECT * FROM ({query}) AS page "
        # A row no key can have says there were too many to rank.
        f"UNION ALL SELECT -1, 0, 0, 0 WHERE {_TOO_MANY}"
    ).bindparams(
        **params,
        match=match,
        cap=RANK_LIMIT + 1,
        rank_limit=RANK_LIMIT,
        limit=limit,
    )
    rows = session.execute(statement).all()
    if rows and rows[-1][0] < 0:
        return None
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _ranked_after(
    searching: Sequence[str],
    words: Sequence[str],
    find: str,
    where: str,
    after: NameKey | None,
    source: str = "customers",
) -> tuple[str, dict[str, object]]:
    """The NameKey of every match, computed by the database, in order, after `after`: typed
    words missing from the name, the words not together and in order, the name's length in
    words, the id. `find` is the dialect's substring position function (instr, strpos);
    `source` the table or CTE whose rows (id, name_folded) `where` selects."""
    params: dict[str, object] = {}
    padded = "(' ' || name_folded || ' ')"
    missing = []
    for n, word in enumerate(dict.fromkeys(words)):
        params[f"w{n}"] = f" {word} "
        missing.append(f"CASE WHEN {find}({padded}, :w{n}) = 0 THEN 1 ELSE 0 END")
    apart = "0"
    if len(searching) > 1:
        phrase = " " + " ".join(searching)
        if _last_is_prefix(searching):
            params["phrase"], name = phrase, "(' ' || name_folded)"
        else:
            params["phrase"], name = phrase + " ", padded
        apart = f"CASE WHEN {find}({name}, :phrase) > 0 THEN 0 ELSE 1 END"
    length = "length(name_folded) - length(replace(name_folded, ' ', '')) + 1"
    later = ""
    if after is not None:
        later = "WHERE (missing, apart, words, id) > (:a0, :a1, :a2, :a3)"
        params.update({f"a{n}": part for n, part in enumerate(after)})
    return (
        f"SELECT missing, apart, words, id FROM (SELECT id, {' + '.join(missing)} AS missing, "
        f"{apart} AS apart, {length} AS words FROM {source} WHERE {where}) AS keyed {later} "
        "ORDER BY missing, apart, words, id LIMIT :limit"
    ), params
