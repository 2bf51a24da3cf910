"""A dataset for the reminder jobs on a fixed day: every offset and edge, named by contract.

Customers and subscriptions go through the real import; storage orders and licence requests
(written by other flows) are inserted as rows, following their tables' contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.importer import import_file
from storage.db import Database
from storage.models import Customer, IgovOrder, LicenceRequest, StorageOrder, Subscription
from tests.factories import row, tax_code, write_csv

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 6, 15)
AT = "2026-06-15T08:00"
SWEEP_AT = "2026-06-15T00:15"
NOW = datetime.combine(TODAY, time(8, 0), tzinfo=TZ)

LAN, MAI = "U0LAN", "U0MAI"  # account owners; Mai reads Slack in English
SUPPORT, SALES, APPROVALS = "C0SUPPORT", "C0SALES", "C0APPROVAL"
APPROVERS = ("U0APPR1", "U0APPR2")
APPROVER_GROUP = "S0APPROVERS"


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def channels_env() -> dict[str, str]:
    return {
        "SUPPORT_CHANNEL": SUPPORT,
        "SALES_CHANNEL": SALES,
        "APPROVAL_CHANNEL": APPROVALS,
        "APPROVER_USER_IDS": ",".join(APPROVERS),
        "APPROVER_USERGROUP": APPROVER_GROUP,
        "PUBLIC_BASE_URL": "https://bot.example.vn",
        "BOT_TIMEZONE": "Asia/Ho_Chi_Minh",
    }


@dataclass(frozen=True)
class Account:
    contract_no: str
    name: str
    expires: int  # days from TODAY
    owner: str = ""
    product: str = "AMIS_KT"
    serial: int = 0


ACCOUNTS = [
    # Expiry reminders: 30, 7 and 1 days ahead; 0, 2 and 31 days ahead are not reminded.
    Account("HD-E30", "Công ty TNHH Hoa Sen", 30, LAN, serial=1),
    Account("HD-E07", "Sở Tài chính Bình Minh", 7, LAN, "IGOV", serial=2),
    Account("HD-E01", "Công ty <Ánh> & Dương", 1, MAI, serial=3),
    Account("HD-E07-NO", "Cửa hàng Phú Quý", 7, serial=4),
    Account("HD-E00", "Công ty Hôm Nay", 0, LAN, serial=5),
    Account("HD-E02", "Công ty Hai Ngày", 2, LAN, serial=6),
    Account("HD-E31", "Công ty Ba Mốt", 31, LAN, serial=7),
    # Deletion warnings: data deleted in 7, 3, 1 days, on day 31 after expiry (expired 24, 28,
    # 30 days ago); HD-S30 below is on its last day of grace too.
    Account("HD-D07", "Công ty Bảy Ngày", -24, LAN, serial=11),
    Account("HD-D03", "Công ty Ba Ngày", -28, serial=12),
    Account("HD-D01", "Công ty Một Ngày", -30, MAI, serial=13),
    Account("HD-D01-IG", "Sở iGOV Một Ngày", -30, LAN, "IGOV", serial=14),
    Account("HD-D01-AR", "Công ty Lưu Trữ", -30, LAN, serial=15),  # archived
    # The sweep: day 30 is the last day of grace, day 31 is deleted unless held.
    Account("HD-S30", "Công ty Ngày Ba Mươi", -30, LAN, serial=21),
    Account("HD-S31", "Công ty Ngày Ba Mốt", -31, LAN, serial=22),
    Account("HD-S31-HELD", "Công ty Đang Giữ", -31, MAI, serial=23),
    Account("HD-S35-LAPSED", "Công ty Hết Giữ", -35, LAN, serial=24),
    Account("HD-S31-IG", "Sở iGOV Ba Mốt", -31, "", "IGOV", serial=25),
    Account("HD-S200", "Công ty Xóa Từ Lâu", -200, LAN, serial=26),
]


@dataclass
class Dataset:
    ids: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    tax_codes: dict[str, str] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)


def _row(account: Account) -> dict[str, str]:
    public = account.product == "IGOV"
    return row(
        tax_code(account.serial),
        account.name,
        account.contract_no,
        day(account.expires),
        product=account.product,
        segment="public" if public else "enterprise",
        budget_code="1054321" if public else "",
        owner=account.owner,
    )


def load(db: Database, directory: Path, approval_ts: str = "1781500000.000100") -> Dataset:
    """Import the accounts, then add the orders and requests that the other flows would."""
    report = import_file(db, write_csv(directory / "accounts.csv", [_row(a) for a in ACCOUNTS]))
    assert report.rejected == 0, report.errors
    data = Dataset()
    with db.session() as session:
        for sub_id, contract, customer_id, tax in session.execute(
            select(Subscription.id, Subscription.contract_no, Customer.id, Customer.tax_code).join(
                Customer
            )
        ):
            data.ids[contract] = sub_id
            data.customers[contract] = customer_id
            data.tax_codes[contract] = tax
        session.execute(
            update(Subscription)
            .where(Subscription.contract_no == "HD-D01-AR")
            .values(storage_until=day(300))
        )
        orders = [
            # Unpaid for 4 days: the placer is reminded.
            ("MS-PAY-4", "HD-D07", "awaiting_payment", -4, day(3), LAN),
            # Unpaid for 1 day only; paid orders are never reminded.
            ("MS-PAY-1", "HD-D03", "awaiting_payment", -1, day(5), MAI),
            ("MS-PAID", "HD-D01", "paid", -10, day(-3), LAN),
            # Holds the deletion of HD-S31-HELD until its deadline.
            ("MS-HOLD", "HD-S31-HELD", "awaiting_payment", -2, day(2), MAI),
            # Its deadline passed yesterday: the sweep closes it and deletes the account.
            ("MS-LAPSED", "HD-S35-LAPSED", "awaiting_payment", -6, day(-1), LAN),
        ]
        for order_no, contract, status, created, deadline, placed_by in orders:
            order = storage_order(
                order_no,
                data.ids[contract],
                data.customers[contract],
                status=status,
                created_at=NOW + timedelta(days=created),
                payment_deadline=deadline,
                placed_by=placed_by,
            )
            session.add(order)
            session.flush()
            data.orders[order_no] = order.id
        igov = IgovOrder(
            order_no="IG-0001",
            submission_key="igov-1",
            customer_id=data.customers["HD-E07"],
            subscription_id=data.ids["HD-E07"],
            sales_project="Dự án 2026",
            qty_kt=1,
            qty_vps=0,
            amount=1_000_000,
            status="requested",
            created_by=LAN,
            channel_id="C0SALESOPS",
        )
        session.add(igov)
        session.flush()
        requests = [
            ("YC-25H", "pending", timedelta(hours=-25), approval_ts),
            ("YC-2H", "pending", timedelta(hours=-2), "1781500000.000200"),
            ("YC-DONE", "approved", timedelta(days=-3), "1781500000.000300"),
            ("YC-UNPOSTED", "pending", timedelta(hours=-30), None),
        ]
        for code, status, age, ts in requests:
            request = licence_request(code, igov, status, NOW + age, ts)
            session.add(request)
            session.flush()
            data.requests[code] = request.id
    return data


def storage_order(
    order_no: str,
    subscription_id: int,
    customer_id: int,
    *,
    status: str,
    created_at: datetime,
    payment_deadline: date,
    placed_by: str,
) -> StorageOrder:
    return StorageOrder(
        order_no=order_no,
        token=f"tok-{order_no}",
        submission_key=f"submit-{order_no}",
        subscription_id=subscription_id,
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
        status=status,
        payment_deadline=payment_deadline,
        placed_by=placed_by,
        channel_id="C0SUPPORT",
        # Timestamps are stored in UTC, as the databases' own defaults are.
        created_at=created_at.astimezone(UTC),
    )


def licence_request(
    code: str, igov: IgovOrder, status: str, created_at: datetime, approval_ts: str | None
) -> LicenceRequest:
    customer_info: dict[str, Any] = {"name": "Sở Tài chính Bình Minh"}
    return LicenceRequest(
        code=code,
        submission_key=f"submit-{code}",
        igov_order_id=igov.id,
        customer_id=igov.customer_id,
        product="IGOV",
        budget_code="1054321",
        amount=1_000_000,
        request_type="grant",
        sector="Tài chính",
        misa_id_email="admin@example.vn",
        misa_id_phone="0912345678",
        customer_info=customer_info,
        status=status,
        requested_by=LAN,
        approval_channel=APPROVALS if approval_ts else None,
        approval_ts=approval_ts,
        created_at=created_at.astimezone(UTC),
    )
