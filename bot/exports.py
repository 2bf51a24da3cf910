"""`/misa export [month]`: a month's storage orders and bank transfers as CSV, for finance."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.authz import Authorizer, Permission
from bot.csv_files import csv_bytes
from bot.errors import InvalidInput
from bot.outbox import enqueue
from bot.outbox_messages import ExportDelivery
from bot.services import Services
from storage.repositories import exports as export_repo

ORDER_COLUMNS = (
    "order_no",
    "placed_at",
    "customer",
    "tax_code",
    "contract_no",
    "package",
    "quantity",
    "total",
    "status",
    "payment_deadline",
    "paid_at",
    "paid_via",
    "paid_by",
    "invoice_email",
    "placed_by",
)
TRANSFER_COLUMNS = (
    "received_at",
    "provider_id",
    "gateway",
    "transaction_date",
    "amount",
    "content",
    "reference_code",
    "outcome",
    "order_no",
)


@dataclass(frozen=True)
class CsvFile:
    filename: str
    content: bytes
    rows: int


def parse_month(raw: str, today: date) -> date:
    """`11/2026`, `2026-11` or nothing (this month) → the first day of that month."""
    text = raw.strip()
    if not text:
        return today.replace(day=1)
    match = re.fullmatch(r"(\d{1,2})/(\d{4})", text) or re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if match:
        first, second = (int(g) for g in match.groups())
        year, month = (second, first) if "/" in text else (first, second)
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            return date(year, month, 1)
    raise InvalidInput("export.month", field="month", value=text[:20])


def request_export(
    services: Services, authz: Authorizer, actor: str, raw_month: str, now: datetime
) -> date:
    """Check who asks and which month, then queue the files for the person's DM."""
    authz.require(actor, Permission.EXPORT)
    month = parse_month(raw_month, now.date())
    with services.db.session() as session:
        enqueue(session, ExportDelivery(user=actor, month=month), now=now)
    services.outbox.wake()
    return month


def month_files(services: Services, month: date) -> list[CsvFile]:
    tz: ZoneInfo = services.settings.tz
    start = datetime.combine(month, time.min, tz)
    end = datetime.combine(month + relativedelta(months=1), time.min, tz)
    with services.db.session() as session:
        orders = export_repo.orders_placed(session, start, end)
        transfers = export_repo.transfers_received(session, start, end)
    label = f"{month:%Y-%m}"
    return [
        CsvFile(f"don-hang-luu-tru-{label}.csv", csv_bytes(ORDER_COLUMNS, orders), len(orders)),
        CsvFile(
            f"giao-dich-ngan-hang-{label}.csv",
            csv_bytes(TRANSFER_COLUMNS, transfers),
            len(transfers),
        ),
    ]
