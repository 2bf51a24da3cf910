"""Which links are order links (only those of PUBLIC_BASE_URL's order pages are previewed)."""

from __future__ import annotations

import pytest

from bot.link_previews import order_token

BASE = "https://bot.example.com"
TOKEN = "a" * 43


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}/orders/{TOKEN}", TOKEN),
        (f"{BASE}/orders/{TOKEN}/qr.png", TOKEN),
        (f"https://BOT.example.com/orders/{TOKEN}?x=1", TOKEN),
        (f"http://bot.example.com/orders/{TOKEN}", None),  # another scheme
        (f"https://bot.example.com.evil.vn/orders/{TOKEN}", None),
        (f"{BASE}/other/{TOKEN}", None),
        (f"{BASE}/orders/", None),
        (f"{BASE}/orders/{TOKEN}/edit", None),
    ],
)
def test_order_links(url: str, expected: str | None) -> None:
    assert order_token(BASE, url) == expected


def test_no_public_base_url_no_previews() -> None:
    assert order_token(None, f"{BASE}/orders/{TOKEN}") is None
