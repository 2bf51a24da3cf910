"""Batched upserts for the import: customers by tax code, subscriptions by contract number."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from storage.models import Customer, Subscription, SubscriptionRenewal

CUSTOMER_FIELDS = (
    "tax_code_root",
    "name",
    "name_folded",
    "address",
    "segment",
    "budget_code",
    "contact_name",
    "contact_email",
    "contact_phone",
    "owner",
)
SUBSCRIPTION_FIELDS = ("customer_id", "product", "starts_on", "expires_on")

Row = tuple[dict[str, Any], dict[str, Any]]
# The same as values: the customer's (tax_code, *CUSTOMER_FIELDS) and the subscription's
# (contract_no, product, starts_on, expires_on).
CUSTOMER_VALUES = ("tax_code", *CUSTOMER_FIELDS)
SUBSCRIPTION_VALUES = ("contract_no", "product", "starts_on", "expires_on")
Values = tuple[tuple[Any, ...], tuple[Any, ...]]
_customer_values = itemgetter(*CUSTOMER_VALUES)
_subscription_values = itemgetter(*SUBSCRIPTION_VALUES)


@dataclass(frozen=True)
class UpsertOutcome:
    added: int
    updated: int
    unchanged: int
    # Contracts already stored whose expiry this upsert moved (a renewal, or a correction).
    expiry_moved: tuple[str, ...] = ()


def upsert_rows(session: Session, rows: Sequence[Row]) -> UpsertOutcome:
    """`upsert_values` of rows given as dicts (a customer's and a subscription's)."""
    return upsert_values(session, [(_customer_values(c), _subscription_values(s)) for c, s in rows])


def upsert_values(session: Session, rows: Sequence[Values]) -> UpsertOutcome:
    """Insert what is new, update what changed, leave the rest untouched (no timestamp bump).

    Existing rows are read as the driver gives them (compared with the values as they are
    stored) and new ones written in one statement per table (COPY on PostgreSQL, one
    executemany on SQLite), ids in the order of the rows.
    """
    session.flush()
    connection = session.connection()
    customers = {c[0]: c for c, _ in rows}
    existing = {
        found[1]: (found[0], found[1:])
        for found in _stored_rows(
            connection, "customers", ("id", *CUSTOMER_VALUES), list(customers)
        )
    }
    changed = {tc for tc, c in customers.items() if tc in existing and existing[tc][1] != c}
    if changed:
        session.execute(
            update(Customer),
            [
                {"id": existing[tc][0], **dict(zip(CUSTOMER_VALUES, customers[tc], strict=True))}
                for tc in changed
            ],
        )
    ids = {tc: found[0] for tc, found in existing.items()}
    new = [c for tc, c in customers.items() if tc not in existing]
    if new:
        ids.update(_insert_customers(session, new))

    names = ("id", "contract_no", "customer_id", "product", "starts_on", "expires_on")
    current = {
        found[1]: (found[0], found[2:])
        for found in _stored_rows(connection, "subscriptions", names, [s[0] for _, s in rows])
    }
    stored_date, read_date = _date_forms(connection)
    added, updated, unchanged = 0, 0, 0
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    renewals: list[dict[str, Any]] = []
    expiry_moved: list[str] = []
    for customer, (contract_no, product, starts_on, expires_on) in rows:
        customer_id = ids[customer[0]]
        found = current.get(contract_no)
        if found is None:
            inserts.append((contract_no, customer_id, product, starts_on, expires_on))
            added += 1
        elif found[1] != (customer_id, product, stored_date(starts_on), stored_date(expires_on)):
            updates.append(
                {
                    "id": found[0],
                    "customer_id": customer_id,
                    "product": product,
                    "starts_on": starts_on,
                    "expires_on": expires_on,
                }
            )
            previous_expires_on = read_date(found[1][3])
            if expires_on != previous_expires_on:
                expiry_moved.append(contract_no)
            if expires_on > previous_expires_on:
                renewals.append(
                    {
                        "subscription_id": found[0],
                        "previous_expires_on": previous_expires_on,
                        "expires_on": expires_on,
                    }
                )
            updated += 1
        elif customer[0] in changed:
            updated += 1
        else:
            unchanged += 1
    if inserts:
        _insert_new(session, Subscription, ("contract_no", *SUBSCRIPTION_FIELDS), inserts)
    if updates:
        session.execute(update(Subscription), updates)
    if renewals:  # what the reports count as renewed (the old date is overwritten above)
        connection.execute(insert(SubscriptionRenewal.__table__), renewals)
    return UpsertOutcome(
        added=added, updated=updated, unchanged=unchanged, expiry_moved=tuple(expiry_moved)
    )


def _date_forms(connection: Connection) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """A date as the driver stores it, and a stored date as a date (text on SQLite)."""
    dialect = connection.dialect
    date_type = Subscription.__table__.c.expires_on.type.dialect_impl(dialect)
    stored = date_type.bind_processor(dialect)
    read = date_type.result_processor(dialect, None)
    return _remembered(stored) if stored else _same, read or _same


def _same(value: Any) -> Any:
    return value


def _remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert` remembering its answers: a file holds a few thousand dates, a million times."""
    known: dict[Any, Any] = {}

    def converted(value: Any) -> Any:
        try:
            return known[value]
        except KeyError:
            if len(known) >= 100_000:
                known.clear()
            known[value] = found = convert(value)
            return found

    return converted


