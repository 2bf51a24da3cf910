"""The demo customer base: a few hundred customers with Vietnamese names, every lifecycle
state relative to today, public-sector iGOV customers with budget codes, owners among the
demo people. Generated deterministically, written as an import file and loaded through the
real import (`bot.importer`), and only ever into an empty database."""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.customer_fields import tax_check_digit
from bot.import_rows import HEADER
from bot.importer import ImportReport, import_file
from storage.db import Database
from storage.models.customers import Customer, Subscription
from wiring.sandbox.demo_history import add_history
from wiring.sandbox.workspace import OWNER, PEOPLE, SUPPORT_1, SUPPORT_2

CUSTOMERS = 300
DEMO_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# The customers the README's walk-through (and the browser tests) use.
ACTIVE_TAX_CODE = "0101243150"  # Công ty Cổ phần MISA: active, a storage order is refused
EXPIRED_TAX_CODE = "0109876557"  # Công ty TNHH Thương mại Hoàng Long: expired 10 days ago
IGOV_TAX_CODE = "2300123454"  # Sở Tài chính tỉnh Bắc Ninh: public sector, iGOV
EXPIRING_TAX_CODE = "0100109106"  # Công ty Cổ phần Xây dựng Minh Anh: expires in 7 days

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = [
    "Văn",
    "Thị",
    "Minh",
    "Đức",
    "Thu",
    "Ngọc",
    "Quang",
    "Hữu",
    "Thanh",
    "Gia",
    "Bảo",
    "Khánh",
]
GIVEN = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Việt",
    "Yến",
    "Khoa",
    "Nhung",
    "Thắng",
    "Vy",
    "Duy",
]
TRADES = (
    "Thương mại Dịch vụ",
    "Xây dựng",
    "Vận tải",
    "Công nghệ",
    "Thực phẩm",
    "Dược phẩm",
    "Du lịch",
    "Nội thất",
    "Cơ khí",
    "Nông sản",
    "May mặc",
    "Logistics",
)
BRANDS = [
    "Hoàng",
    "Long",
    "An",
    "Phát",
    "Minh",
    "Anh",
    "Thành",
    "Đạt",
    "Hưng",
    "Thịnh",
    "Việt",
    "Tiến",
    "Sao",
    "Mai",
    "Phú",
    "Gia",
    "Đại",
    "Dương",
    "Kim",
    "Ngân",
    "Tân",
    "Á",
    "Bình",
    "Minh",
    "Hồng",
    "Hà",
    "Trường",
    "Sơn",
    "Hòa",
    "Bình",
    "Nam",
    "Việt",
    "Thiên",
    "Phúc",
]
PROVINCES = (
    ("01", "Hà Nội"),
    ("79", "TP. Hồ Chí Minh"),
    ("31", "Hải Phòng"),
    ("04", "Đà Nẵng"),
    ("23", "Bắc Ninh"),
    ("37", "Nghệ An"),
    ("56", "Khánh Hòa"),
    ("92", "Cần Thơ"),
)
PUBLIC_UNITS = (
    "Sở Tài chính tỉnh {p}",
    "Sở Giáo dục và Đào tạo tỉnh {p}",
    "Trường THPT {b}",
    "Trường Tiểu học {b}",
    "Ủy ban nhân dân xã {b}",
    "Bệnh viện Đa khoa {p}",
    "Trung tâm Y tế huyện {b}",
    "Ban Quản lý dự án {p}",
)
# Days from expiry to today, chosen so each state and each reminder shows up: active (some
# expiring in 30, 7 and 1 days), expired within the grace (deletion in 7, 3 and 1 days), and
# data deleted; a few are archived (a storage package paid) after the import.
EXPIRY_OFFSETS = (-400, -200, -90, -30, -7, -1, 0, 3, 10, 17, 24, 28, 30, 45, 120, 365)


@dataclass(frozen=True)
class DemoOutcome:
    loaded: bool
    customers: int
    report: ImportReport | None = None


def tax_code(serial: int, province: str) -> str:
    """A valid 10-digit tax code: province, serial, check digit."""
    for bump in range(1000):
        first_nine = f"{province}{(serial * 7919 + bump) % 10_000_000:07d}"
        check = tax_check_digit(first_nine)
        if first_nine[2:] != "0000000" and check is not None:
            return first_nine + str(check)
    raise ValueError("no valid tax code")  # pragma: no cover - every serial finds one


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _row(**values: str) -> dict[str, str]:
    return {column: values.get(column, "") for column in HEADER}


