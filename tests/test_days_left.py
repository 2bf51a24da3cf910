"""Days left and the date shown next to them agree at a glance: today + N = that date.

Checked where people read them: the lifecycle line of a lookup (and of the order form), and
the expiry and deletion reminder digests, whose accounts the jobs choose.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import reminders
from bot.i18n import Translator
from bot.importer import import_file
from bot.outbox_messages import AccountItem, DeletionDigest, ExpiryDigest
from bot.reminders import ReminderConfig, Run
from bot.subscriptions import deletion_date, lifecycle
from handlers.blocks.reminders import deletion_digest, expiry_digest
from handlers.blocks.subscriptions import describe_lifecycle
from storage.db import Database
from storage.models import OutboxMessage
from tests import reminders_dataset as ds
from tests.factories import row, tax_code, write_csv

DATE = r"(\d\d/\d\d/\d{4})"
# "N days left … <date>" in each language, wherever a count of days stands next to a date.
DAYS_THEN_DATE = {
    "vi": [
        rf"còn (\d+) ngày, xóa dữ liệu ngày {DATE}",
        rf"còn (\d+) ngày, hết hạn ngày {DATE}",
    ],
    "en": [
        rf"(\d+) days? left, data deleted on {DATE}",
        rf"(\d+) days? left, expires on {DATE}",
    ],
}
DATE_THEN_DAYS = {
    "vi": rf"đến {DATE} \(còn (\d+) ngày\)",
    "en": rf"until {DATE} \((\d+) days? left\)",
}


def pairs(language: str, text: str) -> list[tuple[int, date]]:
    """Every (days, date) pair the text shows."""
    found = []
    for pattern in DAYS_THEN_DATE[language]:
        found += [(int(n), day) for n, day in re.findall(pattern, text, re.IGNORECASE)]
    found += [(int(n), day) for day, n in re.findall(DATE_THEN_DAYS[language], text, re.IGNORECASE)]
    return [(n, datetime.strptime(day, "%d/%m/%Y").date()) for n, day in found]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_lookup_line_days_left_lead_to_the_date_shown(language: str) -> None:
    t, expiry = Translator(language), date(2026, 11, 3)
    checked = 0
    for offset in range(-45, 31):
        today = expiry + timedelta(days=offset)
        text = describe_lifecycle(t, lifecycle(expiry, today))
        for days, shown in pairs(language, text):
            assert today + timedelta(days=days) == shown, (offset, text)
            checked += 1
        if 1 <= offset <= 30:  # in grace: the deletion date is always given with its count
            assert deletion_date(expiry).strftime("%d/%m/%Y") in text, text
    assert checked == 45 + 30  # 44 active days with a count, 1 expiring today; 30 in grace


def test_last_day_of_grace_reads_one_day_left() -> None:
    expiry = date(2026, 11, 3)
    text = describe_lifecycle(Translator("vi"), lifecycle(expiry, expiry + timedelta(days=30)))
    assert text.endswith("còn 1 ngày, xóa dữ liệu ngày 04/12/2026")


def _payload_items(
    db: Database, message_type: type[ExpiryDigest | DeletionDigest]
) -> list[AccountItem]:
    with db.session() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == message_type.kind)
        support = next(m for m in session.scalars(query) if m.payload["recipient"].get("channel"))
        return list(message_type.from_payload(support.payload).items)


def test_reminder_digests_days_left_lead_to_the_date_shown(db: Database, tmp_path: Path) -> None:
    accounts = [
        row(tax_code(300 + n), f"Công ty Ngày {n}", f"HD-{n + 100}", ds.day(n), owner="")
        for n in [*range(-31, 0), 1, 7, 30]
    ]
    assert import_file(db, write_csv(tmp_path / "accounts.csv", accounts)).rejected == 0
    config = ReminderConfig(tz=ds.TZ, support_channel=ds.SUPPORT, sales_channel=ds.SALES)
    moment = datetime.combine(ds.TODAY, time(8, 0), tzinfo=ds.TZ)
    run = Run(at=moment, now=moment)

    reminders.deletion_warnings(db, config, run)
    warned = _payload_items(db, DeletionDigest)
    assert sorted(item.days for item in warned) == [1, 3, 7]  # DELETION_WARNING_DAYS
    reminders.expiry_reminders(db, config, run)
    expiring = _payload_items(db, ExpiryDigest)
    assert sorted(item.days for item in expiring) == [1, 7, 30]

    for language in ("vi", "en"):
        t = Translator(language)
        texts = [
            str(deletion_digest(t, warned, show_owner=True).blocks),
            str(expiry_digest(t, expiring, to_channel=True).blocks),
        ]
        shown = pairs(language, "\n".join(texts))
        assert sorted(n for n, _ in shown) == [1, 1, 3, 7, 7, 30]
        for days, day in shown:
            assert ds.TODAY + timedelta(days=days) == day, (language, days, day)
