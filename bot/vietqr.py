"""VietQR (NAPAS EMVCo merchant-presented QR) payloads for bank transfers.

Pure domain code: builds, parses and checks the QR text and renders it as a PNG.
No Slack, no database.

Layout of the payload we build (each element is ``ID`` + 2-digit length + value)::

    00 = "01"                       payload format indicator
    01 = "12" | "11"                point of initiation: 12 with an amount, 11 without
    38 = {                          merchant account information (NAPAS)
        00 = "A000000727"           NAPAS GUID
        01 = { 00 = bank BIN (6 digits), 01 = account number (1-19 alphanumerics) }
        02 = "QRIBFTTA"             inter-bank transfer to an account
    }
    53 = "704"                      currency (VND)
    54 = amount                     integer VND, digits only (only when an amount is given)
    58 = "VN"                       country
    62 = { 08 = purpose }           ASCII, at most 25 characters (omitted when empty)
    63 = CRC                        CRC-16/CCITT-FALSE over everything up to and including "6304",
                                    as 4 upper-case hex digits

The payload is ASCII only, so a TLV length counts characters and bytes alike.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = [
    "MAX_PURPOSE_LEN",
    "NAPAS_GUID",
    "SERVICE_TRANSFER_TO_ACCOUNT",
    "InvalidPayload",
    "InvalidTransfer",
    "ParsedVietQR",
    "TransferRequest",
    "VietQRError",
    "build_payload",
    "crc16_ccitt_false",
    "fold_ascii",
    "parse_payload",
    "parse_tlv",
    "purpose_for",
    "render_png",
    "verify_crc",
]

NAPAS_GUID = "A000000727"
SERVICE_TRANSFER_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
MAX_PURPOSE_LEN = 25
MAX_ACCOUNT_LEN = 19
MAX_AMOUNT_DIGITS = 13

_BIN_RE = re.compile(r"[0-9]{6}")
_ACCOUNT_RE = re.compile(rf"[A-Za-z0-9]{{1,{MAX_ACCOUNT_LEN}}}")
_ORDER_NO_RE = re.compile(r"[A-Za-z0-9]+")
_NOT_PURPOSE_CHAR_RE = re.compile(r"[^A-Za-z0-9 ]+")
_SPACES_RE = re.compile(r" {2,}")
_HEX4_RE = re.compile(r"[0-9A-Fa-f]{4}")
_AMOUNT_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")

# Letters that Unicode does not decompose into base letter + combining mark.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


# --------------------------------------------------------------------------- errors


class VietQRError(ValueError):
    """Base class for every VietQR error."""


class InvalidTransfer(VietQRError):
    """A transfer request cannot be encoded; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InvalidPayload(VietQRError):
    """A payload string is not well-formed TLV or not a NAPAS VietQR transfer code."""


# --------------------------------------------------------------------------- CRC


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0.

    Check value: ``crc16_ccitt_false(b"123456789") == 0x29B1``.
    """
    if isinstance(data, str):
        raise TypeError("crc16_ccitt_false() takes bytes; encode the text as ASCII first")
    crc = 0xFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
    return crc


def _crc_hex(text_up_to_6304: str) -> str:
    return f"{crc16_ccitt_false(text_up_to_6304.encode('ascii')):04X}"


# --------------------------------------------------------------------------- purpose text


def fold_ascii(text: str) -> str:
    """Fold text to the purpose alphabet ``[A-Za-z0-9 ]``.

    Vietnamese diacritics are stripped (``"Thanh toán đơn"`` -> ``"Thanh toan don"``),
    any other character becomes a space, runs of spaces collapse, ends are trimmed.
    Never truncates.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA_FOLDS))
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    spaced = _NOT_PURPOSE_CHAR_RE.sub(" ", base)
    return _SPACES_RE.sub(" ", spaced).strip()


def purpose_for(order_no: str, note: str = "") -> str:
    """Transfer purpose ``"<order_no> <note>"`` that always keeps the order number whole.

    The note is folded to ASCII and, if the whole does not fit in 25 characters, shortened
    from the end (at a word boundary when possible). Raises :class:`InvalidTransfer` if the
    order number is not plain ASCII letters/digits or is itself longer than 25 characters.
    """
    order = order_no.strip()
    if not order or not _ORDER_NO_RE.fullmatch(order):
        raise InvalidTransfer(
            "order_no",
            f"order number {order_no!r} must be ASCII letters and digits only "
            "(it is the reference the bank transfer is matched by)",
        )
    if len(order) > MAX_PURPOSE_LEN:
        raise InvalidTransfer(
            "order_no",
            f"order number {order!r} is {len(order)} characters; the VietQR transfer purpose "
            f"holds at most {MAX_PURPOSE_LEN}",
        )
    room = MAX_PURPOSE_LEN - len(order) - 1  # one space between order number and note
    extra = fold_ascii(note)
    if room <= 0 or not extra:
        return order
    if len(extra) > room:
        cut = extra[:room]
        if extra[room] != " " and " " in cut:
            cut = cut.rsplit(" ", 1)[0]  # do not leave half a word behind
        extra = cut.rstrip()
    return f"{order} {extra}" if extra else order


