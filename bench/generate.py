"""Realistic customers and subscriptions at any size, as an import CSV (the header of SPEC §4).

    python bench/generate.py --customers 100000 --out bench/out/customers-100k.csv

Vietnamese company names with diacritics, valid tax codes (check digit), budget codes for
public-sector customers, 1-2 subscriptions each with expiry dates spread over ±2 years.
Deterministic for a given --seed. Public so tests and other benches can reuse `rows()`.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.customer_fields import tax_check_digit
from bot.import_rows import HEADER

KINDS = [
    "Công ty TNHH",
    "Công ty Cổ phần",
    "Công ty TNHH MTV",
    "Doanh nghiệp tư nhân",
    "Hợp tác xã",
    "Công ty Cổ phần Tập đoàn",
    "Chi nhánh Công ty TNHH",
]
TRADES = [
    "Thương mại",
    "Dịch vụ",
    "Xây dựng",
    "Đầu tư",
    "Công nghệ",
    "Vận tải",
    "Sản xuất",
    "Xuất nhập khẩu",
    "Du lịch",
    "Thực phẩm",
    "Nông sản",
    "Dược phẩm",
    "Cơ khí",
    "Điện tử",
    "Thiết bị Y tế",
    "Giáo dục",
    "Bất động sản",
    "Môi trường",
    "Phần mềm",
    "May mặc",
]
NAMES = [
    "Hòa Bình",
    "Thành Công",
    "An Phát",
    "Minh Long",
    "Đại Việt",
    "Sao Mai",
    "Hưng Thịnh",
    "Phú Quý",
    "Trường Sơn",
    "Bình Minh",
    "Kim Ngân",
    "Tân Tiến",
    "Hoàng Gia",
    "Việt Úc",
    "Ánh Dương",
    "Nam Á",
    "Phương Đông",
    "Quang Trung",
    "Đông Dương",
    "Thiên Long",
    "Vạn Xuân",
    "Lạc Hồng",
    "Trí Đức",
    "Hải Âu",
    "Sông Hồng",
    "Cửu Long",
    "Tây Nguyên",
    "Bắc Hà",
    "Gia Huy",
    "Khải Hoàn",
    "Lộc Phát",
    "Mê Kông",
    "Ngọc Lan",
    "Ô Tô Việt",
    "Phúc Thịnh",
    "Rạng Đông",
    "Sài Gòn Xanh",
    "Tràng An",
    "Ước Mơ",
    "Xuân Mai",
]
PLACES = [
    "Hà Nội",
    "Hải Phòng",
    "Đà Nẵng",
    "TP. Hồ Chí Minh",
    "Cần Thơ",
    "Quảng Ninh",
    "Bắc Ninh",
    "Nghệ An",
    "Thanh Hóa",
    "Khánh Hòa",
    "Lâm Đồng",
    "Bình Dương",
    "Đồng Nai",
    "Thừa Thiên Huế",
    "Quảng Nam",
    "Bắc Giang",
    "Thái Nguyên",
    "Nam Định",
    "An Giang",
]
PUBLIC = [
    "Sở Tài chính tỉnh {p}",
    "Sở Giáo dục và Đào tạo {p}",
    "UBND xã {n} huyện {n2}",
    "Trường THCS {n}",
    "Trường Tiểu học {n}",
    "Bệnh viện Đa khoa {p}",
    "Trung tâm Y tế huyện {n}",
    "Kho bạc Nhà nước {p}",
    "Ban Quản lý dự án {p}",
    "Phòng Tài chính - Kế hoạch huyện {n}",
]
STREETS = [
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Phạm Văn Đồng",
    "Điện Biên Phủ",
    "Cách Mạng Tháng Tám",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = [
    "Văn An",
    "Thị Bình",
    "Minh Châu",
    "Quốc Dũng",
    "Thu Hà",
    "Đức Huy",
    "Ngọc Lan",
    "Thanh Tùng",
    "Hồng Nhung",
    "Gia Bảo",
]


def tax_codes(rng: random.Random) -> Iterator[str]:
    """Unique valid 10-digit tax codes: a province prefix, a serial, the check digit."""
    serial = rng.randrange(1_000_000, 2_000_000)
    while True:
        serial += 1
        first_nine = f"{serial % 100:02d}{serial // 100 % 10_000_000:07d}"
        if first_nine[2:] == "0000000":
            continue
        check = tax_check_digit(first_nine)
        if check is not None:
            yield first_nine + str(check)


def company(rng: random.Random, public: bool, index: int) -> str:
    if public:
        template = rng.choice(PUBLIC)
        return template.format(p=rng.choice(PLACES), n=rng.choice(NAMES), n2=rng.choice(NAMES))
    name = f"{rng.choice(KINDS)} {rng.choice(TRADES)} {rng.choice(NAMES)}"
    # A suffix keeps names realistic yet varied (many real names differ only by one word).
    return f"{name} {rng.choice(PLACES)}" if index % 3 else f"{name} {index % 997}"


def budget_code(rng: random.Random) -> str:
    return f"{rng.choice('12378')}{rng.randrange(0, 1_000_000):06d}"


def rows(customers: int, *, seed: int = 7, today: date | None = None) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    today = today or date.today()
    codes = tax_codes(rng)
    contract = 0
    for index in range(customers):
        public = rng.random() < 0.2
        tax = next(codes)
        name = company(rng, public, index)
        contact = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
        base = {
            "tax_code": tax,
            "company_name": name,
            "address": f"Số {rng.randrange(1, 300)} {rng.choice(STREETS)}, {rng.choice(PLACES)}",
            "segment": "public" if public else "enterprise",
            "budget_code": f"{rng.choice('12378')}{rng.randrange(0, 1_000_000):06d}"
            if public
            else "",
            "contact_name": contact,
            "contact_email": f"ketoan{index}@khachhang{index % 1000}.vn",
            "contact_phone": f"09{rng.randrange(10_000_000, 99_999_999)}",
            "owner": f"U{rng.randrange(100, 160):07d}" if rng.random() < 0.7 else "",
        }
        products = ["IGOV"] if public else ["AMIS_KT"]
        if rng.random() < 0.25:
            products.append("AMIS_KT" if public else "IGOV")
        for product in products:
            contract += 1
            expires = today + timedelta(days=rng.randrange(-730, 731))
            yield base | {
                "product": product,
                "contract_no": f"HD{contract:08d}",
                "starts_on": (expires - timedelta(days=365)).isoformat(),
                "expires_on": expires.isoformat(),
            }


def write(path: Path, customers: int, seed: int = 7) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for item in rows(customers, seed=seed):
            writer.writerow(item)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/out/customers.csv"))
    args = parser.parse_args()
    count = write(args.out, args.customers, args.seed)
    print(f"wrote {count} rows ({args.customers} customers) to {args.out}")


if __name__ == "__main__":
    main()
