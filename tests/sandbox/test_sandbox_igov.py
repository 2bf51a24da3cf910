"""The iGOV procedure (seed 003), clicked through in the sandbox's page in headless Chromium:
the order (the customer picked by type-ahead from the bot's options), the licence request
with two documents uploaded from the browser, the requester refused when approving their own
request, the request returned for changes and sent again from the requester's DM, and the
approval by another approver."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.igov_data import PDF
from tests.sandbox.conftest import SandboxProcess
from tests.sandbox.page_steps import Person

pytestmark = pytest.mark.browser

REQUESTER = "Lê Văn Hùng · Người duyệt"  # an approver, so approving their own is possible
APPROVER = "Phạm Thu Hà · Người duyệt"
IGOV = "2300123454"  # Sở Tài chính tỉnh Bắc Ninh (demo data)


def test_igov_order_licence_request_and_approval(
    sandbox: SandboxProcess, browser: Any, tmp_path: Path
) -> None:
    decision = tmp_path / "quyet-dinh-cap-nguon.pdf"
    decision.write_bytes(PDF)
    evidence = tmp_path / "bang-chung-cam-ket.png"
    evidence_image(evidence)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    person = Person(page, sandbox.base_url)
    person.act_as(REQUESTER)
    person.open_channel("sales")

    # The order: the customer chosen by type-ahead (the bot's options endpoint), two packages.
    person.send("/misa igov")
    modal = person.modal("Đơn hàng iGOV")
    customer = modal.get_by_label("Khách hàng (HCSN)")
    customer.fill("tai chinh bac ninh")
    page.get_by_role("option", name=re.compile("Sở Tài chính tỉnh Bắc Ninh")).first.click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=modal]').innerText.includes('1054321')"
    )
    modal = person.modal("Đơn hàng iGOV")
    modal.get_by_label("Dự án bán hàng").fill("Mở rộng iGOV 2026")
    modal.get_by_label(re.compile("^Kế toán")).fill("2")
    modal.get_by_label(re.compile("^Văn phòng số")).fill("1")
    person.shot("igov-order-form")
    person.submit()
    saved = person.modal("Đã lưu đơn hàng")
    order_no = re.search(r"IG\d{10,}", saved.inner_text())
    assert order_no is not None
    page.get_by_test_id("modal-close").click()
    person.modal_closed()

    # The licence request from the order message, with both documents uploaded.
    order = person.message_with(order_no.group(0))
    order.get_by_role("button", name="Lập yêu cầu cấp GPSD/Thuê bao").click()
    request = person.modal("Yêu cầu cấp phép")
    request.get_by_label("Quyết định cấp nguồn").set_input_files(decision)
    request.get_by_label("Bằng chứng cam kết").set_input_files(evidence)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=modal] input[type=file]')]"
        ".every(i => i.dataset.uploaded === '1')"
    )
    # A module's extra information: a modal pushed on top (views.push); saving it updates the
    # request form underneath (views.update), where the uploads are still in place.
    request.get_by_role("button", name="+ Thông tin bổ sung").first.click()
    module = person.modal("Thông tin nghiệp vụ")
    module.get_by_label("Ghi chú").fill("Triển khai từ quý 1")
    person.shot("licence-module-pushed")
    person.submit()
    request = person.modal("Yêu cầu cấp phép")
    request.get_by_text("Triển khai từ quý 1").wait_for()
    assert "Đã tải lên 1 tệp" in request.inner_text()
    person.shot("licence-request-form")
    person.submit()
    page.wait_for_function(
        "() => /YC\\d{10,}/.test(document.querySelector('[data-testid=modal]').innerText)"
    )
    code = re.search(r"YC\d{10,}", person.modal().inner_text())
    assert code is not None
    page.get_by_test_id("modal-close").click()
    person.modal_closed()

    # The approval message: the requester may not approve their own request.
    person.open_channel("approvals")
    pending = person.message_with(code.group(0))
    assert "quyet-dinh-cap-nguon.pdf" in pending.inner_text()
    person.click("Duyệt", within=pending)
    person.shot("approval-confirm")
    person.confirm("Duyệt")
    refusal = person.message_with("do chính mình đề nghị")
    assert code.group(0) in refusal.inner_text()
    person.shot("approval-own-request-refused")

    # Another approver returns it for changes; the requester edits it from the DM and sends it
    # again (the documents kept), under the same code.
    person.act_as(APPROVER)
    pending = person.message_with(code.group(0))
    assert page.get_by_text("do chính mình đề nghị").count() == 0  # it was for the requester
    person.click("Yêu cầu bổ sung", within=pending)
    changes = person.modal("Yêu cầu bổ sung")
    changes.get_by_label("Cần bổ sung hoặc sửa những gì?").fill("Ghi rõ số quyết định")
    person.submit()
    person.modal("Đã trả lại")
    page.get_by_test_id("modal-close").click()
    person.modal_closed()
    person.message_with("Trả lại để bổ sung")
    person.act_as(REQUESTER)
    person.open_channel("MISA Store · Tin nhắn")
    notice = person.message_with("Ghi rõ số quyết định")
    person.click("Sửa và gửi lại", within=notice)
    edit = person.modal(f"Sửa yêu cầu {code.group(0)}")
    assert "Đã có: quyet-dinh-cap-nguon.pdf" in edit.inner_text()
    person.shot("licence-request-edit")
    person.submit()
    person.modal(code.group(0))
    page.get_by_test_id("modal-close").click()
    person.modal_closed()

    # The approver approves it.
    person.act_as(APPROVER)
    person.open_channel("approvals")
    pending = person.message_with("Trả lại để bổ sung → Chờ duyệt")
    assert code.group(0) in pending.inner_text()
    person.click("Duyệt", within=pending)
    person.confirm("Duyệt")
    page.wait_for_function(
        "code => [...document.querySelectorAll('[data-testid=message]')].some(m => "
        "m.innerText.includes(code) && m.innerText.includes('đã duyệt'))",
        arg=code.group(0),
    )
    person.shot("approval-approved")
    assert errors == []


def evidence_image(path: Path) -> None:
    """A real picture of a signed page (the browser shows it in the thread)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 310, 190), outline="navy", width=3)
    for y in range(40, 150, 18):
        draw.line((30, y, 290, y), fill="gray", width=2)
    draw.ellipse((220, 140, 290, 180), outline="red", width=3)
    image.save(path, "PNG")
