"""One row of an import file: its cells read and checked by the rules, every problem named.

Pure (no storage): the import's worker processes load only this and the rules it uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from itertools import islice
from typing import Any, TypeVar

from bot.customer_fields import (
    Segment,
    TaxCode,
    parse_budget_code,
    parse_email,
    parse_phone,
    parse_segment,
    parse_tax_code,
)
from bot.errors import InvalidFields, InvalidInput
from bot.import_files import Part, TableFile
from bot.subscriptions import Product
from bot.text import clean_line, fold

# A row: the customer's tax code and details, then one of its subscriptions. The CRM sync API
# (bot.crm_sync) names its fields the same.
CUSTOMER_DETAILS = (
    "company_name",
    "address",
    "segment",
    "budget_code",
    "contact_name",
    "contact_email",
    "contact_phone",
    "owner",
)
SUBSCRIPTION_COLUMNS = ("product", "contract_no", "starts_on", "expires_on")
HEADER = ("tax_code", *CUSTOMER_DETAILS, *SUBSCRIPTION_COLUMNS)
REQUIRED = ("tax_code", "company_name", "segment", "product", "contract_no", "starts_on")
MAX_LENGTHS = {"company_name": 400, "address": 500, "contact_name": 200, "contract_no": 64}

_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,31}")
_CONTRACT_NO = re.compile(r"[\w./\-]+")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
# Dates of a contract: far enough either way for any real one, and near enough that every
# date the bot derives from them (deletion day, storage end) is still a date.
FIRST_YEAR, LAST_YEAR = 1990, 2199


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


def parse_date(value: Any, column: str) -> date:
    """YYYY-MM-DD or dd/mm/yyyy text, or a date cell from a spreadsheet."""
    if isinstance(value, datetime):
        parsed, text = value.date(), f"{value:%d/%m/%Y}"
    elif isinstance(value, date):
        parsed, text = value, f"{value:%d/%m/%Y}"
    else:
        text = str(value or "").strip()
        try:
            if match := _DMY.fullmatch(text):
                day, month, year = (int(g) for g in match.groups())
            elif match := _YMD.fullmatch(text):
                year, month, day = (int(g) for g in match.groups())
            else:
                raise ValueError(text)
            parsed = date(year, month, day)
        except ValueError:
            raise InvalidInput("date.invalid", field=column, value=text[:40]) from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise InvalidInput(
            "date.out_of_range", field=column, value=text[:40], first=FIRST_YEAR, last=LAST_YEAR
        )
    return parsed


def _cell_text(value: Any) -> str:
    """A cell as text; a whole number stays whole (Excel keeps codes typed as numbers)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def parse_tax_code_cell(text: str, *, numeric: bool = False) -> TaxCode:
    """A tax code from a file; one whose leading zeros Excel dropped gets a hint saying so."""
    try:
        return parse_tax_code(text)
    except InvalidInput as error:
        # A 10-digit code read as a number keeps 9 digits, a branch code 12, a personal id
        # (which starts 0 or 00) 11 or 10; only a number cell tells the last one from a typo.
        if text.isdigit() and (numeric or len(text) in (9, 11) or error.key == "tax_code.province"):
            for width in (10, 12, 13):
                if len(text) < width:
                    try:
                        fixed = parse_tax_code(text.zfill(width))
                    except InvalidInput:
                        continue
                    raise InvalidInput(
                        "import.tax_code_lost_zero",
                        field="tax_code",
                        value=text,
                        digits=len(text),
                        fixed=fixed.value,
                    ) from None
        raise


T = TypeVar("T")


def _budget_code(text: str, segment: Segment | None) -> str | None:
    if segment is Segment.PUBLIC:
        if not text:
            raise InvalidInput("budget_code.required", field="budget_code")
        return parse_budget_code(text)
    if text and segment is not None:
        raise InvalidInput("budget_code.enterprise", field="budget_code")
    return None


def _owner(text: str) -> str | None:
    if text and not _SLACK_USER.fullmatch(text):
        raise InvalidInput("owner.invalid", field="owner", value=text)
    return text or None


def _product(text: str) -> Product:
    if text.upper() not in Product.__members__:
        raise InvalidInput("product.unknown", field="product", value=text)
    return Product[text.upper()]


def _memo(parse: Callable[..., T], limit: int = 10_000) -> Callable[..., T]:
    """`parse` remembering what it accepted: a column repeats a few values (segment, product,
    owner, dates) over a million rows. What it refuses is raised afresh each time."""
    known: dict[Any, T] = {}

    def parse_known(*key: Any) -> T:
        try:
            return known[key]
        except KeyError:
            pass
        except TypeError:  # a cell that cannot be a key (a signalling NaN, say)
            return parse(*key)
        value = parse(*key)
        if len(known) >= limit:
            known.clear()
        known[key] = value
        return value

    return parse_known


