"""Test data of the iGOV flow: customers (through the real import) and document bytes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bot.importer import import_file
from storage.db import Database
from tests.factories import row, tax_code, write_csv

PUBLIC = tax_code(42)  # Sở Tài chính tỉnh Bắc Ninh, iGOV subscription HD-IG-01
PUBLIC_2 = tax_code(43)  # Trường THPT Lý Thái Tổ, iGOV subscription HD-IG-02
PUBLIC_NO_IGOV = tax_code(44)  # public, but only AMIS Kế toán
ENTERPRISE = "0101243150"  # Công ty Cổ phần MISA

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body>not a document</body></html>"


def igov_rows(today: date) -> list[dict[str, str]]:
    far = today + timedelta(days=200)
    return [
        row(
            PUBLIC,
            "Sở Tài chính tỉnh Bắc Ninh",
            "HD-IG-01",
            far,
            product="IGOV",
            segment="public",
            budget_code="1054321",
            email="stc@bacninh.gov.vn",
        ),
        row(
            PUBLIC_2,
            "Trường THPT Lý Thái Tổ",
            "HD-IG-02",
            far,
            product="IGOV",
            segment="public",
            budget_code="1067890",
            email="thpt@bacninh.edu.vn",
        ),
        row(
            PUBLIC_NO_IGOV,
            "Ban Quản lý dự án Bắc Ninh",
            "HD-KT-09",
            far,
            segment="public",
            budget_code="7012345",
        ),
        row(ENTERPRISE, "Công ty Cổ phần MISA", "HD-KT-01", far, owner="U0OWNER"),
    ]


def import_igov_customers(database_url: str, folder: Path, today: date) -> None:
    database = Database(database_url)
    try:
        report = import_file(database, write_csv(folder / "customers.csv", igov_rows(today)))
        assert report.rejected == 0
    finally:
        database.dispose()
