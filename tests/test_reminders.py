"""The reminder jobs as use cases, on SQLite and PostgreSQL: what each decides and claims."""

from __future__ import annotations

import threading
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from bot import reminders
from bot.outbox_messages import (
    ApprovalReminder,
    DeletionDigest,
    ExpiryDigest,
    OrderChanged,
    PaymentReminder,
    SweepReportMessage,
)
from bot.reminders import ReminderConfig, Run
from bot.subscriptions import LifecycleState, lifecycle
from storage.db import Database
from storage.models import AuditEvent, OutboxMessage, StorageOrder, Subscription
from tests import reminders_dataset as ds
from tests.conftest import new_database_url

CONFIG = ReminderConfig(
    tz=ds.TZ,
    support_channel=ds.SUPPORT,
    sales_channel=ds.SALES,
    approver_user_ids=ds.APPROVERS,
    approver_usergroup=ds.APPROVER_GROUP,
    public_base_url="https://bot.example.vn",
)


def run_at(offset: int = 0, at: time = time(8, 0)) -> Run:
    moment = datetime.combine(ds.day(offset), at, tzinfo=ds.TZ)
    return Run(at=moment, now=moment)


@pytest.fixture
def data(db: Database, tmp_path: Path) -> ds.Dataset:
    return ds.load(db, tmp_path)


def outbox(db: Database, kind: str | None = None) -> list[OutboxMessage]:
    with db.session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.scalars(query))


def contracts(payload: dict[str, Any]) -> list[tuple[str, int]]:
    return [(item["contract_no"], item["days"]) for item in payload["items"]]


def digests(db: Database, kind: str) -> dict[str, list[tuple[str, int]]]:
    found = {}
    for message in outbox(db, kind):
        recipient = message.payload["recipient"]
        found[recipient.get("user") or recipient["channel"]] = contracts(message.payload)
    return found


def test_expiry_reminders_one_digest_per_owner_unowned_to_sales(
    db: Database, data: ds.Dataset
) -> None:
    outcome = reminders.expiry_reminders(db, CONFIG, run_at())
    assert outcome.due == 4
    assert sorted(outcome.claimed) == [
        f"expiry-reminders:{ds.SALES}:2026-06-15",
        f"expiry-reminders:{ds.LAN}:2026-06-15",
        f"expiry-reminders:{ds.MAI}:2026-06-15",
    ]
    assert digests(db, ExpiryDigest.kind) == {
        ds.SALES: [("HD-E07-NO", 7)],
        ds.LAN: [("HD-E07", 7), ("HD-E30", 30)],
        ds.MAI: [("HD-E01", 1)],
    }
    again = reminders.expiry_reminders(db, CONFIG, run_at())
    assert (again.claimed, again.already) == ([], 3)
    assert len(outbox(db)) == 3


def test_deletion_warnings_amis_accounts_7_3_1_days_before_deletion(
    db: Database, data: ds.Dataset
) -> None:
    outcome = reminders.deletion_warnings(db, CONFIG, run_at())
    assert outcome.due == 4 and len(outcome.claimed) == 3
    # iGOV and archived accounts are not warned; the most urgent comes first. Accounts on
    # their last day of grace (day 30) are deleted tomorrow: one day left.
    assert digests(db, DeletionDigest.kind) == {
        ds.SUPPORT: [("HD-D01", 1), ("HD-S30", 1), ("HD-D03", 3), ("HD-D07", 7)],
        ds.LAN: [("HD-S30", 1), ("HD-D07", 7)],
        ds.MAI: [("HD-D01", 1)],
    }
    assert reminders.deletion_warnings(db, CONFIG, run_at()).claimed == []


def deleted_on(db: Database) -> dict[str, Any]:
    with db.session() as session:
        rows = session.execute(select(Subscription.contract_no, Subscription.data_deleted_on))
        return {contract: deleted for contract, deleted in rows if contract.startswith("HD-S")}


def order_status(db: Database) -> dict[str, str]:
    with db.session() as session:
        return dict(session.execute(select(StorageOrder.order_no, StorageOrder.status)).all())


