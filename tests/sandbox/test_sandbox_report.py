"""`/misa report` in the sandbox's page: last week's figures from the demo's history, and the
chart (a PNG the browser decodes) in the person's DM with the app."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import SandboxProcess
from tests.sandbox.page_steps import Person, image_loaded

pytestmark = pytest.mark.browser

SUPPORT = "Nguyễn Thị Lan · Hỗ trợ khách hàng"


def test_the_report_and_its_chart(sandbox: SandboxProcess, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    person = Person(page, sandbox.base_url)
    person.act_as(SUPPORT)
    person.open_channel("support")
    person.send("/misa report")
    summary = person.message_with("Báo cáo tuần").inner_text()
    assert "Hết hạn:" in summary and "Đã thanh toán gói lưu trữ:" in summary
    assert "Doanh thu gói lưu trữ" in summary and "Đã duyệt:" in summary
    person.shot("report-summary")

    person.open_channel("MISA Store · Tin nhắn")
    chart = page.locator("[data-testid=file] img").last
    chart.wait_for()
    assert image_loaded(chart)
    assert chart.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [1200, 800]
    person.shot("report-chart")
