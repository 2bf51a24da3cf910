"""Tests for bot.vietqr: published vectors, CRC, PNG round trip through an independent decoder."""

from __future__ import annotations

import binascii
import io

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.vietqr import (
    MAX_PURPOSE_LEN,
    InvalidPayload,
    InvalidTransfer,
    ParsedVietQR,
    TransferRequest,
    VietQRError,
    _crc_table,
    _tlv,
    build_payload,
    crc16_ccitt_false,
    fold_ascii,
    parse_payload,
    parse_tlv,
    purpose_for,
    render_png,
    verify_crc,
)

# ----------------------------------------------------------------------------- published vectors
# Each entry: (bank BIN, account, amount, purpose as given to the publisher, payload as published).
# Every payload below is copied from the named public source; none was generated here.
PUBLISHED_ENCODER_VECTORS = [
    pytest.param(
        "970416",
        "257678859",
        10000,
        "Chuyen tien",
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
        "53037045405100005802VN62150811Chuyen tien630453E6",
        # github.com/xuannghia/vietnam-qr-pay test/test-quick-gen-qr.spec.ts ("VietQR Dynamic")
        id="acb-dynamic-xuannghia",
    ),
    pytest.param(
        "970416",
        "257678859",
        None,
        "",
        "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA"
        "53037045802VN6304AE9F",
        # github.com/xuannghia/vietnam-qr-pay test/test-quick-gen-qr.spec.ts ("VietQR Static")
        id="acb-static-xuannghia",
    ),
    pytest.param(
        "970415",
        "0011001932418",
        120000,
        "ủng hộ lũ lụt",
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
        "530370454061200005802VN62170813ung ho lu lut6304C15C",
        # github.com/subiz/vietqr README.md (Vietnamese note folded to "ung ho lu lut")
        id="vietinbank-subiz-readme",
    ),
    pytest.param(
        "970423",
        "0099999999",
        None,
        "",
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA"
        "53037045802VN6304CBB4",
        # github.com/subiz/vietqr vietqr_test.go (case 0, static)
        id="tpbank-static-subiz",
    ),
    pytest.param(
        "970422",
        "0023457923442",
        40123,
        "test text string",
        "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
        "53037045405401235802VN62200816test text string6304D9C6",
        # github.com/subiz/vietqr vietqr_test.go (case 1)
        id="mb-dynamic-subiz",
    ),
    pytest.param(
        "970422",
        "0023457923442",
        40123,
        "chuyển khoản",
        "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
        "53037045405401235802VN62160812chuyen khoan6304722F",
        # github.com/subiz/vietqr vietqr_test.go (case 3, diacritics folded)
        id="mb-diacritics-subiz",
    ),
    pytest.param(
        # subiz's generator trims a longer note to 25 characters itself; we do not truncate
        # silently, so the note is passed here already at the 25 characters it published.
        "970422",
        "0023457923442ASDFLJ",
        40123,
        "chuyen khoan alsdkf laksj",
        "00020101021238630010A0000007270133000697042201190023457923442ASDFLJ0208QRIBFTTA"
        "53037045405401235802VN62290825chuyen khoan alsdkf laksj6304E5DB",
        # github.com/subiz/vietqr vietqr_test.go (case 5: 19-character account, 25-char purpose)
        id="mb-max-lengths-subiz",
    ),
    pytest.param(
        "970423",
        "0123456789",
        None,
        "",
        "00020101021138540010A00000072701240006970423011001234567890208QRIBFTTA"
        "53037045802VN6304F64B",
        # github.com/openhoangnc/vietqr libs/test-data.json (entry 0, static)
        id="tpbank-static-openhoangnc",
    ),
    pytest.param(
        "963388",
        "3456789143",
        None,
        "",
        "00020101021138540010A00000072701240006963388011034567891430208QRIBFTTA"
        "53037045802VN63041D58",
        # github.com/openhoangnc/vietqr libs/test-data.json (entry 1, static)
        id="963388-static-openhoangnc",
    ),
]

