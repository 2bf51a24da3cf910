"""`/misa report [week|month] [mm/yyyy]` and the weekly report: the summary in Slack, the chart
uploaded by the outbox (after the command's acknowledgement, with retries)."""

from __future__ import annotations

from slack_bolt import App

from bot.i18n import Translator
from bot.outbox import OutboxJob
from bot.outbox_messages import ReportChart, WeeklyReport
from bot.reports import Period, Report, compute, period_of, request_report
from handlers.blocks import kit
from handlers.blocks.reports import period_title, report_blocks
from handlers.context import CommandRequest, Context
from handlers.replies import Reply
from handlers.slack_out import FileUpload


def report_command(ctx: Context, request: CommandRequest) -> Reply:
    report, _ = request_report(ctx.services, ctx.authz, request.user_id, request.text)
    t = request.t
    blocks = report_blocks(t, report)
    blocks.append(kit.context(t("report.chart_queued")))
    return Reply(text=period_title(t, report.current.period), blocks=blocks)


def chart_file(t: Translator, report: Report) -> FileUpload:
    # matplotlib (and numpy) load on the first chart, not with every process that starts.
    from handlers.report_chart import report_chart

    period = report.current.period
    name = f"bao-cao-{period.kind.value}-{period.first:%Y-%m-%d}.png"
    return FileUpload(name, report_chart(t, report), period_title(t, period))


def _chart_comment(t: Translator, period: Period) -> str:
    return t("report.chart_file", period=period_title(t, period))


def register(app: App, ctx: Context) -> None:
    def deliver_chart(job: OutboxJob[ReportChart]) -> None:
        message = job.message
        t = ctx.languages.translator(message.user)
        report = compute(ctx.services, period_of(message.period, message.first))
        channel = ctx.slack.dm_channel(message.user)
        comment = _chart_comment(t, report.current.period)
        ctx.slack.upload_once(job, "chart", channel, [chart_file(t, report)], comment=comment)

    def deliver_weekly(job: OutboxJob[WeeklyReport]) -> None:
        message = job.message
        t = Translator()  # a channel reads the default language
        report = compute(ctx.services, period_of("week", message.first))
        blocks = [kit.context(t("report.weekly_intro")), *report_blocks(t, report)]
        title = period_title(t, report.current.period)
        ctx.slack.post_once(job, "weekly_summary", message.channel, title, blocks)
        ctx.slack.upload_once(job, "chart", message.channel, [chart_file(t, report)])

    ctx.services.outbox.register(ReportChart, deliver_chart)
    ctx.services.outbox.register(WeeklyReport, deliver_weekly)
