"""The license_request modal and the per-module modal pushed over it."""

from __future__ import annotations

from collections.abc import Mapping

from bot.documents import ALLOWED_FILETYPES
from bot.i18n import Translator
from bot.licence_cards import ModuleLine, RequestCard
from bot.licences import RequestDraft
from handlers.blocks import forms, kit
from handlers.blocks.kit import Block, escape
from handlers.ids import Callback, IgovAction, IgovCallback, LicenceRequestBlock, keyed
from handlers.ids import LicenceRequestInput as Input
from handlers.metadata import ModuleFormState, RequestFormState

# The customer inputs, named as RequestForm.customer's keys, with the length each accepts.
CUSTOMER_INPUTS = (
    (Input.CUSTOMER_NAME, 400),
    (Input.CUSTOMER_ADDRESS, 500),
    (Input.CONTACT_NAME, 200),
    (Input.CONTACT_EMAIL, 254),
    (Input.CONTACT_PHONE, 20),
)


def returned_text(t: Translator, card: RequestCard) -> str:
    """What the approver asked for, shown above the edited form."""
    return t(
        "request.returned_reason",
        user=card.returned_by or "",
        reason=escape(card.return_reason or ""),
    )


def quantity_text(t: Translator, module: ModuleLine) -> str:
    return t(
        "request.quantity",
        previous=module.previous,
        bought=module.bought,
        total=module.total,
    )


def extra_text(t: Translator, extra: Mapping[str, str] | tuple[tuple[str, str], ...]) -> str:
    pairs = extra.items() if isinstance(extra, Mapping) else extra
    return " · ".join(f"{t(f'request.extra.{k}')}: {escape(v)}" for k, v in pairs)


def module_line_text(t: Translator, module: ModuleLine, extra: Mapping[str, str]) -> str:
    """`*Name* (CODE) · 12 months` / `quantity: 3 + 2 = *5*` / extra information."""
    lines = [
        f"*{escape(module.name)}* (`{module.code}`) · {t('request.months', months=module.months)}",
        quantity_text(t, module),
    ]
    if extra:
        lines.append(f"_{extra_text(t, extra)}_")
    return "\n".join(lines)


def summary_fields(t: Translator, draft: RequestDraft) -> list[str]:
    """Product, budget code, amount, request type and sector: filled in, not editable."""
    order = draft.order
    return [
        f"*{t('igov.order_no')}*\n`{order.order_no}`",
        f"*{t('igov.customer')}*\n{escape(order.customer.name)}",
        f"*{t('request.product')}*\n{t(f'product.{draft.product}')}",
        f"*{t('lookup.budget_code')}*\n`{draft.budget_code}`",
        f"*{t('request.amount')}*\n{t.money(draft.amount)}",
        f"*{t('request.type')}*\n{t(f'request.type.{draft.request_type}')}",
        f"*{t('request.sector')}*\n{escape(draft.sector)}",
        f"*{t('igov.contract')}*\n`{escape(order.customer.contract_no or '—')}`",
    ]


def _file_hint(t: Translator, max_mb: int, edit: RequestCard | None, kind: str) -> str:
    kept = next((d for d in edit.documents if d.kind == kind), None) if edit else None
    if kept is None:
        return t("request.file_hint", max_mb=max_mb)
    return t("request.file_kept_hint", name=kept.name, max_mb=max_mb)


