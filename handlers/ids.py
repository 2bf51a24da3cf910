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
