"""The sandbox's demo customers: realistic, deterministic, every state, loaded through the
real import and only into an empty database (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from bot.customer_fields import parse_budget_code, parse_tax_code
from bot.subscriptions import LifecycleState, lifecycle
from storage.db import Database
from storage.models.customers import Customer, Subscription
from wiring.sandbox.demo_data import (
    ACTIVE_TAX_CODE,
    EXPIRED_TAX_CODE,
    IGOV_TAX_CODE,
    demo_rows,
    load_demo_data,
)
from wiring.sandbox.workspace import PEOPLE

TODAY = date(2026, 12, 1)


def test_the_rows_are_deterministic_and_valid() -> None:
    rows = demo_rows(TODAY)
    assert rows == demo_rows(TODAY)
    assert len(rows) >= 300
    assert len({r["tax_code"] for r in rows}) == len(rows)
    for row in rows:
        assert parse_tax_code(row["tax_code"]).value == row["tax_code"]
        if row["segment"] == "public":
            assert parse_budget_code(row["budget_code"]) == row["budget_code"]
        assert row["owner"] in {p.user_id for p in PEOPLE} | {""}
    public_igov = [r for r in rows if r["segment"] == "public" and r["product"] == "IGOV"]
    assert len(public_igov) >= 20


def test_loaded_only_into_an_empty_database(db: Database) -> None:
    first = load_demo_data(db, TODAY)
    assert first.loaded and first.report is not None and first.report.rejected == 0
    again = load_demo_data(db, TODAY)
    assert not again.loaded and again.customers == first.customers
    with db.session() as session:
        states = Counter(
            lifecycle(s.expires_on, TODAY, storage_until=s.storage_until).state
            for s in session.scalars(select(Subscription))
        )
        featured = {
            c.tax_code: c.name
            for c in session.scalars(
                select(Customer).where(
                    Customer.tax_code.in_([ACTIVE_TAX_CODE, EXPIRED_TAX_CODE, IGOV_TAX_CODE])
                )
            )
        }
    assert set(states) == set(LifecycleState)
    assert min(states.values()) >= 5
    assert len(featured) == 3


def test_the_demo_has_a_history_for_the_reports(db: Database) -> None:
    import dataclasses
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.config import load_settings
    from bot.reports import compute, parse_period
    from bot.services import Services
    from tests.conftest import FixedClock

    load_demo_data(db, TODAY)
    services = Services.create(load_settings(_env_file=None, database_url=db.url))
    clock = FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    services = dataclasses.replace(services, clock=clock)
    for text in ("", "month"):
        report = compute(services, parse_period(text, TODAY))
        for figures in (report.current, report.previous):
            funnel, igov = figures.funnel, figures.igov
            assert funnel.expired > 0 and funnel.saved > 0 and funnel.renewed > 0, figures
            assert funnel.revenue > 0 and funnel.days_to_order is not None, figures
            assert igov.approved > 0 and igov.median_hours is not None, figures
    # November's accounts are all within their 30 days on 01/12; October's are past them.
    october = compute(services, parse_period("month", TODAY)).previous.funnel
    assert october.deleted > 0 and october.in_grace == 0
    services.db.dispose()
