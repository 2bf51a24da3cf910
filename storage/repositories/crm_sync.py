"""What the CRM sync API reads around the import's upsert: a customer with its subscriptions,
and the expiry dates a sync is about to change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.models import Customer, Subscription


def customer_with_subscriptions(session: Session, tax_code: str) -> Customer | None:
    return session.scalar(
        select(Customer)
        .where(Customer.tax_code == tax_code)
        .options(selectinload(Customer.subscriptions))
    )


def customer_id(session: Session, tax_code: str) -> int | None:
    return session.scalar(select(Customer.id).where(Customer.tax_code == tax_code))


def expiries(session: Session, contract_nos: Iterable[str]) -> dict[str, date]:
    """The stored expiry of each of these contracts that exists."""
    contracts = list(contract_nos)
    if not contracts:
        return {}
    rows = session.execute(
        select(Subscription.contract_no, Subscription.expires_on).where(
            Subscription.contract_no.in_(contracts)
        )
    )
    return {contract_no: expires_on for contract_no, expires_on in rows}


def subscriptions(session: Session, contract_nos: Iterable[str]) -> list[Subscription]:
    contracts = list(contract_nos)
    if not contracts:
        return []
    return list(
        session.scalars(select(Subscription).where(Subscription.contract_no.in_(contracts)))
    )
