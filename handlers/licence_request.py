"""Licence request (seed 003, step 2): `license_request.start`, its modal and module modals."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.documents import DocumentKind
from bot.errors import DomainError, InvalidFields, NotAuthorized
from bot.i18n import Translator
from bot.licences import (
    RequestDraft,
    RequestForm,
    clean_extra,
    prepare_request,
    request_for_submission,
    submit_request,
    validate_request,
)
from handlers.blocks import forms
from handlers.blocks.igov import done_modal
from handlers.blocks.licence_request import CUSTOMER_INPUTS, module_modal, request_modal
from handlers.context import Context
from handlers.errors import error_text, reject_fields
from handlers.ids import Action, Callback, IgovAction, IgovCallback, LicenceRequestBlock, keyed
from handlers.ids import LicenceRequestInput as Input
from handlers.igov import answer_form, form_errors
from handlers.metadata import IgovOrderRef, MetadataError, ModuleFormState, RequestFormState
from handlers.replies import SLACK_FAILURES, open_modal, tell
from handlers.slack_files import Wanted, download_documents

log = logging.getLogger(__name__)

# Both downloads must finish inside Slack's 3 s for the form's answer (errors inline).
DOWNLOAD_BUDGET = 2.2
FILE_INPUTS = (
    (DocumentKind.DECISION, Input.DECISION_FILE),
    (DocumentKind.EVIDENCE, Input.EVIDENCE_FILE),
)


def request_form(view: dict[str, Any], state: RequestFormState) -> RequestForm:
    values = view.get("state") or {}
    return RequestForm(
        order_id=state.order_id,
        modules=forms.selections_of(values, Input.MODULES),
        extra=state.extra,
        misa_id_email=forms.value_of(values, Input.MISA_ID_EMAIL),
        misa_id_phone=forms.value_of(values, Input.MISA_ID_PHONE),
        customer={
            str(block_id): forms.value_of(values, block_id) for block_id, _ in CUSTOMER_INPUTS
        },
    )


def register(app: App, ctx: Context) -> None:
    services = ctx.services
    max_mb = services.settings.licence_document_max_mb

    def form_view(
        t: Translator, draft: RequestDraft, state: RequestFormState, user: str
    ) -> dict[str, Any]:
        return request_modal(t, draft, state, ctx.forms.seal(state, user), max_mb)

    @app.action(Action.LICENSE_REQUEST_START)
    def on_start(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        if not services.settings.approval_channel:
            tell(respond, t("request.no_approval_channel"))
            return
        try:
            ref = IgovOrderRef.decode(body["actions"][0].get("value"))
            draft = prepare_request(services, ref.order_id)
        except MetadataError:
            tell(respond, t("igov.order_not_found"))
            return
        except DomainError as error:
            tell(respond, error_text(t, error))
            return
        view = form_view(t, draft, RequestFormState(order_id=ref.order_id), user)
        if not open_modal(client, body["trigger_id"], view):
            tell(respond, t("error.form_not_opened"))

    @app.action(IgovAction.MODULE_INFO)
    def on_module_info(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        parent = body["view"]
        try:
            state = ctx.forms.open(RequestFormState, parent.get("private_metadata"), user)
        except MetadataError as exc:
            log.warning("module form not opened: %s", exc)
            return  # submitting it says the form is stale (or not theirs)
        code = body["actions"][0].get("value") or ""
        try:
            module = prepare_request(services, state.order_id).module(code)
        except DomainError:
            module = None
        if module is None:
            return  # the order changed under the form; submitting it says why
        meta = ModuleFormState(parent_view_id=parent["id"], module=code, parent=state)
        try:
            view = module_modal(t, module, meta, ctx.forms.seal(meta, user))
        except MetadataError:  # the extra information already fills the form's metadata
            log.warning("module form not opened: its metadata is too long")
            return
        try:
            client.views_push(trigger_id=body["trigger_id"], view=view)
        except SLACK_FAILURES as exc:  # nothing changed: the button can be clicked again
            log.warning("module form not pushed: %r", exc)

    @app.view(IgovCallback.MODULE_INFO)
    def on_module_saved(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Keep a module's extra information in the request form (its private_metadata)."""
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
        if not inputs:
            ack()
            return
        where = "license_request_module submission"
        answer_form(ack, t, inputs[0], where, lambda: keep(ack, t, user, view, client, inputs[0]))

    def keep(
        ack: Ack, t: Translator, user: str, view: dict[str, Any], client: WebClient, first: str
    ) -> None:
        meta = ctx.forms.open(ModuleFormState, view.get("private_metadata"), user)
        try:
            draft = prepare_request(services, meta.parent.order_id)
        except DomainError as error:  # the order got a request meanwhile
            reject_fields(ack, t, {first: error})
            return
        module = draft.module(meta.module)
        if module is None:
            ack()
            return
        entered = {
            key: forms.value_of(view.get("state") or {}, keyed(LicenceRequestBlock.EXTRA, key))
            or ""
            for key in module.extra_fields
        }
        extra = dict(meta.parent.extra)
        cleaned = clean_extra(module, entered)
        if cleaned:
            extra[module.code] = cleaned
        else:
            extra.pop(module.code, None)
        state = RequestFormState(order_id=meta.parent.order_id, extra=extra)
        try:
            parent = form_view(t, draft, state, user)
        except MetadataError:
            reject_fields(ack, t, {first: DomainError("request.extra_too_long")})
            return
        try:
            client.views_update(view_id=meta.parent_view_id, view=parent)
        except SLACK_FAILURES as exc:  # keep this form open with what was typed
            log.warning("license_request form not updated: %r", exc)
            reject_fields(ack, t, {first: DomainError("error.form_not_updated")})
            return
        ack()

    @app.view(Callback.LICENSE_REQUEST)
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        t = ctx.languages.translator(user)
        where = "license_request submission"
        answer_form(ack, t, Input.MISA_ID_PHONE, where, lambda: send(ack, t, user, view))

    def send(ack: Ack, t: Translator, user: str, view: dict[str, Any]) -> None:
        state = ctx.forms.open(RequestFormState, view.get("private_metadata"), user)
        form = request_form(view, state)
        key = f"license_request:{view['id']}"
        done = request_for_submission(services, key)
        if done is not None:  # the same view again (a retry, a double click): same answer
            ack(response_action="update", view=saved_view(t, done.code))
            return
        errors: dict[str, DomainError] = {}
        try:
            validate_request(prepare_request(services, state.order_id), form)
        except InvalidFields as error:
            errors.update(form_errors(error))
        except DomainError as error:  # the order got a request meanwhile
            errors[Input.MODULES] = error
        wanted = []
        for kind, block_id in FILE_INPUTS:
            files = forms.files_of(view.get("state") or {}, block_id)
            if not files or not files[0].get("id"):
                errors.setdefault(block_id, DomainError("request.file_required"))
            else:
                wanted.append(Wanted(kind, str(files[0]["id"])))
        if errors:  # nothing downloaded until the rest of the form is right
            reject_fields(ack, t, errors)
            return
        documents, failures = download_documents(
            ctx.slack.client, wanted, max_bytes=max_mb * 1_048_576, budget=DOWNLOAD_BUDGET
        )
        if failures:
            reject_fields(ack, t, form_errors(InvalidFields.of(failures)))
            return
        try:
            card = submit_request(
                services,
                form,
                documents,
                authz=ctx.authz,
                submission_key=key,
                user=user,
            )
        except NotAuthorized as error:
            title = t("request.title")
            ack(response_action="update", view=done_modal(t, title, error_text(t, error)))
            return
        except InvalidFields as error:
            reject_fields(ack, t, form_errors(error))
            return
        except DomainError as error:
            reject_fields(ack, t, {Input.MODULES: error})
            return
        ack(response_action="update", view=saved_view(t, card.code))

    def saved_view(t: Translator, code: str) -> dict[str, Any]:
        channel = services.settings.approval_channel or ""
        return done_modal(t, t("request.title"), t("request.saved", code=code, channel=channel))
