"""Test data: valid tax codes and customer rows, written through the real import path."""

from __future__ import annotations

import csv
import secrets
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.vn import mst

from bot.import_rows import HEADER
from storage.models import IgovOrder, LicenceRequest, StorageOrder, Subscription


def tax_code(serial: int, province: str = "01") -> str:
    """A valid 10-digit tax code: province prefix, serial, check digit.

    The check digit comes from python-stdnum, not from the code under test, so a wrong rule in
    `bot.customers` makes these codes fail to import instead of agreeing with it.
    """
    for bump in range(1000):
        first_nine = f"{province}{(serial * 7 + bump) % 10_000_000:07d}"
        if first_nine[2:] == "0000000":
            continue
        check = mst.calc_check_digit(first_nine)
        if check != "10":
            return first_nine + check
    raise AssertionError("no valid tax code found")


def row(
    tax: str,
    name: str,
    contract_no: str,
    expires_on: date,
    *,
    product: str = "AMIS_KT",
    segment: str = "enterprise",
    budget_code: str = "",
    owner: str = "",
    email: str = "ketoan@example.vn",
    starts_on: date = date(2024, 1, 1),
    address: str = "Hà Nội",
) -> dict[str, str]:
    return {
        "tax_code": tax,
        "company_name": name,
        "address": address,
        "segment": segment,
        "budget_code": budget_code,
        "contact_name": "Nguyễn Văn An",
        "contact_email": email,
        "contact_phone": "0912345678",
        "owner": owner,
        "product": product,
        "contract_no": contract_no,
        "starts_on": starts_on.isoformat(),
        "expires_on": expires_on.isoformat(),
    }


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


# History for the reports: orders and licence requests written as they stand after their flows
# ran (placed, paid, decided at given moments), on subscriptions imported through the real path.

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A moment in Asia/Ho_Chi_Minh (what people in the office call that day and hour)."""
    return datetime.combine(day, time(hour, minute), HCM)


def subscription_id(session: Session, contract_no: str) -> tuple[int, int]:
    """(subscription id, customer id) of an imported contract."""
    found = session.execute(
        select(Subscription.id, Subscription.customer_id).where(
            Subscription.contract_no == contract_no
        )
    ).one()
    return found.id, found.customer_id


def storage_order(
    session: Session,
    contract_no: str,
    placed_at: datetime,
    *,
    status: str = "awaiting_payment",
    deadline_days: int = 7,
    total: int = 1_200_000,
    paid_at: datetime | None = None,
) -> StorageOrder:
    sub_id, customer_id = subscription_id(session, contract_no)
    serial = secrets.token_hex(6)
    order = StorageOrder(
        order_no=f"LT-{serial}",
        token=secrets.token_urlsafe(24),
        submission_key=f"test-{serial}",
        subscription_id=sub_id,
        customer_id=customer_id,
        package_code="LT12",
        package_name="Gói lưu trữ dữ liệu 12 tháng",
        term_months=12,
        unit_price=total,
        quantity=1,
        amount=total,
        tax_label="KCT",
        tax_amount=0,
        total=total,
        buyer_name="Công ty",
        buyer_tax_code="0101243150",
        buyer_address="Hà Nội",
        recipient_name="Nguyễn Văn An",
        invoice_email="ketoan@example.vn",
        phone="0912345678",
        status=status,
        payment_deadline=placed_at.astimezone(HCM).date() + timedelta(days=deadline_days),
        placed_by="U_STAFF",
        channel_id="C_SUPPORT",
        paid_at=paid_at,
        created_at=placed_at,
        updated_at=paid_at or placed_at,
    )
    session.add(order)
    session.flush()
    return order


def igov_order(
    session: Session, contract_no: str, created_at: datetime, *, amount: int = 1_000_000
) -> IgovOrder:
    sub_id, customer_id = subscription_id(session, contract_no)
    serial = secrets.token_hex(6)
    order = IgovOrder(
        order_no=f"DH-{serial}",
        submission_key=f"test-{serial}",
        customer_id=customer_id,
        subscription_id=sub_id,
        sales_project="Dự án",
        qty_kt=1,
        qty_vps=0,
        amount=amount,
        status="requested",
        created_by="U_SALES",
        channel_id="C_SALES",
        created_at=created_at,
        updated_at=created_at,
    )
    session.add(order)
    session.flush()
    return order


def licence_request(
    session: Session,
    order: IgovOrder,
    code: str,
    created_at: datetime,
    *,
    status: str = "pending",
    decided_at: datetime | None = None,
    returned_at: datetime | None = None,
) -> LicenceRequest:
    request = LicenceRequest(
        code=code,
        submission_key=f"test-{code}",
        igov_order_id=order.id,
        customer_id=order.customer_id,
        product="IGOV",
        budget_code="1234567",
        amount=order.amount,
        request_type="Cấp",
        sector="Tài chính",
        misa_id_email="admin@example.vn",
        misa_id_phone="0912345678",
        customer_info={},
        status=status,
        requested_by="U_SALES",
        decided_by="U_APPROVER" if decided_at else None,
        decided_at=decided_at,
        returned_by="U_APPROVER" if returned_at else None,
        returned_at=returned_at,
        created_at=created_at,
        updated_at=decided_at or returned_at or created_at,
    )
    session.add(request)
    session.flush()
    return request
