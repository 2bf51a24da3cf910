"""The demo's recent past, so `/misa report` and the weekly report have something to show:
over the last eight weeks, expired AMIS Kế toán accounts renewed, saved by a storage package
(ordered, then paid), left to be deleted; iGOV orders whose licence requests were decided.

Written as the flows would have left the rows (deterministic, relative to today); the featured
customers of the walk-through are left untouched. Only decided requests are made: a pending or
returned one would wait for people to act on documents the demo does not have.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import (
    Customer,
    IgovOrder,
    LicenceRequest,
    StorageOrder,
    Subscription,
    SubscriptionRenewal,
)
from wiring.sandbox.workspace import APPROVER_1, APPROVER_2, OWNER, SUPPORT_1, SUPPORT_2

FEATURED_CONTRACTS = ("HD-KT-2024-0001", "HD-KT-2023-0420", "HD-KT-2025-0777", "HD-IG-2024-0007")
WEEKS = 8
PRICE = 1_000_000


def _at(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tz)


def add_history(database: Database, today: date, tz: ZoneInfo) -> None:
    rng = random.Random(13)
    with database.session() as session:
        _storage(session, today, tz, rng)
        _igov(session, today, tz, rng)


def _storage(session: Session, today: date, tz: ZoneInfo, rng: random.Random) -> None:
    accounts = session.execute(
        select(Subscription.id, Subscription.customer_id, Subscription.expires_on)
        .where(
            Subscription.product == "AMIS_KT",
            Subscription.expires_on >= today - timedelta(weeks=WEEKS),
            Subscription.expires_on <= today - timedelta(days=2),
            Subscription.contract_no.not_in(FEATURED_CONTRACTS),
        )
        .order_by(Subscription.id)
    ).all()
    for n, (sub_id, customer_id, expires_on) in enumerate(accounts):
        days = (today - expires_on).days
        fate = n % 6
        if fate == 0:  # renewed: the import moved the expiry a year on
            session.add(
                SubscriptionRenewal(
                    subscription_id=sub_id,
                    previous_expires_on=expires_on,
                    expires_on=expires_on + timedelta(days=365),
                )
            )
            session.execute(
                update(Subscription)
                .where(Subscription.id == sub_id)
                .values(expires_on=expires_on + timedelta(days=365))
            )
            continue
        if fate in (1, 2) and days >= 2:  # saved: ordered, then paid (before today)
            placed = expires_on + timedelta(days=rng.randint(1, max(min(days - 2, 12), 1)))
            paid = placed + timedelta(days=rng.randint(0, min((today - placed).days - 1, 2)))
            quantity = rng.choice((1, 1, 2))
            _order(session, sub_id, customer_id, placed, tz, quantity, paid=paid)
            session.execute(
                update(Subscription)
                .where(Subscription.id == sub_id)
                .values(storage_until=expires_on + timedelta(days=365 * quantity))
            )
            continue
        if fate == 3 and days >= 3:  # ordered, never paid: the order ran out
            placed = expires_on + timedelta(days=rng.randint(1, min(days - 2, 10)))
            status = "expired" if placed + timedelta(days=7) < today else "cancelled"
            _order(session, sub_id, customer_id, placed, tz, 1, status=status)
        if days > 30:  # the nightly sweep deleted the data on day 31
            session.execute(
                update(Subscription)
                .where(Subscription.id == sub_id)
                .values(data_deleted_on=expires_on + timedelta(days=31))
            )


def _order(
    session: Session,
    sub_id: int,
    customer_id: int,
    placed: date,
    tz: ZoneInfo,
    quantity: int,
    *,
    paid: date | None = None,
    status: str = "paid",
) -> None:
    customer = session.get(Customer, customer_id)
    assert customer is not None
    placed_at = _at(placed, 9 + sub_id % 8, tz)
    paid_at = _at(paid, 14, tz) if paid else None
    total = PRICE * quantity
    session.add(
        StorageOrder(
            order_no=f"LT{placed:%y%m%d}{secrets.token_hex(3).upper()}",
            token=secrets.token_urlsafe(32),
            submission_key=f"demo-{sub_id}",
            subscription_id=sub_id,
            customer_id=customer_id,
            package_code="LT12",
            package_name="Gói lưu trữ dữ liệu 12 tháng",
            term_months=12,
            unit_price=PRICE,
            quantity=quantity,
            amount=total,
            tax_label="KCT",
            tax_amount=0,
            total=total,
            buyer_name=customer.name,
            buyer_tax_code=customer.tax_code,
            buyer_address=customer.address,
            recipient_name=customer.contact_name,
            invoice_email=customer.contact_email,
            phone=customer.contact_phone,
            status=status,
            payment_deadline=placed + timedelta(days=7),
            placed_by=(SUPPORT_1 if sub_id % 2 else SUPPORT_2).user_id,
            channel_id="C0SUPPORT",
            paid_at=paid_at,
            paid_via="bank" if paid_at else None,
            email_status="sent",
            paid_email_sent_at=paid_at,
            created_at=placed_at,
            updated_at=paid_at or placed_at,
        )
    )


def _igov(session: Session, today: date, tz: ZoneInfo, rng: random.Random) -> None:
    accounts = session.execute(
        select(Subscription.id, Customer.id, Customer.budget_code, Customer.contact_email)
        .join(Customer, Customer.id == Subscription.customer_id)
        .where(
            Subscription.product == "IGOV",
            Customer.segment == "public",
            Subscription.expires_on > today,
            Subscription.contract_no.not_in(FEATURED_CONTRACTS),
        )
        .order_by(Subscription.id)
        .limit(WEEKS * 3)
    ).all()
    for n, (sub_id, customer_id, budget_code, email) in enumerate(accounts):
        day = today - timedelta(days=4 + n * (WEEKS * 7 - 6) // max(len(accounts), 1))
        created = _at(day, 9 + n % 7, tz)
        kt, vps = rng.randint(1, 3), rng.randint(0, 2)
        amount = kt * 12_000_000 + vps * 8_000_000
        order = IgovOrder(
            order_no=f"IG{day:%y%m%d}{9000 + n:04d}",
            submission_key=f"demo-igov-{sub_id}",
            customer_id=customer_id,
            subscription_id=sub_id,
            sales_project="Mở rộng iGOV",
            description="",
            qty_kt=kt,
            qty_vps=vps,
            amount=amount,
            status="requested",
            created_by=OWNER.user_id,
            channel_id="C0SALES",
            created_at=created,
            updated_at=created,
        )
        session.add(order)
        session.flush()
        requested = created + timedelta(hours=1)
        decided = requested + timedelta(hours=rng.choice((2, 5, 20, 26, 49, 70)))
        rejected = n % 5 == 4
        session.add(
            LicenceRequest(
                code=f"YC{day:%y%m%d}{9000 + n:04d}",
                submission_key=f"demo-request-{sub_id}",
                igov_order_id=order.id,
                customer_id=customer_id,
                product="IGOV",
                budget_code=budget_code or "1000000",
                amount=amount,
                request_type="Cấp",
                sector="Hành chính sự nghiệp",
                misa_id_email=email,
                misa_id_phone="0912345678",
                customer_info={},
                status="rejected" if rejected else "approved",
                requested_by=OWNER.user_id,
                decided_by=(APPROVER_1 if n % 2 else APPROVER_2).user_id,
                decided_at=decided,
                reject_reason="Thiếu quyết định cấp nguồn" if rejected else None,
                created_at=requested,
                updated_at=decided,
            )
        )
