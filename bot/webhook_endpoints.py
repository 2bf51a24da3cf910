"""The endpoints outbound events go to (`WEBHOOK_ENDPOINTS`) and the names of the events."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

ORDER_PLACED = "storage_order.placed"
ORDER_PAID = "storage_order.paid"
ORDER_CANCELLED = "storage_order.cancelled"
ORDER_EXPIRED = "storage_order.expired"
REQUEST_SUBMITTED = "licence_request.submitted"
REQUEST_APPROVED = "licence_request.approved"
REQUEST_REJECTED = "licence_request.rejected"
DATA_DELETED = "subscription.data_deleted"
EVENT_TYPES: tuple[str, ...] = (
    ORDER_PLACED,
    ORDER_PAID,
    ORDER_CANCELLED,
    ORDER_EXPIRED,
    REQUEST_SUBMITTED,
    REQUEST_APPROVED,
    REQUEST_REJECTED,
    DATA_DELETED,
)


class WebhookEndpoint(BaseModel):
    """Where events are sent, the secret they are signed with, and which ones (None: all)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    secret: SecretStr
    events: tuple[str, ...] | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or len(value) > 2000:
            raise ValueError(f"url {value!r} must be an http(s) URL")
        return value

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: SecretStr) -> SecretStr:
        from standardwebhooks import Webhook  # only needed to check the secret

        secret = value.get_secret_value()
        try:
            if not secret.startswith("whsec_"):
                raise ValueError
            Webhook(secret)
        except Exception:
            raise ValueError("secret must be whsec_ and base64 (Standard Webhooks)") from None
        return value

    @field_validator("events")
    @classmethod
    def _events(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        unknown = [name for name in value or () if name not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event {unknown[0]!r} (known: {', '.join(EVENT_TYPES)})")
        return value

    def wants(self, event_type: str) -> bool:
        return self.events is None or event_type in self.events


def endpoint_for(endpoints: Sequence[WebhookEndpoint], url: str) -> WebhookEndpoint | None:
    return next((e for e in endpoints if e.url == url), None)
