"""Typed metadata carried in button values and modal private_metadata, parsed in one place."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date, datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from handlers.ids import DecisionSource

BUTTON_VALUE_LIMIT = 2000
PRIVATE_METADATA_LIMIT = 3000

M = TypeVar("M", bound="Metadata")


class MetadataError(ValueError):
    """A value or private_metadata that we did not write (or that was tampered with)."""

    text_key = "error.stale_form"  # what the person is told when it is a form's


class NotYourForm(MetadataError):
    """A form submitted (or clicked in) by someone other than the person it was opened for."""

    text_key = "error.not_your_form"


class Metadata(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _ids_fit_the_database(self) -> Metadata:
        """Row ids are 64-bit: a forged 10**30 is refused here, not by the database driver."""
        for name, value in self:
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                raise ValueError(f"{name} is out of range")
        return self

    def encode(self, limit: int = BUTTON_VALUE_LIMIT) -> str:
        encoded = self.model_dump_json(exclude_none=True)
        if len(encoded) > limit:
            raise MetadataError(f"{type(self).__name__} is {len(encoded)} chars, limit {limit}")
        return encoded

    @classmethod
    def decode(cls: type[M], raw: str | None) -> M:
        try:
            return cls.model_validate_json(raw or "")
        except ValidationError as exc:
            raise MetadataError(f"bad {cls.__name__}: {raw!r:.80}") from exc


class SubscriptionRef(Metadata):
    """Identifies the subscription a `storage_order.start` button acts on."""

    subscription_id: int


class CustomerRef(Metadata):
    """Identifies the customer an `igov_order.start` button acts on."""

    customer_id: int


class StorageOrderRef(Metadata):
    """The storage order an `order.mark_paid` button acts on."""

    order_id: int


class OrderFormMeta(Metadata):
    """What the storage_order modal carries between Slack round trips."""

    subscription_id: int
    package_code: str
    channel_id: str
    quantity: int


# -- iGOV add-ons and licence approval ------------------------------------------------------------


class IgovOrderRef(Metadata):
    """The iGOV order a `license_request.start` button acts on."""

    order_id: int


class RequestRef(Metadata):
    """The request a `license.approve` / `license.reject` button acts on.

    `source` says which private reply the button sits in (`/misa pending` or `/misa license`),
    so that reply can be redrawn after the click; the channel message has none.
    """

    request_id: int
    source: DecisionSource | None = None


class OrderFormState(Metadata):
    """The igov_order modal: where the order message goes once saved."""

    channel_id: str


class RequestFormState(Metadata):
    """The license_request modal: its order, and the extra information entered per module;
    `request_id` when it edits a request returned for changes."""

    order_id: int
    extra: dict[str, dict[str, str]] = Field(default_factory=dict)
    request_id: int | None = None


class ModuleFormState(Metadata):
    """A module's extra-information modal, pushed over the license_request modal."""

    parent_view_id: str
    module: str
    parent: RequestFormState


class RejectFormState(Metadata):
    """The license_reject modal."""

    request_id: int


_USER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # never a dot: the separator


class FormSeal:
    """Binds a modal's private_metadata to the person it was opened for and to the form.

    The metadata travels as `<mac>.<user id>.<json>`; the MAC (HMAC-SHA256, with a key derived
    from the app's secret) covers the form's kind, the user id and the JSON. So a changed
    channel, order or request is refused as stale, and another person's submission as theirs.
    Every instance of the bot derives the same key, so any of them reads what another wrote.
    """

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"misa-store-bot form metadata v1", hashlib.sha256).digest()

    def _mac(self, kind: type[Metadata], user_id: str, body: str) -> str:
        message = f"{kind.__name__}\n{user_id}\n{body}".encode("utf-8", "surrogatepass")
        digest = hmac.new(self._key, message, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def seal(self, state: Metadata, user_id: str, limit: int = PRIVATE_METADATA_LIMIT) -> str:
        if not _USER_ID.fullmatch(user_id):
            raise MetadataError(f"not a Slack user id: {user_id!r:.40}")
        body = state.encode(limit)
        sealed = f"{self._mac(type(state), user_id, body)}.{user_id}.{body}"
        if len(sealed) > limit:
            raise MetadataError(f"{type(state).__name__} is {len(sealed)} chars, limit {limit}")
        return sealed

    def open(self, kind: type[M], raw: str | None, user_id: str) -> M:
        """The metadata `seal` wrote for `kind`; refused if changed, or if `user_id` is not
        the person the form was opened for."""
        mac, _, rest = (raw or "").partition(".")
        owner, _, body = rest.partition(".")
        given = mac.encode("utf-8", "surrogatepass")
        if not _USER_ID.fullmatch(owner) or not hmac.compare_digest(
            given, self._mac(kind, owner, body).encode()
        ):
            raise MetadataError(f"{kind.__name__} not sealed by us: {raw!r:.80}")
        if owner != user_id:
            raise NotYourForm(f"{kind.__name__} of {owner} submitted by {user_id!r:.40}")
        return kind.decode(body)


class ChangesFormState(Metadata):
    """The license_changes modal (what the requester must add or correct)."""

    request_id: int


# -- Correcting a storage order; taking a deletion warning ----------------------------------------


class OrderCorrectionState(Metadata):
    """The order_invoice and order_cancel modals: the order they correct."""

    order_id: int


class DeletionClaimRef(Metadata):
    """A `reminder.claim` button: the account, and the day of the digest it sits in."""

    subscription_id: int
    day: date


# -- Daily use: paging, the App Home, the lookup shortcut, link previews ----------------------


class LookupPage(Metadata):
    """A `lookup.more` button: the query again, and the ranking key of the last customer shown
    (the next page starts after it, so new customers imported meanwhile repeat nothing)."""

    query: str = Field(max_length=200)
    after: tuple[int | str, ...] = Field(max_length=4)
    shown: int = Field(ge=0)  # customers shown on the pages before


class PendingPage(Metadata):
    """A `pending.more` button: the (created at, id) of the last request shown."""

    after_at: datetime
    after_id: int
    shown: int = Field(ge=0)


class HomePage(Metadata):
    """A `home.more` button: which section of the Home tab, and its page to show."""

    section: Literal["approvals", "my_requests", "my_orders", "my_accounts", "finance"]
    page: int = Field(ge=0, le=100)


class TransferRef(Metadata):
    """The transfer a `transfer.resolve` button acts on (and its modal resolves)."""

    transaction_id: int
