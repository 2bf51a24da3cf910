"""Test data: valid tax codes and customer rows, written through the real import path."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from stdnum.vn import mst

from bot.importer import HEADER


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
