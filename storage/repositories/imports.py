"""Batched upserts for the import: customers by tax code, subscriptions by contract number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text, update
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


@dataclass(frozen=True)
class UpsertOutcome:
    added: int
    updated: int
    unchanged: int


def _differs(entity: Any, values: dict[str, Any], fields: Sequence[str]) -> bool:
    return any(getattr(entity, name) != values[name] for name in fields)


def upsert_rows(session: Session, rows: Sequence[Row]) -> UpsertOutcome:
    """Insert what is new, update what changed, leave the rest untouched (no timestamp bump)."""
    customers = {c["tax_code"]: c for c, _ in rows}
    existing = {
        c.tax_code: c
        for c in session.scalars(select(Customer).where(Customer.tax_code.in_(customers)))
    }
    changed = {
        tc
        for tc, c in customers.items()
        if tc in existing and _differs(existing[tc], c, CUSTOMER_FIELDS)
    }
    if changed:
        session.execute(
            update(Customer),
            [
                {"id": existing[tc].id, **{f: customers[tc][f] for f in CUSTOMER_FIELDS}}
                for tc in changed
            ],
        )
    ids = {tc: c.id for tc, c in existing.items()}
    new = [c for tc, c in customers.items() if tc not in existing]
    if new:
        # Core executemany (not the ORM bulk path with RETURNING): much faster; ids read back.
        session.connection().execute(insert(Customer.__table__), new)
        inserted = session.execute(
            select(Customer.id, Customer.tax_code).where(
                Customer.tax_code.in_([c["tax_code"] for c in new])
            )
        )
        ids.update({tax_code: customer_id for customer_id, tax_code in inserted})

    contracts = [s["contract_no"] for _, s in rows]
    current = {
        s.contract_no: s
        for s in session.scalars(
            select(Subscription).where(Subscription.contract_no.in_(contracts))
        )
    }
    added, updated, unchanged = 0, 0, 0
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    renewals: list[dict[str, Any]] = []
    for customer, subscription in rows:
        values = {**subscription, "customer_id": ids[customer["tax_code"]]}
        found = current.get(subscription["contract_no"])
        if found is None:
            inserts.append(values)
            added += 1
        elif _differs(found, values, SUBSCRIPTION_FIELDS):
            updates.append({"id": found.id, **{f: values[f] for f in SUBSCRIPTION_FIELDS}})
            if values["expires_on"] > found.expires_on:
                renewals.append(
                    {
                        "subscription_id": found.id,
                        "previous_expires_on": found.expires_on,
                        "expires_on": values["expires_on"],
                    }
                )
            updated += 1
        elif customer["tax_code"] in changed:
            updated += 1
        else:
            unchanged += 1
    if inserts:
        session.connection().execute(insert(Subscription.__table__), inserts)
    if updates:
        session.execute(update(Subscription), updates)
    if renewals:  # what the reports count as renewed (the old date is overwritten above)
        session.connection().execute(insert(SubscriptionRenewal.__table__), renewals)
    return UpsertOutcome(added=added, updated=updated, unchanged=unchanged)


def refresh_statistics(session: Session) -> None:
    """Fresh planner statistics after an import (PostgreSQL; SQLite's searches need none).

    Until autovacuum gets to a table that was just filled, PostgreSQL plans as if it were
    empty, and name search sizes its sample from the table's row count.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE customers, subscriptions"))
