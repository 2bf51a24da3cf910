"""The iGOV add-on catalogue: the two packages that can be bought, their prices and modules.

Only the packages Kế toán (`KT`) and Văn phòng số (`VPS`) exist for iGOV customers (seed 003).
Each package lists its business modules (nghiệp vụ) with the months of use a licence request
fills in per module code. The built-in catalogue can be replaced by a JSON file of the same
shape (setting IGOV_CATALOGUE), for new prices or modules without a release.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class Package(StrEnum):
    KT = "KT"  # Kế toán (accounting)
    VPS = "VPS"  # Văn phòng số (digital office)


# Extra information a module may ask for in its pushed form; labels live in the catalogs
# (`request.extra.<key>`), so a catalogue can only pick from these.
EXTRA_FIELDS = ("note", "fiscal_year", "units", "signers")
EXTRA_VALUE_MAX = 100
# A checkboxes element shows at most 10 options: every module must fit on the request form.
MAX_MODULES = 10
MAX_QUANTITY = 1000


class CatalogueModule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    name: str = Field(min_length=1, max_length=60)
    months: int = Field(ge=1, le=120)
    extra_fields: tuple[str, ...] = ("note",)

    @model_validator(mode="after")
    def _known_extra_fields(self) -> CatalogueModule:
        unknown = set(self.extra_fields) - set(EXTRA_FIELDS)
        if unknown:
            raise ValueError(f"module {self.code}: unknown extra fields {sorted(unknown)}")
        return self


class CataloguePackage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    unit_price: int = Field(ge=0)
    modules: tuple[CatalogueModule, ...] = Field(min_length=1)


class IgovCatalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Sector (ngành) written on every licence request of this catalogue.
    sector: str = Field(min_length=1, max_length=100)
    packages: dict[Package, CataloguePackage]

    @model_validator(mode="after")
    def _complete(self) -> IgovCatalogue:
        if set(self.packages) != set(Package):
            raise ValueError("packages must be exactly KT and VPS")
        codes = [m.code for p in self.packages.values() for m in p.modules]
        if len(codes) != len(set(codes)):
            raise ValueError("module codes must be unique across packages")
        if len(codes) > MAX_MODULES:
            raise ValueError(f"at most {MAX_MODULES} modules in all")
        return self

    def unit_price(self, package: Package) -> int:
        return self.packages[package].unit_price

    def amount(self, quantities: dict[Package, int]) -> int:
        """What an order costs: quantity × unit price per package (software: no VAT)."""
        return sum(self.unit_price(p) * quantities.get(p, 0) for p in Package)

    def modules_of(self, package: Package) -> tuple[CatalogueModule, ...]:
        return self.packages[package].modules

    def module(self, code: str) -> tuple[Package, CatalogueModule] | None:
        for package, entry in self.packages.items():
            for module in entry.modules:
                if module.code == code:
                    return package, module
        return None


def _module(code: str, name: str, *extra: str) -> CatalogueModule:
    return CatalogueModule(code=code, name=name, months=12, extra_fields=("note", *extra))


DEFAULT_CATALOGUE = IgovCatalogue(
    sector="Hành chính sự nghiệp",
    packages={
        Package.KT: CataloguePackage(
            unit_price=3_000_000,
            modules=(
                _module("KT_NS", "Kế toán ngân sách, dự toán", "fiscal_year"),
                _module("KT_TSCD", "Tài sản cố định", "units"),
                _module("KT_LUONG", "Tiền lương, bảo hiểm"),
                _module("KT_KHO", "Vật tư, công cụ dụng cụ"),
            ),
        ),
        Package.VPS: CataloguePackage(
            unit_price=2_000_000,
            modules=(
                _module("VPS_VB", "Quản lý văn bản, hồ sơ", "units"),
                _module("VPS_KYSO", "Ký số", "signers"),
                _module("VPS_LICH", "Lịch công tác, phòng họp"),
            ),
        ),
    },
)


class CatalogueError(ValueError):
    """The IGOV_CATALOGUE file cannot be used; the message says why."""


@cache
def load_catalogue(path: Path | None) -> IgovCatalogue:
    """The catalogue from `path` (JSON), or the built-in one when no file is configured."""
    if path is None:
        return DEFAULT_CATALOGUE
    try:
        return IgovCatalogue.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise CatalogueError(f"IGOV_CATALOGUE {path}: {exc}") from exc
