"""`python -m bot import FILE`: customers and subscriptions from CSV or XLSX, one row each.

Bad rows are reported with their line number and reason; good rows are imported; importing
the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.customers import (
    Segment,
    parse_budget_code,
    parse_email,
    parse_phone,
    parse_segment,
    parse_tax_code,
)
from bot.errors import InvalidInput
from bot.subscriptions import Product
from bot.text import clean_line, fold
from storage.db import Database
from storage.repositories import imports as import_repo

HEADER = (
    "tax_code",
    "company_name",
    "address",
    "segment",
    "budget_code",
    "contact_name",
    "contact_email",
    "contact_phone",
    "owner",
    "product",
    "contract_no",
    "starts_on",
    "expires_on",
)
REQUIRED = ("tax_code", "company_name", "segment", "product", "contract_no", "starts_on")
MAX_LENGTHS = {"company_name": 400, "address": 500, "contact_name": 200, "contract_no": 64}
BATCH_SIZE = 2000

_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,31}")
_CONTRACT_NO = re.compile(r"[\w./\-]+")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(frozen=True)
class CustomerRecord:
    tax_code: str
    tax_code_root: str
    name: str
    name_folded: str
    address: str
    segment: str
    budget_code: str | None
    contact_name: str
    contact_email: str
    contact_phone: str
    owner: str | None

    def fingerprint(self) -> int:
        """Equal for equal records within one run (compares rows of the same tax code)."""
        return hash(tuple(self.__dict__.values()))


@dataclass(frozen=True)
class SubscriptionRecord:
    product: str
    contract_no: str
    starts_on: date
    expires_on: date


@dataclass(frozen=True)
class ImportRow:
    line: int
    customer: CustomerRecord
    subscription: SubscriptionRecord


@dataclass(frozen=True)
class RowError:
    line: int
    key: str
    params: dict[str, Any]


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + self.rejected


def parse_date(value: Any, column: str) -> date:
    """YYYY-MM-DD or dd/mm/yyyy text, or a date cell from a spreadsheet."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("date.invalid", field=column, value=text[:40]) from None


def _text(raw: dict[str, Any], column: str) -> str:
    value = raw.get(column)
    text = "" if value is None else clean_line(str(value), 1000)
    limit = MAX_LENGTHS.get(column)
    if limit and len(text) > limit:
        raise InvalidInput("field.too_long", field=column, name=column, max=limit)
    return text


def parse_row(line: int, raw: dict[str, Any]) -> ImportRow:
    """Validate one row; the first problem found is raised as InvalidInput."""
    for column in REQUIRED:
        if not _text(raw, column) and not isinstance(raw.get(column), date):
            raise InvalidInput("field.required", field=column, name=column)
    tax_code = parse_tax_code(_text(raw, "tax_code"))
    segment = parse_segment(_text(raw, "segment"))
    budget_text = _text(raw, "budget_code")
    if segment is Segment.PUBLIC:
        if not budget_text:
            raise InvalidInput("budget_code.required", field="budget_code")
        budget_code: str | None = parse_budget_code(budget_text)
    elif budget_text:
        raise InvalidInput("budget_code.enterprise", field="budget_code")
    else:
        budget_code = None
    email = _text(raw, "contact_email")
    phone = _text(raw, "contact_phone")
    owner = _text(raw, "owner") or None
    if owner and not _SLACK_USER.fullmatch(owner):
        raise InvalidInput("owner.invalid", field="owner", value=owner)
    product_text = _text(raw, "product").upper()
    if product_text not in Product.__members__:
        raise InvalidInput("product.unknown", field="product", value=_text(raw, "product"))
    contract_no = _text(raw, "contract_no")
    if not _CONTRACT_NO.fullmatch(contract_no):
        raise InvalidInput("contract_no.invalid", field="contract_no", value=contract_no)
    starts_on = parse_date(raw.get("starts_on"), "starts_on")
    expires_on = parse_date(raw.get("expires_on"), "expires_on")
    if starts_on > expires_on:
        raise InvalidInput(
            "date.order", field="starts_on", starts_on=starts_on, expires_on=expires_on
        )
    name = _text(raw, "company_name")
    return ImportRow(
        line=line,
        customer=CustomerRecord(
            tax_code=tax_code.value,
            tax_code_root=tax_code.root,
            name=name,
            name_folded=fold(name),
            address=_text(raw, "address"),
            segment=segment.value,
            budget_code=budget_code,
            contact_name=_text(raw, "contact_name"),
            contact_email=parse_email(email, field="contact_email") if email else "",
            contact_phone=parse_phone(phone, field="contact_phone") if phone else "",
            owner=owner,
        ),
        subscription=SubscriptionRecord(
            product=Product[product_text].value,
            contract_no=contract_no,
            starts_on=starts_on,
            expires_on=expires_on,
        ),
    )