_segment = _memo(parse_segment)
_budget_code_of = _memo(lambda text, segment: _budget_code(text, segment))
_owner_of = _memo(lambda text: _owner(text))
_product_of = _memo(lambda text: _product(text))
_date_of = _memo(parse_date)
# The last customer read: a customer's rows (one per contract) usually follow each other.
_last_customer: tuple[tuple[Any, ...], CustomerRecord] | None = None


def parse_row(line: int, raw: dict[str, Any]) -> ImportRow:
    """Validate one row; all its problems are raised together as InvalidFields (by column)."""
    return parse_cells(line, [raw.get(c) for c in HEADER])


def _text_of(value: Any, column: str, errors: dict[str, InvalidInput]) -> str:
    """A cell's clean text; a problem (too long, a required cell empty) is kept in `errors`."""
    text = clean_line(value if type(value) is str else _cell_text(value), 1000)
    limit = MAX_LENGTHS.get(column)
    if limit and len(text) > limit:
        errors[column] = InvalidInput("field.too_long", field=column, name=column, max=limit)
        return ""
    if not text and column in _REQUIRED and not isinstance(value, date):
        errors[column] = InvalidInput("field.required", field=column, name=column)
    return text


_REQUIRED = frozenset(REQUIRED)


def parse_cells(line: int, cells: Sequence[Any]) -> ImportRow:
    """`parse_row` of the row's cells in HEADER order: each column checked in turn, every
    problem kept (one per column, in column order) and raised together as InvalidFields."""
    global _last_customer
    errors: dict[str, InvalidInput] = {}
    key = tuple(cells[:9])
    last = _last_customer
    if last is not None and last[0] == key and all(type(v) is str for v in key):
        customer: CustomerRecord | None = last[1]
    else:
        customer = _parse_customer(cells, errors)
        if customer is not None:
            _last_customer = (key, customer)
    product_cell, contract_cell, starts_cell, expires_cell = cells[9:13]
    product = contract_no = starts_on = expires_on = None
    text = _text_of(product_cell, "product", errors)
    if "product" not in errors:
        try:
            product = _product_of(text)
        except InvalidInput as error:
            errors["product"] = error
    text = _text_of(contract_cell, "contract_no", errors)
    if "contract_no" not in errors:
        if _CONTRACT_NO.fullmatch(text):
            contract_no = text
        else:
            errors["contract_no"] = InvalidInput(
                "contract_no.invalid", field="contract_no", value=text
            )
    _text_of(starts_cell, "starts_on", errors)
    if "starts_on" not in errors:
        try:
            starts_on = _date_of(starts_cell, "starts_on")
        except InvalidInput as error:
            errors["starts_on"] = error
    _text_of(expires_cell, "expires_on", errors)
    if "expires_on" not in errors:
        try:
            expires_on = _date_of(expires_cell, "expires_on")
        except InvalidInput as error:
            errors["expires_on"] = error
    if starts_on and expires_on and starts_on > expires_on:
        errors["starts_on"] = InvalidInput(
            "date.order", field="starts_on", starts_on=starts_on, expires_on=expires_on
        )
    if errors:
        raise InvalidFields(errors)
    assert customer and product and contract_no and starts_on and expires_on
    return ImportRow(
        line=line,
        customer=customer,
        subscription=SubscriptionRecord(
            product=product.value,
            contract_no=contract_no,
            starts_on=starts_on,
            expires_on=expires_on,
        ),
    )


def _parse_customer(cells: Sequence[Any], errors: dict[str, InvalidInput]) -> CustomerRecord | None:
    """The row's customer, or None with its problems kept in `errors`."""
    (
        tax_cell,
        name_cell,
        address_cell,
        segment_cell,
        budget_cell,
        contact_cell,
        email_cell,
        phone_cell,
        owner_cell,
    ) = cells[:9]
    found = len(errors)
    tax_code = segment = budget_code = owner = None
    email = phone = ""
    text = _text_of(tax_cell, "tax_code", errors)
    if "tax_code" not in errors:
        try:
            tax_code = parse_tax_code_cell(text, numeric=isinstance(tax_cell, (int, float)))
        except InvalidInput as error:
            errors["tax_code"] = error
    name = _text_of(name_cell, "company_name", errors)
    address = _text_of(address_cell, "address", errors)
    text = _text_of(segment_cell, "segment", errors)
    if "segment" not in errors:
        try:
            segment = _segment(text)
        except InvalidInput as error:
            errors["segment"] = error
    text = _text_of(budget_cell, "budget_code", errors)
    if "budget_code" not in errors:
        try:
            budget_code = _budget_code_of(text, segment)
        except InvalidInput as error:
            errors["budget_code"] = error
    contact_name = _text_of(contact_cell, "contact_name", errors)
    text = _text_of(email_cell, "contact_email", errors)
    if text and "contact_email" not in errors:
        try:
            email = parse_email(text, field="contact_email")
        except InvalidInput as error:
            errors["contact_email"] = error
    text = _text_of(phone_cell, "contact_phone", errors)
    if text and "contact_phone" not in errors:
        try:
            phone = parse_phone(text, field="contact_phone")
        except InvalidInput as error:
            errors["contact_phone"] = error
    text = _text_of(owner_cell, "owner", errors)
    if "owner" not in errors:
        try:
            owner = _owner_of(text)
        except InvalidInput as error:
            errors["owner"] = error
    if len(errors) > found:
        return None
    assert tax_code and segment
    return CustomerRecord(
        tax_code=tax_code.value,
        tax_code_root=tax_code.root,
        name=name,
        name_folded=fold(name),
        address=address,
        segment=segment.value,
        budget_code=budget_code,
        contact_name=contact_name,
        contact_email=email,
        contact_phone=phone,
        owner=owner,
    )


