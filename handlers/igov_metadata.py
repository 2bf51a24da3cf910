"""What iGOV buttons and modals carry (button values, private_metadata), typed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from handlers.metadata import Metadata


class OrderRef(Metadata):
    """The order a `license_request.start` button acts on."""

    order_id: int


class RequestRef(Metadata):
    """The request a `license.approve` / `license.reject` button acts on.

    `source` says which private reply the button sits in (`/misa pending` or `/misa license`),
    so that reply can be redrawn after the click; the channel message has none.
    """

    request_id: int
    source: Literal["pending", "lookup"] | None = None


class OrderFormState(Metadata):
    """The igov_order modal: where the order message goes once saved."""

    channel_id: str


class RequestFormState(Metadata):
    """The license_request modal: its order, and the extra information entered per module."""

    order_id: int
    extra: dict[str, dict[str, str]] = Field(default_factory=dict)


class ModuleFormState(Metadata):
    """A module's extra-information modal, pushed over the license_request modal."""

    parent_view_id: str
    module: str
    parent: RequestFormState


class RejectFormState(Metadata):
    """The license_reject modal."""

    request_id: int
