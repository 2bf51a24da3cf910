"""Every action_id, callback_id and block_id the bot uses (SPEC §2), in one place."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    STORAGE_ORDER_START = "storage_order.start"
    IGOV_ORDER_START = "igov_order.start"
    LICENSE_REQUEST_START = "license_request.start"
    LICENSE_APPROVE = "license.approve"
    LICENSE_REJECT = "license.reject"
    ORDER_MARK_PAID = "order.mark_paid"


class StorageOrderAction(StrEnum):
    """Interactions inside the storage-order form and message that SPEC §2 does not name."""

    QUANTITY = "storage_order.quantity"  # the quantity input: totals recomputed on change
    OPEN_PAGE = "storage_order.open_page"  # a link button to the order page


class Callback(StrEnum):
    STORAGE_ORDER = "storage_order"
    IGOV_ORDER = "igov_order"
    LICENSE_REQUEST = "license_request"
    LICENSE_REJECT = "license_reject"


class StorageOrderInput(StrEnum):
    """Block ids of the storage_order inputs; each element's action_id is the same string."""

    QUANTITY = "quantity"
    BUYER_NAME = "buyer_name"
    BUYER_TAX_CODE = "buyer_tax_code"
    BUYER_ADDRESS = "buyer_address"
    RECIPIENT_NAME = "recipient_name"
    INVOICE_EMAIL = "invoice_email"
    PHONE = "phone"


class StorageOrderBlock(StrEnum):
    """The other blocks of the storage_order modal and of the order message."""

    SUBSCRIPTION = "subscription"
    PRICING = "pricing"
    SUMMARY = "summary"
    WAY1 = "way1"
    WAY2 = "way2"
    WAY3 = "way3"
    PAID_EMAIL = "paid_email"
    ORDER_ACTIONS = "order_actions"


# -- iGOV add-ons and licence approval (seed 003) -------------------------------------------------


class IgovAction(StrEnum):
    """Interactions inside the iGOV forms that SPEC §2 does not name."""

    ORDER_CUSTOMER = "igov_order.customer"  # external_select: picking the customer
    MODULE_INFO = "license_request.module_info"  # a module's "extra information" button


class IgovCallback(StrEnum):
    MODULE_INFO = "license_request_module"  # pushed over license_request, one module
    DONE = "igov_done"  # the confirmation a saved form turns into


class IgovOrderInput(StrEnum):
    """Block ids of the igov_order inputs; each element's action_id is the same string."""

    CUSTOMER = "customer"
    SALES_PROJECT = "sales_project"
    QTY_KT = "qty_KT"
    QTY_VPS = "qty_VPS"
    # Suffixed with the customer id, so choosing another customer refills it.
    DESCRIPTION = "description"


class LicenceRequestInput(StrEnum):
    """Block ids of the license_request inputs; each element's action_id is the same string."""

    MODULES = "modules"
    DECISION_FILE = "decision_file"
    EVIDENCE_FILE = "evidence_file"
    MISA_ID_EMAIL = "misa_id_email"
    MISA_ID_PHONE = "misa_id_phone"
    CUSTOMER_NAME = "customer_name"
    CUSTOMER_ADDRESS = "customer_address"
    CONTACT_NAME = "contact_name"
    CONTACT_EMAIL = "contact_email"
    CONTACT_PHONE = "contact_phone"


class IgovBlock(StrEnum):
    CUSTOMER_DETAILS = "customer_details"  # the igov_order modal's section about the customer


class LicenceRequestBlock(StrEnum):
    """Prefixes of the license_request modal's keyed blocks (see `keyed`)."""

    MODULE = "module_"  # a module's section, with its "extra information" button
    EXTRA = "extra_"  # an input of the module modal, one per extra field


class LicenceRejectInput(StrEnum):
    REASON = "reason"


# -- Blocks repeated once per thing in a message (keyed with the thing's id) ---------------------


