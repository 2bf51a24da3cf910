"""The scheduler as deployed: `python -m bot scheduler` and `serve`, stopped and restarted.

Schedules are set a few seconds ahead through REMINDER_TIME, so a run falls due while the
process is down; the restarted process catches it up exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.importer import import_file
from slack_emulator import FakeSlack
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import bot_env
from tests.factories import row, tax_code, write_csv
from tests.rig.bot_process import BotProcess
from tests.waiting import holds_for, wait_until

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OWNER, SALES = "U0LAN", "C0SALES"


def local_now() -> datetime:
    return datetime.now(TZ)


@pytest.fixture
def env(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[dict[str, str]]:
    now = local_now()
    if (now + timedelta(minutes=2)).date() != now.date():
        pytest.skip("too close to midnight for a same-day schedule")
    fake_slack.reset()
    today = now.date()
    rows = [
        row(tax_code(1), "Công ty TNHH Hoa Sen", "HD-T07", today + timedelta(days=7), owner=OWNER),
        row(tax_code(2), "Cửa hàng Phú Quý", "HD-T01", today + timedelta(days=1)),
    ]
    db = Database(database_url)
    assert import_file(db, write_csv(tmp_path / "accounts.csv", rows)).rejected == 0
    db.dispose()
    yield {
        **os.environ,
        **bot_env(database_url, fake_slack, tmp_path),
        "SALES_CHANNEL": SALES,
        "SUPPORT_CHANNEL": "C0SUPPORT",
        "PUBLIC_BASE_URL": "https://bot.example.vn",
        # Not today: the weekly report shares REMINDER_TIME and would post on its weekday.
        "WEEKLY_REPORT_DAY": ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[
            (today.weekday() + 3) % 7
        ],
    }


def in_seconds(seconds: int) -> datetime:
    return (local_now() + timedelta(seconds=seconds)).replace(microsecond=0)


class SchedulerProcess:
    """`python -m bot scheduler`, logging to a file, ready once it says it started."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> SchedulerProcess:
        self.log.write_text("")
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "scheduler"],
                env=self.env,
                cwd=self.log.parent,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        process = self.process

        def started() -> bool:
            assert process.poll() is None, self.logs()
            return "scheduler started" in self.logs()

        wait_until(started, timeout, "the scheduler starts")
        return self

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=20) == 0, self.logs()


def sleep_until(moment: datetime) -> None:
    """Let the clock reach `moment` (a run falls due while the process is down)."""
    time.sleep(max((moment - local_now()).total_seconds(), 0))


def outbox_drained(database_url: str) -> None:
    """Everything the run queued was delivered."""
    db = Database(database_url)
    waiting = select(func.count()).where(OutboxMessage.status == "pending")
    try:

        def drained() -> bool:
            with db.session() as session:
                return not session.scalar(waiting)

        wait_until(drained, 20, "the outbox drained")
    finally:
        db.dispose()


def reminder_posts(fake: FakeSlack) -> list[str]:
    return sorted(c.params["channel"] for c in fake.calls_to("chat.postMessage") if c.ok)


def jobs_list(env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "list", "--lang", "en"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def test_a_run_missed_while_stopped_is_caught_up_once(
    env: dict[str, str], fake_slack: FakeSlack, tmp_path: Path, database_url: str
) -> None:
    due = in_seconds(8)
    if due.second == 0:  # a time on the minute is listed as HH:MM
        due = in_seconds(9)
    env = {**env, "REMINDER_TIME": due.strftime("%H:%M:%S")}
    scheduler = SchedulerProcess(env, tmp_path / "scheduler.log")

    # Started before the run time and stopped again: the job is stored, waiting for `due`.
    scheduler.start().stop()
    assert local_now() < due, "the scheduler took too long to start and stop"
    assert reminder_posts(fake_slack) == []
    listed = jobs_list(env)
    assert f"expiry-reminders     daily at {due:%H:%M:%S}" in listed
    assert f"{due:%H:%M %d/%m/%Y}" in listed

    # Down when the run falls due; started again, it runs the missed job once.
    sleep_until(due + timedelta(seconds=1))
    scheduler.start()
    # Generous: a loaded machine may take a while to catch up (the wait ends at the post).
    fake_slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == SALES, timeout=60)
    fake_slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == "D" + OWNER)
    wait_until(lambda: "job expiry-reminders as of" in scheduler.logs(), 20, "the job's report")
    outbox_drained(database_url)
    scheduler.stop()
    logs = scheduler.logs()
    assert logs.count(": 2 due, 2 reminders claimed") == 1
    assert logs.count("job expiry-reminders as of") == 1, logs
    assert "Traceback" not in logs, logs
    assert reminder_posts(fake_slack) == [SALES, "D" + OWNER]

    # Restarted again the same day: the job now waits for tomorrow; nothing is sent twice.
    scheduler.start()
    # Nothing to wait for: a catch-up would run at once, so two quiet seconds show there is none.
    holds_for(lambda: "job expiry-reminders" not in scheduler.logs(), 2.0, "no second run")
    scheduler.stop()
    assert "job expiry-reminders" not in scheduler.logs()
    assert reminder_posts(fake_slack) == [SALES, "D" + OWNER]
    tomorrow = due + timedelta(days=1)
    assert f"{tomorrow:%H:%M %d/%m/%Y}" in jobs_list(env)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_runs_the_scheduler_unless_told_not_to(
    env: dict[str, str], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    due = in_seconds(5)
    quiet = BotProcess({**env, "REMINDER_TIME": f"{due:%H:%M:%S}"}, tmp_path / "quiet.log")
    quiet.start("--no-scheduler")
    sleep_until(due + timedelta(seconds=1.5))
    quiet.stop()
    assert reminder_posts(fake_slack) == []

    due = in_seconds(
        12
    )  # room for a start-up on a busy machine: a run time already past waits a day
    serving = BotProcess({**env, "REMINDER_TIME": f"{due:%H:%M:%S}"}, tmp_path / "serve.log")
    serving.start()
    try:
        fake_slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == SALES, timeout=20)
        fake_slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == "D" + OWNER)
    finally:
        serving.stop()
    assert reminder_posts(fake_slack) == [SALES, "D" + OWNER]
    assert "Traceback" not in serving.logs()
