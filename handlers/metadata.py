"""Typed metadata carried in button values and modal private_metadata, parsed in one place."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

BUTTON_VALUE_LIMIT = 2000
PRIVATE_METADATA_LIMIT = 3000

M = TypeVar("M", bound="Metadata")


class MetadataError(ValueError):
    """A value or private_metadata that we did not write (or that was tampered with)."""


class Metadata(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

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