# --------------------------------------------------------------------------- building


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """What to put in the QR: receiving bank/account, optional amount and purpose.

    ``amount`` is integer VND; ``None`` makes a static code (the payer types the amount).
    ``purpose`` is folded to ASCII by :func:`build_payload`; use :func:`purpose_for` to
    build one from an order number. Empty purpose omits field 62.
    """

    bank_bin: str
    account_no: str
    amount: int | None = None
    purpose: str = ""


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:  # pragma: no cover - every field we emit is bounded well below 99
        raise InvalidTransfer(tag, f"value of element {tag} is {len(value)} characters (max 99)")
    return f"{tag}{len(value):02d}{value}"


def _check_request(req: TransferRequest) -> str:
    """Validate ``req``; return the folded purpose."""
    if not isinstance(req.bank_bin, str) or not _BIN_RE.fullmatch(req.bank_bin):
        raise InvalidTransfer(
            "bank_bin", f"bank BIN must be exactly 6 ASCII digits, got {req.bank_bin!r}"
        )
    if not isinstance(req.account_no, str) or not _ACCOUNT_RE.fullmatch(req.account_no):
        raise InvalidTransfer(
            "account_no",
            f"account number must be 1-{MAX_ACCOUNT_LEN} ASCII letters or digits "
            f"(no spaces or punctuation), got {req.account_no!r}",
        )
    amount = req.amount
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidTransfer(
                "amount", f"amount must be a whole number of VND (int), got {amount!r}"
            )
        if amount <= 0:
            raise InvalidTransfer(
                "amount", f"amount must be positive, got {amount}; use None for no amount"
            )
        if len(str(amount)) > MAX_AMOUNT_DIGITS:
            raise InvalidTransfer(
                "amount", f"amount {amount} has more than {MAX_AMOUNT_DIGITS} digits"
            )
    if not isinstance(req.purpose, str):
        raise InvalidTransfer("purpose", f"purpose must be text, got {req.purpose!r}")
    purpose = fold_ascii(req.purpose)
    if len(purpose) > MAX_PURPOSE_LEN:
        raise InvalidTransfer(
            "purpose",
            f"purpose {purpose!r} is {len(purpose)} characters after folding to ASCII; "
            f"at most {MAX_PURPOSE_LEN} fit (it is not truncated: use "
            "purpose_for(order_no, note) to shorten only the free text)",
        )
    return purpose


def build_payload(req: TransferRequest) -> str:
    """Encode ``req`` as a VietQR payload string (ASCII, CRC included).

    Raises :class:`InvalidTransfer` naming the bad field.
    """
    purpose = _check_request(req)
    beneficiary = _tlv("00", req.bank_bin) + _tlv("01", req.account_no)
    merchant = (
        _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TRANSFER_TO_ACCOUNT)
    )
    parts = [
        _tlv("00", "01"),
        _tlv("01", "11" if req.amount is None else "12"),
        _tlv("38", merchant),
        _tlv("53", CURRENCY_VND),
    ]
    if req.amount is not None:
        parts.append(_tlv("54", str(req.amount)))
    parts.append(_tlv("58", COUNTRY_VN))
    if purpose:
        parts.append(_tlv("62", _tlv("08", purpose)))
    body = "".join(parts) + "6304"
    return body + _crc_hex(body)


# --------------------------------------------------------------------------- parsing


def parse_tlv(s: str) -> dict[str, str]:
    """Split one level of EMVCo TLV (``ID`` 2 digits, length 2 digits, value) into a dict.

    Nested templates (38, 62, ...) are parsed by calling this again on their value.
    Raises :class:`InvalidPayload` on non-ASCII text, a bad ID/length, a value running past
    the end, or a repeated ID.
    """
    if not s.isascii():
        raise InvalidPayload("payload contains non-ASCII characters")
    fields: dict[str, str] = {}
    pos, end = 0, len(s)
    while pos < end:
        head = s[pos : pos + 4]
        if len(head) < 4 or not head.isdigit():
            raise InvalidPayload(f"bad TLV header {head!r} at offset {pos}")
        tag, length = head[:2], int(head[2:])
        value = s[pos + 4 : pos + 4 + length]
        if len(value) != length:
            raise InvalidPayload(
                f"element {tag} at offset {pos} declares {length} characters, "
                f"only {len(value)} remain"
            )
        if tag in fields:
            raise InvalidPayload(f"element {tag} appears twice")
        fields[tag] = value
        pos += 4 + length
    return fields


