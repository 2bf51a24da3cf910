"""Placing a storage order checks what was typed once, in the use case (bot/storage_orders.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.authz import Authorizer, NoGroups
from bot.catalog import DEFAULT_STORAGE_PACKAGES
from bot.config import load_settings
from bot.errors import InvalidFields, NotFound
from bot.importer import import_file
from bot.services import Services
from bot.storage_orders import PlaceOrder, package_by_code, place_order, preview
from storage.models import StorageOrder, Subscription
from tests.factories import row, write_csv

INVOICE = {
    "buyer_name": "Công ty Cổ phần MISA",
    "buyer_tax_code": "0101243150",
    "buyer_address": "Hà Nội",
    "recipient_name": "Trần Bình",
    "invoice_email": "binh@misa.com.vn",
    "phone": "",
}


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    created = Services.create(load_settings(_env_file=None, database_url=database_url))
    yield created
    created.db.dispose()


def _subscription(services: Services, tmp_path: Path) -> int:
    expired = services.clock.today() - timedelta(days=5)  # in its grace period: may buy
    rows = [row("0101243150", "Công ty Cổ phần MISA", "HD-PLACE", expired)]
    assert import_file(services.db, write_csv(tmp_path / "c.csv", rows)).rejected == 0
    with services.db.session() as session:
        return session.scalars(select(Subscription.id)).one()


def _orders(services: Services) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(StorageOrder)) or 0


def _place(services: Services, subscription_id: int, **changes: object) -> tuple[int, bool]:
    fields: dict[str, object] = {
        "submission_key": "place-1",
        "subscription_id": subscription_id,
        "package_code": DEFAULT_STORAGE_PACKAGES[0].code,
        "quantity": "2",
        "invoice": INVOICE,
        "placed_by": "U0STAFF",
        "channel_id": "C1",
        **changes,
    }
    command = PlaceOrder(**fields)  # type: ignore[arg-type]
    authz = Authorizer(services.settings, NoGroups())
    return place_order(services, authz, command, services.clock.now())


def test_an_unknown_package_is_refused(services: Services, tmp_path: Path) -> None:
    subscription_id = _subscription(services, tmp_path)
    with pytest.raises(NotFound) as caught:
        _place(services, subscription_id, package_code="P99")
    assert caught.value.key == "storage.package_unknown"
    assert _orders(services) == 0
    with pytest.raises(NotFound):
        package_by_code(services, "")
    with pytest.raises(NotFound):
        preview(services, "P99", "1", 1)


def test_the_typed_values_are_checked_together(services: Services, tmp_path: Path) -> None:
    subscription_id = _subscription(services, tmp_path)
    bad = {**INVOICE, "invoice_email": "binh..tran@misa", "buyer_name": " "}
    with pytest.raises(InvalidFields) as caught:
        _place(services, subscription_id, quantity="0", invoice=bad)
    assert set(caught.value.errors) == {"quantity", "invoice_email", "buyer_name"}
    assert caught.value.errors["quantity"].key == "storage.quantity_range"
    assert _orders(services) == 0


def test_a_valid_order_is_placed_as_typed(services: Services, tmp_path: Path) -> None:
    subscription_id = _subscription(services, tmp_path)
    order_id, created = _place(services, subscription_id, quantity=" 2 ")
    assert created
    with services.db.session() as session:
        order = session.get(StorageOrder, order_id)
        assert order is not None
        package = DEFAULT_STORAGE_PACKAGES[0]
        assert (order.package_code, order.quantity) == (package.code, 2)
        assert order.total == package.unit_price * 2 * (100 + package.tax_rate_percent) // 100
        assert order.invoice_email == "binh@misa.com.vn"
