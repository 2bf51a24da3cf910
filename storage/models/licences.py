"""iGOV add-on orders (seed 003), licence requests with their documents and modules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, Timestamps
from storage.models.customers import Customer
from storage.models.types import UtcDateTime


class IgovOrder(Timestamps, Base):
    __tablename__ = "igov_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(20), unique=True)
    submission_key: Mapped[str] = mapped_column(String(255), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    sales_project: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")
    qty_kt: Mapped[int] = mapped_column(Integer)
    qty_vps: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    # saved → requested (a licence request exists)
    status: Mapped[str] = mapped_column(String(24))
    created_by: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))

    customer: Mapped[Customer] = relationship(lazy="raise")


class LicenceRequest(Timestamps, Base):
    __tablename__ = "licence_requests"
    __table_args__ = (Index("ix_licence_requests_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    submission_key: Mapped[str] = mapped_column(String(255), unique=True)
    igov_order_id: Mapped[int] = mapped_column(ForeignKey("igov_orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product: Mapped[str] = mapped_column(String(16))
    budget_code: Mapped[str] = mapped_column(String(7))
    amount: Mapped[int] = mapped_column(BigInteger)
    request_type: Mapped[str] = mapped_column(String(16))
    sector: Mapped[str] = mapped_column(String(100))
    misa_id_email: Mapped[str] = mapped_column(String(254))
    misa_id_phone: Mapped[str] = mapped_column(String(20))
    # The customer's details as confirmed on the request (prefilled, completed by staff).
    customer_info: Mapped[dict[str, Any]] = mapped_column()
    # pending → approved | rejected (decided exactly once, by a conditional update);
    # pending ⇄ returned (for changes, then resubmitted); pending | returned → withdrawn
    # (by the requester: decided_by / decided_at say who and when).
    status: Mapped[str] = mapped_column(String(16), index=True)
    requested_by: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(2000))
    # The latest return for changes (every one is in the audit trail).
    returned_by: Mapped[str | None] = mapped_column(String(32))
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    return_reason: Mapped[str | None] = mapped_column(String(2000))
    approval_channel: Mapped[str | None] = mapped_column(String(32))
    approval_ts: Mapped[str | None] = mapped_column(String(32))

    modules: Mapped[list[LicenceRequestModule]] = relationship(
        back_populates="request", order_by="LicenceRequestModule.id", lazy="raise"
    )
    documents: Mapped[list[LicenceDocument]] = relationship(
        back_populates="request", order_by="LicenceDocument.id", lazy="raise"
    )
    igov_order: Mapped[IgovOrder] = relationship(lazy="raise")
    customer: Mapped[Customer] = relationship(lazy="raise")


class LicenceRequestModule(Base):
    """A business module (nghiệp vụ) on a request: months of use and resource quantities."""

    __tablename__ = "licence_request_modules"
    __table_args__ = (UniqueConstraint("request_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("licence_requests.id"))
    package: Mapped[str] = mapped_column(String(8))
    module_code: Mapped[str] = mapped_column(String(32))
    module_name: Mapped[str] = mapped_column(String(200))
    months: Mapped[int] = mapped_column(Integer)
    quantity_previous: Mapped[int] = mapped_column(Integer)
    quantity_bought: Mapped[int] = mapped_column(Integer)
    quantity_total: Mapped[int] = mapped_column(Integer)
    extra_info: Mapped[dict[str, Any]] = mapped_column(default=dict)

    request: Mapped[LicenceRequest] = relationship(back_populates="modules", lazy="raise")


class LicenceDocument(Base):
    """A document downloaded from Slack when the request was saved (kept with its checksum)."""

    __tablename__ = "licence_documents"
    __table_args__ = (UniqueConstraint("request_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("licence_requests.id"))
    kind: Mapped[str] = mapped_column(String(16))  # decision | evidence
    slack_file_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    request: Mapped[LicenceRequest] = relationship(back_populates="documents", lazy="raise")


class SubscriptionModule(Base):
    """Resources granted on a subscription per module, as of the latest approved request."""

    __tablename__ = "subscription_modules"
    __table_args__ = (UniqueConstraint("subscription_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    module_code: Mapped[str] = mapped_column(String(32))
    module_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[int] = mapped_column(ForeignKey("licence_requests.id"))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)