def test_sweep_deletes_on_day_31_unless_held_and_closes_lapsed_orders(
    db: Database, data: ds.Dataset
) -> None:
    outcome = reminders.deletion_sweep(db, CONFIG, run_at(at=time(0, 15)))
    assert outcome.facts == {"deleted": 3, "held": 1, "orders_expired": 1}
    assert deleted_on(db) == {
        "HD-S30": None,  # day 30: the last day of grace
        "HD-S31": ds.TODAY,
        "HD-S31-HELD": None,  # held by MS-HOLD until its deadline
        "HD-S35-LAPSED": ds.TODAY,  # its order's deadline passed
        "HD-S31-IG": ds.TODAY,
        "HD-S200": None,  # before the sweep's window: already shown deleted by its dates
    }
    assert order_status(db)["MS-LAPSED"] == "expired"
    assert order_status(db)["MS-HOLD"] == "awaiting_payment"
    with db.session() as session:
        (event,) = session.scalars(select(AuditEvent))
        assert (event.entity_type, event.entity_id, event.action, event.actor) == (
            "storage_order",
            data.orders["MS-LAPSED"],
            "expired",
            "scheduler",
        )
        assert (event.from_status, event.to_status) == ("awaiting_payment", "expired")
    (changed,) = outbox(db, OrderChanged.kind)
    assert changed.payload == {"order_id": data.orders["MS-LAPSED"]}
    (report,) = outbox(db, SweepReportMessage.kind)
    assert report.dedupe_key == f"deletion-sweep:{ds.SUPPORT}:2026-06-15"
    assert report.payload["deleted"] == 3
    assert [h["order_no"] for h in report.payload["held"]] == ["MS-HOLD"]

    again = reminders.deletion_sweep(db, CONFIG, run_at(at=time(0, 15)))
    assert again.facts == {"deleted": 0, "held": 1, "orders_expired": 0}
    assert (again.claimed, again.already) == ([], 1)
    assert len(outbox(db)) == 2

    # The day after MS-HOLD's deadline: the order expires and the deletion goes ahead.
    # HD-D03 reaches its day 31 then, held by MS-PAY-1 until day 5.
    later = reminders.deletion_sweep(db, CONFIG, run_at(3, time(0, 15)))
    assert (later.facts["held"], later.facts["orders_expired"]) == (1, 1)
    assert deleted_on(db)["HD-S31-HELD"] == deleted_on(db)["HD-S30"] == ds.day(3)
    assert order_status(db)["MS-HOLD"] == "expired"
    state = lifecycle(ds.day(-31), ds.day(3), data_deleted_on=ds.day(3)).state
    assert state is LifecycleState.DATA_DELETED


def test_approval_reminders_for_requests_pending_too_long(db: Database, data: ds.Dataset) -> None:
    outcome = reminders.approval_reminders(db, CONFIG, run_at())
    # YC-2H is recent, YC-DONE decided, YC-UNPOSTED has no approval message yet.
    assert outcome.claimed == [f"approval-reminders:request-{data.requests['YC-25H']}:2026-06-15"]
    (message,) = outbox(db, ApprovalReminder.kind)
    assert message.payload["thread_ts"] == "1781500000.000100"
    assert message.payload["approvers"] == list(ds.APPROVERS)
    # An hour later the same request is not reminded again.
    later = Run(at=run_at().at.replace(hour=9), now=run_at().now)
    assert reminders.approval_reminders(db, CONFIG, later).claimed == []


def test_payment_reminders_for_orders_unpaid_after_n_days(db: Database, data: ds.Dataset) -> None:
    outcome = reminders.payment_reminders(db, CONFIG, run_at())
    assert outcome.claimed == [f"payment-reminders:order-{data.orders['MS-PAY-4']}:2026-06-14"]
    (message,) = outbox(db, PaymentReminder.kind)
    assert message.payload["recipient"] == {"user": ds.LAN}
    assert message.payload["link"] == "https://bot.example.vn/orders/tok-MS-PAY-4"
    # A day later, the order placed two days before is due too (MS-PAY-1 the day after).
    assert reminders.payment_reminders(db, CONFIG, run_at(1)).claimed == [
        f"payment-reminders:order-{data.orders['MS-HOLD']}:2026-06-16"
    ]


def test_concurrent_runs_claim_each_reminder_once(db: Database, data: ds.Dataset) -> None:
    outcomes: list[reminders.JobOutcome] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        database = Database(db.url)
        try:
            for job in (reminders.expiry_reminders, reminders.deletion_sweep):
                outcome = job(database, CONFIG, run_at())
                with lock:
                    outcomes.append(outcome)
        except BaseException as exc:
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    claimed = [key for outcome in outcomes for key in outcome.claimed]
    assert len(claimed) == len(set(claimed)) == 4  # three digests and the sweep report
    assert sum(o.facts.get("deleted", 0) for o in outcomes) == 3


@pytest.mark.parametrize(
    "job",
    [
        reminders.expiry_reminders,
        reminders.deletion_warnings,
        reminders.deletion_sweep,
        reminders.approval_reminders,
        reminders.payment_reminders,
    ],
)
def test_jobs_never_scan_whole_tables(
    request: pytest.FixtureRequest, tmp_path: Path, job: Any
) -> None:
    """Every statement a job runs finds its rows through an index (checked on SQLite's plans;
    PostgreSQL's depend on table statistics, see bench/reminders.py for its timings)."""
    db = Database(new_database_url(request, "sqlite"))
    ds.load(db, tmp_path)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE")):
            statements.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        job(db, CONFIG, run_at())
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert statements
    with db.engine.connect() as connection:
        for statement, params in statements:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
            details = [str(row[-1]) for row in plan]
            scans = [d for d in details if d.startswith("SCAN") and "outbox" not in d]
            assert scans == [], (statement, details)
    db.dispose()