def verify_crc(payload: str) -> bool:
    """True if ``payload`` ends with ``6304`` + 4 hex digits matching its CRC-16/CCITT-FALSE."""
    if len(payload) < 8 or not payload.isascii() or payload[-8:-4] != "6304":
        return False
    crc = payload[-4:]
    if not _HEX4_RE.fullmatch(crc):
        return False
    return int(crc, 16) == crc16_ccitt_false(payload[:-4].encode("ascii"))


@dataclass(frozen=True, slots=True)
class ParsedVietQR:
    """The interesting fields of a VietQR transfer payload."""

    bank_bin: str
    account_no: str
    amount: int | None
    purpose: str | None
    crc_ok: bool
    initiation: str  # "11" static, "12" dynamic
    service: str  # e.g. "QRIBFTTA" (account) or "QRIBFTTC" (card)
    currency: str | None
    country: str | None
    fields: dict[str, str]  # top-level TLV elements, raw


def _parse_amount(raw: str) -> int:
    if not _AMOUNT_RE.fullmatch(raw):
        raise InvalidPayload(f"amount (54) {raw!r} is not a number")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - regex already checked
        raise InvalidPayload(f"amount (54) {raw!r} is not a number") from exc
    if value != value.to_integral_value():
        raise InvalidPayload(f"amount (54) {raw!r} is not a whole number of VND")
    return int(value)


def parse_payload(payload: str) -> ParsedVietQR:
    """Parse a VietQR transfer payload (for example a scanned code).

    Raises :class:`InvalidPayload` if it is not well-formed TLV or has no NAPAS beneficiary
    (``38``/``00`` = ``A000000727`` with a bank BIN and account). A wrong CRC does not
    raise; it is reported as ``crc_ok=False``.
    """
    fields = parse_tlv(payload)
    if "38" not in fields:
        raise InvalidPayload("no merchant account information (element 38)")
    merchant = parse_tlv(fields["38"])
    if merchant.get("00") != NAPAS_GUID:
        raise InvalidPayload(
            f"element 38 is not a NAPAS VietQR account (GUID {merchant.get('00')!r})"
        )
    if "01" not in merchant:
        raise InvalidPayload("no beneficiary (element 38/01)")
    beneficiary = parse_tlv(merchant["01"])
    bank_bin, account_no = beneficiary.get("00"), beneficiary.get("01")
    if bank_bin is None or account_no is None:
        raise InvalidPayload("beneficiary (38/01) lacks the bank BIN (00) or account (01)")
    purpose = parse_tlv(fields["62"]).get("08") if "62" in fields else None
    amount = _parse_amount(fields["54"]) if "54" in fields else None
    tags = list(fields)
    crc_ok = bool(tags) and tags[-1] == "63" and verify_crc(payload)
    return ParsedVietQR(
        bank_bin=bank_bin,
        account_no=account_no,
        amount=amount,
        purpose=purpose,
        crc_ok=crc_ok,
        initiation=fields.get("01", ""),
        service=merchant.get("02", ""),
        currency=fields.get("53"),
        country=fields.get("58"),
        fields=fields,
    )


# --------------------------------------------------------------------------- rendering


def render_png(payload: str, *, box_size: int = 8, border: int = 4) -> bytes:
    """Render ``payload`` as a QR code PNG (error correction M). Same input, same bytes.

    Refuses non-ASCII text and payloads whose CRC does not verify, so a code that banking
    apps would reject is never produced.
    """
    import qrcode  # imported lazily: only rendering needs qrcode/Pillow
    from qrcode.image.pil import PilImage

    if not payload or not payload.isascii():
        raise InvalidPayload("only a non-empty ASCII payload can be rendered")
    if not verify_crc(payload):
        raise InvalidPayload("payload CRC (element 63) does not verify; refusing to render")
    if box_size < 1 or border < 0:
        raise ValueError("box_size must be >= 1 and border >= 0")
    qr = qrcode.QRCode(
        version=None,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=border,
        image_factory=PilImage,
    )
    qr.add_data(payload)
    qr.make(fit=True)
    image = qr.make_image()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
