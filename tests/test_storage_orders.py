"""Storage-order rules: quantity, pricing, invoice, eligibility, order numbers, transfers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog import StoragePackage
from bot.customers import SubscriptionCard
from bot.errors import InvalidFields, InvalidInput, NotEligible
from bot.mail import parse_smtp_url
from bot.payments import parse_transfer
from bot.storage_orders import (
    ORDER_ALPHABET,
    ORDER_NO,
    check_eligible,
    find_order_no,
    new_order_no,
    parse_quantity,
    price,
    storage_until,
    validate_invoice,
)
from bot.subscriptions import Product, lifecycle
from storage.models import StorageOrder

PACKAGE = StoragePackage(
    code="P12", name="Gói lưu trữ", term_months=12, unit_price=1_000_000, max_quantity=5
)
TODAY = date(2026, 11, 22)
GOOD_INVOICE = {
    "buyer_name": "Công ty Cổ phần MISA",
    "buyer_tax_code": "0101243150",
    "buyer_address": "Hà Nội",
    "recipient_name": "Trần Bình",
    "invoice_email": "binh@misa.com.vn",
    "phone": "",
}


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), (" 5 ", 5), (3, 3)])
def test_quantities_accepted(raw: str | int, expected: int) -> None:
    assert parse_quantity(raw, PACKAGE) == expected


@pytest.mark.parametrize("raw", ["0", "6", "-1", "1.5", "", None, "two", "99999"])
def test_quantities_refused(raw: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_quantity(raw, PACKAGE)
    assert caught.value.field == "quantity" and caught.value.params["max"] == 5


def test_price_with_and_without_tax() -> None:
    assert price(PACKAGE, 3).total == 3_000_000 and price(PACKAGE, 3).tax_amount == 0
    taxed = PACKAGE.model_copy(update={"tax_label": "10%", "tax_rate_percent": 10})
    assert (price(taxed, 2).amount, price(taxed, 2).tax_amount, price(taxed, 2).total) == (
        2_000_000,
        200_000,
        2_200_000,
    )


def test_storage_runs_quantity_times_term_from_expiry() -> None:
    assert storage_until(date(2026, 1, 31), 12, 3) == date(2029, 1, 31)
    assert storage_until(date(2026, 1, 31), 1, 1) == date(2026, 2, 28)


def test_invoice_errors_come_together() -> None:
    with pytest.raises(InvalidFields) as caught:
        validate_invoice(
            {**GOOD_INVOICE, "buyer_name": " ", "invoice_email": "x@", "buyer_tax_code": "123"}
        )
    assert set(caught.value.errors) == {"buyer_name", "invoice_email", "buyer_tax_code"}
    invoice = validate_invoice({**GOOD_INVOICE, "phone": "+84 912 345 678"})
    assert invoice.phone == "0912345678" and invoice.buyer_tax_code == "0101243150"


def _subscription(
    days_after_expiry: int, product: Product = Product.AMIS_KT, **kw
) -> SubscriptionCard:
    expires = TODAY - timedelta(days=days_after_expiry)
    return SubscriptionCard(
        id=1,
        product=product,
        contract_no="HD",
        starts_on=date(2024, 1, 1),
        expires_on=expires,
        lifecycle=lifecycle(expires, TODAY, **kw),
    )


@pytest.mark.parametrize(
    ("card", "key"),
    [
        (_subscription(0), "storage.active"),
        (_subscription(-10), "storage.active"),
        (_subscription(31), "storage.data_deleted"),
        (_subscription(5, storage_until=TODAY + timedelta(days=9)), "storage.archived"),
        (_subscription(5, Product.IGOV), "storage.not_amis"),
    ],
)
def test_who_may_not_buy(card: SubscriptionCard, key: str) -> None:
    with pytest.raises(NotEligible) as caught:
        check_eligible(card, None)
    assert caught.value.key == key


@pytest.mark.parametrize("days", [1, 12, 30])
def test_grace_period_may_buy(days: int) -> None:
    check_eligible(_subscription(days), None)


def test_order_numbers_fit_transfers_and_qr() -> None:
    numbers = {new_order_no(TODAY) for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert ORDER_NO.fullmatch(number) and len(number) <= 20 and number.isascii()


order_numbers = st.builds(
    lambda suffix: f"LT261122{suffix}",
    st.text(alphabet=ORDER_ALPHABET, min_size=6, max_size=6),
)
separators = st.sampled_from(["", " ", "-", ".", "  ", "_"])


@given(
    order_numbers,
    st.lists(separators, min_size=13, max_size=13),
    st.booleans(),
    st.sampled_from(["", "MBVCB.123456.", "IBFT ", "Chuyen tien "]),
    st.sampled_from(["", " thanh toan", ".CT tu 0011223344 den 9704", "-"]),
)
def test_order_number_survives_bank_mangling(
    order_no: str, seps: list[str], lower: bool, prefix: str, suffix: str
) -> None:
    mangled = "".join(ch + sep for ch, sep in zip(order_no, seps, strict=False)) + order_no[13:]
    content = prefix + (mangled.lower() if lower else mangled) + suffix
    assert find_order_no(content) == order_no


def test_no_order_number_no_match() -> None:
    assert find_order_no("chuyen tien hoc phi thang 11") is None
    assert find_order_no("LT2611") is None


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"transferType": "in", "transferAmount": 1},
        {"id": "1", "transferType": "in"},
        {"id": "1", "transferType": "in", "transferAmount": True},
        {"id": "1", "transferType": "in", "transferAmount": 1.5},
        {"id": "1", "transferType": "in", "transferAmount": "100"},
        {"id": "1", "transferType": "x", "transferAmount": 1},
        {"id": ["1"], "transferType": "in", "transferAmount": 1},
    ],
)
def test_malformed_transfers(body: object) -> None:
    with pytest.raises(InvalidInput):
        parse_transfer(body)


def test_transfer_fields_are_cleaned() -> None:
    transfer = parse_transfer(
        {
            "id": 92704,
            "transferType": "IN",
            "transferAmount": 2_000_000.0,
            "content": "LT261122ABCDEF\x00 thanh\ttoan",
            "gateway": "Vietcombank",
        }
    )
    assert (transfer.provider_id, transfer.amount, transfer.transfer_type) == (
        "92704",
        2_000_000,
        "in",
    )
    assert transfer.content == "LT261122ABCDEF thanh toan"


def test_smtp_urls() -> None:
    plain = parse_smtp_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.implicit_tls, plain.username) == (
        "127.0.0.1",
        2525,
        False,
        None,
    )
    secure = parse_smtp_url("smtps://mailer%40misa:p%40ss@smtp.misa.vn")
    assert (secure.port, secure.implicit_tls, secure.username, secure.password) == (
        465,
        True,
        "mailer@misa",
        "p@ss",
    )
    assert parse_smtp_url("smtp://h:587?starttls=true").starttls
    with pytest.raises(ValueError):
        parse_smtp_url("http://example.com")


# -- the same rules with the values written out ---------------------------------------------------


def test_tax_is_rounded_down_to_the_dong() -> None:
    odd = PACKAGE.model_copy(
        update={"unit_price": 1_234_567, "tax_label": "8%", "tax_rate_percent": 8}
    )
    pricing = price(odd, 3)  # 3,703,701 × 8% = 296,296.08
    assert (pricing.package, pricing.quantity) == (odd, 3)
    assert (pricing.amount, pricing.tax_amount, pricing.total) == (3_703_701, 296_296, 3_999_997)
    assert isinstance(pricing.tax_amount, int) and isinstance(pricing.total, int)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (None, "storage.quantity_number"),
        ("", "storage.quantity_number"),
        ("6", "storage.quantity_range"),
    ],
)
def test_quantity_errors_say_which(raw: str | None, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_quantity(raw, PACKAGE)
    assert (caught.value.key, caught.value.field, caught.value.params) == (
        key,
        "quantity",
        {"max": 5},
    )


def test_why_not_eligible_names_the_dates() -> None:
    def refusal(card: SubscriptionCard, order: object = None) -> tuple[str, dict[str, object]]:
        with pytest.raises(NotEligible) as caught:
            check_eligible(card, order)  # type: ignore[arg-type]
        return caught.value.key, caught.value.params

    # TODAY is 22/11/2026.
    assert refusal(_subscription(5, Product.IGOV)) == ("storage.not_amis", {"product": "IGOV"})
    assert refusal(_subscription(-10)) == ("storage.active", {"expires_on": date(2026, 12, 2)})
    assert refusal(_subscription(40)) == (
        "storage.data_deleted",
        {"deleted_on": date(2026, 11, 13)},
    )
    archived = _subscription(5, storage_until=date(2027, 11, 17))
    assert refusal(archived) == ("storage.archived", {"storage_until": date(2027, 11, 17)})
    order = StorageOrder(order_no="LT261120ABCDEF", payment_deadline=date(2026, 11, 23))
    assert refusal(_subscription(5), order) == (
        "storage.open_order",
        {"order_no": "LT261120ABCDEF", "deadline": date(2026, 11, 23)},
    )


def test_invoice_fields_each_say_what_is_wrong() -> None:
    with pytest.raises(InvalidFields) as caught:
        validate_invoice(
            {
                "buyer_name": "x" * 401,
                "buyer_tax_code": "0101243151",
                "buyer_address": None,
                "recipient_name": "y" * 201,
                "invoice_email": "binh@",
                "phone": "12345",
            }
        )
    found = {
        name: (error.key, error.field, error.params) for name, error in caught.value.errors.items()
    }
    assert found == {
        "buyer_name": ("storage.field_too_long", "buyer_name", {"max": 400}),
        "buyer_address": ("storage.field_required", "buyer_address", {}),
        "recipient_name": ("storage.field_too_long", "recipient_name", {"max": 200}),
        "buyer_tax_code": (
            "tax_code.check_digit",
            "buyer_tax_code",
            {"value": "0101243151", "expected": 0},
        ),
        "invoice_email": ("email.invalid", "invoice_email", {"value": "binh@"}),
        "phone": ("phone.invalid", "phone", {"value": "12345"}),
    }


def test_invoice_values_at_their_limits_are_kept_cleaned() -> None:
    invoice = validate_invoice(
        {
            "buyer_name": " " + "x" * 400 + " ",
            "buyer_tax_code": "0300 588 569",
            "buyer_address": "Số 10,\tTân Trào  " + "a" * 470,
            "recipient_name": "Trần  Bình",
            "invoice_email": " Binh@MISA.com.vn ",
            "phone": " ",
        }
    )
    assert invoice.buyer_name == "x" * 400
    assert invoice.buyer_tax_code == "0300588569"
    assert invoice.buyer_address == "Số 10, Tân Trào " + "a" * 470
    assert (invoice.recipient_name, invoice.invoice_email, invoice.phone) == (
        "Trần Bình",
        "Binh@misa.com.vn",
        "",
    )
