"""The rest of the sandbox's page in headless Chromium: the people and their roles, App Home,
ephemeral replies only for their person, and a scheduled job run as of a chosen date."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.sandbox.conftest import SandboxProcess
from tests.sandbox.page_steps import Person

pytestmark = pytest.mark.browser

OWNER = "Đỗ Đức Long · Phụ trách khách hàng"
SUPPORT = "Trần Minh Quân · Hỗ trợ khách hàng"


@pytest.fixture
def person(sandbox: SandboxProcess, browser: Any) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    yield Person(page, sandbox.base_url)
    page.close()


def test_the_people_are_named_with_their_roles(person: Person) -> None:
    labels = person.page.locator("select[data-testid=as-user] option").all_inner_texts()
    assert labels == [
        "Nguyễn Thị Lan · Hỗ trợ khách hàng",
        "Trần Minh Quân · Hỗ trợ khách hàng",
        "Lê Văn Hùng · Người duyệt",
        "Phạm Thu Hà · Người duyệt",
        "Hoàng Ngọc Mai · Kế toán",
        "Đỗ Đức Long · Phụ trách khách hàng",
    ]
    channels = person.page.locator("[data-testid=channel]").all_inner_texts()
    assert [c.strip() for c in channels[:3]] == ["# support", "# approvals", "# sales"]


def test_an_ephemeral_reply_is_shown_only_to_its_person(person: Person) -> None:
    person.act_as(SUPPORT)
    person.open_channel("sales")
    person.send("/misa help")
    reply = person.message_with("/misa")
    assert "Chỉ bạn thấy tin nhắn này" in reply.inner_text()
    person.act_as(OWNER)
    person.page.wait_for_timeout(1500)
    assert person.page.locator("[data-testid=message]").count() == 0


def test_app_home_and_a_reminder_job_as_of_a_date(person: Person) -> None:
    person.act_as(OWNER)
    person.page.get_by_test_id("home-tab").click()
    home = person.page.locator("[data-testid=home]")
    home.locator(".block").first.wait_for()
    # The owner's dashboard above the guide: their customers nearest to deletion first, 10 of
    # them, the rest behind a button.
    home.get_by_text("Khách hàng của tôi sắp hết hạn").wait_for()
    shown = home.inner_text()
    assert "mục nữa" in shown and "Mua gói lưu trữ" in shown and "Xem tiếp" in shown
    person.shot("app-home")

    # Expiry reminders as of today: the owner's digest arrives in their DM with the bot
    # (Công ty Cổ phần Xây dựng Minh Anh expires in 7 days). "Today" is the bot's day, in its
    # time zone: from 17:00 UTC the machine's date is still the day before.
    bot_today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    assert person.page.locator("#job-date").input_value() == bot_today
    person.page.select_option("#job-name", "expiry-reminders")
    person.page.get_by_test_id("run-job").click()
    person.page.get_by_test_id("job-result").filter(has_text="expiry-reminders").wait_for()
    person.open_channel("MISA Store · Tin nhắn")
    digest = person.message_with("Xây dựng Minh Anh")
    assert "7" in digest.inner_text()
    person.shot("reminder-digest")


def test_the_lookup_shortcut_and_an_order_link_previewed(person: Person) -> None:
    import re

    person.act_as(SUPPORT)
    person.open_channel("support")
    # The lightning-bolt menu's "Tra cứu khách hàng": a modal with a type-ahead customer select.
    person.page.get_by_test_id("shortcut").click()
    modal = person.modal("Tra cứu khách hàng")
    modal.get_by_label("Khách hàng").fill("hoang long")
    person.page.get_by_role("option", name=re.compile("Hoàng Long")).first.click()
    person.page.wait_for_function(
        "() => document.querySelector('[data-testid=modal]').innerText.includes('0109876557')"
    )
    card = person.modal("Tra cứu khách hàng").inner_text()
    assert "Mua gói lưu trữ dữ liệu" in card  # the card's action, in the modal
    person.shot("lookup-shortcut")
    person.page.locator("[data-testid=modal] button", has_text="Mua gói lưu trữ dữ liệu").click()
    order_form = person.modal("Mua gói lưu trữ")
    order_form.get_by_label("Email nhận hóa đơn").fill("ketoan@hoanglong.vn")
    person.submit()
    # The order form was pushed on top of the lookup: placed, it leaves the lookup below.
    person.page.locator("[data-testid=modal][data-callback-id=storage_order]").wait_for(
        state="detached"
    )
    person.page.get_by_test_id("modal-close").click()
    person.modal_closed()

    # The order message lands in the DM (a shortcut has no channel); its link, pasted in
    # #support, is previewed without the invoice email.
    person.open_channel("MISA Store · Tin nhắn")
    message = person.message_with("Đơn hàng LT")
    url = message.locator("button", has_text="Mở trang đơn hàng").get_attribute("data-url")
    assert url and "/orders/" in url
    person.open_channel("support")
    person.send(f"Khách cần link này: {url}")
    preview = person.page.locator("[data-testid=unfurl]").first
    preview.wait_for()
    shown = preview.inner_text()
    assert "Đơn hàng LT" in shown and "chờ thanh toán" in shown
    assert "ketoan@hoanglong.vn" not in shown
    person.shot("link-preview")