def _insert_customers(session: Session, new: Sequence[tuple[Any, ...]]) -> dict[str, int]:
    """New customers (values of CUSTOMER_VALUES), and their ids by tax code. On SQLite their
    names are indexed in one statement (migration 0017): the insert trigger stands aside
    while this transaction holds a row in customer_name_fts_deferred; new rows take the ids
    after every existing one, in order (the transaction holds the write lock)."""
    tax_codes = [c[0] for c in new]
    if session.get_bind().dialect.name != "sqlite":
        _insert_new(session, Customer, CUSTOMER_VALUES, new)
        found = _stored_rows(session.connection(), "customers", ("tax_code", "id"), tax_codes)
        return {tax_code: customer_id for tax_code, customer_id in found}
    session.execute(text("INSERT INTO customer_name_fts_deferred (id) VALUES (1)"))
    last = session.scalar(select(func.max(Customer.id))) or 0  # under the write lock now
    _insert_new(session, Customer, CUSTOMER_VALUES, new)
    session.execute(
        text(
            "INSERT INTO customer_name_fts (rowid, name_folded) "
            "SELECT id, name_folded FROM customers WHERE id > :last"
        ),
        {"last": last},
    )
    session.execute(text("DELETE FROM customer_name_fts_deferred"))
    return dict(zip(tax_codes, range(last + 1, last + 1 + len(new)), strict=True))


def _stored_rows(
    connection: Connection, table: str, names: Sequence[str], keys: list[str]
) -> Sequence[Any]:
    """Columns `names` of the rows whose `names[1]` (a unique key) is one of `keys`, as the
    driver gives them. The keys travel as one parameter (a JSON array on SQLite, an array on
    PostgreSQL): the statement is the same whatever their number (an IN list is compiled
    for each), and SQLAlchemy's processing of each value is skipped."""
    key = names[1] if names[0] == "id" else names[0]
    if connection.dialect.name == "postgresql":
        where, parameter = f"{key} = ANY(%s)", keys
    else:
        where, parameter = f"{key} IN (SELECT value FROM json_each(?))", json.dumps(keys)
    statement = f"SELECT {', '.join(names)} FROM {table} WHERE {where}"
    return connection.exec_driver_sql(statement, (parameter,)).fetchall()


def _insert_new(
    session: Session, model: type, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert `rows` (values of `names`) as they are, stamped now: the database's own bulk path,
    past SQLAlchemy's per-value processing."""
    connection = session.connection()
    dialect = connection.dialect
    table = model.__table__  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    columns = [*names, "created_at", "updated_at"]
    if dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, now, now))
        return
    processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    processors = [_remembered(p) if p else None for p in processors]
    stamp = table.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    stamped = stamp(now) if stamp else now
    convert = [(i, p) for i, p in enumerate(processors) if p is not None]
    values: list[Any] = []
    for row in rows:
        if convert:
            row = list(row)
            for index, process in convert:
                row[index] = process(row[index])
        values.append((*row, stamped, stamped))
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", values
    )


# The page cache of an importing SQLite connection (2 MB by default): the indexes of a million
# customers take new keys all over, and a small cache reads their pages again and again.
IMPORT_CACHE_KIB = 16 * 1024


def prepare_batch(session: Session) -> None:
    """Settings of the connection for a batch of the import."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))


def refresh_statistics(session: Session) -> None:
    """Fresh planner statistics after an import (PostgreSQL; SQLite's searches need none).

    Until autovacuum gets to a table that was just filled, PostgreSQL plans as if it were
    empty, and name search sizes its sample from the table's row count.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE customers, subscriptions"))
