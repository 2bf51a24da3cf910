"""Typed metadata carried in button values and modal private_metadata, parsed in one place."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

BUTTON_VALUE_LIMIT = 2000
PRIVATE_METADATA_LIMIT = 3000

M = TypeVar("M", bound="Metadata")


class MetadataError(ValueError):
    """A value or private_metadata that we did not write (or that was tampered with)."""


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
