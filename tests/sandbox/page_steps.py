"""What a person does on the sandbox's page, through its test contract only (the
`data-testid`s, labels and button texts a person sees)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

# Screenshots of the main screens: into docs/sandbox/ when SANDBOX_SHOTS names it (to refresh
# the README's), else into a scratch folder (a test run leaves the work tree as it was).
SHOTS = Path(os.environ.get("SANDBOX_SHOTS") or Path(tempfile.gettempdir()) / "sandbox-shots")
TIMEOUT = 15_000


class Person:
    """The sandbox's page, used as one of the demo people."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        page.set_default_timeout(TIMEOUT)
        page.goto(f"{base_url}/sandbox")

    def act_as(self, label: str) -> None:
        self.page.select_option("select[data-testid=as-user]", label=label)

    def open_channel(self, name: str) -> None:
        self.page.locator("[data-testid=channel]", has_text=name).click()

    def send(self, text: str) -> None:
        composer = self.page.locator("[data-testid=composer]")
        composer.fill(text)
        composer.press("Enter")

    def message_with(self, text: str) -> Any:
        top = "[data-testid=message]:not([data-testid=thread] [data-testid=message])"
        message = self.page.locator(top, has_text=text).last
        message.wait_for()
        return message

    def click(self, name: str, within: Any = None) -> None:
        (within or self.page).get_by_role("button", name=name).first.click()

    def confirm(self, name: str) -> None:
        """Confirm in the button's confirm dialog (Block Kit `confirm`)."""
        dialog = self.page.locator("[data-testid=confirm]")
        dialog.wait_for()
        dialog.get_by_role("button", name=name).click()

    def modal(self, title: str | None = None) -> Any:
        modal = self.page.locator("[data-testid=modal]")
        if title is not None:
            modal = modal.filter(has_text=title)
        modal.wait_for()
        return modal

    def submit(self) -> None:
        self.page.locator("[data-testid=modal-submit]").click()

    def modal_closed(self) -> None:
        self.page.locator("[data-testid=modal]").wait_for(state="detached")

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(300)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"))


def order_number(text: str) -> str:
    found = re.search(r"LT\d{6}[0-9A-Z]{6}", text)
    assert found, text
    return found.group(0)


def image_loaded(image: Any) -> bool:
    """Whether an <img> loads (waiting for it): its bytes are an image the browser decodes."""
    return bool(
        image.evaluate(
            "img => img.complete && img.naturalWidth ? true : new Promise(done => {"
            " img.addEventListener('load', () => done(img.naturalWidth > 0));"
            " img.addEventListener('error', () => done(false)); })"
        )
    )