# Published payloads our encoder cannot reproduce byte-for-byte by design, but which parse_payload
# and verify_crc must handle. (ID, payload, expected bin, account, amount, purpose, initiation)
PUBLISHED_PARSE_VECTORS = [
    pytest.param(
        "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA"
        "530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E",
        "970403",
        "0011012345678",
        180000,
        "thanh toan don hang",
        "12",
        # NAPAS IBFT spec example "dynamic QR to account" (extra 62/01 bill number NPS6869,
        # which we never emit), as quoted in github.com/binhnguyenduc/vietqr-ts
        # tests/compliance/napas-dynamic-account.test.ts
        id="napas-spec-dynamic-account",
    ),
    pytest.param(
        "00020101021138540010A00000072701240006963388011034567891430208QRIBFTTA"
        "5303704540723451235802VN62220818thanh toan hoa don630445F2",
        "963388",
        "3456789143",
        2345123,
        "thanh toan hoa don",
        "11",
        # github.com/openhoangnc/vietqr libs/test-data.json (entry 3: initiation 11 *with* an
        # amount; we emit 12 whenever there is an amount, so this one is parse-only)
        id="openhoangnc-static-with-amount",
    ),
    pytest.param(
        "00020101021138540010A00000072701240006963388011034567891430208QRIBFTTA"
        "5303704540723451235802VN6304EBDA",
        "963388",
        "3456789143",
        2345123,
        None,
        "11",
        # github.com/openhoangnc/vietqr libs/test-data.json (entry 2, same remark as above)
        id="openhoangnc-static-with-amount-no-purpose",
    ),
    pytest.param(
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
        "5303704540410005802VN62150811Chuyen tien6304BBB8",
        "970416",
        "257678859",
        1000,
        "Chuyen tien",
        "12",
        # github.com/xuannghia/vietnam-qr-pay test/test-vietqr.spec.ts ("VietQR")
        id="xuannghia-acb-1000",
    ),
]

# Same source as the last vector, published there as an *invalid* CRC example.
XUANNGHIA_BAD_CRC = (
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
    "5303704540410005802VN62150811Chuyen tien6304BBB5"
)

# The NAPAS spec's printed "static QR to account" example, as quoted in
# github.com/binhnguyenduc/vietqr-ts tests/compliance/napas-static-account.test.ts. Its CRC
# F4E5 matches the printed text, but the TLV is inconsistent (38/01 says "0112" = 12 characters
# yet the account 0011012345678 has 13), so it is NOT used as an encoder vector; we only check
# that the parser rejects it instead of mis-reading it.
NAPAS_PRINTED_INCONSISTENT = (
    "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304F4E5"
)


@pytest.mark.parametrize(
    ("bank_bin", "account", "amount", "purpose", "expected"), PUBLISHED_ENCODER_VECTORS
)
def test_published_vectors_reproduced_exactly(
    bank_bin: str, account: str, amount: int | None, purpose: str, expected: str
) -> None:
    assert verify_crc(expected)
    payload = build_payload(TransferRequest(bank_bin, account, amount, purpose))
    assert payload == expected
    parsed = parse_payload(payload)
    assert (parsed.bank_bin, parsed.account_no, parsed.amount) == (bank_bin, account, amount)
    assert parsed.purpose == (fold_ascii(purpose) or None)
    assert parsed.initiation == ("11" if amount is None else "12")
    assert parsed.crc_ok


@pytest.mark.parametrize(
    ("payload", "bank_bin", "account", "amount", "purpose", "initiation"),
    PUBLISHED_PARSE_VECTORS,
)
def test_published_payloads_parse(
    payload: str,
    bank_bin: str,
    account: str,
    amount: int | None,
    purpose: str | None,
    initiation: str,
) -> None:
    assert verify_crc(payload)
    parsed = parse_payload(payload)
    assert parsed == ParsedVietQR(
        bank_bin=bank_bin,
        account_no=account,
        amount=amount,
        purpose=purpose,
        crc_ok=True,
        initiation=initiation,
        service="QRIBFTTA",
        currency="704",
        country="VN",
        fields=parse_tlv(payload),
    )


