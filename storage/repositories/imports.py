"""Batched upserts for the import: customers by tax code, subscriptions by contract number."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
_customer_values = itemgetter(*CUSTOMER_FIELDS)
_subscription_values = itemgetter(*SUBSCRIPTION_FIELDS)


@dataclass(frozen=True)
class UpsertOutcome:
    added: int
    updated: int
    unchanged: int
    # Contracts already stored whose expiry this upsert moved (a renewal, or a correction).
    expiry_moved: tuple[str, ...] = ()


def upsert_rows(session: Session, rows: Sequence[Row]) -> UpsertOutcome:
    """Insert what is new, update what changed, leave the rest untouched (no timestamp bump).

    Existing rows are read as plain tuples and new ones written in one statement per table
    (COPY on PostgreSQL, one executemany on SQLite), ids in the order of the rows.
    """
    customers = {c["tax_code"]: c for c, _ in rows}
    session.flush()
    connection = session.connection()  # plain rows, past the ORM's loading
    existing = {
        tax_code: (customer_id, tuple(values))
        for customer_id, tax_code, *values in _rows_in(
            connection, Customer, ("id", "tax_code", *CUSTOMER_FIELDS), "tax_code", list(customers)
        )
    }
    changed = {
        tc
        for tc, c in customers.items()
        if tc in existing and existing[tc][1] != _customer_values(c)
    }
    if changed:
        session.execute(
            update(Customer),
            [
                {"id": existing[tc][0], **{f: customers[tc][f] for f in CUSTOMER_FIELDS}}
                for tc in changed
            ],
        )
    ids = {tc: found[0] for tc, found in existing.items()}
    new = [c for tc, c in customers.items() if tc not in existing]
    if new:
        ids.update(_insert_customers(session, new))

    contracts = [s["contract_no"] for _, s in rows]
    current = {
        contract_no: (subscription_id, tuple(values))
        for subscription_id, contract_no, *values in _rows_in(
            connection,
            Subscription,
            ("id", "contract_no", *SUBSCRIPTION_FIELDS),
            "contract_no",
            contracts,
        )
    }
    added, updated, unchanged = 0, 0, 0
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    renewals: list[dict[str, Any]] = []
    expiry_moved: list[str] = []
    for customer, subscription in rows:
        values = {**subscription, "customer_id": ids[customer["tax_code"]]}
        found = current.get(subscription["contract_no"])
        if found is None:
            inserts.append(values)
            added += 1
        elif found[1] != _subscription_values(values):
            updates.append({"id": found[0], **{f: values[f] for f in SUBSCRIPTION_FIELDS}})
            previous_expires_on = found[1][SUBSCRIPTION_FIELDS.index("expires_on")]
            if values["expires_on"] != previous_expires_on:
                expiry_moved.append(subscription["contract_no"])
            if values["expires_on"] > previous_expires_on:
                renewals.append(
                    {
                        "subscription_id": found[0],
                        "previous_expires_on": previous_expires_on,
                        "expires_on": values["expires_on"],
                    }
                )
            updated += 1
        elif customer["tax_code"] in changed:
            updated += 1
        else:
            unchanged += 1
    if inserts:
        _insert_new(session, Subscription, ("contract_no", *SUBSCRIPTION_FIELDS), inserts)
    if updates:
        session.execute(update(Subscription), updates)
    if renewals:  # what the reports count as renewed (the old date is overwritten above)
        session.connection().execute(insert(SubscriptionRenewal.__table__), renewals)
    return UpsertOutcome(
        added=added, updated=updated, unchanged=unchanged, expiry_moved=tuple(expiry_moved)
    )


def _insert_customers(session: Session, new: Sequence[dict[str, Any]]) -> dict[str, int]:
    """New customers, and their ids by tax code. On SQLite their names are indexed in one
    statement (migration 0017): the insert trigger stands aside while this transaction holds
    a row in customer_name_fts_deferred; new rows take the ids after every existing one, in
    order (the transaction holds the write lock)."""
    names = ("tax_code", *CUSTOMER_FIELDS)
    tax_codes = [c["tax_code"] for c in new]
    if session.get_bind().dialect.name != "sqlite":
        _insert_new(session, Customer, names, new)
        found = _rows_in(session.connection(), Customer, ("tax_code", "id"), "tax_code", tax_codes)
        return {tax_code: customer_id for tax_code, customer_id in found}
    session.execute(text("INSERT INTO customer_name_fts_deferred (id) VALUES (1)"))
    last = session.scalar(select(func.max(Customer.id))) or 0  # under the write lock now
    _insert_new(session, Customer, names, new)
    session.execute(
        text(
            "INSERT INTO customer_name_fts (rowid, name_folded) "
            "SELECT id, name_folded FROM customers WHERE id > :last"
        ),
        {"last": last},
    )
    session.execute(text("DELETE FROM customer_name_fts_deferred"))
    return dict(zip(tax_codes, range(last + 1, last + 1 + len(new)), strict=True))


def _rows_in(
    connection: Connection, model: type, names: Sequence[str], key: str, values: list[str]
) -> Sequence[Any]:
    """Columns `names` of the rows whose `key` is one of `values`, typed as the model says:
    the values travel as one parameter (a JSON array on SQLite, an array on PostgreSQL), so
    the statement is the same whatever their number (an IN list is compiled for each)."""
    table = model.__table__  # type: ignore[attr-defined]
    if connection.dialect.name == "postgresql":
        where, keys = f"{key} = ANY(:keys)", values
    else:
        where, keys = f"{key} IN (SELECT value FROM json_each(:keys))", json.dumps(values)
    statement = text(f"SELECT {', '.join(names)} FROM {table.name} WHERE {where}")
    typed = statement.columns(*(table.c[n] for n in names))
    return connection.execute(typed, {"keys": keys}).all()


def _insert_new(
    session: Session, model: type, names: Sequence[str], rows: Sequence[dict[str, Any]]
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
                copy.write_row([*(row[n] for n in names), now, now])
        return
    processors = {n: table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names}
    stamp = table.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    stamped = stamp(now) if stamp else now
    convert = [(n, p) for n, p in processors.items() if p is not None]
    values = []
    for row in rows:
        converted = dict(row)
        for name, process in convert:
            converted[name] = process(row[name])
        values.append((*(converted[n] for n in names), stamped, stamped))
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", values
    )


def refresh_statistics(session: Session) -> None:
    """Fresh planner statistics after an import (PostgreSQL; SQLite's searches need none).

    Until autovacuum gets to a table that was just filled, PostgreSQL plans as if it were
    empty, and name search sizes its sample from the table's row count.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE customers, subscriptions"))
