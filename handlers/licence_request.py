"""Licence request (seed 003, step 2): `license_request.start`, its modal and module modals."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.documents import DocumentKind
from bot.errors import DomainError, InvalidFields
from bot.i18n import Translator
from bot.licence_cards import RequestCard
from bot.licence_changes import check_edit, prepare_edit, resubmit_request
from bot.licences import (
    RequestDraft,
    RequestForm,
    check_request,
    clean_extra,
    prepare_request,
    request_for_submission,
    submit_request,
)
from handlers.blocks import forms
from handlers.blocks.igov import done_modal
from handlers.blocks.licence_request import CUSTOMER_INPUTS, module_modal, request_modal
from handlers.context import Context
from handlers.ids import Action, Callback, IgovAction, IgovCallback, LicenceRequestBlock, keyed
from handlers.ids import LicenceRequestInput as Input
from handlers.kernel import FormAnswers, Interaction, button, first_input, form, form_action
from handlers.metadata import IgovOrderRef, MetadataError, ModuleFormState, RequestFormState
from handlers.replies import SLACK_FAILURES
from handlers.slack_files import Wanted, download_documents

log = logging.getLogger(__name__)

# Both downloads must finish inside Slack's 3 s for the form's answer (errors inline).
DOWNLOAD_BUDGET = 2.2
FILE_INPUTS = (
    (DocumentKind.DECISION, Input.DECISION_FILE),
    (DocumentKind.EVIDENCE, Input.EVIDENCE_FILE),
)


def request_form(values: dict[str, Any], state: RequestFormState) -> RequestForm:
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


def request_view(
    it: Interaction[Any],
    draft: RequestDraft,
    state: RequestFormState,
    *,
    edit: RequestCard | None = None,
) -> Any:
    """The request form with `state` sealed in it (MetadataError when it no longer fits);
    `edit`: the returned request it edits, to prefill it."""
    max_mb = it.services.settings.licence_document_max_mb
    return request_modal(it.t, draft, state, it.seal(state), max_mb, edit=edit)


def form_of(
    it: Interaction[Any], state: RequestFormState
) -> tuple[RequestDraft, RequestCard | None]:
    """The form's draft: of a new request from the order, or of the returned request edited."""
    if state.request_id is None:
        return prepare_request(it.services, state.order_id), None
    edit = prepare_edit(it.services, state.request_id, it.user)
    return edit.draft, edit.request


def _done(t: Translator, text: str) -> dict[str, Any]:
    return done_modal(t, t("request.title"), text)


def saved_view(it: Interaction[Any], code: str) -> dict[str, Any]:
    channel = it.services.settings.approval_channel or ""
    return _done(it.t, it.t("request.saved", code=code, channel=channel))


@button(IgovOrderRef, stale="igov.order_not_found")
def on_start(it: Interaction[IgovOrderRef]) -> None:
    """`license_request.start`: the request form for an iGOV order."""
    if not it.services.settings.approval_channel:
        it.tell(it.t("request.no_approval_channel"))
        return
    draft = prepare_request(it.services, it.meta.order_id)
    it.open_modal(request_view(it, draft, RequestFormState(order_id=it.meta.order_id)))


@form_action(RequestFormState)
def on_module_info(it: Interaction[RequestFormState]) -> None:
    """A module's "extra information" button: its modal, pushed over the request form."""
    state = it.meta
    module = form_of(it, state)[0].module(it.value)
    if module is None:
        return  # the order changed under the form; submitting it says why
    meta = ModuleFormState(parent_view_id=it.view["id"], module=it.value, parent=state)
    view = module_modal(it.t, module, meta, it.seal(meta))  # too long: MetadataError, logged
    try:
        it.client.views_push(trigger_id=it.trigger_id, view=view)
    except SLACK_FAILURES as exc:  # nothing changed: the button can be clicked again
        log.warning("module form not pushed: %r", exc)


