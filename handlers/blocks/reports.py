"""The report's summary: each figure with the period before (arrow and difference)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent

from bot.i18n import Translator
from bot.reports import Figures, Period, PeriodKind, Report
from handlers.blocks import kit
from handlers.blocks.kit import Block

VI_VN = "vi_VN"


def period_title(t: Translator, period: Period) -> str:
    if period.kind is PeriodKind.MONTH:
        return t("report.title.month", month=f"{period.first:%m/%Y}")
    return t("report.title.week", first=period.first, last=period.last)


def _number(value: float) -> str:
    return format_decimal(round(value, 1), locale=VI_VN)


@dataclass(frozen=True)
class Figure:
    """One line: its label, how to read it from the figures and how to write it."""

    label: str
    read: Callable[[Figures], float | int | None]
    show: Callable[[Translator, float], str]
    # How a change is written, when not like the value (a rate moves by percentage points).
    show_change: Callable[[Translator, float], str] | None = None


def _count(t: Translator, value: float) -> str:
    return _number(value)


def _money(t: Translator, value: float) -> str:
    return t.money(int(value))


def _rate(t: Translator, value: float) -> str:
    return format_percent(value, "#,##0.#%", locale=VI_VN)


def _points(t: Translator, value: float) -> str:
    return t("report.points", value=_number(value * 100))


def _days(t: Translator, value: float) -> str:
    return t("report.days", value=_number(value))


def _hours(t: Translator, value: float) -> str:
    return t("report.hours", value=_number(value))


FUNNEL = (
    Figure("report.funnel.expired", lambda f: f.funnel.expired, _count),
    Figure("report.funnel.renewed", lambda f: f.funnel.renewed, _count),
    Figure("report.funnel.ordered", lambda f: f.funnel.ordered, _count),
    Figure("report.funnel.saved", lambda f: f.funnel.saved, _count),
    Figure("report.funnel.in_grace", lambda f: f.funnel.in_grace, _count),
    Figure("report.funnel.deleted", lambda f: f.funnel.deleted, _count),
    Figure("report.funnel.save_rate", lambda f: f.funnel.save_rate, _rate, _points),
    Figure("report.funnel.revenue", lambda f: f.funnel.revenue, _money),
    Figure("report.funnel.days_to_order", lambda f: f.funnel.days_to_order, _days),
    Figure("report.funnel.days_to_payment", lambda f: f.funnel.days_to_payment, _days),
)
IGOV = (
    Figure("report.igov.orders", lambda f: f.igov.orders, _count),
    Figure("report.igov.submitted", lambda f: f.igov.submitted, _count),
    Figure("report.igov.approved", lambda f: f.igov.approved, _count),
    Figure("report.igov.rejected", lambda f: f.igov.rejected, _count),
    Figure("report.igov.returned", lambda f: f.igov.returned, _count),
    Figure("report.igov.pending", lambda f: f.igov.pending, _count),
    Figure("report.igov.withdrawn", lambda f: f.igov.withdrawn, _count),
    Figure("report.igov.median", lambda f: f.igov.median_hours, _hours),
    Figure("report.igov.p90", lambda f: f.igov.p90_hours, _hours),
)


def figure_line(t: Translator, figure: Figure, report: Report) -> str:
    """`• Hết hạn: *10*  ↑ +2 (kỳ trước 8)`; a figure without a value is a dash."""
    now, before = figure.read(report.current), figure.read(report.previous)
    none = t("report.none")
    value = figure.show(t, now) if now is not None else none
    previous = figure.show(t, before) if before is not None else none
    if now is None or before is None or now == before:
        change = t("report.change.same", previous=previous)
    else:
        diff = (figure.show_change or figure.show)(t, abs(now - before))
        key = "report.change.up" if now > before else "report.change.down"
        change = t(key, diff=diff, previous=previous)
    return t("report.line", label=t(figure.label), value=value, change=change)


def report_blocks(t: Translator, report: Report) -> list[Block]:
    previous = report.previous.period
    blocks: list[Block] = [
        kit.header(period_title(t, report.current.period)),
        kit.context(
            t("report.compared", first=previous.first, last=previous.last, today=report.today)
        ),
        kit.section(
            f"*{t('report.funnel.title')}*\n" + "\n".join(figure_line(t, f, report) for f in FUNNEL)
        ),
        kit.section(
            f"*{t('report.igov.title')}*\n" + "\n".join(figure_line(t, f, report) for f in IGOV)
        ),
    ]
    pending = report.oldest_pending
    if pending is None:
        blocks.append(kit.context(t("report.igov.none_pending")))
    else:
        blocks.append(
            kit.context(
                t(
                    "report.igov.oldest",
                    code=kit.escape(pending.code),
                    day=pending.submitted_on,
                    days=pending.days,
                )
            )
        )
    return blocks
