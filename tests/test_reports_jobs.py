"""`python -m bot jobs run weekly-report`: last week's report and chart in the support channel,
once per week whatever re-runs happen (the same path the scheduler takes)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from slack_emulator import FakeSlack
from storage.db import Database
from tests import reminders_dataset as ds
from tests import reports_history as history
from tests.conftest import bot_env
from tests.test_reminders_jobs import World, finish, run, sent, start


def test_the_weekly_report_is_posted_once_per_week(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.reset()
    db = Database(database_url)
    history.load(db, tmp_path)
    env = {**os.environ, **bot_env(database_url, fake_slack, tmp_path), **ds.channels_env()}
    world = World(db=db, data=None, env=env, fake=fake_slack, home=tmp_path)  # type: ignore[arg-type]
    try:
        # Monday 19/10/2026: the week of 12/10 to 18/10 (C expired on 15/10 and was saved)
        # against 05/10 to 11/10 (A renewed, B saved, H deleted).
        out = run(world, "weekly-report", "2026-10-19T08:00")
        assert out == (
            "weekly-report tính tại 08:00 19/10/2026: 1 mục đến hạn; 1 nhắc nhở mới, 0 đã được "
            "nhận từ lần chạy trước.\nSlack: 1 đã gửi, 0 đang chờ gửi lại, 0 không gửi được.\n"
        )
        posted = sent(fake_slack)
        assert list(posted) == [ds.SUPPORT]
        summary, chart = posted[ds.SUPPORT]
        assert summary[:2] == [
            ":bar_chart: Báo cáo tuần tự động.",
            "Báo cáo tuần 12/10/2026 – 18/10/2026",
        ]
        funnel = summary[3]
        assert "• Hết hạn: *1*  ↓ −2 (kỳ trước 3)" in funnel
        assert "• Đã gia hạn: *0*  ↓ −1 (kỳ trước 1)" in funnel
        assert "• Đã thanh toán gói lưu trữ: *1*  = (kỳ trước 1)" in funnel
        assert "• Đã xóa dữ liệu: *0*  ↓ −1 (kỳ trước 1)" in funnel
        assert "• Tỷ lệ giữ dữ liệu: *100%*  ↑ +50 điểm % (kỳ trước 50%)" in funnel
        assert chart == ["file: None"]
        (upload,) = fake_slack.uploaded_files()
        assert (upload.channel, upload.name) == (ds.SUPPORT, "bao-cao-week-2026-10-12.png")
        assert Image.open(io.BytesIO(upload.content)).size == (1200, 800)

        # Again the same Monday, twice at once, and on the Wednesday: the same week, sent once.
        mark = len(fake_slack.calls)
        again = [start(world, "weekly-report", "2026-10-19T08:00") for _ in range(2)]
        again.append(start(world, "weekly-report", "2026-10-21T08:00"))
        for process in again:
            assert "0 nhắc nhở mới, 1 đã được nhận từ lần chạy trước" in finish(process)
        assert sent(fake_slack, mark) == {}
        # The next Monday is another week.
        out = run(world, "weekly-report", "2026-10-26T08:00")
        assert "1 nhắc nhở mới, 0 đã được nhận" in out
        assert sent(fake_slack, mark)[ds.SUPPORT][0][1] == "Báo cáo tuần 19/10/2026 – 25/10/2026"
    finally:
        db.dispose()
