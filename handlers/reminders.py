"""Reminders out to Slack: the outbox deliverers of the scheduled jobs (bot/reminders.py).

Each deliverer posts one message (a DM opened with conversations.open, a channel, or a thread
reply), then, when the list was too long for the message, uploads the full list as a CSV in
the message's thread. Finished steps are checkpointed, so a retry never posts twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App

from bot.deletion_claims import claim_account, claims_for, support_digest
from bot.i18n import Translator
from bot.outbox import OutboxJob, PermanentFailure
from bot.outbox_messages import (
    AccountItem,
    ApprovalReminder,
    DeletionDigest,
    DigestClaimed,
    ExpiryDigest,
    PaymentReminder,
    Recipient,
    SweepReportMessage,
)
from bot.reminders import deleted_accounts, sweep_report
from handlers.blocks import reminders as blocks
from handlers.blocks.reminders import Claims, CsvFile, Digest
from handlers.context import Context
from handlers.ids import ReminderAction
from handlers.kernel import Interaction, button
from handlers.metadata import DeletionClaimRef
from handlers.slack_out import FileUpload

# A reminder rendered for a reader: the message, and how to make the CSV of the full list when
# the message could not hold it all (made only when it is about to be uploaded).
Rendered = tuple[Digest, Callable[[], CsvFile] | None]
Render = Callable[[Translator], Rendered]


class ReminderDeliverers:
    """One deliverer per reminder kind; each renders the claimed message."""

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

    def _deliver(self, job: OutboxJob[Any], recipient: Recipient, render: Render) -> None:
        t = self._translator(recipient)
        digest, make_csv = render(t)
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

    def expiry(self, job: OutboxJob[ExpiryDigest]) -> None:
        message = job.message

        def render(t: Translator) -> Rendered:
            to_channel = not message.recipient.user
            digest = blocks.expiry_digest(t, message.items, to_channel=to_channel)
            name = t("reminders.expiry.csv_name", date=message.today.isoformat())
            return digest, self._csv(t, digest, message.items, blocks.expiry_columns(t), name)

        self._deliver(job, message.recipient, render)

    def deletion_warning(self, job: OutboxJob[DeletionDigest]) -> None:
        message = job.message

        def render(t: Translator) -> Rendered:
            to_channel = not message.recipient.user
            claims = self._claims(message) if to_channel else None
            digest = blocks.deletion_digest(t, message.items, show_owner=to_channel, claims=claims)
            name = t("reminders.deletion.csv_name", date=message.today.isoformat())
            return digest, self._csv(t, digest, message.items, blocks.deletion_columns(t), name)

        self._deliver(job, message.recipient, render)

    def _claims(self, message: DeletionDigest) -> Claims:
        return Claims(message.today, claims_for(self.ctx.services.db, message.items))

    def digest_claimed(self, job: OutboxJob[DigestClaimed]) -> None:
        """Redraw the support channel's deletion digest with who handles which account."""
        services = self.ctx.services
        claimed = job.message
        digest = support_digest(services.db, services.settings.support_channel or "", claimed.day)
        if digest is None:
            raise PermanentFailure("the digest of that day is not known")
        redrawn = blocks.deletion_digest(
            Translator(), digest.items, show_owner=True, claims=self._claims(digest)
        )
        self.ctx.slack.update(claimed.channel, claimed.ts, redrawn.text, redrawn.blocks)

    def sweep_report(self, job: OutboxJob[SweepReportMessage]) -> None:
        db = self.ctx.services.db

        def render(t: Translator) -> Rendered:
            report = sweep_report(db, job.message, blocks.MAX_LISTED)
            digest = blocks.sweep_digest(t, report)
            if not digest.left_out:
                return digest, None
            name = t("reminders.sweep.csv_name", date=report.today.isoformat())
            columns = blocks.deleted_columns(t, report.today)
            return digest, lambda: blocks.accounts_csv(
                t, deleted_accounts(db, report), columns, name=name
            )

        self._deliver(job, job.message.recipient, render)

    @staticmethod
    def _csv(
        t: Translator,
        digest: Digest,
        items: Sequence[AccountItem],
        columns: list[blocks.Column],
        name: str,
    ) -> Callable[[], CsvFile] | None:
        if not digest.left_out:
            return None
        return lambda: blocks.accounts_csv(t, items, columns, name=name)

    def approval(self, job: OutboxJob[ApprovalReminder]) -> None:
        reminder = job.message
        digest = blocks.approval_reminder(Translator(), reminder, self.ctx.services.settings.tz)
        self.ctx.slack.post_once(
            job,
            "reply",
            reminder.channel,
            digest.text,
            digest.blocks,
            thread_ts=reminder.thread_ts,
        )

    def payment(self, job: OutboxJob[PaymentReminder]) -> None:
        tz = self.ctx.services.settings.tz
        reminder = job.message
        self._deliver(
            job, reminder.recipient, lambda t: (blocks.payment_reminder(t, reminder, tz), None)
        )


@button(DeletionClaimRef)
def on_claim(it: Interaction[DeletionClaimRef]) -> None:
    """`reminder.claim` ("Tôi xử lý"): this person handles the account; the digest says so."""
    container = it.body.get("container") or {}
    redraw = DigestClaimed(
        channel=container.get("channel_id") or it.channel_id,
        ts=container.get("message_ts") or "",
        day=it.meta.day,
    )
    services = it.services
    claim_account(
        services, it.ctx.authz, it.user, it.meta.subscription_id, redraw, services.clock.now()
    )


def register(app: App, ctx: Context) -> None:
    app.action(ReminderAction.CLAIM)(on_claim.bind(ctx))
    deliverers = ReminderDeliverers(ctx)
    outbox = ctx.services.outbox
    outbox.register(ExpiryDigest, deliverers.expiry)
    outbox.register(DeletionDigest, deliverers.deletion_warning)
    outbox.register(SweepReportMessage, deliverers.sweep_report)
    outbox.register(ApprovalReminder, deliverers.approval)
    outbox.register(PaymentReminder, deliverers.payment)
    outbox.register(DigestClaimed, deliverers.digest_claimed)
