"""Approval (seed 003, step 3): the buttons, license_reject, `/misa license`, `/misa pending`."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App

from bot.approvals import check_can_decide, decide
from bot.errors import NotFound
from bot.i18n import Translator
from bot.licence_lookup import find_licences, pending_requests
from bot.licences import kept_documents, load_request, record_approval_message
from bot.outbox import OutboxJob, PermanentFailure, RetryLater
from bot.outbox_messages import ApprovalPost, ApprovalUpdate, RequesterNotice
from handlers.blocks import forms
from handlers.blocks.approvals import (
    approval_message,
    decision_notice,
    lookup_blocks,
    pending_blocks,
    reject_modal,
)
from handlers.blocks.igov import done_modal
from handlers.blocks.kit import escape
from handlers.context import CommandRequest, Context
from handlers.home import publish_home
from handlers.ids import Action, Callback, DecisionSource, PagingAction
from handlers.ids import LicenceRejectInput as Input
from handlers.kernel import FormAnswers, Interaction, button, form
from handlers.metadata import PendingPage, RejectFormState, RequestRef
from handlers.replies import Reply
from handlers.slack_out import FileUpload

log = logging.getLogger(__name__)

PENDING_SHOWN = 10


def license_reply(ctx: Context, t: Translator, user_id: str, query: str) -> Reply:
    """A request (with buttons for an approver who did not send it) or the list of them."""
    found = find_licences(ctx.services, ctx.authz, user_id, query)
    one = found.requests[0] if len(found.requests) == 1 else None
    can_decide = one is not None and one.requested_by != user_id and ctx.authz.is_approver(user_id)
    own = one is not None and one.requested_by == user_id
    tz = ctx.services.settings.tz
    blocks = lookup_blocks(t, found, tz, can_decide=can_decide, own=own)
    return Reply(text=t("approval.list_title", query=escape(found.query)), blocks=blocks)


def license_command(ctx: Context, request: CommandRequest) -> Reply:
    """`/misa license <request code | order no | contract no>`."""
    if not request.text.strip():
        command = ctx.services.settings.slack_command
        return Reply.message(request.t("approval.lookup_empty", command=command))
    return license_reply(ctx, request.t, request.user_id, request.text)


def pending_reply(
    ctx: Context, t: Translator, user_id: str, page: PendingPage | None = None
) -> Reply:
    """The requests waiting, a page of PENDING_SHOWN (the next `page` when given)."""
    after = (page.after_at, page.after_id) if page else None
    cards, total = pending_requests(ctx.services, ctx.authz, user_id, PENDING_SHOWN + 1, after)
    is_approver = ctx.authz.is_approver(user_id)
    blocks = pending_blocks(
        t,
        cards,
        total,
        ctx.services.settings.tz,
        viewer=user_id,
        approver=is_approver,
        shown_before=page.shown if page else 0,
        page_size=PENDING_SHOWN,
    )
    return Reply(text=t("approval.pending_title", count=total), blocks=blocks)


@button(PendingPage)
def on_pending_more(it: Interaction[PendingPage]) -> None:
    """`pending.more`: the next requests replace the page clicked in."""
    reply = pending_reply(it.ctx, it.t, it.user, it.meta)
    it.reply(reply.text, reply.blocks)


def pending_command(ctx: Context, request: CommandRequest) -> Reply:
    """`/misa pending`: requests waiting, oldest first, with the buttons for approvers."""
    return pending_reply(ctx, request.t, request.user_id)


def _redraw_pending(it: Interaction[RequestRef]) -> None:
    reply = pending_reply(it.ctx, it.t, it.user)
    it.reply(reply.text, reply.blocks)


def _redraw_licence(it: Interaction[RequestRef]) -> None:
    card = load_request(it.services, it.meta.request_id)
    reply = license_reply(it.ctx, it.t, it.user, card.code)
    it.reply(reply.text, reply.blocks)


def _redraw_home(it: Interaction[RequestRef]) -> None:
    publish_home(it.ctx, it.user, it.t)


# Where a decision button sat (RequestRef.source), and how to show that place as it is now.
REDRAWS = {
    DecisionSource.PENDING: _redraw_pending,
    DecisionSource.LICENCE: _redraw_licence,
    DecisionSource.HOME: _redraw_home,
}


def redraw_reply(it: Interaction[RequestRef]) -> None:
    """A click in a private reply (`/misa pending`, `/misa license`) or on the Home tab: show
    it as it is now. The approval message in the channel is updated by the outbox."""
    redraw = REDRAWS.get(it.meta.source) if it.meta.source else None
    if redraw is not None:
        redraw(it)


@button(RequestRef, stale="approval.request_not_found")
def on_approve(it: Interaction[RequestRef]) -> None:
    decide(it.services, it.ctx.authz, request_id=it.meta.request_id, actor=it.user, approve=True)
    redraw_reply(it)


@button(RequestRef, stale="approval.request_not_found")
def on_reject(it: Interaction[RequestRef]) -> None:
    """`license.reject`: the form asking why, for someone who may decide."""
    card = check_can_decide(it.services, it.ctx.authz, it.meta.request_id, it.user)
    it.open_modal(reject_modal(it.t, card, it.seal(RejectFormState(request_id=card.id))))


def _done(t: Translator, text: str) -> dict[str, Any]:
    return done_modal(t, t("approval.reject_title"), text)


@form(RejectFormState, FormAnswers(_done, trouble_at=Input.REASON))
def on_reject_submit(it: Interaction[RejectFormState]) -> dict[str, Any]:
    card = decide(
        it.services,
        it.ctx.authz,
        request_id=it.meta.request_id,
        actor=it.user,
        approve=False,
        reason=forms.value_of(it.state, Input.REASON),
    )
    t = it.t
    return _done(t, t("approval.rejected_done", code=card.code, name=escape(card.customer_name)))


def _load(ctx: Context, request_id: int) -> Any:
    try:
        return load_request(ctx.services, request_id)
    except NotFound as exc:
        raise PermanentFailure(str(exc)) from exc


def post_approval(ctx: Context, job: OutboxJob[ApprovalPost]) -> None:
    """Post the request to APPROVAL_CHANNEL, then its two documents in the thread."""
    services = ctx.services
    card = _load(ctx, job.message.request_id)
    channel = services.settings.approval_channel
    if not channel:
        raise PermanentFailure("APPROVAL_CHANNEL is not set")
    text, blocks = approval_message(Translator(), card, services.settings.tz)
    posted_channel, ts = ctx.slack.post_once(job, "posted", channel, text, blocks)
    if card.approval_ts is None:
        record_approval_message(services, card.id, posted_channel, ts)
    if "uploaded" not in job.done:
        # Both kept documents in one upload (one message in the thread, one paced call).
        files = _documents(ctx, card.id)
        ctx.slack.upload_once(job, "uploaded", posted_channel, files, thread_ts=ts)


def _documents(ctx: Context, request_id: int) -> list[FileUpload]:
    t = Translator()
    return [
        FileUpload(document.name, document.content, t(f"request.{document.kind.value}_file"))
        for document in kept_documents(ctx.services, request_id)
    ]


def update_approval(ctx: Context, job: OutboxJob[ApprovalUpdate]) -> None:
    card = _load(ctx, job.message.request_id)
    if card.approval_ts is None or card.approval_channel is None:
        raise RetryLater("approval message not posted yet")
    text, blocks = approval_message(Translator(), card, ctx.services.settings.tz)
    ctx.slack.update(card.approval_channel, card.approval_ts, text, blocks)


def notify_requester(ctx: Context, job: OutboxJob[RequesterNotice]) -> None:
    card = _load(ctx, job.message.request_id)
    t = ctx.languages.translator(card.requested_by)
    text, blocks = decision_notice(t, card, ctx.services.settings.tz)
    ctx.slack.post_once(job, "notice", ctx.slack.dm_channel(card.requested_by), text, blocks)


def register(app: App, ctx: Context) -> None:
    app.action(Action.LICENSE_APPROVE)(on_approve.bind(ctx))
    app.action(PagingAction.PENDING_MORE)(on_pending_more.bind(ctx))
    app.action(Action.LICENSE_REJECT)(on_reject.bind(ctx))
    app.view(Callback.LICENSE_REJECT)(on_reject_submit.bind(ctx))
    outbox = ctx.services.outbox
    outbox.register(ApprovalPost, partial(post_approval, ctx))
    outbox.register(ApprovalUpdate, partial(update_approval, ctx))
    outbox.register(RequesterNotice, partial(notify_requester, ctx))
