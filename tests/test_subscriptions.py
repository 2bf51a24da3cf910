"""Lifecycle states and day counts (SPEC §1 table)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.i18n import Translator
from bot.subscriptions import LifecycleState, lifecycle
from handlers.blocks.subscriptions import describe_lifecycle

EXPIRY = date(2026, 10, 31)


@pytest.mark.parametrize(
    ("days_after_expiry", "state"),
    [
        (-30, LifecycleState.ACTIVE),
        (0, LifecycleState.ACTIVE),
        (1, LifecycleState.EXPIRED),
        (30, LifecycleState.EXPIRED),
        (31, LifecycleState.DATA_DELETED),
        (400, LifecycleState.DATA_DELETED),
    ],
)
def test_state_from_days_since_expiry(days_after_expiry: int, state: LifecycleState) -> None:
    assert lifecycle(EXPIRY, EXPIRY + timedelta(days=days_after_expiry)).state is state


def test_deletion_is_on_day_31() -> None:
    lc = lifecycle(EXPIRY, EXPIRY + timedelta(days=12))
    assert lc.deletion_on == EXPIRY + timedelta(days=31)
    assert (lc.days_since_expiry, lc.days_until_deletion) == (12, 19)
    assert lc.today + timedelta(days=lc.days_until_deletion) == lc.deletion_on


def test_paid_storage_archives_until_its_end() -> None:
    until = EXPIRY + timedelta(days=365)
    assert lifecycle(EXPIRY, EXPIRY + timedelta(days=40), storage_until=until).state is (
        LifecycleState.ARCHIVED
    )
    after = lifecycle(EXPIRY, until + timedelta(days=1), storage_until=until)
    assert after.state is LifecycleState.DATA_DELETED
    assert after.data_deleted_date == until + timedelta(days=1)


def test_an_open_order_holds_deletion_until_its_deadline() -> None:
    hold = EXPIRY + timedelta(days=33)
    held = lifecycle(EXPIRY, EXPIRY + timedelta(days=33), deletion_hold_until=hold)
    assert held.state is LifecycleState.EXPIRED and held.is_held
    released = lifecycle(EXPIRY, EXPIRY + timedelta(days=34), deletion_hold_until=hold)
    assert released.state is LifecycleState.DATA_DELETED


def test_renewal_wins_over_everything() -> None:
    lc = lifecycle(
        EXPIRY, EXPIRY, storage_until=EXPIRY + timedelta(days=99), data_deleted_on=EXPIRY
    )
    assert lc.state is LifecycleState.ACTIVE


def test_sweep_marks_deletion() -> None:
    lc = lifecycle(EXPIRY, EXPIRY + timedelta(days=45), data_deleted_on=EXPIRY + timedelta(days=31))
    assert lc.state is LifecycleState.DATA_DELETED
    assert lc.data_deleted_date == EXPIRY + timedelta(days=31)


def test_descriptions_in_both_languages() -> None:
    lc = lifecycle(EXPIRY, EXPIRY + timedelta(days=12))
    assert describe_lifecycle(Translator("vi"), lc) == (
        "*Đã hết hạn 12 ngày* (ngày hết hạn 31/10/2026); còn 19 ngày, xóa dữ liệu ngày 01/12/2026"
    )
    assert describe_lifecycle(Translator("en"), lc) == (
        "*Expired 12 days ago* (expiry date 31/10/2026); 19 days left, data deleted on 01/12/2026"
    )
    last_day = describe_lifecycle(Translator("vi"), lifecycle(EXPIRY, EXPIRY + timedelta(days=30)))
    assert last_day.endswith("còn 1 ngày, xóa dữ liệu ngày 01/12/2026")
    active = describe_lifecycle(Translator("vi"), lifecycle(EXPIRY, EXPIRY - timedelta(days=5)))
    assert active == "*Còn hạn* đến 31/10/2026 (còn 5 ngày)"
    deleted = describe_lifecycle(Translator("vi"), lifecycle(EXPIRY, EXPIRY + timedelta(days=40)))
    assert deleted == "*Đã xóa dữ liệu* ngày 01/12/2026 (ngày hết hạn 31/10/2026)"


# -- the same rules on dates written out (SPEC §1), not computed from the code's constants --------


def test_last_day_of_paid_storage_then_deletion_the_next_day() -> None:
    expires, until = date(2026, 10, 31), date(2027, 10, 31)
    last_day = lifecycle(expires, date(2027, 10, 31), storage_until=until)
    assert last_day.state is LifecycleState.ARCHIVED
    assert last_day.storage_until == date(2027, 10, 31)
    assert last_day.data_deleted_date == date(2027, 11, 1)
    next_day = lifecycle(expires, date(2027, 11, 1), storage_until=until)
    assert next_day.state is LifecycleState.DATA_DELETED
    assert next_day.data_deleted_date == date(2027, 11, 1)
    # Paid storage bought during the grace period starts archiving at once.
    assert lifecycle(expires, date(2026, 11, 5), storage_until=until).state is (
        LifecycleState.ARCHIVED
    )


def test_deletion_date_under_an_open_orders_hold() -> None:
    expires, hold = date(2026, 10, 31), date(2026, 12, 3)  # deletion due 01/12, order open to 03/12
    held = lifecycle(expires, date(2026, 12, 3), deletion_hold_until=hold)
    assert held.state is LifecycleState.EXPIRED and held.is_held
    assert held.deletion_hold_until == date(2026, 12, 3)
    assert held.deletion_on == date(2026, 12, 1)
    assert held.data_deleted_date == date(2026, 12, 4)
    assert held.days_until_deletion == 0
    released = lifecycle(expires, date(2026, 12, 4), deletion_hold_until=hold)
    assert released.state is LifecycleState.DATA_DELETED
    assert released.data_deleted_date == date(2026, 12, 4)
    # A hold that ends before the deletion date changes nothing.
    early = lifecycle(expires, date(2026, 11, 20), deletion_hold_until=date(2026, 11, 25))
    assert early.state is LifecycleState.EXPIRED and not early.is_held
    assert early.data_deleted_date == date(2026, 12, 1)


def test_grace_period_on_dates() -> None:
    expires = date(2026, 10, 31)
    assert lifecycle(expires, date(2026, 10, 31)).state is LifecycleState.ACTIVE
    assert lifecycle(expires, date(2026, 11, 1)).state is LifecycleState.EXPIRED
    last = lifecycle(expires, date(2026, 11, 30))
    assert last.state is LifecycleState.EXPIRED and not last.is_held
    assert (last.days_since_expiry, last.days_until_deletion) == (30, 1)
    assert last.deletion_on == date(2026, 12, 1)
    gone = lifecycle(expires, date(2026, 12, 1))
    assert gone.state is LifecycleState.DATA_DELETED
    assert (gone.days_until_deletion, gone.data_deleted_date) == (0, date(2026, 12, 1))
    ahead = lifecycle(expires, date(2026, 10, 21))
    assert (ahead.days_until_expiry, ahead.days_since_expiry) == (10, -10)


def test_the_sweeps_mark_counts_only_after_the_expiry() -> None:
    expires = date(2026, 10, 31)
    swept = lifecycle(expires, date(2026, 11, 5), data_deleted_on=date(2026, 11, 1))
    assert swept.state is LifecycleState.DATA_DELETED
    assert (swept.data_deleted_on, swept.data_deleted_date) == (date(2026, 11, 1),) * 2
    # A mark from the term before (on or before this expiry) belongs to data since renewed.
    old_mark = lifecycle(expires, date(2026, 11, 5), data_deleted_on=date(2026, 10, 31))
    assert old_mark.state is LifecycleState.EXPIRED
