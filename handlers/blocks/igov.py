"""iGOV order: its modal and its message (one renderer for every state of the order)."""

from __future__ import annotations

from datetime import tzinfo

from bot.i18n import Translator
from bot.igov_catalogue import MAX_QUANTITY, IgovCatalogue, Package
from bot.igov_orders import SAVED, CustomerOption, IgovCustomer, OrderCard
from handlers.blocks import forms, kit
from handlers.blocks.kit import Block, escape
from handlers.ids import (
    Action,
    Callback,
    IgovAction,
    IgovBlock,
    IgovCallback,
    IgovOrderInput,
    Keyed,
    keyed,
)
from handlers.metadata import IgovOrderRef


def customer_option(customer: CustomerOption | IgovCustomer) -> Block:
    """How a customer reads in the select: name, then tax code (options are 75 chars)."""
    suffix = f" · {customer.tax_code}"
    name = kit.truncate(customer.name, forms.OPTION_TEXT_LIMIT - len(suffix))
    return forms.option(f"{name}{suffix}", str(customer.id))


def customer_details(t: Translator, customer: IgovCustomer | None) -> str:
    """Budget code, address, contacts and the iGOV contract, filled in from the customer."""
    if customer is None:
        return t("igov.order.pick_customer")
    contact = " · ".join(
        escape(part)
        for part in (customer.contact_name, customer.contact_email, customer.contact_phone)
        if part
    )
    lines = [
        f"*{escape(customer.name)}* · {t('lookup.tax_code')} `{customer.tax_code}`",
        f"{t('lookup.budget_code')} `{customer.budget_code or '—'}`",
        f"{t('igov.address')}: {escape(customer.address) or '—'}",
        f"{t('igov.contact')}: {contact or '—'}",
    ]
    if customer.contract_no and customer.expires_on:
        lines.append(
            t(
                "igov.contract_line",
                contract_no=escape(customer.contract_no),
                expires_on=customer.expires_on,
            )
        )
    else:
        lines.append(t("igov.no_subscription", name=escape(customer.name)))
    return "\n".join(lines)


def package_label(t: Translator, package: Package) -> str:
    return t(f"igov.package.{package.value}")


def order_modal(
    t: Translator,
    cat: IgovCatalogue,
    private_metadata: str,
    customer: IgovCustomer | None,
    notice: str | None = None,
) -> Block:
    """The igov_order form; `customer` preselected (and its details shown) when known.

    `private_metadata`: its OrderFormState, sealed for the person (handlers/metadata.py).

    `notice` replaces the details when the chosen customer cannot buy (and says why).
    """
    description_id = f"{IgovOrderInput.DESCRIPTION}_{customer.id if customer else 0}"
    blocks: list[Block] = [
        kit.section(t("igov.order.intro")),
        forms.external_select_input(
            IgovOrderInput.CUSTOMER,
            IgovAction.ORDER_CUSTOMER,
            t("igov.order.customer"),
            placeholder=t("igov.order.customer_placeholder"),
            initial=customer_option(customer) if customer else None,
        ),
        kit.section(notice or customer_details(t, customer), block_id=IgovBlock.CUSTOMER_DETAILS),
        forms.text_input(
            IgovOrderInput.SALES_PROJECT,
            t("igov.order.sales_project"),
            max_length=200,
            placeholder=t("igov.order.sales_project_placeholder"),
        ),
    ]
    for package, block_id in (
        (Package.KT, IgovOrderInput.QTY_KT),
        (Package.VPS, IgovOrderInput.QTY_VPS),
    ):
        label = t(
            "igov.order.quantity",
            package=package_label(t, package),
            price=t.money(cat.unit_price(package)),
        )
        blocks.append(
            forms.whole_number_input(block_id, label, initial=0, minimum=0, maximum=MAX_QUANTITY)
        )
    blocks.append(kit.context(t("igov.order.quantity_rule")))
    blocks.append(
        forms.text_input(
            description_id,
            t("igov.order.description"),
            initial=t("igov.order.description_default", name=customer.name) if customer else None,
            optional=True,
            max_length=1000,
            multiline=True,
        )
    )
    return forms.modal(
        Callback.IGOV_ORDER,
        t("igov.order.title"),
        blocks,
        submit=t("igov.order.submit"),
        close=t("igov.cancel"),
        private_metadata=private_metadata,
    )


def order_status(t: Translator, card: OrderCard) -> str:
    return t(f"igov.status.{card.status}")


def order_message(t: Translator, card: OrderCard, tz: tzinfo) -> tuple[str, list[Block]]:
    """The saved order in any state; the request button only while a request can be made."""
    customer = card.customer
    contact = " · ".join(
        escape(p)
        for p in (customer.contact_name, customer.contact_email, customer.contact_phone)
        if p
    )
    fields = [
        f"*{t('igov.customer')}*\n{escape(customer.name)}\n"
        f"{t('lookup.tax_code')} `{customer.tax_code}`",
        f"*{t('lookup.budget_code')}*\n`{customer.budget_code or '—'}`",
        f"*{t('igov.contract')}*\n`{escape(customer.contract_no or '—')}`",
        f"*{t('igov.order.sales_project')}*\n{escape(card.sales_project)}",
        f"*{t('igov.contact')}*\n{contact or '—'}",
        f"*{t('igov.status')}*\n{order_status(t, card)}",
    ]
    goods = [
        t(
            "igov.order.line",
            package=package_label(t, line.package),
            quantity=line.quantity,
            price=t.money(line.unit_price),
            amount=t.money(line.amount),
        )
        for line in card.lines
    ]
    goods.append(t("igov.order.total", amount=t.money(card.amount)))
    blocks: list[Block] = [
        kit.header(t("igov.order.message_title", order_no=card.order_no)),
        {"type": "section", "fields": [kit.mrkdwn(f, 2000) for f in fields]},
        kit.section("\n".join(goods)),
    ]
    if card.description:
        blocks.append(kit.section(f"_{t('igov.order.description')}:_ {escape(card.description)}"))
    created = t("igov.order.created", user=card.created_by, at=t.moment(card.created_at, tz))
    request = card.latest_request
    notes = [created]
    if request is not None:
        notes.append(
            t(
                "igov.order.request_line",
                code=request.code,
                status=t(f"approval.status.{request.status}"),
            )
        )
    blocks.append(kit.context(*notes))
    if card.status == SAVED:
        button = kit.button(
            t("igov.order.request_button"),
            Action.LICENSE_REQUEST_START,
            IgovOrderRef(order_id=card.id).encode(),
            style="primary",
        )
        blocks.append(kit.actions(button, block_id=keyed(Keyed.IGOV_ORDER_ACTIONS, card.id)))
    text = t(
        "igov.order.message_text",
        order_no=card.order_no,
        name=escape(customer.name),
        status=order_status(t, card),
    )
    return text, blocks


def done_modal(t: Translator, title: str, text: str) -> Block:
    """What a saved form turns into: the outcome, and a close button."""
    return forms.modal(IgovCallback.DONE, title, [kit.section(text)], close=t("igov.close"))