def _check_header(columns: list[str]) -> dict[str, int]:
    positions = {name.strip().lower(): i for i, name in enumerate(columns) if name}
    missing = [c for c in HEADER if c not in positions]
    if missing:
        raise InvalidInput(
            "import.bad_header",
            field="header",
            missing=", ".join(missing),
            expected=",".join(HEADER),
        )
    return {c: positions[c] for c in HEADER}


def _rows_from(rows: Iterator[list[Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    header = next(rows, None)
    if header is None:
        raise InvalidInput(
            "import.bad_header", field="header", missing=",".join(HEADER), expected=",".join(HEADER)
        )
    positions = _check_header([str(h or "") for h in header])
    for line, row in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in row):
            continue
        yield line, {c: (row[i] if i < len(row) else None) for c, i in positions.items()}


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, {column: value}) for every non-empty data row of a CSV or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.readline()
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            yield from _rows_from(iter(csv.reader(handle, delimiter=delimiter)))
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            yield from _rows_from(list(r) for r in workbook.active.iter_rows(values_only=True))
        finally:
            workbook.close()
    else:
        raise InvalidInput("import.unknown_format", field="file", name=path.name)


class _FileChecks:
    """Consistency across rows of one file: unique contracts, one version of each customer."""

    def __init__(self) -> None:
        self._contracts: dict[str, int] = {}
        self._customers: dict[str, tuple[int, int]] = {}

    def check(self, row: ImportRow) -> None:
        contract = row.subscription.contract_no
        first = self._contracts.setdefault(contract, row.line)
        if first != row.line:
            raise InvalidInput("import.duplicate_contract", contract_no=contract, first_line=first)
        tax_code = row.customer.tax_code
        first_line, fingerprint = self._customers.setdefault(
            tax_code, (row.line, row.customer.fingerprint())
        )
        if fingerprint != row.customer.fingerprint():
            raise InvalidInput("import.customer_conflict", tax_code=tax_code, first_line=first_line)


def import_file(db: Database, path: Path, batch_size: int = BATCH_SIZE) -> ImportReport:
    """Import every good row of `path` in batches; report the bad ones."""
    report = ImportReport()
    checks = _FileChecks()
    batch: list[ImportRow] = []
    for line, raw in read_rows(path):
        try:
            row = parse_row(line, raw)
            checks.check(row)
        except InvalidInput as error:
            report.rejected += 1
            report.errors.append(RowError(line, error.key, error.params))
            continue
        batch.append(row)
        if len(batch) >= batch_size:
            _apply(db, batch, report)
            batch = []
    if batch:
        _apply(db, batch, report)
    if report.added or report.updated:
        with db.session() as session:
            import_repo.refresh_statistics(session)
    return report


def _apply(db: Database, batch: list[ImportRow], report: ImportReport) -> None:
    with db.session() as session:
        outcome = import_repo.upsert_rows(
            session,
            [(r.customer.__dict__, r.subscription.__dict__) for r in batch],
        )
    report.added += outcome.added
    report.updated += outcome.updated
    report.unchanged += outcome.unchanged
