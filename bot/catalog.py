"""What is on sale: the data storage packages (configurable), with sensible defaults."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator


class StoragePackage(BaseModel):
    """A data storage package: `quantity` units of `term_months` each, at `unit_price` VND."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    term_months: int = Field(ge=1, le=120)
    unit_price: int = Field(ge=0)
    max_quantity: int = Field(ge=1, le=100)
    # Software is not subject to VAT in Vietnam: "KCT" with a 0 % rate.
    tax_label: str = "KCT"
    tax_rate_percent: int = Field(default=0, ge=0, le=100)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z0-9_]{1,32}", value):
            raise ValueError("package codes are 1-32 upper-case letters, digits or _")
        return value


DEFAULT_STORAGE_PACKAGES = (
    StoragePackage(
        code="AMIS_KT_LUU_TRU_12",
        name="Gói dịch vụ lưu trữ dữ liệu AMIS Kế toán",
        term_months=12,
        unit_price=1_000_000,
        max_quantity=5,
    ),
)
