"""The report's figures over a known history (tests/reports_history.py), on both databases,
against numbers worked out by hand; the period rules; the summary blocks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.authz import Authorizer, NoGroups
from bot.config import load_settings
from bot.errors import InvalidInput, NotAuthorized
from bot.i18n import Translator
from bot.importer import import_file
from bot.reports import (
    Funnel,
    Igov,
    Pending,
    Period,
    PeriodKind,
    compute,
    p90,
    parse_period,
    request_report,
)
from bot.services import Services
from handlers.blocks.reports import report_blocks
from tests import reports_history as history
from tests.conftest import FixedClock
from tests.factories import row, tax_code, write_csv

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
OCTOBER = Period(PeriodKind.MONTH, date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture(scope="module")
def services(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    settings = load_settings(_env_file=None, database_url=module_database_url)
    created = Services.create(settings)
    history.load(created.db, tmp_path_factory.mktemp("history"))
    clock = FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=HCM))
    yield dataclasses.replace(created, clock=clock)
    created.db.dispose()


def test_every_figure_of_a_month_and_the_month_before(services: Services) -> None:
    report = compute(services, OCTOBER)
    assert report.today == date(2026, 12, 1)
    assert report.current.period == OCTOBER
    assert report.current.funnel == Funnel(
        expired=8,
        renewed=1,
        ordered=5,
        saved=3,
        in_grace=1,
        deleted=3,
        save_rate=pytest.approx(3 / 7),
        paid_orders=3,
        revenue=4_200_000,
        days_to_order=2,
        days_to_payment=2,
    )
    assert report.current.igov == Igov(
        orders=2,
        order_amount=8_000_000,
        submitted=7,
        approved=3,
        rejected=1,
        returned=1,
        pending=1,
        withdrawn=1,
        decided=4,
        median_hours=36.0,
        p90_hours=48.0,
    )
    assert report.previous.period == Period(PeriodKind.MONTH, date(2026, 9, 1), date(2026, 9, 30))
    assert report.previous.funnel == Funnel(
        expired=2,
        renewed=0,
        ordered=1,
        saved=1,
        in_grace=0,
        deleted=1,
        save_rate=0.5,
        paid_orders=0,
        revenue=0,
        days_to_order=2,
        days_to_payment=2,
    )
    assert report.previous.igov == Igov(
        orders=1,
        order_amount=1_000_000,
        submitted=2,
        approved=1,
        rejected=0,
        returned=0,
        pending=1,
        withdrawn=0,
        decided=0,
        median_hours=None,
        p90_hours=None,
    )
    assert report.oldest_pending == Pending("R9", date(2026, 9, 20), 72)


def test_november_counts_what_october_left_out(services: Services) -> None:
    november = compute(services, parse_period("month 11/2026", date(2026, 12, 1))).current
    # I expired on 02/11, still in grace on 01/12 (day 29); L's payment at 00:30 on 01/11.
    assert (november.funnel.expired, november.funnel.in_grace) == (1, 1)
    assert (november.funnel.paid_orders, november.funnel.revenue) == (1, 900_000)
    assert (november.igov.orders, november.igov.order_amount) == (1, 7_000_000)
    assert (november.igov.decided, november.igov.median_hours) == (1, 72.0)


def test_the_month_under_way_counts_only_terms_that_have_ended(
    services: Services, tmp_path: Path
) -> None:
    """On 01/12 an account expiring on 15/12 (or today) is still active: not "expired"."""
    rows = [
        row(tax_code(790), "Công ty Chưa Hết Hạn", "HD-LATER", date(2026, 12, 15)),
        row(tax_code(791), "Công ty Hết Hạn Hôm Nay", "HD-TODAY", date(2026, 12, 1)),
    ]
    assert not import_file(services.db, write_csv(tmp_path / "later.csv", rows)).errors
    december = compute(services, parse_period("month 12/2026", date(2026, 12, 1))).current
    assert (december.funnel.expired, december.funnel.in_grace) == (0, 0)


def test_the_summary_shows_each_figure_with_the_period_before(services: Services) -> None:
    blocks = report_blocks(Translator("vi"), compute(services, OCTOBER))
    text = "\n".join(b["text"]["text"] if "text" in b else b["elements"][0]["text"] for b in blocks)
    assert blocks[0]["text"]["text"] == "Báo cáo tháng 10/2026"
    assert "• Hết hạn: *8*  ↑ +6 (kỳ trước 2)" in text
    assert "• Đã thanh toán gói lưu trữ: *3*  ↑ +2 (kỳ trước 1)" in text
    assert "• Tỷ lệ giữ dữ liệu: *42,9%*  ↓ −7,1 điểm % (kỳ trước 50%)" in text
    assert "• Doanh thu gói lưu trữ (đã thanh toán trong kỳ): *4.200.000 đ*" in text
    assert "• Trung vị: hết hạn → đặt gói: *2 ngày*  = (kỳ trước 2 ngày)" in text
    assert "• Thời gian gửi → quyết định (trung vị): *36 giờ*  = (kỳ trước —)" in text
    assert "• Đã rút: *1*  ↑ +1 (kỳ trước 0)" in text
    assert "Yêu cầu chờ lâu nhất: `R9`, gửi ngày 20/09/2026 (72 ngày)." in text
    english = report_blocks(Translator("en"), compute(services, OCTOBER))
    assert english[0]["text"]["text"] == "Report for 10/2026"
    assert "• Save rate: *42,9%*  ↓ −7,1 pts (before: 50%)" in english[2]["text"]["text"]


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("", date(2026, 11, 23), date(2026, 11, 29)),
        ("week", date(2026, 11, 23), date(2026, 11, 29)),
        ("tuần", date(2026, 11, 23), date(2026, 11, 29)),
        ("month", date(2026, 11, 1), date(2026, 11, 30)),
        ("Tháng", date(2026, 11, 1), date(2026, 11, 30)),
        ("month 2/2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("11/2026", date(2026, 11, 1), date(2026, 11, 30)),
        ("month 12/2026", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_periods(text: str, first: date, last: date) -> None:
    # Tuesday 01/12/2026: last full week is Monday 23/11 to Sunday 29/11.
    period = parse_period(text, date(2026, 12, 1))
    assert (period.first, period.last) == (first, last)


def test_the_week_before_a_monday_is_the_week_just_ended() -> None:
    period = parse_period("", date(2026, 11, 30))
    assert (period.first, period.last) == (date(2026, 11, 23), date(2026, 11, 29))
    assert period.previous() == Period(PeriodKind.WEEK, date(2026, 11, 16), date(2026, 11, 22))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("year", "report.usage"),
        ("week 11/2026", "report.usage"),
        ("month 13/2026", "report.usage"),
        ("month 11/2026 extra", "report.usage"),
        ("month november", "report.usage"),
        ("month 01/2027", "report.future"),
    ],
)
def test_bad_periods_say_the_usage(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_period(text, date(2026, 12, 1))
    assert caught.value.key == key


def test_who_may_see_reports(services: Services) -> None:
    settings = load_settings(
        _env_file=None,
        staff_user_ids=["U0STAFF"],
        approver_user_ids=["U0BOSS"],
        finance_user_ids=["U0CASH"],
    )
    authz = Authorizer(settings, NoGroups())
    for user in ("U0STAFF", "U0BOSS", "U0CASH"):
        report, queued = request_report(services, authz, user, "month 10/2026")
        assert report.current.funnel.expired == 8 and queued
    with pytest.raises(NotAuthorized) as refused:
        request_report(services, authz, "U0STRANGE", "")
    assert refused.value.key == "authz.report"


def test_p90_is_the_nearest_rank() -> None:
    assert p90([]) is None
    assert p90([5.0]) == 5.0
    assert p90([float(n) for n in range(1, 11)]) == 9.0
    assert p90([float(n) for n in range(1, 12)]) == 10.0


def test_the_import_records_renewals_only_when_the_expiry_moves_later(
    services: Services, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from sqlalchemy import select

    from bot.importer import import_file
    from storage.models import Subscription, SubscriptionRenewal
    from tests.factories import row, tax_code, write_csv

    def renewals() -> list[tuple[str, date, date]]:
        with services.db.session() as session:
            return [
                tuple(r)  # type: ignore[misc]
                for r in session.execute(
                    select(
                        Subscription.contract_no,
                        SubscriptionRenewal.previous_expires_on,
                        SubscriptionRenewal.expires_on,
                    )
                    .join(Subscription, Subscription.id == SubscriptionRenewal.subscription_id)
                    .order_by(SubscriptionRenewal.id)
                )
            ]

    assert renewals() == [("HD-A", date(2026, 10, 5), date(2027, 10, 5))]
    folder = tmp_path_factory.mktemp("renewal")
    for n, expires_on in enumerate((date(2027, 1, 1), date(2026, 12, 20), date(2027, 2, 1))):
        rows = [row(tax_code(950), "Công ty Gia Hạn", "HD-RENEW", expires_on)]
        assert import_file(services.db, write_csv(folder / f"{n}.csv", rows)).rejected == 0
    # Moved earlier (a correction): not a renewal; moved later again: one.
    assert renewals()[1:] == [("HD-RENEW", date(2026, 12, 20), date(2027, 2, 1))]