def test_published_bad_crc_is_detected() -> None:
    assert not verify_crc(XUANNGHIA_BAD_CRC)
    parsed = parse_payload(XUANNGHIA_BAD_CRC)
    assert not parsed.crc_ok
    assert parsed.amount == 1000
    with pytest.raises(InvalidPayload, match="CRC"):
        render_png(XUANNGHIA_BAD_CRC)


def test_napas_printed_example_with_inconsistent_lengths_is_rejected() -> None:
    assert verify_crc(NAPAS_PRINTED_INCONSISTENT)  # the CRC alone cannot catch the typo
    with pytest.raises(InvalidPayload):
        parse_payload(NAPAS_PRINTED_INCONSISTENT)


# ----------------------------------------------------------------------------- CRC


def test_crc_standard_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1


def test_crc_of_empty_input_is_init_value() -> None:
    assert crc16_ccitt_false(b"") == 0xFFFF


def test_crc_rejects_str() -> None:
    with pytest.raises(TypeError):
        crc16_ccitt_false("123456789")  # type: ignore[arg-type]


def test_crc_is_four_upper_case_hex_digits_even_with_leading_zero() -> None:
    # Search accounts until one yields a CRC below 0x1000, to exercise zero padding.
    for n in range(1, 5000):
        payload = build_payload(TransferRequest("970416", str(n), 1000, "MS1"))
        if payload[-4] == "0":
            break
    else:  # pragma: no cover
        pytest.fail("no CRC with a leading zero found")
    assert payload[-8:-4] == "6304"
    assert payload[-4:] == payload[-4:].upper()
    assert len(payload[-4:]) == 4
    assert verify_crc(payload)


def test_verify_crc_rejects_tampering() -> None:
    payload = build_payload(TransferRequest("970416", "257678859", 10000, "Chuyen tien"))
    tampered = payload.replace("5405100005", "5405900005")
    assert tampered != payload
    assert not verify_crc(tampered)
    assert not verify_crc(payload[:-1])
    assert not verify_crc(payload[:-4] + "ZZZZ")
    assert not verify_crc("")


# ----------------------------------------------------------------------------- TLV / parsing


def test_parse_tlv_nested() -> None:
    payload = build_payload(TransferRequest("970416", "257678859", 10000, "Chuyen tien"))
    top = parse_tlv(payload)
    assert list(top) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    merchant = parse_tlv(top["38"])
    assert merchant == {
        "00": "A000000727",
        "01": "0006970416" + "0109257678859",
        "02": "QRIBFTTA",
    }
    assert parse_tlv(merchant["01"]) == {"00": "970416", "01": "257678859"}
    assert parse_tlv(top["62"]) == {"08": "Chuyen tien"}


@pytest.mark.parametrize(
    "bad",
    [
        "000201010",  # truncated header
        "0005AB",  # value runs past the end
        "0X02AB",  # non-digit tag
        "00020100020101",  # tag 00 twice
        "00020đ",  # non-ASCII
    ],
)
def test_parse_tlv_rejects_malformed(bad: str) -> None:
    with pytest.raises(InvalidPayload):
        parse_tlv(bad)


def test_parse_payload_requires_napas_account() -> None:
    with pytest.raises(InvalidPayload, match="38"):
        parse_payload("000201010211" + "5303704" + "5802VN")
    # A VNPay merchant QR (GUID A000000775), published in github.com/xuannghia/vietnam-qr-pay
    # test/test-quick-gen-qr.spec.ts: valid EMVCo, but not a NAPAS transfer.
    vnpay = (
        "00020101021126280010A0000007750110010215477853037045802VN5912TUGIACOMPANY"
        "62310315TU GIA COMPUTER0708TUGIACO16304DF44"
    )
    assert verify_crc(vnpay)
    with pytest.raises(InvalidPayload):
        parse_payload(vnpay)


