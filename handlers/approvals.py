"""Approval (seed 003, step 3): the buttons, license_reject, `/misa license`, `/misa pending`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.approvals import NOTIFY_REQUESTER, UPDATE_APPROVAL, check_can_decide, decide
from bot.documents import DocumentKind
from bot.errors import AlreadyDecided, DomainError, InvalidInput, NotFound
from bot.i18n import Translator
from bot.licence_lookup import find_licences, pending_requests
from bot.licences import POST_APPROVAL, load_request
from bot.outbox import OutboxJob, PermanentFailure, RetryLater
from handlers.blocks.approvals import (
    already_decided_text,
    approval_message,
    decision_notice,
    lookup_blocks,
    pending_blocks,
    reject_modal,
)
from handlers.blocks.igov import done_modal
from handlers.blocks.kit import escape
from handlers.context import CommandRequest, Context
from handlers.errors import error_text, reject_fields
from handlers.ids import Action, Callback
from handlers.ids import LicenceRejectInput as Input
from handlers.igov import answer_form
from handlers.metadata import MetadataError, RejectFormState, RequestRef
from handlers.replies import Reply, open_modal, tell
from handlers.slack_out import FileUpload
from storage.repositories import licences as repo

log = logging.getLogger(__name__)

PENDING_SHOWN = 10


def already_text(ctx: Context, t: Translator, error: AlreadyDecided) -> str:
    at = error.params.get("decided_at")
    when = t.moment(at, ctx.services.settings.tz) if isinstance(at, datetime) else ""
    return already_decided_text(
        t, error.params["status"], error.params.get("decided_by") or "", when, error.params["code"]
    )


def refusal_text(ctx: Context, t: Translator, error: DomainError) -> str:
    if isinstance(error, AlreadyDecided):
        return already_text(ctx, t, error)
    return error_text(t, error)


def license_reply(ctx: Context, t: Translator, user_id: str, query: str) -> Reply:
    """A request (with buttons for an approver who did not send it) or the list of them."""
    try:
        found = find_licences(ctx.services, ctx.authz, user_id, query)
    except DomainError as error:
        return Reply.message(error_text(t, error))
    can_decide = (
        len(found.requests) == 1
        and found.requests[0].requested_by != user_id
        and ctx.authz.is_approver(user_id)
    )
    blocks = lookup_blocks(t, found, ctx.services.settings.tz, can_decide=can_decide)
    return Reply(text=t("approval.list_title", query=escape(found.query)), blocks=blocks)


def license_command(ctx: Context, request: CommandRequest) -> Reply:
    """`/misa license <request code | order no | contract no>`."""
    if not request.text.strip():
        command = ctx.services.settings.slack_command
        return Reply.message(request.t("approval.lookup_empty", command=command))
    return license_reply(ctx, request.t, request.user_id, request.text)


def pending_reply(ctx: Context, t: Translator, user_id: str) -> Reply:
    try:
        cards, total = pending_requests(ctx.services, ctx.authz, user_id, PENDING_SHOWN)
    except DomainError as error:
        return Reply.message(error_text(t, error))
    is_approver = ctx.authz.is_approver(user_id)
    blocks = pending_blocks(
        t, cards, total, ctx.services.settings.tz, viewer=user_id, approver=is_approver
    )
    return Reply(text=t("approval.pending_title", count=total), blocks=blocks)


def pending_command(ctx: Context, request: CommandRequest) -> Reply:
    """`/misa pending`: requests waiting, oldest first, with the buttons for approvers."""
    return pending_reply(ctx, request.t, request.user_id)


def register(app: App, ctx: Context) -> None:
    services = ctx.services
    tz = services.settings.tz

    def request_ref(body: dict[str, Any]) -> RequestRef | None:
        try:
            return RequestRef.decode(body["actions"][0].get("value"))
        except MetadataError:
            return None

    def redraw_reply(ref: RequestRef, user: str, respond: Respond, t: Translator) -> None:
        """A click in a private reply (`/misa pending`, `/misa license`): show it as it is now."""
        if ref.source == "pending":
            reply = pending_reply(ctx, t, user)
        elif ref.source == "lookup":
            card = load_request(services, ref.request_id)
            reply = license_reply(ctx, t, user, card.code)
        else:
            return
        respond(text=reply.text, blocks=reply.blocks, replace_original=True)

    @app.action(Action.LICENSE_APPROVE)
    def on_approve(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        ref = request_ref(body)
        if ref is None:
            tell(respond, t("approval.request_not_found"))
            return
        try:
            decide(services, ctx.authz, request_id=ref.request_id, actor=user, approve=True)
        except DomainError as error:
            tell(respond, refusal_text(ctx, t, error))
            return
        redraw_reply(ref, user, respond, t)

    @app.action(Action.LICENSE_REJECT)
    def on_reject(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        ref = request_ref(body)
        if ref is None:
            tell(respond, t("approval.request_not_found"))
            return
        try:
            card = check_can_decide(services, ctx.authz, ref.request_id, user)
        except DomainError as error:
            tell(respond, refusal_text(ctx, t, error))
            return
        sealed = ctx.forms.seal(RejectFormState(request_id=card.id), user)
        if not open_modal(client, body["trigger_id"], reject_modal(t, card, sealed)):
            tell(respond, t("error.form_not_opened"))

    @app.view(Callback.LICENSE_REJECT)
    def on_reject_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        where = "license_reject submission"
        answer_form(ack, t, Input.REASON, where, lambda: reject(ack, t, user, view))

    def reject(ack: Ack, t: Translator, user: str, view: dict[str, Any]) -> None:
        state = ctx.forms.open(RejectFormState, view.get("private_metadata"), user)
        values = (view.get("state") or {}).get("values") or {}
        reason = (values.get(Input.REASON) or {}).get(Input.REASON, {}).get("value")
        try:
            card = decide(
                services,
                ctx.authz,
                request_id=state.request_id,
                actor=user,
                approve=False,
                reason=reason,
            )
        except InvalidInput as error:
            reject_fields(ack, t, {Input.REASON: error})
            return
        except DomainError as error:
            text = refusal_text(ctx, t, error)
            ack(response_action="update", view=done_modal(t, t("approval.reject_title"), text))
            return
        text = t("approval.rejected_done", code=card.code, name=escape(card.customer_name))
        ack(response_action="update", view=done_modal(t, t("approval.reject_title"), text))

    def load(job: OutboxJob) -> Any:
        try:
            return load_request(services, job.payload["request_id"])
        except NotFound as exc:
            raise PermanentFailure(str(exc)) from exc

    def post_approval(job: OutboxJob) -> None:
        """Post the request to APPROVAL_CHANNEL, then its two documents in the thread."""
        card = load(job)
        channel = services.settings.approval_channel
        if not channel:
            raise PermanentFailure("APPROVAL_CHANNEL is not set")
        text, blocks = approval_message(Translator(), card, tz)
        posted_channel, ts = ctx.slack.post_once(job, "posted", channel, text, blocks)
        if card.approval_ts is None:
            with services.db.session() as session:
                repo.set_approval_message(session, card.id, posted_channel, ts)
        if "uploaded" not in job.done:
            # Both kept documents in one upload (one message in the thread, one paced call).
            ctx.slack.upload_once(job, "uploaded", posted_channel, documents(card.id), thread_ts=ts)

    def documents(request_id: int) -> list[FileUpload]:
        uploads = []
        with services.db.session() as session:
            for kind in DocumentKind:
                document = repo.document(session, request_id, kind.value)
                if document is not None:
                    title = Translator()(f"request.{kind.value}_file")
                    uploads.append(FileUpload(document.name, document.content, title))
        return uploads

    def update_approval(job: OutboxJob) -> None:
        card = load(job)
        if card.approval_ts is None or card.approval_channel is None:
            raise RetryLater("approval message not posted yet")
        text, blocks = approval_message(Translator(), card, tz)
        ctx.slack.update(card.approval_channel, card.approval_ts, text, blocks)

    def notify_requester(job: OutboxJob) -> None:
        card = load(job)
        t = ctx.languages.translator(card.requested_by)
        text, blocks = decision_notice(t, card, tz)
        ctx.slack.post_once(job, "notice", ctx.slack.dm_channel(card.requested_by), text, blocks)

    services.outbox.register(POST_APPROVAL, post_approval)
    services.outbox.register(UPDATE_APPROVAL, update_approval)
    services.outbox.register(NOTIFY_REQUESTER, notify_requester)
