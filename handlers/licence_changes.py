"""A licence request returned for changes (`license.request_changes`, its license_changes
modal), edited from the requester's DM (`license_request.edit`), or withdrawn
(`license.withdraw`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.errors import NotFound
from bot.i18n import Translator
from bot.licence_changes import (
    check_can_return,
    prepare_edit,
    return_for_changes,
    withdraw_request,
)
from bot.licences import kept_documents, load_request
from bot.outbox import OutboxJob, PermanentFailure, RetryLater
from bot.outbox_messages import ApprovalDocuments, ReturnedNotice
from handlers.approvals import redraw_reply
from handlers.blocks import forms
from handlers.blocks.approvals import changes_modal, returned_notice
from handlers.blocks.igov import done_modal
from handlers.blocks.kit import escape
from handlers.context import Context
from handlers.ids import (
    DecisionSource,
    LicenceChangesAction,
    LicenceChangesCallback,
    LicenceChangesInput,
)
from handlers.kernel import FormAnswers, Interaction, button, form
from handlers.licence_request import request_view
from handlers.metadata import ChangesFormState, RequestFormState, RequestRef
from handlers.slack_out import FileUpload


@button(RequestRef, stale="approval.request_not_found")
def on_request_changes(it: Interaction[RequestRef]) -> None:
    """`license.request_changes`: the form asking what is missing, for who may decide."""
    card = check_can_return(it.services, it.ctx.authz, it.meta.request_id, it.user)
    it.open_modal(changes_modal(it.t, card, it.seal(ChangesFormState(request_id=card.id))))


def _done(t: Translator, text: str) -> dict[str, Any]:
    return done_modal(t, t("approval.changes_title"), text)


@form(ChangesFormState, FormAnswers(_done, trouble_at=LicenceChangesInput.REASON))
def on_changes_submit(it: Interaction[ChangesFormState]) -> dict[str, Any]:
    card = return_for_changes(
        it.services,
        it.ctx.authz,
        request_id=it.meta.request_id,
        actor=it.user,
        reason=forms.value_of(it.state, LicenceChangesInput.REASON),
    )
    t = it.t
    return _done(t, t("approval.returned_done", code=card.code, name=escape(card.customer_name)))


@button(RequestRef, stale="approval.request_not_found")
def on_edit(it: Interaction[RequestRef]) -> None:
    """`license_request.edit`: the request form, prefilled with the returned request."""
    edit = prepare_edit(it.services, it.meta.request_id, it.user)
    request = edit.request
    extra = {m.code: dict(m.extra) for m in request.modules if m.extra}
    state = RequestFormState(order_id=request.order_id, extra=extra, request_id=request.id)
    it.open_modal(request_view(it, edit.draft, state, edit=request))


@button(RequestRef, stale="approval.request_not_found")
def on_withdraw(it: Interaction[RequestRef]) -> None:
    """`license.withdraw` (confirmed in Slack's dialog): only the requester, while open."""
    card = withdraw_request(it.services, request_id=it.meta.request_id, user=it.user)
    if it.meta.source == DecisionSource.NOTICE:
        text, blocks = returned_notice(it.t, card, it.services.settings.tz)
        it.reply(text, blocks)
    elif it.meta.source is None:
        it.tell(it.t("approval.withdrawn_done", code=card.code))
    else:
        redraw_reply(it)


def register(app: App, ctx: Context) -> None:
    services = ctx.services
    tz = services.settings.tz
    app.action(LicenceChangesAction.REQUEST_CHANGES)(on_request_changes.bind(ctx))
    app.view(LicenceChangesCallback.LICENSE_CHANGES)(on_changes_submit.bind(ctx))
    app.action(LicenceChangesAction.EDIT)(on_edit.bind(ctx))
    app.action(LicenceChangesAction.WITHDRAW)(on_withdraw.bind(ctx))

    def load(request_id: int) -> Any:
        try:
            return load_request(services, request_id)
        except NotFound as exc:
            raise PermanentFailure(str(exc)) from exc

    def notify_returned(job: OutboxJob[ReturnedNotice]) -> None:
        """The requester's DM with what is missing, and the edit and withdraw buttons."""
        card = load(job.message.request_id)
        t = ctx.languages.translator(card.requested_by)
        text, blocks = returned_notice(t, card, tz)
        ctx.slack.post_once(job, "notice", ctx.slack.dm_channel(card.requested_by), text, blocks)

    def post_documents(job: OutboxJob[ApprovalDocuments]) -> None:
        """The replacing documents, in the approval message's thread."""
        card = load(job.message.request_id)
        if card.approval_ts is None or card.approval_channel is None:
            raise RetryLater("approval message not posted yet")
        t = Translator()
        files = [
            FileUpload(
                d.name,
                d.content,
                t("approval.replaced_file", kind=t(f"request.{d.kind.value}_file")),
            )
            for d in kept_documents(services, card.id)
            if d.kind.value in job.message.kinds
        ]
        if files:
            ctx.slack.upload_once(
                job, "uploaded", card.approval_channel, files, thread_ts=card.approval_ts
            )

    services.outbox.register(ReturnedNotice, notify_returned)
    services.outbox.register(ApprovalDocuments, post_documents)