# ----------------------------------------------------------------------------- purpose text


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Thanh toán gia hạn lưu trữ", "Thanh toan gia han luu tru"),
        ("ĐƠN HÀNG số 12", "DON HANG so 12"),
        ("Đặng Thị Ngọc Ánh", "Dang Thi Ngoc Anh"),
        ("  MS001 -- trả   trước!! ", "MS001 tra truoc"),
        ("ưởữ ỳỷỹ", "uou yyy"),
        ("đơn hàng đã thanh toán", "don hang da thanh toan"),  # lower-case đ: no decomposition
        ("Ðð", "Dd"),  # eth, which looks the same and is pasted for Đ/đ
        ("", ""),
    ],
)
def test_fold_ascii(raw: str, folded: str) -> None:
    assert fold_ascii(raw) == folded


def test_purpose_for_keeps_order_number_and_trims_note() -> None:
    assert purpose_for("MS2611220001", "thanh toán") == "MS2611220001 thanh toan"
    assert purpose_for("MS2611220001") == "MS2611220001"
    long_note = "thanh toán gói lưu trữ dữ liệu 12 tháng"
    p = purpose_for("MS2611220001", long_note)
    assert p == "MS2611220001 thanh toan"  # cut at a word boundary, never into the order no
    assert len(p) <= MAX_PURPOSE_LEN
    # A 25-character order number fills the purpose alone.
    assert purpose_for("A" * 25, "note") == "A" * 25
    # A 24-character one leaves no room for " x".
    assert purpose_for("B" * 24, "note") == "B" * 24


def test_purpose_for_hard_cuts_a_single_long_word() -> None:
    p = purpose_for("MS1", "x" * 40)
    assert p == "MS1 " + "x" * 21
    assert len(p) == MAX_PURPOSE_LEN


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("req", "field", "words"),
    [
        (TransferRequest("97041A", "257678859", 1000), "bank_bin", "6 ASCII digits"),
        (TransferRequest("97041", "257678859", 1000), "bank_bin", "6 ASCII digits"),
        (TransferRequest("９７０４１６", "257678859", 1000), "bank_bin", "6 ASCII digits"),
        (TransferRequest("970416", "", 1000), "account_no", "1-19"),
        (TransferRequest("970416", "12345678901234567890", 1000), "account_no", "1-19"),
        (TransferRequest("970416", "25767885９", 1000), "account_no", "ASCII"),
        (TransferRequest("970416", "tài khoản", 1000), "account_no", "ASCII"),
        (TransferRequest("970416", "2576-78859", 1000), "account_no", "punctuation"),
        (TransferRequest("970416", "257678859", 0), "amount", "positive"),
        (TransferRequest("970416", "257678859", -5000), "amount", "positive"),
        (TransferRequest("970416", "257678859", 10**13), "amount", "13 digits"),
        (TransferRequest("970416", "257678859", True), "amount", "whole number"),
        (TransferRequest("970416", "257678859", 1000.0), "amount", "whole number"),  # type: ignore[arg-type]
        (
            TransferRequest("970416", "257678859", 1000, "MS2611220001 thanh toán gia hạn"),
            "purpose",
            "purpose_for",
        ),
    ],
)
def test_bad_requests_raise_naming_the_field(req: TransferRequest, field: str, words: str) -> None:
    with pytest.raises(InvalidTransfer) as info:
        build_payload(req)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert words in str(info.value)
    assert isinstance(info.value, VietQRError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("order_no", "words"),
    [
        ("MS" + "0" * 24, "26 characters"),  # too long for the 25-character purpose
        ("MS-2611", "ASCII letters and digits"),
        ("MSđ001", "ASCII letters and digits"),
        ("", "ASCII letters and digits"),
    ],
)
def test_bad_order_numbers(order_no: str, words: str) -> None:
    with pytest.raises(InvalidTransfer) as info:
        purpose_for(order_no, "thanh toan")
    assert info.value.field == "order_no"
    assert words in str(info.value)


def test_smallest_and_largest_amounts() -> None:
    one = build_payload(TransferRequest("970416", "257678859", 1))
    assert parse_tlv(one)["54"] == "1" and parse_tlv(one)["01"] == "12"
    assert parse_payload(one).amount == 1
    largest = build_payload(TransferRequest("970416", "257678859", 9_999_999_999_999))
    assert parse_tlv(largest)["54"] == "9999999999999"


