"""The scheduler's job store follows the settings, and the reminder settings are validated."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from bot.config import SettingsError, load_settings
from bot.i18n import Translator
from bot.scheduler import JOBS, Scheduler, describe
from bot.services import Services


def scheduler_for(database_url: str, **settings: object) -> Scheduler:
    return Scheduler(
        Services.create(load_settings(_env_file=None, database_url=database_url, **settings))
    )


def listed(scheduler: Scheduler) -> dict[str, tuple[datetime | None, int | None]]:
    return {job.name: (job.next_run, job.misfire_grace_seconds) for job in scheduler.jobs()}


def run_time(next_run: datetime | None) -> time:
    assert next_run is not None
    return next_run.time()


def test_stored_jobs_follow_changed_settings(database_url: str) -> None:
    first = scheduler_for(database_url, reminder_time="07:00", scheduler_misfire_grace_seconds=60)
    first.start()
    before = listed(first)
    first.shutdown()
    assert set(before) == set(JOBS)
    assert run_time(before["expiry-reminders"][0]) == time(7, 0)

    second = scheduler_for(
        database_url, reminder_time="09:30:15", scheduler_misfire_grace_seconds=120
    )
    second.start()
    after = listed(second)
    second.shutdown()
    assert run_time(after["expiry-reminders"][0]) == time(9, 30, 15)
    assert after["deletion-sweep"][0] == before["deletion-sweep"][0]  # unchanged: kept
    assert {grace for _, grace in after.values()} == {120}

    # Listing without a running scheduler reads the same store.
    assert listed(scheduler_for(database_url, reminder_time="09:30:15")) == {
        name: (next_run, 120) for name, (next_run, _) in after.items()
    }


def test_schedules_read_in_words() -> None:
    settings = load_settings(_env_file=None, reminder_time="08:00", approval_check_minutes=30)
    t = Translator("en")
    words = {name: describe(t, spec.trigger(settings)) for name, spec in JOBS.items()}
    assert words == {
        "expiry-reminders": "daily at 08:00",
        "deletion-warnings": "daily at 08:00",
        "deletion-sweep": "daily at 00:15",
        "approval-reminders": "every 30 minutes",
        "payment-reminders": "daily at 08:00",
        "weekly-report": "weekly on Monday at 08:00",
    }
    friday = load_settings(_env_file=None, reminder_time="07:30", weekly_report_day="fri")
    assert describe(Translator("vi"), JOBS["weekly-report"].trigger(friday)) == (
        "hằng tuần vào thứ Sáu lúc 07:30"
    )


def test_reminder_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPIRY_REMINDER_DAYS", "1, 7,30,7")
    monkeypatch.setenv("DELETION_SWEEP_TIME", "00:05:30")
    settings = load_settings(_env_file=None)
    assert settings.expiry_reminder_days == [30, 7, 1]
    assert settings.deletion_warning_days == [7, 3, 1]
    assert settings.deletion_sweep_time == time(0, 5, 30)
    assert settings.reminder_time == time(8, 0)
    assert (settings.approval_reminder_hours, settings.payment_reminder_days) == (24, 3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DELETION_WARNING_DAYS", "7,31"),
        ("EXPIRY_REMINDER_DAYS", "0"),
        ("EXPIRY_REMINDER_DAYS", "seven"),
        ("REMINDER_TIME", "25:00"),
        ("APPROVAL_REMINDER_HOURS", "0"),
    ],
)
def test_bad_reminder_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"Invalid setting {name}"):
        load_settings(_env_file=None)