def _check_header(columns: list[str], name: str) -> dict[str, int]:
    positions = {name.strip().lower(): i for i, name in enumerate(columns) if name}
    missing = [c for c in HEADER if c not in positions]
    if missing:
        raise InvalidInput(
            "import.bad_header",
            field="header",
            name=name,
            missing=", ".join(missing),
            expected=",".join(HEADER),
        )
    return {c: positions[c] for c in HEADER}


Header = tuple[int, list[int]]  # the header's line, and where each HEADER column is in a row


def read_header(numbered: Iterator[tuple[int, list[Any]]], name: str) -> Header:
    """Read up to the header (the first row that is not blank) and check it."""
    line, header = next(((n, row) for n, row in numbered if not _is_blank(row)), (0, []))
    return line, list(_check_header([_cell_text(h) for h in header], name).values())


def rows_from(
    table: TableFile,
    start: Part | None = None,
    count: int | None = None,
    header: Header | None = None,
) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cells in HEADER order) for each data row, numbered as a spreadsheet
    shows them; blank rows (before the header too) are skipped. From `start` (a part of a
    CSV, its `header` read already) and `count` records on when given."""
    rows = table.rows(start)
    numbered = enumerate(
        rows if count is None else islice(rows, count), (start or FILE_START).record + 1
    )
    header_line, positions = header or read_header(numbered, table.path.name)
    needed = max(positions) + 1
    for number, row in numbered:
        if len(row) >= needed:
            if not _is_blank(row) and number > header_line:
                yield number, [row[i] for i in positions]
        elif not _is_blank(row) and number > header_line:
            yield number, [(row[i] if i < len(row) else None) for i in positions]


FILE_START = Part(0, 0, 0)


def _is_blank(row: list[Any]) -> bool:
    # Counted in C: a sheet may hold a million empty rows.
    return row.count(None) + row.count("") == len(row)


Rejected = tuple[int, list[RowError]]  # a row's line and its problems
# A good row as it travels from a worker process: its line and the values of its customer and
# of its subscription, in the orders of CUSTOMER_FIELDS and SUBSCRIPTION_FIELDS (the storage's
# too). Plain tuples unpickle in 2 µs a row, the records themselves in 13; rows of one
# customer share one tuple of its values.
Parsed = tuple[int, tuple[Any, ...], tuple[Any, ...]]
CUSTOMER_FIELDS = tuple(f.name for f in fields(CustomerRecord))
SUBSCRIPTION_FIELDS = ("contract_no", "product", "starts_on", "expires_on")
_last_values: tuple[CustomerRecord, tuple[Any, ...]] | None = None


def parse_part(task: tuple[TableFile, Part, int | None, Header]) -> list[Parsed | Rejected]:
    """One part of a CSV parsed (in a worker process)."""
    return [parse_or_reject(line, cells) for line, cells in rows_from(*task)]


def parse_or_reject(line: int, cells: list[Any]) -> Parsed | Rejected:
    """The row parsed (three items), or its line and problems (two)."""
    global _last_values
    try:
        row = parse_cells(line, cells)
    except InvalidFields as failed:
        errors = list(failed.errors.values())
    except InvalidInput as error:
        errors = [error]
    else:
        last = _last_values
        if last is None or last[0] is not row.customer:
            last = _last_values = (row.customer, tuple(row.customer.__dict__.values()))
        subscription = row.subscription
        return (
            line,
            last[1],
            (
                subscription.contract_no,
                subscription.product,
                subscription.starts_on,
                subscription.expires_on,
            ),
        )
    return line, [RowError(line, e.key, e.params) for e in errors]
