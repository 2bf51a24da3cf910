"""The bulk path: generated customers straight into empty tables, as `import` would store them.

    python bench/bulk.py --customers 1000000 --database-url sqlite:///bench/out/x.sqlite3

`python -m bot import` validates every row with the full rules (email syntax through
email_validator, about half its time) and looks up existing customers and contracts to
update them; at a million customers that takes minutes. Generated rows are valid by
construction and the tables are empty, so this path computes the same stored values (the
folded name, the tax code root, the segment...) and inserts them with explicit ids, in the
order the import would assign them: COPY on PostgreSQL, batched inserts on SQLite. The search
structures are filled the same way (SQLite's FTS5 triggers, PostgreSQL's generated tsvector).
tests/test_bench_data.py checks that both paths give identical tables on both databases.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from bench.generate import rows
from bot.customer_fields import parse_segment, parse_tax_code
from bot.text import fold
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Customer, Subscription
from storage.repositories.imports import CUSTOMER_FIELDS, SUBSCRIPTION_FIELDS

BATCH = 20_000
# The columns the import writes (storage.repositories.imports), plus the keys it looks up by.
CUSTOMER_COLUMNS = ("id", "tax_code", *CUSTOMER_FIELDS)
SUBSCRIPTION_COLUMNS = ("id", "contract_no", *SUBSCRIPTION_FIELDS)


def records(
    customers: int, *, seed: int = 7, today: date | None = None
) -> Iterator[tuple[dict[str, Any] | None, dict[str, Any]]]:
    """(customer values when the row introduces a new customer, subscription values)."""
    customer_id = 0
    last_tax = ""
    for subscription_id, raw in enumerate(rows(customers, seed=seed, today=today), start=1):
        customer = None
        if raw["tax_code"] != last_tax:  # a customer's rows are consecutive
            last_tax = raw["tax_code"]
            customer_id += 1
            tax = parse_tax_code(raw["tax_code"])
            customer = {
                "id": customer_id,
                "tax_code": tax.value,
                "tax_code_root": tax.root,
                "name": raw["company_name"],
                "name_folded": fold(raw["company_name"]),
                "address": raw["address"],
                "segment": parse_segment(raw["segment"]).value,
                "budget_code": raw["budget_code"] or None,
                "contact_name": raw["contact_name"],
                "contact_email": raw["contact_email"],
                "contact_phone": raw["contact_phone"],
                "owner": raw["owner"] or None,
            }
        subscription = {
            "id": subscription_id,
            "customer_id": customer_id,
            "product": raw["product"],
            "contract_no": raw["contract_no"],
            "starts_on": date.fromisoformat(raw["starts_on"]),
            "expires_on": date.fromisoformat(raw["expires_on"]),
        }
        yield customer, subscription


def bulk_load(db: Database, customers: int, *, seed: int = 7, today: date | None = None) -> int:
    """Fill an empty, migrated database; returns the number of subscriptions (import rows)."""
    with db.session() as session:
        if session.scalar(select(func.count()).select_from(Customer)):
            raise SystemExit("the bulk path needs empty tables; use `python -m bot import`")
    generated = records(customers, seed=seed, today=today)
    count = _copy(db, generated) if db.dialect == "postgresql" else _insert(db, generated)
    with db.engine.connect() as connection:
        # Planner statistics for the freshly filled tables (autovacuum would do it later).
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return count


def _insert(db: Database, generated: Iterator[tuple[dict | None, dict]]) -> int:
    count = 0
    done = False
    while not done:
        new_customers, subscriptions = [], []
        for customer, subscription in generated:
            if customer is not None:
                new_customers.append(customer)
            subscriptions.append(subscription)
            if len(subscriptions) >= BATCH:
                break
        else:
            done = True
        if not subscriptions:
            break
        with db.session() as session:
            if new_customers:
                session.connection().execute(insert(Customer.__table__), new_customers)
            session.connection().execute(insert(Subscription.__table__), subscriptions)
        count += len(subscriptions)
    return count


def _copy(db: Database, generated: Iterator[tuple[dict | None, dict]]) -> int:
    count = 0
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        customer_copy = f"COPY customers ({', '.join(CUSTOMER_COLUMNS)}) FROM STDIN"
        subscription_copy = f"COPY subscriptions ({', '.join(SUBSCRIPTION_COLUMNS)}) FROM STDIN"
        # Customers first (subscriptions reference them): keep the subscriptions meanwhile.
        held: list[tuple[Any, ...]] = []
        with cursor.copy(customer_copy) as copy:
            for customer, subscription in generated:
                if customer is not None:
                    copy.write_row([customer[c] for c in CUSTOMER_COLUMNS])
                held.append(tuple(subscription[c] for c in SUBSCRIPTION_COLUMNS))
        with cursor.copy(subscription_copy) as copy:
            for values in held:
                copy.write_row(values)
        count = len(held)
        for table in ("customers", "subscriptions"):
            cursor.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    db = Database(args.database_url)
    upgrade(db)
    started = time.perf_counter()
    count = bulk_load(db, args.customers, seed=args.seed)
    seconds = time.perf_counter() - started
    print(f"bulk-loaded {args.customers:,} customers, {count:,} subscriptions in {seconds:.0f} s")


if __name__ == "__main__":
    main()
