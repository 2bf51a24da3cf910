"""Bad input, property-based: every parser answers with a typed error that has a message in
both languages, or with a value that fits where it is stored (length, no NUL, valid UTF-8).

Use cases that write are tried on SQLite and PostgreSQL: a refused input writes nothing.
"""

from __future__ import annotations

import json
import math
import re
import string
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.approvals import clean_reason, decide
from bot.authz import Authorizer, NoGroups
from bot.catalog import DEFAULT_STORAGE_PACKAGES
from bot.config import load_settings
from bot.customer_fields import (
    parse_budget_code,
    parse_email,
    parse_phone,
    parse_segment,
    parse_tax_code,
)
from bot.customers import parse_lookup_query
from bot.documents import DocumentKind, check_document
from bot.errors import AlreadyDecided, DomainError, InvalidFields, InvalidInput
from bot.i18n import LANGUAGES, Translator, catalog_keys
from bot.igov_catalogue import MAX_QUANTITY, Package
from bot.igov_orders import (
    IgovCustomer,
    OrderCard,
    OrderForm,
    customer_by_tax_code,
    place_order,
    validate_order,
)
from bot.igov_orders import parse_quantity as parse_igov_quantity
from bot.import_rows import HEADER, parse_date, parse_row
from bot.licence_cards import ModuleLine
from bot.licences import RequestDraft, RequestForm, submit_request, validate_request
from bot.payments import parse_transfer, receive_transfer
from bot.services import Services
from bot.storage_orders import (
    ORDER_NO,
    find_order_no,
    order_by_token,
    validate_invoice,
)
from bot.storage_orders import parse_quantity as parse_storage_quantity
from handlers.blocks.storage_order import INVOICE_FIELDS
from handlers.commands import SUBCOMMANDS, bare_lookup_reply, split_subcommand
from handlers.errors import error_text
from handlers.metadata import (
    CustomerRef,
    FormSeal,
    Metadata,
    MetadataError,
    ModuleFormState,
    NotYourForm,
    OrderFormMeta,
    OrderFormState,
    RejectFormState,
    RequestFormState,
    RequestRef,
    StorageOrderRef,
    SubscriptionRef,
)
from handlers.metadata import IgovOrderRef as OrderRef
from storage.models import BankTransaction, IgovOrder, LicenceRequest, StorageOrder
from tests.bad_inputs import TRANSFER_KEYS, any_text, cells, json_values, transfer_bodies
from tests.igov_data import PDF, PNG, PUBLIC, import_igov_customers

KEYS = {language: catalog_keys(language) for language in LANGUAGES}
PACKAGE = DEFAULT_STORAGE_PACKAGES[0]

# -- checks ---------------------------------------------------------------------------------------


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def assert_clear(error: DomainError, *, supplied: tuple[str, ...] = ()) -> None:
    """A typed error the person can read: its message exists in every language and has all
    its placeholders filled (`supplied`: those the handler fills, such as the command)."""
    for language in LANGUAGES:
        assert error.key in KEYS[language], f"{error.key} has no {language} message"
        template = Translator(language)(error.key)
        missing = placeholders(template) - set(error.params) - set(supplied)
        assert not missing, f"{error.key} ({language}) lacks {missing}"
        assert error_text(Translator(language), error).strip()


def assert_clear_form(error: InvalidFields, fields: set[str]) -> None:
    items = error.errors.items()
    listed = list(items)
    assert listed, "a form error names at least one field"
    for item in listed:
        field, inner = item if isinstance(item, tuple) else (item.field, item)
        assert field in fields, f"{field!r} is not an input of the form"
        assert_clear(inner)