def _featured(today: date) -> list[dict[str, str]]:
    start = date(today.year - 2, 1, 1).isoformat()
    return [
        _row(
            tax_code=ACTIVE_TAX_CODE,
            company_name="Công ty Cổ phần MISA",
            address="Tòa nhà Technosoft, phố Duy Tân, Cầu Giấy, Hà Nội",
            segment="enterprise",
            contact_name="Nguyễn Văn An",
            contact_email="ketoan@misa-demo.vn",
            contact_phone="0912345678",
            owner=OWNER.user_id,
            product="AMIS_KT",
            contract_no="HD-KT-2024-0001",
            starts_on=start,
            expires_on=(today + timedelta(days=200)).isoformat(),
        ),
        _row(
            tax_code=EXPIRED_TAX_CODE,
            company_name="Công ty TNHH Thương mại Hoàng Long",
            address="12 Nguyễn Trãi, Thanh Xuân, Hà Nội",
            segment="enterprise",
            contact_name="Trần Thị Bích",
            contact_email="ketoan@hoanglong-demo.vn",
            contact_phone="0987654321",
            owner=OWNER.user_id,
            product="AMIS_KT",
            contract_no="HD-KT-2023-0420",
            starts_on=start,
            expires_on=(today - timedelta(days=10)).isoformat(),
        ),
        _row(
            tax_code=EXPIRING_TAX_CODE,
            company_name="Công ty Cổ phần Xây dựng Minh Anh",
            address="45 Lê Lợi, Hải Châu, Đà Nẵng",
            segment="enterprise",
            contact_name="Phạm Minh Tuấn",
            contact_email="ketoan@minhanh-demo.vn",
            contact_phone="0905123456",
            owner=OWNER.user_id,
            product="AMIS_KT",
            contract_no="HD-KT-2025-0777",
            starts_on=start,
            expires_on=(today + timedelta(days=7)).isoformat(),
        ),
        _row(
            tax_code=IGOV_TAX_CODE,
            company_name="Sở Tài chính tỉnh Bắc Ninh",
            address="Số 11 đường Lý Thái Tổ, TP. Bắc Ninh",
            segment="public",
            budget_code="1054321",
            contact_name="Lê Thị Hồng",
            contact_email="vanphong@stc-bacninh-demo.gov.vn",
            contact_phone="02223822555",
            owner=OWNER.user_id,
            product="IGOV",
            contract_no="HD-IG-2024-0007",
            starts_on=start,
            expires_on=(today + timedelta(days=300)).isoformat(),
        ),
    ]


def demo_rows(today: date, count: int = CUSTOMERS, seed: int = 16) -> list[dict[str, str]]:
    """The demo import file's rows: the featured customers, then `count` generated ones."""
    rng = random.Random(seed)
    rows = _featured(today)
    taken = {r["tax_code"] for r in rows}
    owners = [OWNER.user_id, SUPPORT_1.user_id, SUPPORT_2.user_id, ""]
    serial = 100
    for n in range(count):
        serial += 1
        province, place = rng.choice(PROVINCES)
        code = tax_code(serial, province)
        if code in taken:
            continue
        taken.add(code)
        public = n % 5 == 0
        brand = f"{rng.choice(BRANDS)} {rng.choice(BRANDS)}"
        if public:
            name = rng.choice(PUBLIC_UNITS).format(p=place, b=brand)
            budget = f"{rng.choice('12378')}{rng.randrange(10**6):06d}"
        else:
            kind = rng.choice(("Công ty TNHH", "Công ty Cổ phần"))
            name = f"{kind} {rng.choice(TRADES)} {brand}"
            budget = ""
        contact = person_name(rng)
        offset = EXPIRY_OFFSETS[n % len(EXPIRY_OFFSETS)] + rng.choice((0, 0, 0, 1, -1)) * (
            n % 7 == 0
        )
        expires = today - timedelta(days=offset)
        starts = expires - timedelta(days=365 * rng.choice((1, 2, 3)))
        product = "IGOV" if public and n % 2 == 0 else "AMIS_KT"
        prefix = "IG" if product == "IGOV" else "KT"
        rows.append(
            _row(
                tax_code=code,
                company_name=name,
                address=f"{rng.randrange(1, 300)} đường {rng.choice(BRANDS)}, {place}",
                segment="public" if public else "enterprise",
                budget_code=budget,
                contact_name=contact,
                contact_email=f"ketoan{serial}@khachhang-demo.vn",
                contact_phone=f"09{rng.randrange(10**8):08d}",
                owner=owners[n % len(owners)],
                product=product,
                contract_no=f"HD-{prefix}-{starts.year}-{serial:04d}",
                starts_on=starts.isoformat(),
                expires_on=expires.isoformat(),
            )
        )
    return rows


def is_empty(database: Database) -> bool:
    with database.session() as session:
        return not session.scalar(select(func.count()).select_from(Customer))


def load_demo_data(database: Database, today: date, tz: ZoneInfo = DEMO_TZ) -> DemoOutcome:
    """Load the demo customers into `database` if it holds none; otherwise leave it as it is."""
    if not is_empty(database):
        with database.session() as session:
            count = session.scalar(select(func.count()).select_from(Customer)) or 0
        return DemoOutcome(loaded=False, customers=count)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-customers.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADER)
            writer.writeheader()
            writer.writerows(demo_rows(today))
        report = import_file(database, path)
    _archive_some(database, today)
    add_history(database, today, tz)  # the last weeks, for the reports
    with database.session() as session:
        count = session.scalar(select(func.count()).select_from(Customer)) or 0
    return DemoOutcome(loaded=True, customers=count, report=report)


def _archive_some(database: Database, today: date) -> None:
    """A few long-expired accounts had a storage package paid: archived (read-only)."""
    with database.session() as session:
        ids = session.scalars(
            select(Subscription.id)
            .where(Subscription.product == "AMIS_KT")
            .where(Subscription.expires_on < today - timedelta(days=60))
            .order_by(Subscription.id)
            .limit(6)
        ).all()
        session.execute(
            update(Subscription)
            .where(Subscription.id.in_(ids))
            .values(storage_until=today + timedelta(days=365))
        )


__all__ = ["PEOPLE", "DemoOutcome", "demo_rows", "load_demo_data"]
