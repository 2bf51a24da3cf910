"""Tax code, budget code, email, phone and query rules (SPEC §1 Customer)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.customers import (
    parse_budget_code,
    parse_email,
    parse_lookup_query,
    parse_phone,
    parse_segment,
    parse_tax_code,
    tax_check_digit,
)
from bot.errors import InvalidInput
from bot.text import fold


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


def test_check_digit_follows_the_weights() -> None:
    # 0*31+1*29+0*23+1*19+2*17+4*13+3*7+1*5+5*3 = 175; 175 mod 11 = 10; 10 - 10 = 0
    assert tax_check_digit("010124315") == 0
    with pytest.raises(InvalidInput) as caught:
        parse_tax_code("0101243151")
    assert caught.value.params["expected"] == 0


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_have_at_most_one_valid_tenth(first_nine: str) -> None:
    check = tax_check_digit(first_nine)
    valid = []
    for tenth in "0123456789":
        try:
            parse_tax_code(first_nine + tenth)
            valid.append(tenth)
        except InvalidInput:
            pass
    if check is None or first_nine[2:9] == "0000000":
        assert valid == []
    else:
        assert valid == [str(check)]


def test_no_check_digit_is_reported() -> None:
    # Find nine digits whose sum mod 11 is 0: then c = 10, which no digit can be.
    first_nine = next(
        f"{n:09d}" for n in range(10_000_000, 99_999_999) if tax_check_digit(f"{n:09d}") is None
    )
    with pytest.raises(InvalidInput) as caught:
        parse_tax_code(first_nine + "0")
    assert caught.value.key == "tax_code.no_check_digit"


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
    ],
)
def test_phone_numbers(raw: str, expected: str) -> None:
    assert parse_phone(raw) == expected


@pytest.mark.parametrize("bad", ["12345", "09123456789012", "abc", "+1 415 555 0100"])
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


def test_queries_are_classified() -> None:
    assert parse_lookup_query("0101 243 150").tax_code is not None
    assert parse_lookup_query("MISA cổ phần").words == ("misa", "co", "phan")
    with pytest.raises(InvalidInput) as caught:
        parse_lookup_query("   \x00 ")
    assert caught.value.key == "lookup.empty"
    with pytest.raises(InvalidInput) as caught:
        parse_lookup_query("!!! ???")
    assert caught.value.key == "lookup.no_words"