def storable(value: str, limit: int) -> bool:
    """Fits a VARCHAR(limit) on both databases: no NUL, valid UTF-8, not too long."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return len(value) <= limit and "\x00" not in value


def one_line(value: str, limit: int) -> bool:
    """Storable, trimmed, and without control characters or line breaks."""
    unwanted = ("Cc", "Cs", "Zl", "Zp")
    return (
        storable(value, limit)
        and value == value.strip()
        and not any(unicodedata.category(ch) in unwanted for ch in value)
    )


# -- customers: tax code, budget code, email, phone, segment, lookup ------------------------------

digits_and_separators = st.text(alphabet="0123456789 .-", max_size=20)


@settings(max_examples=150)
@given(st.one_of(any_text, digits_and_separators))
@example("0101٢٤٣1٥0")  # Arabic-Indic digits once passed as digits and were stored as typed
def test_tax_code(raw: str) -> None:
    try:
        code = parse_tax_code(raw)
    except InvalidInput as error:
        assert error.field == "tax_code"
        assert_clear(error)
        return
    assert re.fullmatch(r"[0-9]{10}(-[0-9]{3})?|[0-9]{12}", code.value), code.value
    assert parse_tax_code(code.value) == code


@settings(max_examples=150)
@given(st.one_of(any_text, st.text(alphabet="0123456789 .", max_size=10)))
def test_budget_code(raw: str) -> None:
    try:
        code = parse_budget_code(raw)
    except InvalidInput as error:
        assert_clear(error)
        return
    assert re.fullmatch(r"[12378][0-9]{6}", code), code


# st.emails() is slow to draw and email-validator slow on its first call: on a loaded machine
# that is not a failure (no deadline, no "too slow" health check).
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(any_text, st.emails(), st.builds("{}@{}".format, any_text, any_text)))
def test_email(raw: str) -> None:
    try:
        email = parse_email(raw, field="invoice_email")
    except InvalidInput as error:
        assert error.field == "invoice_email"
        assert_clear(error)
        return
    assert one_line(email, 254) and "@" in email
    assert parse_email(email) == email


@settings(max_examples=150)
@given(st.one_of(any_text, st.text(alphabet="0123456789 +.-()", max_size=16)))
@example("0٩١٢٣٤٥٦٧٨")  # an ASCII 0, then Arabic-Indic digits
def test_phone(raw: str) -> None:
    try:
        phone = parse_phone(raw, field="misa_id_phone")
    except InvalidInput as error:
        assert error.field == "misa_id_phone"
        assert_clear(error)
        return
    assert re.fullmatch(r"0[0-9]{9,10}", phone), phone


@given(any_text)
def test_segment(raw: str) -> None:
    try:
        parse_segment(raw)
    except InvalidInput as error:
        assert_clear(error)


@settings(max_examples=150)
@given(any_text)
def test_lookup_query(raw: str) -> None:
    try:
        query = parse_lookup_query(raw)
    except InvalidInput as error:
        assert_clear(error, supplied=("command",))
        return
    assert one_line(query.text, 200) and query.text
    assert query.tax_code is not None or query.words
    assert all(re.fullmatch(r"[0-9a-z]+", word) for word in query.words)


# -- quantities -----------------------------------------------------------------------------------


@settings(max_examples=150)
@given(st.one_of(st.none(), any_text, st.integers(), st.text(alphabet="0123456789", max_size=6)))
def test_storage_quantity(raw: Any) -> None:
    try:
        quantity = parse_storage_quantity(raw, PACKAGE)
    except InvalidInput as error:
        assert error.field == "quantity"
        assert_clear(error)
        return
    assert 1 <= quantity <= PACKAGE.max_quantity


@settings(max_examples=150)
@given(st.one_of(st.none(), any_text, st.text(alphabet="0123456789", max_size=8)))
def test_igov_quantity(raw: str | None) -> None:
    try:
        quantity = parse_igov_quantity(raw, "qty_KT")
    except InvalidInput as error:
        assert error.field == "qty_KT"
        assert_clear(error)
        return
    assert 0 <= quantity <= MAX_QUANTITY


# -- import rows and dates ------------------------------------------------------------------------


@settings(max_examples=150)
@given(st.one_of(cells, st.from_regex(r"\d{1,2}/\d{1,2}/\d{1,5}|\d{4}-\d\d-\d\d", fullmatch=True)))
def test_import_date(value: Any) -> None:
    try:
        parsed = parse_date(value, "expires_on")
    except InvalidInput as error:
        assert error.field == "expires_on"
        assert_clear(error)
        return
    assert isinstance(parsed, date)
    assert 1990 <= parsed.year <= 2199  # every date derived from it is a date too
    assert parsed + timedelta(days=366 * 10) > parsed


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("31/12/9999", "date.out_of_range"),  # its deletion day would overflow
        ("01/01/0001", "date.out_of_range"),
        (date(9999, 12, 31), "date.out_of_range"),
        ("20271231", "date.invalid"),  # ISO's other forms are not what the README names
        ("2027-W52-5", "date.invalid"),
        ("２０２７-01-01", "date.invalid"),
    ],
)
def test_dates_outside_the_two_forms_or_the_years_are_refused(value: Any, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_date(value, "expires_on")
    assert refused.value.key == key
    assert_clear(refused.value)


GOOD_CELLS: dict[str, list[Any]] = {
    "tax_code": ["0101243150", "0101243150-001", "001203004567"],
    "company_name": ["Công ty Cổ phần MISA", "Sở Tài chính"],
    "address": ["Hà Nội", ""],
    "segment": ["enterprise", "public", "HCSN"],
    "budget_code": ["", "1054321"],
    "contact_name": ["Nguyễn Văn An", ""],
    "contact_email": ["ketoan@misa.com.vn", ""],
    "contact_phone": ["0912345678", ""],
    "owner": ["", "U0OWNER"],
    "product": ["AMIS_KT", "IGOV"],
    "contract_no": ["HD-KT-01", "HD/2024.1"],
    "starts_on": ["2024-01-01", "01/01/2024", date(2024, 1, 1)],
    "expires_on": ["2026-12-31", "31/12/2026", datetime(2026, 12, 31, 8, 30)],
}
import_rows = st.fixed_dictionaries(
    {column: st.one_of(st.sampled_from(GOOD_CELLS[column]), cells) for column in HEADER}
)
# Where each column is stored (VARCHAR lengths of storage/models/customers.py).
STORED = {
    "tax_code": 14,
    "name": 400,
    "address": 500,
    "budget_code": 7,
    "contact_name": 200,
    "contact_email": 254,
    "contact_phone": 20,
    "owner": 32,
}


@settings(max_examples=150)
@given(import_rows)
def test_import_row(raw: dict[str, Any]) -> None:
    try:
        parsed = parse_row(7, raw)
    except InvalidFields as failed:
        for column, error in failed.errors.items():
            assert column in HEADER and error.field in HEADER
            assert_clear(error)
        return
    customer = parsed.customer
    for name, limit in STORED.items():
        value = getattr(customer, name)
        assert value is None or one_line(value, limit), (name, value)
    assert customer.name
    assert one_line(parsed.subscription.contract_no, 64)
    assert parsed.subscription.starts_on <= parsed.subscription.expires_on


# -- bank transfers: order numbers in the content, webhook bodies --------------------------------


@settings(max_examples=150)
@given(
    st.one_of(
        any_text,
        st.builds(
            "{}LT{}{}".format,
            any_text,
            st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ -.", max_size=20),
            any_text,
        ),
    )
)
def test_order_number_in_transfer_content(content: str) -> None:
    found = find_order_no(content)
    assert found is None or ORDER_NO.fullmatch(found)


# Where a transfer's fields are stored (storage/models/orders.py).
TRANSFER_COLUMNS = {
    "provider_id": 255,
    "gateway": 64,
    "transaction_date": 32,
    "account_number": 32,
    "content": 500,
    "transfer_type": 8,
    "reference_code": 64,
}


@settings(max_examples=150)
@given(transfer_bodies)
def test_webhook_body(body: Any) -> None:
    try:
        transfer = parse_transfer(body)
    except InvalidInput as error:
        # Answered to the bank as `invalid <field>` (JSON), never shown to a person.
        assert error.field in {"body", "id", "transferType", "transferAmount", *TRANSFER_KEYS}
        assert error.key in KEYS["vi"] and error.key in KEYS["en"]
        return
    for name, limit in TRANSFER_COLUMNS.items():
        assert storable(getattr(transfer, name), limit), name
    assert transfer.provider_id and 0 <= transfer.amount <= 10**13
    # The notification is kept as received: it must be valid JSON text in both databases.
    json.dumps(transfer.raw, allow_nan=False, ensure_ascii=False).encode("utf-8")


# -- uploaded documents ---------------------------------------------------------------------------

contents = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"", PDF, PNG, b"%PDF", b"\xff\xd8\xff\xe0", b"GIF89a", b"<html>"]),
    st.builds(lambda head, n: head + b"0" * n, st.sampled_from([PDF, PNG]), st.integers(0, 3000)),
)


@settings(max_examples=150)
@given(
    kind=st.sampled_from(DocumentKind),
    name=st.one_of(any_text, st.sampled_from(["quyet-dinh.pdf", "a" * 400 + ".pdf"])),
    declared=st.one_of(
        st.sampled_from(["", "application/pdf", "image/png", "text/html", "application/zip"]),
        any_text,
    ),
    content=contents,
    max_bytes=st.integers(1, 2048),
)
def test_uploaded_document(
    kind: DocumentKind, name: str, declared: str, content: bytes, max_bytes: int
) -> None:
    try:
        document = check_document(
            kind,
            slack_file_id="F0001",
            name=name,
            declared_mimetype=declared,
            content=content,
            max_bytes=max_bytes,
        )
    except InvalidInput as error:
        assert error.field == f"{kind.value}_file"
        assert_clear(error)
        if not content:
            assert error.key == "document.empty"
        elif len(content) > max_bytes:
            assert error.key == "document.too_large"
        return
    assert 0 < document.size <= max_bytes
    assert document.mimetype == "application/pdf" or document.mimetype.startswith("image/")
    assert one_line(document.name, 255) and document.name


# -- what buttons and modals carry ----------------------------------------------------------------

_FORM_STATE = RequestFormState(order_id=7, extra={"KT_NS": {"note": "Ghi chú"}})
# One value of each kind we write into a button or a modal.
METADATA: tuple[Metadata, ...] = (
    SubscriptionRef(subscription_id=3),
    CustomerRef(customer_id=4),
    OrderFormMeta(
        subscription_id=3, package_code="AMIS_KT_LUU_TRU_12", channel_id="C1", quantity=2
    ),
    StorageOrderRef(order_id=5),
    OrderRef(order_id=6),
    RequestRef(request_id=8, source="pending"),
    OrderFormState(channel_id="C_SALES"),
    _FORM_STATE,
    ModuleFormState(parent_view_id="V123", module="KT_NS", parent=_FORM_STATE),
    RejectFormState(request_id=9),
)


def tampered(ours: Metadata) -> st.SearchStrategy[str]:
    """A value we wrote, then changed: a field removed, added or retyped, the text cut short."""

    def tamper(key: str, value: Any, cut: int) -> str:
        changed = ours.model_dump(mode="json")
        if key in changed and value is None:
            changed.pop(key)
        else:
            changed[key] = value
        text = json.dumps(changed)
        return text[: len(text) - cut]

    keys = st.one_of(st.sampled_from(sorted(type(ours).model_fields)), st.text(max_size=8))
    values = st.one_of(json_values, st.integers(), st.just(10**30), st.just(-1))
    return st.builds(tamper, keys, values, st.integers(0, 3))


def fits_64_bits(value: Any) -> bool:
    if isinstance(value, dict):
        return all(fits_64_bits(v) for v in value.values())
    return not isinstance(value, int) or -(2**63) <= value < 2**63


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(ours=st.sampled_from(METADATA), data=st.data())
def test_metadata_decode(ours: Metadata, data: st.DataObject) -> None:
    model = type(ours)
    raw = data.draw(
        st.one_of(
            st.none(),
            any_text,
            json_values.map(json.dumps),
            st.builds(lambda n: "[" * n + "]" * n, st.integers(0, 5000)),
            tampered(ours),
        )
    )
    try:
        decoded = model.decode(raw)
    except MetadataError:
        return
    assert fits_64_bits(decoded.model_dump())
    assert model.decode(decoded.encode(limit=10**6)) == decoded


def test_our_metadata_round_trips_and_forged_ids_are_refused() -> None:
    for ours in METADATA:
        assert type(ours).decode(ours.encode()) == ours
    # An id no database row can have: refused here rather than by the driver (OverflowError).
    with pytest.raises(MetadataError):
        SubscriptionRef.decode('{"subscription_id": 1000000000000000000000000000000}')


SEAL = FormSeal(b"test-signing-secret")
# What the bot's modals carry (handlers/*.py seal these for the person who opened the form).
FORM_STATES = tuple(m for m in METADATA if type(m).__name__.endswith(("FormMeta", "FormState")))


def tampered_seal(sealed: str) -> st.SearchStrategy[str]:
    """A sealed value with one thing changed: a character, a cut, an insertion, the owner."""
    mac, owner, body = sealed.split(".", 2)
    return st.one_of(
        st.builds(
            lambda i, c: sealed[:i] + c + sealed[i + 1 :],
            st.integers(0, len(sealed) - 1),
            st.characters(),
        ),
        st.integers(1, len(sealed)).map(lambda n: sealed[: len(sealed) - n]),
        st.builds(lambda i, s: sealed[:i] + s + sealed[i:], st.integers(0, len(sealed)), any_text),
        st.sampled_from(["U0OTHER", "", owner + "X"]).map(lambda u: f"{mac}.{u}.{body}"),
        st.builds(lambda b: f"{mac}.{owner}.{b}", json_values.map(json.dumps)),
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(ours=st.sampled_from(FORM_STATES), data=st.data())
def test_form_metadata_is_sealed_for_its_opener(ours: Metadata, data: st.DataObject) -> None:
    kind = type(ours)
    sealed = SEAL.seal(ours, "U0OPENER")
    assert SEAL.open(kind, sealed, "U0OPENER") == ours
    with pytest.raises(NotYourForm):
        SEAL.open(kind, sealed, "U0SOMEONE")
    # Another key (another app), or another form's kind, does not read it.
    with pytest.raises(MetadataError):
        FormSeal(b"another-secret").open(kind, sealed, "U0OPENER")
    other = next(m for m in FORM_STATES if type(m) is not kind)
    with pytest.raises(MetadataError):
        SEAL.open(type(other), sealed, "U0OPENER")
    changed = data.draw(tampered_seal(sealed))
    assume(changed != sealed)
    with pytest.raises(MetadataError):
        SEAL.open(kind, changed, "U0OPENER")


# -- forms: storage order, iGOV order, licence request, rejection ---------------------------------

STORAGE_FIELDS = {name for name, _ in INVOICE_FIELDS} | {"quantity"}
INVOICE_VALUES = {
    "buyer_name": ["Công ty Cổ phần MISA"],
    "buyer_tax_code": ["0101243150", "0101243150-001"],
    "buyer_address": ["Hà Nội"],
    "recipient_name": ["Trần Thị Bình"],
    "invoice_email": ["binh.tran@misa.com.vn"],
    "phone": ["0912345678", "", None],
}


@settings(max_examples=150)
@given(
    st.fixed_dictionaries(
        {
            name: st.one_of(st.sampled_from(INVOICE_VALUES[name]), st.none(), any_text)
            for name, _ in INVOICE_FIELDS
        }
    )
)
@example({**{name: values[0] for name, values in INVOICE_VALUES.items()}, "buyer_name": "\ud800"})
def test_invoice_form(raw: dict[str, str | None]) -> None:
    try:
        invoice = validate_invoice(raw)
    except InvalidFields as error:
        assert_clear_form(error, STORAGE_FIELDS)
        return
    for name, limit in INVOICE_FIELDS:
        assert one_line(getattr(invoice, name), min(limit, 500)), name


IGOV_FIELDS = {"customer", "sales_project", "qty_KT", "qty_VPS"}


@settings(max_examples=150)
@given(
    st.builds(
        OrderForm,
        customer=st.one_of(st.none(), st.sampled_from(["1", "42"]), any_text),
        sales_project=st.one_of(st.none(), st.just("Mở rộng iGOV 2026"), any_text),
        description=st.one_of(st.none(), any_text),
        qty_kt=st.one_of(st.none(), st.sampled_from(["0", "3"]), any_text),
        qty_vps=st.one_of(st.none(), st.sampled_from(["0", "1"]), any_text),
    )
)
@example(OrderForm("0" * 4301, "Dự án", None, "1", "0"))  # int() refuses 4,301 digits
@example(OrderForm("²", "Dự án", "mô tả\x00", "1", "0"))  # "²".isdigit(), int("²") fails
def test_igov_order_form(form: OrderForm) -> None:
    try:
        valid = validate_order(form)
    except InvalidFields as error:
        assert_clear_form(error, IGOV_FIELDS)
        return
    assert one_line(valid.sales_project, 200) and valid.sales_project
    assert storable(valid.description, 1000)
    assert all(0 <= q <= MAX_QUANTITY for q in valid.quantities.values())
    assert any(valid.quantities.values())


_CUSTOMER = IgovCustomer(
    id=1,
    tax_code=PUBLIC,
    name="Sở Tài chính tỉnh Bắc Ninh",
    address="Bắc Ninh",
    budget_code="1054321",
    contact_name="",
    contact_email="stc@bacninh.gov.vn",
    contact_phone="",
    subscription_id=1,
    contract_no="HD-IG-01",
    expires_on=date(2030, 1, 1),
)
DRAFT = RequestDraft(
    order=OrderCard(
        id=1,
        order_no="IG2611220001",
        status="saved",
        customer=_CUSTOMER,
        sales_project="Mở rộng iGOV 2026",
        description="",
        lines=(),
        amount=3_000_000,
        created_by="U0SALES",
        created_at=datetime(2026, 11, 22, tzinfo=UTC),
        channel_id="C_SALES",
        message_ts=None,
        latest_request=None,
    ),
    product="IGOV",
    budget_code="1054321",
    amount=3_000_000,
    request_type="grant",
    sector="Hành chính sự nghiệp",
    modules=(
        ModuleLine(Package.KT, "KT_NS", "Ngân sách", 12, 0, 1, ("note", "fiscal_year")),
        ModuleLine(Package.KT, "KT_TS", "Tài sản", 12, 2, 1, ("note",)),
    ),
    customer_info={},
)
REQUEST_FIELDS = {
    "modules",
    "misa_id_email",
    "misa_id_phone",
    "customer_name",
    "customer_address",
    "contact_name",
    "contact_email",
    "contact_phone",
}


@settings(max_examples=150)
@given(
    st.builds(
        RequestForm,
        order_id=st.just(1),
        modules=st.lists(st.one_of(st.sampled_from(["KT_NS", "KT_TS"]), any_text), max_size=3),
        extra=st.dictionaries(
            st.one_of(st.sampled_from(["KT_NS", "KT_TS"]), any_text),
            st.dictionaries(
                st.one_of(st.sampled_from(["note", "fiscal_year"]), any_text), any_text
            ),
            max_size=2,
        ),
        misa_id_email=st.one_of(st.none(), st.just("admin@bacninh.gov.vn"), any_text),
        misa_id_phone=st.one_of(st.none(), st.just("0912345678"), any_text),
        customer=st.fixed_dictionaries(
            {
                "customer_name": st.one_of(st.just("Sở Tài chính"), st.none(), any_text),
                "customer_address": st.one_of(st.just("Bắc Ninh"), st.none(), any_text),
                "contact_name": st.one_of(st.just("Lê Văn Cường"), st.none(), any_text),
                "contact_email": st.one_of(st.just("stc@bacninh.gov.vn"), st.none(), any_text),
                "contact_phone": st.one_of(st.just("0222 3822 123"), st.none(), any_text),
            }
        ),
    )
)
def test_licence_request_form(form: RequestForm) -> None:
    try:
        valid = validate_request(DRAFT, form)
    except InvalidFields as error:
        assert_clear_form(error, REQUEST_FIELDS)
        return
    assert valid.modules and {m.code for m in valid.modules} <= {"KT_NS", "KT_TS"}
    for module in valid.modules:
        for key, value in module.extra:
            assert key in module.extra_fields and one_line(value, 100) and value
    assert one_line(valid.misa_id_email, 254) and re.fullmatch(r"0[0-9]{9,10}", valid.misa_id_phone)
    limits = {"customer_name": 400, "customer_address": 500, "contact_name": 200}
    for key, limit in limits.items():
        assert one_line(valid.customer_info[key], limit) and valid.customer_info[key]


@settings(max_examples=150)
@given(st.one_of(st.none(), any_text))
@example("lý do\x00")
def test_rejection_reason(raw: str | None) -> None:
    try:
        reason = clean_reason(raw)
    except InvalidInput as error:
        assert error.field == "reason"
        assert_clear(error)
        return
    assert reason and storable(reason, 2000)


# -- the slash command's words --------------------------------------------------------------------


@settings(max_examples=150)
@given(
    st.one_of(any_text, st.builds("{} {}".format, st.sampled_from(sorted(SUBCOMMANDS)), any_text))
)
def test_subcommand_split(text: str) -> None:
    handler, rest = split_subcommand(text)
    assert handler in (*SUBCOMMANDS.values(), bare_lookup_reply)
    assert rest in text


# -- use cases that write, on SQLite and PostgreSQL -----------------------------------------------

APPROVERS = Authorizer(load_settings(_env_file=None, approver_user_ids=["U0BOSS"]), NoGroups())


@pytest.fixture(scope="module")
def services(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    settings_ = load_settings(
        _env_file=None, database_url=module_database_url, approval_channel="C_APPROVALS"
    )
    created = Services.create(settings_)
    import_igov_customers(
        module_database_url, tmp_path_factory.mktemp("igov"), created.clock.today()
    )
    yield created
    created.db.dispose()


def count(services: Services, model: type) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


DB_SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_keys = iter(range(10**9))


@DB_SETTINGS
@given(
    sales_project=st.one_of(st.just("Mở rộng iGOV"), any_text),
    description=st.one_of(st.none(), any_text),
    qty_kt=st.one_of(st.just("2"), any_text),
)
@example(sales_project="Dự án\x00", description="dòng 1\x00\r\ndòng 2", qty_kt="1")
@example(sales_project="\udfff", description="\ud800", qty_kt="1")
def test_igov_order_is_saved_whole_or_not_at_all(
    services: Services, sales_project: str, description: str | None, qty_kt: str
) -> None:
    customer = str(customer_by_tax_code(services, PUBLIC).id)
    form = OrderForm(customer, sales_project, description, qty_kt, "0")
    before = count(services, IgovOrder)
    try:
        card = place_order(
            services,
            form,
            authz=APPROVERS,
            submission_key=f"bad-input:{next(_keys)}",
            user="U0SALES",
            channel="C1",
        )
    except InvalidFields as error:
        assert_clear_form(error, IGOV_FIELDS)
        assert count(services, IgovOrder) == before
        return
    assert count(services, IgovOrder) == before + 1
    valid = validate_order(form)
    assert card.sales_project == valid.sales_project and card.description == valid.description


@DB_SETTINGS
@given(reason=st.one_of(st.none(), any_text))
@example(reason="lý do\x00")  # PostgreSQL text cannot hold NUL
@example(reason="\ud800 " + "x" * 2000)
def test_rejection_is_recorded_whole_or_not_at_all(services: Services, reason: str | None) -> None:
    customer = str(customer_by_tax_code(services, PUBLIC).id)
    order = place_order(
        services,
        OrderForm(customer, "Dự án", None, "1", "0"),
        authz=APPROVERS,
        submission_key=f"bad-input:{next(_keys)}",
        user="U0SALES",
        channel="C1",
    )
    documents = [
        check_document(
            kind, slack_file_id="F1", name="x", declared_mimetype="", content=PDF, max_bytes=10**6
        )
        for kind in DocumentKind
    ]
    request = submit_request(
        services,
        RequestForm(
            order_id=order.id,
            modules=["KT_NS"],
            extra={},
            misa_id_email="admin@bacninh.gov.vn",
            misa_id_phone="0912345678",
            customer={
                "customer_name": "Sở Tài chính",
                "customer_address": "Bắc Ninh",
                "contact_name": "Lê Văn Cường",
                "contact_email": "stc@bacninh.gov.vn",
                "contact_phone": "0912345678",
            },
        ),
        documents,
        authz=APPROVERS,
        submission_key=f"bad-input:{next(_keys)}",
        user="U0LEAD",
    )
    try:
        card = decide(
            services, APPROVERS, request_id=request.id, actor="U0BOSS", approve=False, reason=reason
        )
    except InvalidInput as error:
        assert_clear(error)
        with services.db.session() as session:
            assert session.get(LicenceRequest, request.id).status == "pending"
        return
    assert card.status == "rejected"
    with pytest.raises(AlreadyDecided):
        decide(
            services, APPROVERS, request_id=request.id, actor="U0BOSS", approve=False, reason="x"
        )


@DB_SETTINGS
@given(body=transfer_bodies)
@example(body={"id": "x\x00", "transferType": "in", "transferAmount": 5, "content": "\x00"})
@example(body={"id": "\ud800", "transferType": "in", "transferAmount": 5, "gateway": "\udc00"})
@example(body={"id": "n", "transferType": "in", "transferAmount": 5, "extra": [float("nan")]})
def test_a_webhook_body_is_recorded_once_or_refused(services: Services, body: Any) -> None:
    before = count(services, BankTransaction)
    try:
        transfer = parse_transfer(body)
    except InvalidInput:
        return
    outcome = receive_transfer(services, transfer, services.clock.now())
    after = count(services, BankTransaction)
    assert after == before + (0 if outcome.value == "duplicate" else 1)
    assert count(services, StorageOrder) == 0  # nothing here is an order that could be paid


@DB_SETTINGS
@given(
    token=st.one_of(
        any_text, st.text(string.ascii_letters + string.digits + "_-", min_size=43, max_size=43)
    )
)
def test_order_tokens_find_nothing(services: Services, token: str) -> None:
    assert order_by_token(services, token) is None


def test_non_finite_amounts_are_refused() -> None:
    for amount in (math.inf, -math.inf, math.nan):
        with pytest.raises(InvalidInput):
            parse_transfer({"id": "1", "transferType": "in", "transferAmount": amount})


def test_names_of_kept_documents_fit(tmp_path: Path) -> None:
    document = check_document(
        DocumentKind.DECISION,
        slack_file_id="F1",
        name="q\x00" + "đ" * 300 + ".pdf",
        declared_mimetype="application/pdf",
        content=PDF,
        max_bytes=10**6,
    )
    assert one_line(document.name, 255)


def test_a_very_long_tax_code_is_not_echoed_whole() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_tax_code("0" * 5000)
    assert len(str(refused.value.params["value"])) <= 40
