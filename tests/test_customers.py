"""Tax code, budget code, email, phone and query rules (SPEC §1 Customer)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st
from stdnum.vn import mst

from bot.customer_fields import (
    TAX_CODE_WEIGHTS,
    parse_budget_code,
    parse_email,
    parse_phone,
    parse_segment,
    parse_tax_code,
    tax_check_digit,
)
from bot.customers import parse_lookup_query
from bot.errors import InvalidInput
from bot.text import fold, fold_words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0101243150", "0101243150"),
        ("0101 243 150", "0101243150"),
        ("0101.243.150", "0101243150"),
        ("0101243150-001", "0101243150-001"),
        ("0101243150 - 001", "0101243150-001"),
        ("0101243150001", "0101243150-001"),
        (" 0101243150 ", "0101243150"),
        ("001203004567", "001203004567"),  # personal id, 12 digits, no check digit
        ("096203004567", "096203004567"),
        # Pasted from Word: en dash, em dash, minus sign, non-breaking hyphen, soft hyphen, NBSP
        ("0101243150\u2013001", "0101243150-001"),
        ("0101243150 \u2014 001", "0101243150-001"),
        ("0101243150\u2212001", "0101243150-001"),
        ("0101243150\u2011001", "0101243150-001"),
        ("0101243150\u00a0\u2010\u00a0001", "0101243150-001"),
        ("0101\u00ad243150", "0101243150"),
    ],
)
def test_valid_tax_codes_are_normalised(raw: str, expected: str) -> None:
    assert parse_tax_code(raw).value == expected


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "tax_code.empty"),
        ("0101243151", "tax_code.check_digit"),
        ("010124315", "tax_code.length"),
        ("01012431500", "tax_code.length"),
        ("0100000000", "tax_code.zero_serial"),
        ("0101243150-000", "tax_code.branch_zero"),
        ("0101243150-01", "tax_code.length"),
        ("0101243150--001", "tax_code.format"),
        ("01O1243150", "tax_code.characters"),
        ("0101243150\u2013\u2013001", "tax_code.format"),
        # 12 digits: the first three must be a province code of the citizen id
        ("000203004567", "tax_code.province"),
        ("003203004567", "tax_code.province"),
        ("097203004567", "tax_code.province"),
        ("101243150001", "tax_code.province"),
    ],
)
def test_invalid_tax_codes_say_what_is_wrong(raw: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_tax_code(raw)
    assert caught.value.key == key


PROVINCE_CODES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
)
PROVINCES = PROVINCE_CODES.split()


def test_personal_ids_start_with_one_of_63_province_codes() -> None:
    assert len(PROVINCES) == 63
    accepted = set()
    for code in range(1000):
        try:
            parse_tax_code(f"{code:03d}203004567")
            accepted.add(f"{code:03d}")
        except InvalidInput as error:
            assert error.key == "tax_code.province"
            assert error.params["province"] == f"{code:03d}"
    assert accepted == set(PROVINCES)


def test_pasted_dashes_also_reach_lookup() -> None:
    query = parse_lookup_query("0101243150\u2013001")
    assert query.tax_code is not None and query.tax_code.value == "0101243150-001"


# Real tax codes, as the companies publish them (every shape of prefix: Hà Nội 01, Hồ Chí Minh 03,
# Hưng Yên 09, Bắc Ninh 23, Vĩnh Phúc 25, Bà Rịa-Vũng Tàu 35, Bình Dương 37, Thái Nguyên 46), so
# each of the nine weights meets a digit other than 0 somewhere below (the third digit, weight
# 23, in the newer Hồ Chí Minh codes 031…).
REAL_TAX_CODES = [
    ("0101243150", "Công ty Cổ phần MISA"),
    ("0100109106", "Tập đoàn Công nghiệp - Viễn thông Quân đội (Viettel)"),
    ("0300588569", "Công ty Cổ phần Sữa Việt Nam (Vinamilk)"),
    ("0101248141", "Công ty Cổ phần FPT"),
    ("0100112437", "Ngân hàng TMCP Ngoại thương Việt Nam (Vietcombank)"),
    ("0306731335", "Công ty Cổ phần Đầu tư Thế Giới Di Động"),
    ("0303576603", "Công ty Cổ phần Tập đoàn Masan"),
    ("0900189284", "Công ty Cổ phần Tập đoàn Hòa Phát"),
    ("2300325764", "Công ty TNHH Samsung Electronics Việt Nam"),
    ("2500150543", "Công ty Honda Việt Nam"),
    ("3500102710", "Tổng Công ty Khí Việt Nam (PV GAS)"),
    ("3700145020", "Tổng Công ty Đầu tư và Phát triển Công nghiệp (Becamex IDC)"),
    ("4601124536", "Công ty TNHH Samsung Electronics Việt Nam Thái Nguyên"),
]
# Branch codes from python-stdnum's documentation of `stdnum.vn.mst`.
REAL_BRANCH_CODES = ["0314409058-002", "0312687878-001"]


def test_real_tax_codes_cover_every_weight() -> None:
    codes = [code for code, _ in REAL_TAX_CODES] + REAL_BRANCH_CODES
    for position in range(9):
        assert any(code[position] != "0" for code in codes), position


@pytest.mark.parametrize(("code", "company"), REAL_TAX_CODES)
def test_real_tax_codes_are_accepted(code: str, company: str) -> None:
    assert mst.is_valid(code), company  # an independent implementation agrees
    assert parse_tax_code(code).value == code
    assert parse_tax_code(f"{code[:4]} {code[4:7]} {code[7:]}").value == code
    assert tax_check_digit(code[:9]) == int(code[9])
    for wrong in "0123456789".replace(code[9], ""):
        with pytest.raises(InvalidInput) as caught:
            parse_tax_code(code[:9] + wrong)
        assert caught.value.key == "tax_code.check_digit"
        assert caught.value.params["expected"] == int(code[9])


@pytest.mark.parametrize("code", REAL_BRANCH_CODES)
def test_real_branch_codes_are_accepted(code: str) -> None:
    assert mst.is_valid(code)
    parsed = parse_tax_code(code)
    assert (parsed.value, parsed.root, parsed.branch) == (code, code[:10], code[11:])
    assert parse_tax_code(code.replace("-", "")).value == code
    assert not parsed.is_personal


def test_weights_are_the_published_ones() -> None:
    assert TAX_CODE_WEIGHTS == (31, 29, 23, 19, 17, 13, 7, 5, 3)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_check_digit_agrees_with_python_stdnum(first_nine: str) -> None:
    # stdnum computes 10 - sum mod 11 and lets "10" fail every comparison with one digit.
    theirs = mst.calc_check_digit(first_nine)
    assert tax_check_digit(first_nine) == (None if theirs == "10" else int(theirs))


def test_personal_ids_are_twelve_digits_without_a_check_digit() -> None:
    code = parse_tax_code("079203004567")
    assert code.is_personal and (code.root, code.branch) == ("079203004567", None)
    assert not parse_tax_code("0101243150").is_personal
    assert str(parse_tax_code("0101243150-001")) == "0101243150-001"


def test_check_digit_follows_the_weights() -> None:
    # 0*31+1*29+0*23+1*19+2*17+4*13+3*7+1*5+5*3 = 175; 175 mod 11 = 10; 10 - 10 = 0
    assert tax_check_digit("010124315") == 0
    with pytest.raises(InvalidInput) as caught:
        parse_tax_code("0101243151")
    assert caught.value.params["expected"] == 0


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_have_at_most_one_valid_tenth(first_nine: str) -> None:
    check = mst.calc_check_digit(first_nine)  # python-stdnum, not the code under test
    valid = []
    for tenth in "0123456789":
        try:
            parse_tax_code(first_nine + tenth)
            valid.append(tenth)
        except InvalidInput:
            pass
    if check == "10" or first_nine[2:9] == "0000000":
        assert valid == []
    else:
        assert valid == [check]


def test_no_check_digit_is_reported() -> None:
    # 0*31+1*29+0*23+1*19+2*17+4*13+3*7+1*5+9*3 = 187 = 17*11: the tenth digit would be 10.
    assert tax_check_digit("010124319") is None
    for tenth in "0123456789":
        assert not mst.is_valid("010124319" + tenth)
        with pytest.raises(InvalidInput) as caught:
            parse_tax_code("010124319" + tenth)
        assert caught.value.key == "tax_code.no_check_digit"
    # A bounded search (it fails, not hangs, if the rule breaks): 1*29+5*3 = 44 = 4*11 and
    # 1*29+1*5+7*3 = 55 = 5*11.
    found = [n for n in range(10_000_000, 10_000_020) if tax_check_digit(f"{n:09d}") is None]
    assert found == [10_000_005, 10_000_017]


@pytest.mark.parametrize("code", ["1012345", "2000001", "3999999", "7123456", "8000000"])
def test_budget_codes_accepted(code: str) -> None:
    assert parse_budget_code(code) == code


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("4123456", "budget_code.first_digit"),
        ("0123456", "budget_code.first_digit"),
        ("123456", "budget_code.format"),
        ("12345678", "budget_code.format"),
        ("12a4567", "budget_code.format"),
    ],
)
def test_budget_codes_rejected(code: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_budget_code(code)
    assert caught.value.key == key


def test_email_syntax_only() -> None:
    assert parse_email(" KeToan@MISA.com.vn ") == "KeToan@misa.com.vn"
    for bad in ["ketoan", "ketoan@", "@misa.vn", "a b@misa.vn", "ketoan@misa"]:
        with pytest.raises(InvalidInput):
            parse_email(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912345678", "0912345678"),
        ("024.3795.9595", "02437959595"),
        # 84 without the +: a mobile (11 digits) or a landline (12 digits) in the country code
        ("84912345678", "0912345678"),
        ("84 24 3795 9595", "02437959595"),
        ("(024) 3795-9595", "02437959595"),
        ("+842437959595", "02437959595"),
        ("0843 123 456", "0843123456"),  # a number that starts with 084 is not rewritten
    ],
)
def test_phone_numbers(raw: str, expected: str) -> None:
    assert parse_phone(raw) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "12345",
        "09123456789012",
        "abc",
        "+1 415 555 0100",
        "8491234567",  # 84 and 8 digits: too short to be a number in the country code
        "8409123456789",  # 84 and 11 digits: too long
        "091234567",  # 9 digits
        "091234567890",  # 12 digits
    ],
)
def test_bad_phone_numbers(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_phone(bad)


def test_segments() -> None:
    assert parse_segment("HCSN").value == "public"
    assert parse_segment("Doanh nghiệp").value == "enterprise"
    with pytest.raises(InvalidInput):
        parse_segment("government")


def test_fold_removes_diacritics_and_d_stroke() -> None:
    assert fold("Công ty Cổ phần MISA") == "cong ty co phan misa"
    assert fold("ĐẠI HỌC Đà Nẵng, (chi nhánh)") == "dai hoc da nang chi nhanh"


def test_email_and_phone_errors_name_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_email("  ", field="invoice_email")
    assert (caught.value.key, caught.value.field) == ("email.empty", "invoice_email")
    with pytest.raises(InvalidInput) as caught:
        parse_email("ketoan@", field="invoice_email")
    assert (caught.value.key, caught.value.field) == ("email.invalid", "invoice_email")
    assert caught.value.params["value"] == "ketoan@"
    with pytest.raises(InvalidInput) as caught:
        parse_phone(" 12345 ", field="misa_id_phone")
    assert (caught.value.key, caught.value.field) == ("phone.invalid", "misa_id_phone")
    assert caught.value.params["value"] == "12345"


def test_single_letters_are_dropped_unless_they_are_all_there_is() -> None:
    assert parse_lookup_query("a b misa").words == ("misa",)
    assert parse_lookup_query("Công ty A").words == ("cong", "ty")
    assert parse_lookup_query("Chi nhánh 1").words == ("chi", "nhanh", "1")
    assert parse_lookup_query("x y").words == ("x", "y")  # nothing longer: kept
    assert parse_lookup_query("misa MISA Misa").words == ("misa",)


def test_at_most_twelve_words_are_searched() -> None:
    words = " ".join(f"tu{n}" for n in range(1, 15))
    assert parse_lookup_query(words).words == tuple(f"tu{n}" for n in range(1, 13))


ERRORS = [
    # (parser, raw, key, field, params): what the person is shown, and next to which input.
    (parse_tax_code, "  ", "tax_code.empty", "tax_code", {}),
    (parse_tax_code, " 01O1243150 ", "tax_code.characters", "tax_code", {"value": "01O1243150"}),
    (
        parse_tax_code,
        "0101243150--001",
        "tax_code.format",
        "tax_code",
        {"value": "0101243150--001"},
    ),
    (parse_tax_code, "-0101243150", "tax_code.format", "tax_code", {"value": "-0101243150"}),
    (parse_tax_code, "0101243150-", "tax_code.format", "tax_code", {"value": "0101243150-"}),
    (
        parse_tax_code,
        "000 203 004 567",
        "tax_code.province",
        "tax_code",
        {"value": "000 203 004 567", "province": "000"},
    ),
    (
        parse_tax_code,
        "010124315",
        "tax_code.length",
        "tax_code",
        {"value": "010124315", "digits": 9},
    ),
    (
        parse_tax_code,
        "0101243150-01",
        "tax_code.length",
        "tax_code",
        {"value": "0101243150-01", "digits": 10},
    ),
    (
        parse_tax_code,
        "01012431-001",
        "tax_code.length",
        "tax_code",
        {"value": "01012431-001", "digits": 8},
    ),
    (parse_tax_code, "0100000000", "tax_code.zero_serial", "tax_code", {"value": "0100000000"}),
    (parse_tax_code, "0101243190", "tax_code.no_check_digit", "tax_code", {"value": "0101243190"}),
    (
        parse_tax_code,
        "0300588560",
        "tax_code.check_digit",
        "tax_code",
        {"value": "0300588560", "expected": 9},
    ),
    (
        parse_tax_code,
        "0101243150-000",
        "tax_code.branch_zero",
        "tax_code",
        {"value": "0101243150-000"},
    ),
    (parse_budget_code, " 123456 ", "budget_code.format", "budget_code", {"value": "123456"}),
    (parse_budget_code, "4123.456", "budget_code.first_digit", "budget_code", {"value": "4123456"}),
    (parse_segment, " government ", "segment.unknown", "segment", {"value": "government"}),
    (parse_email, "  ", "email.empty", "email", {}),
    (parse_email, " ketoan@ ", "email.invalid", "email", {"value": "ketoan@"}),
    (parse_email, "a@" + "b" * 120, "email.invalid", "email", {"value": "a@" + "b" * 98}),
    (parse_phone, " 12345 ", "phone.invalid", "phone", {"value": "12345"}),
    (parse_phone, "9" * 50, "phone.invalid", "phone", {"value": "9" * 40}),
    (parse_lookup_query, " \x00 ", "lookup.empty", "query", {}),
    (parse_lookup_query, " !!! ? ", "lookup.no_words", "query", {"value": "!!! ?"}),
]


@pytest.mark.parametrize(("parse", "raw", "key", "field", "params"), ERRORS)
def test_errors_name_the_message_the_field_and_what_was_typed(
    parse: Callable[[str], object], raw: str, key: str, field: str, params: dict[str, object]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(raw)
    assert (caught.value.key, caught.value.field, caught.value.params) == (key, field, params)


def test_check_digit_needs_exactly_nine_digits() -> None:
    for wrong in ("01012431", "0101243150"):
        with pytest.raises(ValueError):
            tax_check_digit(wrong)


def test_budget_codes_may_be_typed_with_separators() -> None:
    assert parse_budget_code(" 1.012.345 ") == "1012345"
    assert parse_budget_code("1012 345") == "1012345"


def test_long_queries_are_cut_and_kept_as_typed() -> None:
    assert parse_lookup_query("0101 243 150").text == "0101 243 150"
    long = parse_lookup_query("misa " * 60)
    assert len(long.text) == 200 and long.words == ("misa",)


def test_queries_are_classified() -> None:
    assert parse_lookup_query("0101 243 150").tax_code is not None
    assert parse_lookup_query("MISA cổ phần").words == ("misa", "co", "phan")
    with pytest.raises(InvalidInput) as caught:
        parse_lookup_query("   \x00 ")
    assert caught.value.key == "lookup.empty"
    with pytest.raises(InvalidInput) as caught:
        parse_lookup_query("!!! ???")
    assert caught.value.key == "lookup.no_words"


_EMAIL_PARTS = st.sampled_from(
    ["ketoan", "KeToan", "a", "x_y", "b+c", "-", ".", "..", "@", " ", "é", "đ", "ü", "1", "a" * 70]
)
_DOMAIN_PARTS = st.sampled_from(
    [
        *("misa", "MISA", "com", "vn", ".", "..", "-", "x-", "-x", "123", "test", "local"),
        *("localhost", "arpa", "invalid", "onion", "bücher", "đà", "xn--bcher-kva", "_"),
        *("a" * 64, "example"),
    ]
)


@given(st.lists(_EMAIL_PARTS, max_size=5), st.lists(_DOMAIN_PARTS, max_size=6))
def test_email_check_agrees_with_email_validator(local: list[str], domain: list[str]) -> None:
    """The quick path for plain addresses decides exactly as email_validator does."""
    text = f"{''.join(local)}@{''.join(domain)}"
    try:
        expected = validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    if not text.strip():
        return
    try:
        assert parse_email(text) == expected
    except InvalidInput as error:
        assert expected is None and error.key == "email.invalid"


@given(st.text(alphabet=st.sampled_from("aĐđếỆ ̣\u0301\t\n\xa0\u2028-.,_0Σσ1İ") | st.characters()))
def test_fold_word_by_word_equals_fold_at_once(text: str) -> None:
    assert fold(text) == fold_words(text)
