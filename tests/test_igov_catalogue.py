"""The iGOV catalogue: only KT and VPS, prices, modules; a JSON file can replace it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from bot.documents import DocumentKind
from bot.i18n import catalog_keys
from bot.igov_catalogue import DEFAULT_CATALOGUE, EXTRA_FIELDS, Package, load_catalogue


def catalogue_file(tmp_path: Path, **changes: object) -> Path:
    data = json.loads(DEFAULT_CATALOGUE.model_dump_json())
    data.update(changes)
    path = tmp_path / "igov.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_default_catalogue_prices_and_modules() -> None:
    assert DEFAULT_CATALOGUE.amount({Package.KT: 3, Package.VPS: 1}) == 11_000_000
    assert DEFAULT_CATALOGUE.module("VPS_KYSO") is not None
    package, module = DEFAULT_CATALOGUE.module("KT_NS")  # type: ignore[misc]
    assert package is Package.KT and module.months == 12 and "fiscal_year" in module.extra_fields


def test_a_file_replaces_the_catalogue(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_CATALOGUE.model_dump_json())
    data["packages"]["KT"]["unit_price"] = 4_500_000
    data["packages"]["VPS"]["modules"] = [{"code": "VPS_HS", "name": "Hồ sơ", "months": 24}]
    path = tmp_path / "igov.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings = load_settings(_env_file=None, igov_catalogue=str(path))
    loaded = load_catalogue(settings.igov_catalogue)
    assert loaded.unit_price(Package.KT) == 4_500_000
    assert [m.code for m in loaded.modules_of(Package.VPS)] == ["VPS_HS"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"packages": {}}, "exactly KT and VPS"),
        ({"sector": ""}, "sector"),
    ],
)
def test_a_bad_file_stops_start_up_naming_the_setting(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = catalogue_file(tmp_path, **change)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, igov_catalogue=str(path))
    assert "IGOV_CATALOGUE" in str(caught.value) and message in str(caught.value)


def test_too_many_modules_or_unknown_extra_fields_are_refused(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_CATALOGUE.model_dump_json())
    data["packages"]["KT"]["modules"] = [
        {"code": f"KT_{i}", "name": f"Nghiệp vụ {i}", "months": 12} for i in range(9)
    ]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SettingsError, match="at most 10 modules"):
        load_settings(_env_file=None, igov_catalogue=str(path))
    data = json.loads(DEFAULT_CATALOGUE.model_dump_json())
    data["packages"]["KT"]["modules"][0]["extra_fields"] = ["colour"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown extra fields"):
        load_settings(_env_file=None, igov_catalogue=str(path))


def test_every_label_built_from_a_value_is_in_both_catalogs() -> None:
    built = {f"request.extra.{key}" for key in EXTRA_FIELDS}
    built |= {f"igov.package.{p.value}" for p in Package}
    built |= {f"igov.status.{s}" for s in ("saved", "requested", "granted")}
    built |= {f"approval.status.{s}" for s in ("pending", "approved", "rejected")}
    built |= {f"request.{k.value}_file" for k in DocumentKind}
    built |= {"request.type.grant", "product.IGOV"}
    for language in ("vi", "en"):
        assert built - catalog_keys(language) == set()
