"""The rules of a customer's fields: tax code, budget code, segment, email, phone.

Pure (no storage, no services): the import's worker processes load only these and the row rule.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from bot.errors import InvalidInput
from bot.text import fold

TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
BUDGET_CODE_FIRST_DIGITS = frozenset("12378")

# ASCII digits only: `\d` would also take Arabic-Indic or full-width digits, stored as typed.
_TAX_CODE_CHARS = re.compile(r"[0-9\s.\-]+")
_SEPARATORS = re.compile(r"[\s.]")
# What word processors put where `-` was typed (hyphen, non-breaking hyphen, figure, en and em
# dashes, minus sign, small and full-width hyphen-minus), and invisible characters pasted along
# with it (soft hyphen, zero-width spaces and joiners, byte order mark).
_PASTED = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-")
    | dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", "")
)
# A 12-digit personal id (citizen id) starts with the code of the province where the birth was
# registered: one of the 63 province codes of the citizen id, between 001 and 096.
_PROVINCE_CODES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
)
PERSONAL_ID_PROVINCES = frozenset(_PROVINCE_CODES.split())


class Segment(StrEnum):
    ENTERPRISE = "enterprise"
    PUBLIC = "public"


_SEGMENT_ALIASES = {
    "enterprise": Segment.ENTERPRISE,
    "doanh nghiep": Segment.ENTERPRISE,
    "dn": Segment.ENTERPRISE,
    "public": Segment.PUBLIC,
    "hcsn": Segment.PUBLIC,
    "hanh chinh su nghiep": Segment.PUBLIC,
}


@dataclass(frozen=True)
class TaxCode:
    """A normalised tax code: `0101243150`, `0101243150-001`, or a 12-digit personal id."""

    value: str

    @property
    def root(self) -> str:
        return self.value.split("-", 1)[0]

    @property
    def branch(self) -> str | None:
        return self.value.split("-", 1)[1] if "-" in self.value else None

    @property
    def is_personal(self) -> bool:
        return len(self.value) == 12

    def __str__(self) -> str:
        return self.value


def tax_check_digit(first_nine: str) -> int | None:
    """The tenth digit a 10-digit root must have, or None when no digit can be valid."""
    if len(first_nine) != len(TAX_CODE_WEIGHTS):
        raise ValueError(f"nine digits expected, got {first_nine!r}")
    total = sum(map(operator.mul, map(int, first_nine), TAX_CODE_WEIGHTS))
    check = 10 - total % 11
    return None if check == 10 else check


def looks_like_tax_code(text: str) -> bool:
    """Digits with optional spaces, dots and dashes: the person typed a tax code."""
    text = text.translate(_PASTED)
    return bool(_TAX_CODE_CHARS.fullmatch(text)) and any(ch.isdigit() for ch in text)


def parse_tax_code(raw: str) -> TaxCode:
    """Normalise and check a tax code; the error says exactly what is wrong."""
    text = raw.translate(_PASTED).strip()
    if not text:
        raise InvalidInput("tax_code.empty", field="tax_code")
    if not _TAX_CODE_CHARS.fullmatch(text):
        raise InvalidInput("tax_code.characters", field="tax_code", value=text[:40])
    compact = _SEPARATORS.sub("", text)
    if compact.count("-") > 1 or compact.startswith("-") or compact.endswith("-"):
        raise InvalidInput("tax_code.format", field="tax_code", value=text[:40])
    root, _, branch = compact.partition("-")
    if not branch and len(root) == 13:
        root, branch = root[:10], root[10:]
    if not branch and len(root) == 12:
        if root[:3] not in PERSONAL_ID_PROVINCES:
            raise InvalidInput(
                "tax_code.province", field="tax_code", value=text[:40], province=root[:3]
            )
        return TaxCode(root)
    if len(root) != 10 or (branch and len(branch) != 3) or ("-" in compact and not branch):
        raise InvalidInput("tax_code.length", field="tax_code", value=text[:40], digits=len(root))
    if root[2:9] == "0000000":
        raise InvalidInput("tax_code.zero_serial", field="tax_code", value=text[:40])
    check = tax_check_digit(root[:9])
    if check is None:
        raise InvalidInput("tax_code.no_check_digit", field="tax_code", value=text[:40])
    if int(root[9]) != check:
        raise InvalidInput(
            "tax_code.check_digit", field="tax_code", value=text[:40], expected=check
        )
    if branch == "000":
        raise InvalidInput("tax_code.branch_zero", field="tax_code", value=text[:40])
    return TaxCode(f"{root}-{branch}" if branch else root)


def parse_budget_code(raw: str) -> str:
    """A budget-unit code (mã ĐVQHNS): 7 digits, the first 1, 2, 3, 7 or 8."""
    code = _SEPARATORS.sub("", raw.strip())
    if not re.fullmatch(r"[0-9]{7}", code):
        raise InvalidInput("budget_code.format", field="budget_code", value=raw.strip())
    if code[0] not in BUDGET_CODE_FIRST_DIGITS:
        raise InvalidInput("budget_code.first_digit", field="budget_code", value=code)
    return code


def parse_segment(raw: str) -> Segment:
    segment = _SEGMENT_ALIASES.get(fold(raw))
    if segment is None:
        raise InvalidInput("segment.unknown", field="segment", value=raw.strip())
    return segment


# The usual shape of an address: a dot-atom of plain ASCII before the @. Such a local part is
# valid and kept as typed by email_validator, so only the domain needs its (cached) verdict.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*")
_DOMAINS: dict[str, str | None] = {}  # domain as typed: normalised, or None when invalid
_MAX_DOMAINS = 100_000


def _normalised_domain(domain: str) -> str | None:
    """The domain as email_validator normalises it, or None when it refuses it."""
    found = _DOMAINS.get(domain, "")
    if found != "":
        return found
    try:
        found = validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        found = None
    if len(_DOMAINS) >= _MAX_DOMAINS:
        _DOMAINS.clear()
    _DOMAINS[domain] = found
    return found


def parse_email(raw: str, *, field: str = "email") -> str:
    """Syntax check only (no DNS): the normalised address, or an error saying why."""
    text = raw.strip()
    if not text:
        raise InvalidInput("email.empty", field=field)
    local, at, domain = text.rpartition("@")
    if at and len(text) <= 200 and len(local) <= 64 and _PLAIN_LOCAL.fullmatch(local):
        # The common case, checked without parsing it again (imports check a million).
        normalised = _normalised_domain(domain)
        if normalised is not None:
            return f"{local}@{normalised}"
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidInput("email.invalid", field=field, value=text[:100]) from None


def parse_phone(raw: str, *, field: str = "phone") -> str:
    """A Vietnamese phone number as 0XXXXXXXXX (10 or 11 digits); +84 is accepted."""
    text = re.sub(r"[\s.\-()]", "", raw.strip())
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    if not re.fullmatch(r"0[0-9]{9,10}", text):
        raise InvalidInput("phone.invalid", field=field, value=raw.strip()[:40])
    return text
