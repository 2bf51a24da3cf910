"""`/misa report` over the million-customer dataset: the time to compute a week's and a month's
figures (each with the period before), against the 5 s budget.

    python bench/report.py --backend sqlite
    python bench/report.py --backend postgresql

The dataset is the one the other benches build and keep under bench/out (bench/common.py:
generated customers with 1-2 subscriptions each, expiry dates over ±2 years). A year of
history is added in the transaction that is timed and rolled back afterwards, so the kept
dataset stays as the other benches expect: renewals, storage orders on a quarter of the AMIS
Kế toán accounts that expired (two thirds paid), the rest past day 31 deleted by the sweep,
iGOV orders and licence requests decided or pending. Times `bot.reports.report_in`, what the
command and the weekly job run: every query of both periods and the oldest pending request.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bench.common import BACKENDS, dataset, header, load, verdict
from bot.reports import parse_period, report_in
from storage.db import Database
from storage.models import (
    IgovOrder,
    LicenceRequest,
    StorageOrder,
    Subscription,
    SubscriptionRenewal,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BUDGET_S = 5.0
BATCH = 10_000


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock_time(hour), TZ).astimezone(UTC)


def add_history(session: Session, today: date, rng: random.Random) -> dict[str, int]:
    """A year of history in the open transaction; returns the rows written per kind."""
    expired = session.execute(
        select(Subscription.id, Subscription.customer_id, Subscription.expires_on).where(
            Subscription.product == "AMIS_KT",
            Subscription.expires_on.between(today - timedelta(days=365), today - timedelta(1)),
        )
    ).all()
    orders, renewals, deleted = [], [], []
    for sub_id, customer_id, expires_on in expired:
        fate = rng.random()
        days = (today - expires_on).days
        if fate < 0.10:
            renewals.append(
                {
                    "subscription_id": sub_id,
                    "previous_expires_on": expires_on,
                    "expires_on": expires_on + timedelta(days=365),
                }
            )
        elif fate < 0.35 and days >= 3:
            placed = expires_on + timedelta(days=rng.randint(1, min(days - 2, 20)))
            paid = rng.random() < 0.67
            paid_on = placed + timedelta(days=rng.randint(0, min((today - placed).days - 1, 5)))
            total = 1_200_000 * rng.choice((1, 1, 2))
            orders.append(
                {
                    "order_no": f"LT{len(orders):010d}",
                    "token": f"bench-report-{len(orders)}",
                    "submission_key": f"bench-report-{len(orders)}",
                    "subscription_id": sub_id,
                    "customer_id": customer_id,
                    "package_code": "LT12",
                    "package_name": "Gói lưu trữ dữ liệu 12 tháng",
                    "term_months": 12,
                    "unit_price": total,
                    "quantity": 1,
                    "amount": total,
                    "tax_label": "KCT",
                    "tax_amount": 0,
                    "total": total,
                    "buyer_name": "Khách hàng",
                    "buyer_tax_code": "0101243150",
                    "buyer_address": "Hà Nội",
                    "recipient_name": "Nguyễn Văn An",
                    "invoice_email": "ketoan@example.vn",
                    "phone": "0912345678",
                    "status": "paid" if paid else "expired",
                    "payment_deadline": placed + timedelta(days=7),
                    "placed_by": "U0STAFF",
                    "channel_id": "C0SUPPORT",
                    "paid_at": _moment(paid_on, 14) if paid else None,
                    "created_at": _moment(placed, 9),
                    "updated_at": _moment(placed, 9),
                }
            )
        elif days > 30:
            deleted.append({"id": sub_id, "data_deleted_on": expires_on + timedelta(days=31)})
    for rows, table in ((renewals, SubscriptionRenewal), (orders, StorageOrder)):
        for first in range(0, len(rows), BATCH):
            session.execute(insert(table), rows[first : first + BATCH])
    for first in range(0, len(deleted), BATCH):
        session.execute(update(Subscription), deleted[first : first + BATCH])
    requests = _igov(session, today, rng)
    return {
        "expired AMIS": len(expired),
        "renewals": len(renewals),
        "storage orders": len(orders),
        "deleted": len(deleted),
        "licence requests": requests,
    }


def _igov(session: Session, today: date, rng: random.Random) -> int:
    customers = session.execute(
        select(Subscription.id, Subscription.customer_id)
        .where(Subscription.product == "IGOV")
        .limit(10_000)
    ).all()
    orders, requests = [], []
    for n, (sub_id, customer_id) in enumerate(customers):
        created = _moment(today - timedelta(days=rng.randint(1, 365)), 9)
        orders.append(
            {
                "id": 10_000_000 + n,
                "order_no": f"IG{n:010d}",
                "submission_key": f"bench-report-igov-{n}",
                "customer_id": customer_id,
                "subscription_id": sub_id,
                "sales_project": "Dự án",
                "description": "",
                "qty_kt": 1,
                "qty_vps": 1,
                "amount": 20_000_000,
                "status": "requested",
                "created_by": "U0SALES",
                "channel_id": "C0SALES",
                "created_at": created,
                "updated_at": created,
            }
        )
        status = rng.choices(("approved", "rejected", "returned", "pending"), (70, 10, 5, 15))[0]
        requested = created + timedelta(hours=1)
        decided = requested + timedelta(hours=rng.expovariate(1 / 20))
        requests.append(
            {
                "code": f"YC{n:010d}",
                "submission_key": f"bench-report-request-{n}",
                "igov_order_id": 10_000_000 + n,
                "customer_id": customer_id,
                "product": "IGOV",
                "budget_code": "1054321",
                "amount": 20_000_000,
                "request_type": "Cấp",
                "sector": "Tài chính",
                "misa_id_email": "admin@example.vn",
                "misa_id_phone": "0912345678",
                "customer_info": {},
                "status": status,
                "requested_by": "U0SALES",
                "decided_by": "U0BOSS" if status in ("approved", "rejected") else None,
                "decided_at": decided if status in ("approved", "rejected") else None,
                "created_at": requested,
                "updated_at": requested,
            }
        )
    session.execute(insert(IgovOrder), orders)
    session.execute(insert(LicenceRequest), requests)
    return len(requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 1))
    args = parser.parse_args()
    header("Report figures over the million-customer dataset", args.backend)
    with dataset(args.backend, args.customers) as url:
        db = Database(url)
        try:
            with db.session() as session:
                subscriptions = session.query(Subscription).count()
                started = time.perf_counter()
                written = add_history(session, args.today, random.Random(5))
                session.flush()
                print(f"  subscriptions: {subscriptions:,}")
                print(
                    f"  history (rolled back afterwards), {time.perf_counter() - started:.0f} s: "
                    + ", ".join(f"{v:,} {k}" for k, v in written.items())
                )
                for text in ("week", "month", "month 06/2026"):
                    period = parse_period(text, args.today)
                    seconds = []
                    for _ in range(args.runs):
                        started = time.perf_counter()
                        report = report_in(session, period, args.today, TZ)
                        seconds.append(time.perf_counter() - started)
                    funnel = report.current.funnel
                    worst = max(seconds)
                    print(
                        f"  {text:<14} {period.first:%d/%m/%Y}–{period.last:%d/%m/%Y}: "
                        f"median {statistics.median(seconds):.3f} s, max {worst:.3f} s "
                        f"({verdict(worst, BUDGET_S)} of {BUDGET_S:.0f} s); expired "
                        f"{funnel.expired:,}, saved {funnel.saved:,}, deleted "
                        f"{funnel.deleted:,}, requests {report.current.igov.submitted:,}"
                    )
                session.rollback()
        finally:
            db.dispose()
    print(f"  load    : {load()} (at end)")


if __name__ == "__main__":
    main()
