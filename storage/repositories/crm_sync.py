"""What the CRM sync API reads around the import's upsert: a customer with its subscriptions,
and the expiry dates a sync is about to change."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import false, select, text, update
from sqlalchemy.orm import Session, selectinload

from storage.models import Customer, Subscription
from storage.repositories.imports import CUSTOMER_FIELDS, SUBSCRIPTION_FIELDS

SYNC_LOCK = zlib.crc32(b"crm_sync")


def lock_syncs(session: Session) -> None:
    """Serialise syncs: what one compares before writing is what it then writes over, so two
    syncs of the same new customer tell `created` once (the second finds it stored)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_LOCK})
    else:
        # SQLite has one writer at a time: writing first takes that lock now, and the reads
        # after it see every committed write.
        session.execute(update(Customer).where(false()).values(id=Customer.id))


def customer_with_subscriptions(session: Session, tax_code: str) -> Customer | None:
    return session.scalar(
        select(Customer)
        .where(Customer.tax_code == tax_code)
        .options(selectinload(Customer.subscriptions))
    )


def subscriptions(session: Session, contract_nos: Iterable[str]) -> list[Subscription]:
    contracts = list(contract_nos)
    if not contracts:
        return []
    return list(
        session.scalars(select(Subscription).where(Subscription.contract_no.in_(contracts)))
    )


def stored_values(
    session: Session, tax_codes: Iterable[str], contract_nos: Iterable[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """What the import's upsert compares, as stored: customers by tax code (with `id`) and
    subscriptions by contract number."""
    codes, contracts = list(tax_codes), list(contract_nos)
    customer_columns = [getattr(Customer, name) for name in ("id", "tax_code", *CUSTOMER_FIELDS)]
    customers = {
        row.tax_code: dict(row._mapping)
        for row in session.execute(select(*customer_columns).where(Customer.tax_code.in_(codes)))
    }
    subscription_columns = [
        getattr(Subscription, name) for name in ("contract_no", *SUBSCRIPTION_FIELDS)
    ]
    subscriptions = {
        row.contract_no: dict(row._mapping)
        for row in session.execute(
            select(*subscription_columns).where(Subscription.contract_no.in_(contracts))
        )
    }
    return customers, subscriptions


def customer_ids(session: Session, tax_codes: Iterable[str]) -> dict[str, int]:
    codes = list(tax_codes)
    rows = session.execute(
        select(Customer.tax_code, Customer.id).where(Customer.tax_code.in_(codes))
    )
    return {tax_code: customer_id for tax_code, customer_id in rows}