class Keyed(StrEnum):
    """Prefixes of block ids that repeat in a message, one per order, customer or request."""

    IGOV_ORDER_ACTIONS = "order:"
    LOOKUP_CUSTOMER = "c:"
    LOOKUP_STORAGE = "storage:"
    LOOKUP_IGOV = "igov:"
    APPROVAL_DECIDE = "decide:"
    PENDING_REQUEST = "pending:"
    DELETION_ITEM = "deletion:"


def keyed(prefix: StrEnum, key: object) -> str:
    """A block id made unique in its message by the thing it is about: `order:42`."""
    return f"{prefix}{key}"


# -- Licence requests returned for changes, edited, withdrawn -------------------------------------


class LicenceChangesAction(StrEnum):
    REQUEST_CHANGES = "license.request_changes"  # approval message, next to approve / reject
    WITHDRAW = "license.withdraw"  # the requester's DM and replies, while the request is open
    EDIT = "license_request.edit"  # the requester's DM: opens license_request prefilled


class LicenceChangesCallback(StrEnum):
    LICENSE_CHANGES = "license_changes"


class LicenceChangesInput(StrEnum):
    REASON = "reason"


class LicenceChangesBlock(StrEnum):
    OWN_ACTIONS = "own:"  # the requester's buttons on their request (keyed with its id)


# -- Correcting a storage order; taking a deletion warning ----------------------------------------


class OrderAction(StrEnum):
    """Buttons on a storage order's message while it awaits payment (SPEC §2)."""

    EDIT_INVOICE = "order.edit_invoice"
    RESEND_EMAIL = "order.resend_email"
    CANCEL = "order.cancel"


class OrderCallback(StrEnum):
    INVOICE = "order_invoice"  # the invoice inputs of storage_order (StorageOrderInput), prefilled
    CANCEL = "order_cancel"


class OrderCancelInput(StrEnum):
    REASON = "reason"


class ReminderAction(StrEnum):
    CLAIM = "reminder.claim"  # "Tôi xử lý" on an account of the support deletion digest


class ReminderBlock(StrEnum):
    DELETION_ACTIONS = "deletion_actions:"  # keyed: an account's buttons in the digest


# -- Daily use: paging, the App Home, the lookup shortcut, link previews ----------------------


class PagingAction(StrEnum):
    """The last block of a paged list: the next page."""

    LOOKUP_MORE = "lookup.more"
    PENDING_MORE = "pending.more"


class PagingBlock(StrEnum):
    MORE = "more"


class HomeAction(StrEnum):
    TRANSFER_RESOLVE = "transfer.resolve"
    MORE = "home.more"  # a section's next items on the Home tab


class HomeBlock(StrEnum):
    """The App Home's section headers (SPEC §2)."""

    APPROVALS = "home.approvals"
    MY_REQUESTS = "home.my_requests"
    MY_ORDERS = "home.my_orders"
    MY_ACCOUNTS = "home.my_accounts"
    FINANCE = "home.finance"


class HomeKeyed(StrEnum):
    ACCOUNT = "home.account:"
    TRANSFER = "home.transfer:"
    MORE = "home.more:"


class HomeCallback(StrEnum):
    TRANSFER_RESOLVE = "transfer_resolve"


class TransferResolveInput(StrEnum):
    NOTE = "note"


class ShortcutCallback(StrEnum):
    LOOKUP = "lookup"  # the global shortcut, and its modal


class LookupShortcutInput(StrEnum):
    CUSTOMER = "customer"  # block id of the type-ahead select


class LookupShortcutAction(StrEnum):
    CUSTOMER = "lookup.customer"  # the select's action id (its options and its choice)


class LookupShortcutBlock(StrEnum):
    CARD = "lookup.card"


class DecisionSource(StrEnum):
    """Where a licence decision button sits (carried in its value, to redraw that place)."""

    PENDING = "pending"  # `/misa pending`
    LICENCE = "lookup"  # `/misa license <code>`
    HOME = "home_tab"  # the App Home tab
    NOTICE = "returned_dm"  # the requester's direct message about a returned request