def request_modal(
    t: Translator,
    draft: RequestDraft,
    state: RequestFormState,
    private_metadata: str,
    max_mb: int,
    *,
    edit: RequestCard | None = None,
) -> Block:
    """The licence request form, filled in from the order, the customer and the catalogue;
    or, with `edit`, from the returned request it corrects (its documents are kept unless
    another file is given).

    `private_metadata` is `state` sealed for the person (handlers/metadata.py FormSeal)."""
    options = [
        forms.option(
            m.name,
            m.code,
            t(
                "request.module_option",
                code=m.code,
                months=m.months,
                previous=m.previous,
                bought=m.bought,
                total=m.total,
            ),
        )
        for m in draft.modules
    ]
    chosen = options
    if edit is not None:
        codes = {m.code for m in edit.modules}
        chosen = [o for o in options if o["value"] in codes] or options
    blocks: list[Block] = []
    if edit is not None:
        blocks.append(kit.section(t("request.editing", code=edit.code)))
        blocks.append(kit.context(returned_text(t, edit)))
    blocks += [
        {"type": "section", "fields": [kit.mrkdwn(f, 2000) for f in summary_fields(t, draft)]},
        kit.divider(),
        forms.file_input(
            Input.DECISION_FILE,
            t("request.decision_file"),
            filetypes=ALLOWED_FILETYPES,
            hint=_file_hint(t, max_mb, edit, "decision"),
            optional=edit is not None,
        ),
        forms.file_input(
            Input.EVIDENCE_FILE,
            t("request.evidence_file"),
            filetypes=ALLOWED_FILETYPES,
            hint=_file_hint(t, max_mb, edit, "evidence"),
            optional=edit is not None,
        ),
        kit.divider(),
        forms.checkboxes_input(
            Input.MODULES,
            t("request.modules"),
            options,
            initial=chosen,
            hint=t("request.modules_hint"),
        ),
    ]
    for module in draft.modules:
        button = None
        if module.extra_fields:
            button = kit.button(t("request.extra_button"), IgovAction.MODULE_INFO, module.code)
        text = module_line_text(t, module, state.extra.get(module.code, {}))
        blocks.append(
            kit.section(
                text, block_id=keyed(LicenceRequestBlock.MODULE, module.code), accessory=button
            )
        )
    blocks += [
        kit.divider(),
        kit.section(f"*{t('request.misa_id')}*"),
        forms.email_input(
            Input.MISA_ID_EMAIL,
            t("request.misa_id_email"),
            initial=(edit.misa_id_email if edit else draft.customer_info.get("contact_email"))
            or None,
        ),
        forms.text_input(
            Input.MISA_ID_PHONE,
            t("request.misa_id_phone"),
            initial=(edit.misa_id_phone if edit else draft.customer_info.get("contact_phone"))
            or None,
            max_length=20,
            placeholder="0912345678",
        ),
        kit.divider(),
        kit.section(f"*{t('request.customer_info')}*\n{t('request.customer_info_hint')}"),
    ]
    for block_id, limit in CUSTOMER_INPUTS:
        current = draft.customer_info.get(block_id) or ""
        blocks.append(
            forms.text_input(
                block_id,
                t(f"request.{block_id}"),
                initial=current or None,
                # Prefilled inputs stay optional for Slack; a missing part is required by
                # the bot, which says so inline.
                optional=True,
                max_length=limit,
                hint=None if current else t("request.missing_required"),
            )
        )
    return forms.modal(
        Callback.LICENSE_REQUEST,
        t("request.title"),
        blocks,
        submit=t("request.submit"),
        close=t("igov.cancel"),
        private_metadata=private_metadata,
    )


def module_modal(
    t: Translator, module: ModuleLine, state: ModuleFormState, private_metadata: str
) -> Block:
    """A module's extra information (the seed's (+) pop-up); `private_metadata` is `state`
    sealed for the person."""
    current = state.parent.extra.get(module.code, {})
    blocks: list[Block] = [
        kit.section(f"*{escape(module.name)}* (`{module.code}`)\n{quantity_text(t, module)}")
    ]
    for key in module.extra_fields:
        blocks.append(
            forms.text_input(
                keyed(LicenceRequestBlock.EXTRA, key),
                t(f"request.extra.{key}"),
                initial=current.get(key),
                optional=True,
                max_length=100,
            )
        )
    return forms.modal(
        IgovCallback.MODULE_INFO,
        t("request.module_title"),
        blocks,
        submit=t("request.module_submit"),
        close=t("request.module_back"),
        private_metadata=private_metadata,
    )
