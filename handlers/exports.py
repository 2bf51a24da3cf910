"""`/misa export [month]` and the delivery of the files to the person's DM."""

from __future__ import annotations

from slack_bolt import App

from bot.exports import month_files, request_export
from bot.outbox import OutboxJob
from bot.outbox_messages import ExportDelivery
from handlers.context import CommandRequest, Context
from handlers.replies import Reply
from handlers.slack_out import FileUpload


def export_command(ctx: Context, request: CommandRequest) -> Reply:
    now = ctx.services.clock.now()
    month = request_export(ctx.services, ctx.authz, request.user_id, request.text, now)
    return Reply.message(request.t("export.queued", month=f"{month:%m/%Y}"))


def register(app: App, ctx: Context) -> None:
    def deliver(job: OutboxJob[ExportDelivery]) -> None:
        user, month = job.message.user, job.message.month
        t = ctx.languages.translator(user)
        channel = ctx.slack.dm_channel(user)
        for csv_file in month_files(ctx.services, month):
            ctx.slack.upload_once(
                job,
                csv_file.filename,
                channel,
                [FileUpload(csv_file.filename, csv_file.content, csv_file.filename)],
                comment=t("export.file", rows=csv_file.rows, month=f"{month:%m/%Y}"),
            )

    ctx.services.outbox.register(ExportDelivery, deliver)
