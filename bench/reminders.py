"""Reminder jobs at scale: each job's time, peak memory and Slack messages over N subscriptions.

Usage: python bench/reminders.py [--subscriptions N] [--postgres | --database-url URL]

Generates N subscriptions (default 1,000,000; two per customer, expiry dates spread over four
years around the day, 300 account owners, 10% without owner), a few hundred storage orders and
licence requests, through bulk inserts. Then runs every job the way operators do,
`python -m bot jobs run NAME --at …` in its own process, against an in-process fake Slack, and
prints per job: items due, reminders claimed, Slack messages sent (posts + file uploads), the
time the job took to decide and claim (from its log line), the whole command's time including
delivery, and the command's peak resident memory (getrusage of the child). A first row runs a
job with nothing due: the interpreter and libraries' own time and memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from slack_emulator import FakeSlack  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Customer,
    IgovOrder,
    LicenceRequest,
    StorageOrder,
    Subscription,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OWNERS = [f"U0OWN{n:04d}" for n in range(300)]
STAFF = [f"U0STF{n:03d}" for n in range(20)]
CHANNELS = {
    "SUPPORT_CHANNEL": "C0SUPPORT",
    "SALES_CHANNEL": "C0SALES",
    "APPROVAL_CHANNEL": "C0APPROVAL",
    "APPROVER_USER_IDS": "U0APPR1,U0APPR2",
    "APPROVER_USERGROUP": "S0APPROVERS",
    "PUBLIC_BASE_URL": "https://bot.example.vn",
}
BATCH = 20_000
TOKEN = "xoxb-bench"


def generate(db: Database, subscriptions: int, today: date, seed: int = 7) -> float:
    """Bulk-insert the customers and subscriptions; returns the seconds it took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    customers = (subscriptions + 1) // 2
    with db.session() as session:
        for first in range(1, customers + 1, BATCH):
            rows = []
            for cid in range(first, min(first + BATCH, customers + 1)):
                public = cid % 5 == 0
                rows.append(
                    {
                        "id": cid,
                        "tax_code": f"{cid:010d}",
                        "tax_code_root": f"{cid:010d}",
                        "name": f"Công ty TNHH Thương mại Dịch vụ Số {cid}",
                        "name_folded": f"cong ty tnhh thuong mai dich vu so {cid}",
                        "address": "Hà Nội",
                        "segment": "public" if public else "enterprise",
                        "budget_code": "1054321" if public else None,
                        "contact_name": "Nguyễn Văn An",
                        "contact_email": "ketoan@example.vn",
                        "contact_phone": "0912345678",
                        "owner": None if cid % 10 == 0 else rng.choice(OWNERS),
                    }
                )
            session.execute(insert(Customer), rows)
        for first in range(0, subscriptions, BATCH):
            rows = []
            for n in range(first, min(first + BATCH, subscriptions)):
                cid = n // 2 + 1
                expires = today + timedelta(days=rng.randint(-730, 730))
                rows.append(
                    {
                        "id": n + 1,
                        "customer_id": cid,
                        "product": "IGOV" if cid % 5 == 0 else "AMIS_KT",
                        "contract_no": f"HD-{n:08d}",
                        "starts_on": expires - timedelta(days=365),
                        "expires_on": expires,
                    }
                )
            session.execute(insert(Subscription), rows)
        if db.dialect == "postgresql":
            for table in ("customers", "subscriptions"):
                session.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
    _orders_and_requests(db, today, rng)
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _orders_and_requests(db: Database, today: date, rng: random.Random) -> None:
    """Storage orders on accounts in grace (some past their deadline), pending requests."""
    now = datetime.combine(today, clock_time(8, 0), tzinfo=TZ)
    with db.session() as session:
        accounts = session.execute(
            select(Subscription.id, Subscription.customer_id)
            .where(
                Subscription.product == "AMIS_KT",
                Subscription.expires_on.between(today - timedelta(35), today - timedelta(25)),
            )
            .order_by(Subscription.id)
            .limit(200)
        ).all()
        for n, (sub_id, customer_id) in enumerate(accounts):
            session.add(
                StorageOrder(
                    order_no=f"MS{n:06d}",
                    token=f"bench-token-{n}",
                    submission_key=f"bench-{n}",
                    subscription_id=sub_id,
                    customer_id=customer_id,
                    package_code="LT12",
                    package_name="Gói lưu trữ dữ liệu 12 tháng",
                    term_months=12,
                    unit_price=1_200_000,
                    quantity=1,
                    amount=1_200_000,
                    tax_label="KCT",
                    tax_amount=0,
                    total=1_200_000,
                    buyer_name="Khách hàng",
                    buyer_tax_code="0101243150",
                    buyer_address="Hà Nội",
                    recipient_name="Nguyễn Văn An",
                    invoice_email="ketoan@example.vn",
                    phone="0912345678",
                    status="awaiting_payment",
                    payment_deadline=today + timedelta(days=rng.randint(-3, 6)),
                    placed_by=rng.choice(STAFF),
                    channel_id="C0SUPPORT",
                    created_at=(now - timedelta(days=rng.randint(0, 8))).astimezone(UTC),
                )
            )
        customer_id = session.scalar(select(Customer.id).where(Customer.segment == "public"))
        igov = IgovOrder(
            order_no="IG-BENCH",
            submission_key="igov-bench",
            customer_id=customer_id,
            sales_project="Dự án",
            qty_kt=1,
            qty_vps=0,
            amount=1_000_000,
            status="requested",
            created_by=STAFF[0],
            channel_id="C0SALESOPS",
        )
        session.add(igov)
        session.flush()
        for n in range(30):
            session.add(
                LicenceRequest(
                    code=f"YC{n:05d}",
                    submission_key=f"bench-request-{n}",
                    igov_order_id=igov.id,
                    customer_id=customer_id,
                    product="IGOV",
                    budget_code="1054321",
                    amount=1_000_000,
                    request_type="grant",
                    sector="Tài chính",
                    misa_id_email="admin@example.vn",
                    misa_id_phone="0912345678",
                    customer_info={},
                    status="pending",
                    requested_by=rng.choice(STAFF),
                    approval_channel=CHANNELS["APPROVAL_CHANNEL"],
                    approval_ts=f"1781500000.{n:06d}",
                    # A third have waited longer than the 24 hours that trigger a reminder.
                    created_at=(now - timedelta(hours=30 if n % 3 == 0 else 2)).astimezone(UTC),
                )
            )


