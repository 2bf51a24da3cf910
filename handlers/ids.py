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


class Callback(StrEnum):
    STORAGE_ORDER = "storage_order"
    IGOV_ORDER = "igov_order"
    LICENSE_REQUEST = "license_request"
    LICENSE_REJECT = "license_reject"


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


class LicenceRejectInput(StrEnum):
    REASON = "reason"
