"""`/misa report` through `serve` over signed HTTP: the summary in the ack, the chart PNG in the
person's DM through files_upload_v2 (getUploadURLExternal + completeUploadExternal); bad
arguments and people without a role are answered in their language."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from bot.importer import import_file
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack
from storage.db import Database
from tests.conftest import bot_env
from tests.e2e.igov_steps import TODAY
from tests.e2e.slack_helpers import text_of
from tests.factories import local, row, storage_order, tax_code, write_csv
from tests.rig.bot_process import SIGNING_SECRET, BotProcess

STAFF, APPROVER, ENGLISH, OUTSIDER = "U0REPSTAFF", "U0REPBOSS", "U0REPEN", "U0REPNOBODY"
# Monday of the last full week, worked out here independently of bot/reports.py.
MONDAY = TODAY - timedelta(days=TODAY.weekday() + 7)
SUNDAY = MONDAY + timedelta(days=6)


@pytest.fixture(scope="module")
def setup(
    module_database_url: str, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    home = tmp_path_factory.mktemp("reports")
    database = Database(module_database_url)
    rows = [
        row(tax_code(901), "Công ty Lưu Trữ", "HD-RP-SAVED", MONDAY + timedelta(days=1)),
        row(tax_code(902), "Công ty Chờ Đợi", "HD-RP-GRACE", MONDAY + timedelta(days=2)),
    ]
    assert import_file(database, write_csv(home / "c.csv", rows)).rejected == 0
    with database.session() as session:
        storage_order(
            session,
            "HD-RP-SAVED",
            local(MONDAY + timedelta(days=2), 10),
            status="paid",
            total=1_500_000,
            paid_at=local(MONDAY + timedelta(days=3), 10),
        )
    database.dispose()
    fake_slack.set_user(ENGLISH, locale="en-US")
    env = bot_env(
        module_database_url,
        fake_slack,
        home,
        STAFF_USER_IDS=f"{STAFF},{ENGLISH}",
        APPROVER_USER_IDS=APPROVER,
    )
    process = BotProcess(env, home / "bot.log").start()
    yield process
    process.stop()


@pytest.fixture
def slack(setup: BotProcess, fake_slack: FakeSlack) -> Iterator[SignedSlack]:
    client = SignedSlack(setup.events_url, SIGNING_SECRET, fake_slack)
    yield client
    client.close()


def wait_chart(fake: FakeSlack, channel: str, before: int) -> Any:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [f for f in fake.uploaded_files()[before:] if f.channel == channel]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no chart in {channel}: {fake.uploaded_files()}")


def test_staff_get_last_weeks_summary_and_the_chart_in_their_dm(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    before = len(fake_slack.uploaded_files())
    mark = fake_slack.mark()
    reply = text_of(slack.check_ack(slack.command("report", user_id=STAFF)))
    week = f"{MONDAY:%d/%m/%Y} – {SUNDAY:%d/%m/%Y}"
    assert f"Báo cáo tuần {week}" in reply
    assert "• Hết hạn: *2*  ↑ +2 (kỳ trước 0)" in reply
    assert "• Đã thanh toán gói lưu trữ: *1*  ↑ +1 (kỳ trước 0)" in reply
    assert "• Còn trong thời gian chờ: *1*  ↑ +1 (kỳ trước 0)" in reply
    assert "• Tỷ lệ giữ dữ liệu: *50%*" in reply
    assert "• Doanh thu gói lưu trữ (đã thanh toán trong kỳ): *1.500.000 đ*" in reply
    assert "• Trung vị: hết hạn → đặt gói: *1 ngày*" in reply
    assert "Biểu đồ sẽ được gửi vào tin nhắn riêng" in reply

    chart = wait_chart(fake_slack, f"D{STAFF}", before)
    assert chart.name == f"bao-cao-week-{MONDAY:%Y-%m-%d}.png"
    assert chart.initial_comment == f"Biểu đồ báo cáo Báo cáo tuần {week}"
    image = Image.open(io.BytesIO(chart.content))
    assert (image.format, image.size) == ("PNG", (1200, 800))
    methods = [c.method for c in fake_slack.calls[mark:] if c.ok]
    assert "files.getUploadURLExternal" in methods and "files.completeUploadExternal" in methods
    assert "files.upload" not in methods


def test_an_approver_asks_for_a_month_in_english_too(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    month = TODAY.replace(day=1) - timedelta(days=1)
    reply = text_of(slack.check_ack(slack.command(f"report month {month:%m/%Y}", user_id=APPROVER)))
    assert f"Báo cáo tháng {month:%m/%Y}" in reply
    before = len(fake_slack.uploaded_files())
    english = text_of(slack.check_ack(slack.command("report", user_id=ENGLISH)))
    assert "Report for the week" in english and "• Expired: *2*  ↑ +2 (before: 0)" in english
    chart = wait_chart(fake_slack, f"D{ENGLISH}", before)
    assert chart.initial_comment.startswith("Report chart Report for the week")


def test_bad_arguments_get_the_usage(slack: SignedSlack) -> None:
    for text in ("report year", "report month 13/2026", "report week 11/2026"):
        reply = text_of(slack.check_ack(slack.command(text, user_id=STAFF)))
        assert "không hợp lệ. Cách dùng: `/misa report`" in reply, reply
    english = text_of(slack.check_ack(slack.command("report yearly", user_id=ENGLISH)))
    assert "`yearly` is not a valid argument. Usage: `/misa report`" in english
    future = text_of(slack.check_ack(slack.command("report month 01/2100", user_id=STAFF)))
    assert "Tháng 01/2100 chưa bắt đầu" in future


def test_someone_without_a_role_is_refused(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    before = len(fake_slack.uploaded_files())
    reply = text_of(slack.check_ack(slack.command("report", user_id=OUTSIDER)))
    assert "Chỉ nhân viên, người duyệt và bộ phận tài chính mới được xem báo cáo." in reply
    assert "Hết hạn" not in reply
    time.sleep(1)
    assert [f for f in fake_slack.uploaded_files()[before:] if f.channel == f"D{OUTSIDER}"] == []