def test_purpose_and_account_at_their_limits() -> None:
    account = "0" * 19
    payload = build_payload(TransferRequest("970416", account, 1000, "x" * 25))
    assert parse_payload(payload).account_no == account
    assert parse_tlv(payload)["62"] == "0825" + "x" * 25
    assert purpose_for("MS1", "thanh toán đơn hàng") == "MS1 thanh toan don hang"


def test_no_amount_makes_a_static_code() -> None:
    payload = build_payload(TransferRequest("970416", "257678859", None, "MS1"))
    fields = parse_tlv(payload)
    assert fields["01"] == "11"
    assert "54" not in fields


# ----------------------------------------------------------------------------- PNG round trip


def _decode_png(png: bytes) -> str:
    """Decode with zxing-cpp, an implementation independent of the `qrcode` encoder."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        results = zxingcpp.read_barcodes(image.convert("L"))
    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    assert results[0].ec_level == "M"
    return results[0].text


def test_png_round_trip_through_independent_decoder() -> None:
    order_no = "MS2611220001"
    payload = build_payload(
        TransferRequest("970416", "257678859", 1_943_000, purpose_for(order_no, "thanh toán"))
    )
    png = render_png(payload)
    text = _decode_png(png)
    assert text == payload
    assert verify_crc(text)
    top = parse_tlv(text)
    assert top["00"] == "01"
    assert top["01"] == "12"
    assert top["53"] == "704"
    assert top["54"] == "1943000"
    assert top["58"] == "VN"
    merchant = parse_tlv(top["38"])
    assert merchant["00"] == "A000000727"
    assert merchant["02"] == "QRIBFTTA"
    assert parse_tlv(merchant["01"]) == {"00": "970416", "01": "257678859"}
    assert order_no in parse_tlv(top["62"])["08"]


def test_png_is_deterministic_and_honours_box_size() -> None:
    payload = build_payload(TransferRequest("970416", "257678859", 10000, "Chuyen tien"))
    assert render_png(payload) == render_png(payload)
    with (
        Image.open(io.BytesIO(render_png(payload, box_size=4, border=2))) as small,
        Image.open(io.BytesIO(render_png(payload))) as default,
    ):
        modules_small = small.size[0] // 4 - 2 * 2
        modules_default = default.size[0] // 8 - 2 * 4
        assert modules_small == modules_default
        assert small.size[0] == (modules_small + 4) * 4
    assert _decode_png(render_png(payload, box_size=4, border=2)) == payload


def test_render_refuses_non_ascii() -> None:
    with pytest.raises(InvalidPayload):
        render_png("0002016304đđđđ")


# ----------------------------------------------------------------------------- properties

_VIET = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
_VIET_ALPHABET = _VIET + _VIET.upper() + "0123456789 .,-/:()#"

bins = st.from_regex(r"[0-9]{6}", fullmatch=True)
accounts = st.from_regex(r"[A-Za-z0-9]{1,19}", fullmatch=True)
amounts = st.none() | st.integers(min_value=1, max_value=10**13 - 1)
order_numbers = st.from_regex(r"MS[0-9]{10}", fullmatch=True) | st.from_regex(
    r"[A-Za-z0-9]{1,25}", fullmatch=True
)
notes = st.text(alphabet=_VIET_ALPHABET, max_size=60) | st.text(max_size=30)


def _assert_purpose_ok(purpose: str, order_no: str) -> None:
    assert purpose.isascii()
    assert len(purpose) <= MAX_PURPOSE_LEN
    assert purpose == order_no or purpose.startswith(order_no + " ")
    assert purpose == fold_ascii(purpose)  # already in the [A-Za-z0-9 ] alphabet, trimmed


@settings(max_examples=300, deadline=None)
@given(order_no=order_numbers, note=notes)
def test_property_purpose_always_fits_and_keeps_order_number(order_no: str, note: str) -> None:
    _assert_purpose_ok(purpose_for(order_no, note), order_no)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank_bin=bins, account=accounts, amount=amounts, order_no=order_numbers, note=notes)
def test_property_build_render_decode_parse_round_trip(
    bank_bin: str, account: str, amount: int | None, order_no: str, note: str
) -> None:
    purpose = purpose_for(order_no, note)
    _assert_purpose_ok(purpose, order_no)
    payload = build_payload(TransferRequest(bank_bin, account, amount, purpose))
    assert payload.isascii()
    assert verify_crc(payload)

    text = _decode_png(render_png(payload))
    assert text == payload
    assert verify_crc(text)
    parsed = parse_payload(text)
    assert parsed.crc_ok
    assert (parsed.bank_bin, parsed.account_no, parsed.amount) == (bank_bin, account, amount)
    assert parsed.purpose == purpose
    assert parsed.initiation == ("11" if amount is None else "12")
    assert (parsed.currency, parsed.country, parsed.service) == ("704", "VN", "QRIBFTTA")


# ---------------------------------------------------------------------------- against outside facts


def _element(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def _assemble(*elements: str) -> str:
    """A payload with its CRC computed by the standard library (binascii), not by bot.vietqr."""
    body = "".join(elements) + "6304"
    return body + f"{binascii.crc_hqx(body.encode('ascii'), 0xFFFF):04X}"


BENEFICIARY = _element("00", "970416") + _element("01", "257678859")
NAPAS = _element("00", "A000000727") + _element("01", BENEFICIARY) + _element("02", "QRIBFTTA")


@given(st.binary(max_size=300))
def test_crc_agrees_with_the_standard_library(data: bytes) -> None:
    # binascii.crc_hqx is CRC-CCITT without the initial value: 0xFFFF makes it CCITT-FALSE.
    assert crc16_ccitt_false(data) == binascii.crc_hqx(data, 0xFFFF)


def test_crc_table_agrees_with_the_standard_library() -> None:
    # Built once at import, before a test could see a change to it: checked here directly.
    assert _crc_table() == tuple(binascii.crc_hqx(bytes([b]), 0) for b in range(256))


def test_a_payload_built_elsewhere_parses() -> None:
    payload = _assemble(
        _element("00", "01"),
        _element("01", "12"),
        _element("38", NAPAS),
        _element("53", "704"),
        _element("54", "1000.00"),  # some banks write decimals: a whole number is accepted
        _element("58", "VN"),
    )
    parsed = parse_payload(payload)
    assert (parsed.amount, parsed.crc_ok, parsed.purpose) == (1000, True, None)
    assert (parsed.bank_bin, parsed.account_no, parsed.service) == (
        "970416",
        "257678859",
        "QRIBFTTA",
    )


def test_missing_optional_elements_read_as_empty() -> None:
    merchant = _element("00", "A000000727") + _element("01", BENEFICIARY)
    parsed = parse_payload(_assemble(_element("00", "01"), _element("38", merchant)))
    assert (parsed.initiation, parsed.service, parsed.currency, parsed.country) == (
        "",
        "",
        None,
        None,
    )
    assert parsed.crc_ok


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ("00020đ", "payload contains non-ASCII characters"),
        ("000", "bad TLV header '000' at offset 0"),
        ("0002010105AB", "element 01 at offset 6 declares 5 characters, only 2 remain"),
        ("00020100020101", "element 00 appears twice"),
        (_assemble(_element("00", "01")), "no merchant account information (element 38)"),
        (
            _assemble(_element("38", _element("00", "A000000775"))),
            "element 38 is not a NAPAS VietQR account (GUID 'A000000775')",
        ),
        (_assemble(_element("38", _element("00", "A000000727"))), "no beneficiary (element 38/01)"),
        (
            _assemble(
                _element(
                    "38", _element("00", "A000000727") + _element("01", _element("00", "970416"))
                )
            ),
            "beneficiary (38/01) lacks the bank BIN (00) or account (01)",
        ),
        (
            _assemble(
                _element(
                    "38", _element("00", "A000000727") + _element("01", _element("01", "2576"))
                )
            ),
            "beneficiary (38/01) lacks the bank BIN (00) or account (01)",
        ),
        (
            _assemble(_element("38", NAPAS), _element("54", "1e5")),
            "amount (54) '1e5' is not a number",
        ),
        (
            _assemble(_element("38", NAPAS), _element("54", "12.5")),
            "amount (54) '12.5' is not a whole number of VND",
        ),
    ],
)
def test_bad_payloads_say_what_is_wrong(payload: str, words: str) -> None:
    with pytest.raises(InvalidPayload) as caught:
        parse_payload(payload)
    assert str(caught.value) == words


def test_rendering_refusals_say_why() -> None:
    for bad in ("", "0002016304đđđđ"):
        with pytest.raises(InvalidPayload) as caught:
            render_png(bad)
        assert str(caught.value) == "only a non-empty ASCII payload can be rendered"
    with pytest.raises(InvalidPayload) as caught:
        render_png(XUANNGHIA_BAD_CRC)
    assert str(caught.value) == "payload CRC (element 63) does not verify; refusing to render"
    payload = build_payload(TransferRequest("970416", "257678859", 10000, "Chuyen tien"))
    for box_size, border in [(0, 4), (8, -1)]:
        with pytest.raises(ValueError) as refused:
            render_png(payload, box_size=box_size, border=border)
        assert str(refused.value) == "box_size must be >= 1 and border >= 0"
    assert _decode_png(render_png(payload, box_size=2, border=1)) == payload
    with (
        Image.open(io.BytesIO(render_png(payload, box_size=1, border=0))) as tight,
        Image.open(io.BytesIO(render_png(payload, box_size=1, border=1))) as framed,
    ):
        assert framed.size[0] == tight.size[0] + 2


def test_crc_refuses_text_saying_so() -> None:
    with pytest.raises(TypeError) as caught:
        crc16_ccitt_false("123456789")  # type: ignore[arg-type]
    assert str(caught.value) == "crc16_ccitt_false() takes bytes; encode the text as ASCII first"


def test_verify_crc_needs_6304_right_before_the_crc() -> None:
    def crc(text: str) -> str:
        return f"{binascii.crc_hqx(text.encode('ascii'), 0xFFFF):04X}"

    assert verify_crc("6304" + crc("6304"))  # the shortest: 8 characters
    assert not verify_crc("12345678" + crc("12345678"))  # a right CRC, but no 6304 tag
    assert not verify_crc("đ6304" + crc("6304"))  # not ASCII


def test_an_element_holds_at_most_99_characters() -> None:
    assert _tlv("62", "x" * 99) == "6299" + "x" * 99
    with pytest.raises(InvalidTransfer) as caught:
        _tlv("62", "x" * 100)
    assert caught.value.field == "62"
    assert str(caught.value) == "62: value of element 62 is 100 characters (max 99)"


def test_a_purpose_that_is_not_text_is_named() -> None:
    with pytest.raises(InvalidTransfer) as caught:
        build_payload(TransferRequest("970416", "257678859", 1000, None))  # type: ignore[arg-type]
    assert str(caught.value) == "purpose: purpose must be text, got None"
    with pytest.raises(InvalidTransfer) as caught:
        build_payload(TransferRequest("970416", "257678859", 1000, "x" * 26))
    assert str(caught.value).endswith(
        "at most 25 fit (it is not truncated: use purpose_for(order_no, note) to shorten only the"
        " free text)"
    )
    with pytest.raises(InvalidTransfer) as caught:
        purpose_for("MS-1")
    assert str(caught.value).endswith("(it is the reference the bank transfer is matched by)")


def test_purpose_fills_the_25_characters_exactly() -> None:
    assert purpose_for("A" * 23, "xy") == "A" * 23 + " x"  # room for one character
    assert purpose_for("MS1", "a" * 21) == "MS1 " + "a" * 21  # the note fits exactly
    # The cut falls on a space: both words are whole, both are kept.
    assert purpose_for("MS1", "aaaaa " + "b" * 15 + " ccc") == "MS1 aaaaa " + "b" * 15
    # The cut falls inside a word: the word goes.
    assert purpose_for("MS1", "aaaaa " + "b" * 16) == "MS1 aaaaa"
