"""Reminders out to Slack: the outbox deliverers of the scheduled jobs (bot/reminders.py).

Each deliverer posts one message (a DM opened with conversations.open, a channel, or a thread
reply), then, when the list was too long for the message, uploads the full list as a CSV in
the message's thread. Finished steps are checkpointed, so a retry never posts twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.i18n import Translator
from bot.outbox import OutboxJob, PermanentFailure
from bot.reminders import (
    KIND_APPROVAL,
    KIND_DELETION_WARNING,
    KIND_EXPIRY,
    KIND_PAYMENT,
    KIND_SWEEP_REPORT,
    AccountItem,
    Recipient,
    deleted_accounts,
    sweep_report,
)
from handlers.blocks import reminders as blocks
from handlers.blocks.reminders import CsvFile, Digest
from handlers.context import Context
from handlers.slack_out import FileUpload

# A payload rendered for a reader: the message, and how to make the CSV of the full list when
# the message could not hold it all (made only when it is about to be uploaded).
Rendered = tuple[Digest, Callable[[], CsvFile] | None]
Render = Callable[[Translator, dict[str, Any]], Rendered]


class ReminderDeliverers:
    """One deliverer per reminder kind; each renders from the claimed payload."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _translator(self, recipient: Recipient) -> Translator:
        # People read their DMs in their own language; channels are shared, so Vietnamese.
        return self.ctx.languages.translator(recipient.user) if recipient.user else Translator()

    def _channel(self, recipient: Recipient) -> str:
        if recipient.user:
            return self.ctx.slack.dm_channel(recipient.user)
        if not recipient.channel:
            raise PermanentFailure("reminder without a recipient (channel setting missing)")
        return recipient.channel

    def _deliver(self, job: OutboxJob, render: Render) -> None:
        recipient = Recipient.from_payload(job.payload["recipient"])
        t = self._translator(recipient)
        digest, make_csv = render(t, job.payload)
        channel = self._channel(recipient)
        _, ts = self.ctx.slack.post_once(job, "digest", channel, digest.text, digest.blocks)
        if make_csv is not None and "csv" not in job.done:
            csv_file = make_csv()
            self.ctx.slack.upload_once(
                job,
                "csv",
                channel,
                [FileUpload(csv_file.filename, csv_file.content, csv_file.title)],
                thread_ts=ts,
                comment=csv_file.comment,
            )

    @staticmethod
    def _items(payload: dict[str, Any]) -> list[AccountItem]:
        return [AccountItem.from_payload(item) for item in payload["items"]]

    def expiry(self, job: OutboxJob) -> None:
        def render(t: Translator, payload: dict[str, Any]) -> Rendered:
            items = self._items(payload)
            to_channel = "channel" in payload["recipient"]
            digest = blocks.expiry_digest(t, items, to_channel=to_channel)
            name = t("reminders.expiry.csv_name", date=payload["today"])
            return digest, self._csv(t, digest, items, blocks.expiry_columns(t), name)

        self._deliver(job, render)

    def deletion_warning(self, job: OutboxJob) -> None:
        def render(t: Translator, payload: dict[str, Any]) -> Rendered:
            items = self._items(payload)
            to_channel = "channel" in payload["recipient"]
            digest = blocks.deletion_digest(t, items, show_owner=to_channel)
            name = t("reminders.deletion.csv_name", date=payload["today"])
            return digest, self._csv(t, digest, items, blocks.deletion_columns(t), name)

        self._deliver(job, render)

    def sweep_report(self, job: OutboxJob) -> None:
        db = self.ctx.services.db

        def render(t: Translator, payload: dict[str, Any]) -> Rendered:
            report = sweep_report(db, payload, blocks.MAX_LISTED)
            digest = blocks.sweep_digest(t, report)
            if not digest.left_out:
                return digest, None
            name = t("reminders.sweep.csv_name", date=report.today.isoformat())
            columns = blocks.deleted_columns(t, report.today)
            return digest, lambda: blocks.accounts_csv(
                t, deleted_accounts(db, report), columns, name=name
            )

        self._deliver(job, render)

    @staticmethod
    def _csv(
        t: Translator,
        digest: Digest,
        items: list[AccountItem],
        columns: list[blocks.Column],
        name: str,
    ) -> Callable[[], CsvFile] | None:
        if not digest.left_out:
            return None
        return lambda: blocks.accounts_csv(t, items, columns, name=name)

    def approval(self, job: OutboxJob) -> None:
        payload = job.payload
        digest = blocks.approval_reminder(Translator(), payload, self.ctx.services.settings.tz)
        self.ctx.slack.post_once(
            job,
            "reply",
            payload["channel"],
            digest.text,
            digest.blocks,
            thread_ts=payload["thread_ts"],
        )

    def payment(self, job: OutboxJob) -> None:
        tz = self.ctx.services.settings.tz
        self._deliver(job, lambda t, payload: (blocks.payment_reminder(t, payload, tz), None))


def register(app: App, ctx: Context) -> None:
    deliverers = ReminderDeliverers(ctx)
    outbox = ctx.services.outbox
    outbox.register(KIND_EXPIRY, deliverers.expiry)
    outbox.register(KIND_DELETION_WARNING, deliverers.deletion_warning)
    outbox.register(KIND_SWEEP_REPORT, deliverers.sweep_report)
    outbox.register(KIND_APPROVAL, deliverers.approval)
    outbox.register(KIND_PAYMENT, deliverers.payment)