@form(ModuleFormState, FormAnswers(_done, trouble_at=first_input, refusals_at=first_input))
def on_module_saved(it: Interaction[ModuleFormState]) -> None:
    """Keep a module's extra information in the request form (its private_metadata)."""
    first = first_input(it.view)
    if not first:
        return None
    meta = it.meta
    draft, edit = form_of(it, meta.parent)
    module = draft.module(meta.module)
    if module is None:
        return None
    entered = {
        key: forms.value_of(it.state, keyed(LicenceRequestBlock.EXTRA, key)) or ""
        for key in module.extra_fields
    }
    extra = dict(meta.parent.extra)
    cleaned = clean_extra(module, entered)
    if cleaned:
        extra[module.code] = cleaned
    else:
        extra.pop(module.code, None)
    state = meta.parent.model_copy(update={"extra": extra})
    try:
        parent = request_view(it, draft, state, edit=edit)
    except MetadataError as exc:  # the extra information no longer fits the form's metadata
        raise InvalidFields({first: DomainError("request.extra_too_long")}) from exc
    try:
        it.client.views_update(view_id=meta.parent_view_id, view=parent)
    except SLACK_FAILURES as exc:  # keep this form open with what was typed
        log.warning("license_request form not updated: %r", exc)
        raise InvalidFields({first: DomainError("error.form_not_updated")}) from exc
    return None


@form(
    RequestFormState, FormAnswers(_done, trouble_at=Input.MISA_ID_PHONE, refusals_at=Input.MODULES)
)
def on_submit(it: Interaction[RequestFormState]) -> dict[str, Any]:
    """Check the form, then download its two documents, then save the request once."""
    services = it.services
    submitted = request_form(it.state, it.meta)
    key = f"license_request:{it.view['id']}"
    done = request_for_submission(services, key)
    if done is not None:  # the same view again (a retry, a double click): same answer
        return saved_view(it, done.code)
    attached = {kind: _file_id(it.state, block_id) for kind, block_id in FILE_INPUTS}
    if it.meta.request_id is not None:
        return _resubmit(it, it.meta.request_id, submitted, attached, key)
    files = check_request(services, submitted, attached)  # nothing downloaded unless all is right
    documents = download_documents(
        it.ctx.slack.client,
        [Wanted(kind, file_id) for kind, file_id in files.items()],
        max_bytes=services.settings.licence_document_max_mb * 1_048_576,
        budget=DOWNLOAD_BUDGET,
    )
    card = submit_request(
        services, submitted, documents, authz=it.ctx.authz, submission_key=key, user=it.user
    )
    return saved_view(it, card.code)


def _resubmit(
    it: Interaction[RequestFormState],
    request_id: int,
    submitted: RequestForm,
    attached: dict[DocumentKind, str | None],
    key: str,
) -> dict[str, Any]:
    """A returned request, edited: the documents given replace those kept; pending again."""
    services = it.services
    files = check_edit(services, request_id, submitted, attached, it.user)
    documents = []
    if files:
        documents = download_documents(
            it.ctx.slack.client,
            [Wanted(kind, file_id) for kind, file_id in files.items()],
            max_bytes=services.settings.licence_document_max_mb * 1_048_576,
            budget=DOWNLOAD_BUDGET,
        )
    card = resubmit_request(
        services,
        request_id=request_id,
        form=submitted,
        documents=documents,
        submission_key=key,
        user=it.user,
    )
    return saved_view(it, card.code)


def _file_id(values: dict[str, Any], block_id: str) -> str | None:
    files = forms.files_of(values, block_id)
    return str(files[0]["id"]) if files and files[0].get("id") else None


def register(app: App, ctx: Context) -> None:
    app.action(Action.LICENSE_REQUEST_START)(on_start.bind(ctx))
    app.action(IgovAction.MODULE_INFO)(on_module_info.bind(ctx))
    app.view(IgovCallback.MODULE_INFO)(on_module_saved.bind(ctx))
    app.view(Callback.LICENSE_REQUEST)(on_submit.bind(ctx))
