"""The benchmarks' bulk path stores exactly what `import` stores for the same generated rows."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.bulk import bulk_load
from bench.generate import rows
from bot.customers import lookup_customers
from bot.import_rows import HEADER
from bot.importer import import_file
from storage.db import Database
from storage.models import Customer, Subscription
from tests.conftest import new_database_url

TODAY = date(2026, 11, 22)
CUSTOMERS = 400


def stored(db: Database) -> tuple[list, list]:
    """Every stored value except the timestamps, in id order."""
    customer_columns = [
        c for c in Customer.__table__.c if c.name not in ("created_at", "updated_at")
    ]
    subscription_columns = [
        c for c in Subscription.__table__.c if c.name not in ("created_at", "updated_at")
    ]
    with db.session() as session:
        customers = session.execute(select(*customer_columns).order_by(Customer.id)).all()
        subscriptions = session.execute(
            select(*subscription_columns).order_by(Subscription.id)
        ).all()
    return customers, subscriptions


def test_bulk_path_equals_the_import(
    db: Database, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows(CUSTOMERS, today=TODAY))
    report = import_file(db, path)
    assert report.rejected == 0 and report.added > CUSTOMERS

    bulk = Database(new_database_url(request, db.dialect))
    try:
        assert bulk_load(bulk, CUSTOMERS, today=TODAY) == report.added
        assert stored(bulk) == stored(db)
        # The search structures were filled too: the same query finds the same customers.
        for query in ("cong ty tnhh thuong mai", "so tai chinh", "hoa binh"):
            found = [c.id for c in lookup_customers(db, query, TODAY).customers]
            assert found and [c.id for c in lookup_customers(bulk, query, TODAY).customers] == found
    finally:
        bulk.dispose()