LOG_LINE = re.compile(r"job \S+ as of \S+: (\d+) due, (\d+) reminders claimed.* in ([\d.]+) s")


def measure(env: dict[str, str], fake: FakeSlack, job: str, at: datetime) -> dict[str, object]:
    """Run one job in a child and read its own peak RSS with os.wait4."""
    mark = len(fake.calls)
    command = [sys.executable, "-m", "bot", "jobs", "run", job, "--at", at.isoformat()]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [*command, "--lang", "en", "--wait", "600"], env=env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"{job} failed ({process.returncode}):\n{stdout}\n{stderr[-3000:]}")
    match = LOG_LINE.search(stderr)
    calls = fake.calls[mark:]
    return {
        "job": job,
        "at": at,
        "due": int(match.group(1)) if match else 0,
        "claimed": int(match.group(2)) if match else 0,
        "decide_s": float(match.group(3)) if match else 0.0,
        "total_s": elapsed,
        "rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "posts": sum(c.ok for c in calls if c.method == "chat.postMessage"),
        "files": sum(c.ok for c in calls if c.method == "files.completeUploadExternal"),
    }


BUDGET_S = 10.0


def report_budget(rows: list[dict[str, object]]) -> None:
    """Each run against the 10-second budget: the job's own work (select, decide, claim), and
    the whole command, whose delivery waits for Slack's pace of one message per second per
    channel; messages against recipients (one digest each)."""
    print(f"  budget: each job <= {BUDGET_S:.0f} s; messages proportional to recipients")
    for row in rows:
        decide, total = float(row["decide_s"]), float(row["total_s"])  # type: ignore[arg-type]
        messages = int(row["posts"])  # type: ignore[call-overload]
        claimed = int(row["claimed"])  # type: ignore[call-overload]
        work = "within budget" if decide <= BUDGET_S else "OVER BUDGET"
        whole = "within" if total <= BUDGET_S else "over (Slack's pace)"
        print(
            f"    {row['job']:<20} {row['at']:%Y-%m-%d %H:%M}  job {decide:5.2f} s: {work}; "
            f"command {total:5.2f} s: {whole}; {messages} messages for {claimed} recipients, "
            f"{row['due']:,} items due"
        )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="an empty database (default: a SQLite file)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL server")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 6, 15))
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="misa-bench-"))
    server = None
    if args.postgres:
        from tests.rig.postgres import PostgresServer

        server = PostgresServer().start()
        url = server.create_database()
    else:
        url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    db = Database(url)
    upgrade(db)
    seconds = generate(db, args.subscriptions, args.today)
    backend = db.dialect
    db.dispose()
    print("Reminder jobs benchmark")
    print(f"  machine       : {cpu_model()} ({os.cpu_count() or 1} logical CPUs)")
    print(f"  python        : {platform.python_implementation()} {platform.python_version()}")
    print(f"  database      : {backend}")
    print(f"  dataset       : {args.subscriptions:,} subscriptions, generated in {seconds:.1f} s")

    today, tomorrow = args.today, args.today + timedelta(days=1)
    at_8 = datetime.combine(today, clock_time(8, 0), tzinfo=TZ)
    sweep = datetime.combine(today, clock_time(0, 15), tzinfo=TZ)
    plan = [
        ("payment-reminders", datetime(2000, 1, 1, 8, 0, tzinfo=TZ)),  # nothing due: baseline
        ("deletion-sweep", sweep),
        ("expiry-reminders", at_8),
        ("deletion-warnings", at_8),
        ("approval-reminders", at_8),
        ("payment-reminders", at_8),
        ("deletion-sweep", sweep + timedelta(days=1)),
        ("expiry-reminders", at_8 + timedelta(days=1)),
        ("expiry-reminders", at_8 + timedelta(days=1)),  # again: everything already claimed
    ]
    with FakeSlack(bot_token=TOKEN) as fake:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SLACK_API_URL": fake.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": "bench-signing-secret-0123456789abcdef",
            "HOME": str(workdir),
            "LOG_LEVEL": "INFO",
            **CHANNELS,
        }
        header = f"  {'job':<20} {'as of':<17} {'due':>7} {'claimed':>7} {'posts':>5} "
        print(header + f"{'files':>5} {'decide s':>8} {'total s':>7} {'peak MB':>7}")
        rows = []
        for job, at in plan:
            row = measure(env, fake, job, at)
            rows.append(row)
            print(
                f"  {job:<20} {at:%Y-%m-%d %H:%M} {row['due']:>7,} {row['claimed']:>7,} "
                f"{row['posts']:>5} {row['files']:>5} {row['decide_s']:>8.2f} "
                f"{row['total_s']:>7.2f} {row['rss_mb']:>7.0f}"
            )
    print(f"  ({tomorrow:%Y-%m-%d} rows are the next day's runs: the steady state)")
    report_budget(rows)
    if server is not None:
        server.stop()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
