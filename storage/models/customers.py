"""Customers and their subscriptions. Dates are calendar dates in the bot's time zone."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, Timestamps
from storage.models.types import UtcDateTime


class Customer(Timestamps, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)
    # The tax code without its branch suffix, so a root finds the company and its branches.
    tax_code_root: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(400))
    # Diacritics-folded, lower-case words of `name`: what name search matches against.
    name_folded: Mapped[str] = mapped_column(String(400))
    address: Mapped[str] = mapped_column(String(500), default="")
    segment: Mapped[str] = mapped_column(String(16))
    budget_code: Mapped[str | None] = mapped_column(String(7))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    owner: Mapped[str | None] = mapped_column(String(32))

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="customer", order_by="Subscription.expires_on", lazy="raise"
    )


class Subscription(Timestamps, Base):
    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_product_expires_on", "product", "expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product: Mapped[str] = mapped_column(String(16))
    contract_no: Mapped[str] = mapped_column(String(64), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    # Set when a storage package is paid: read-only access until this date.
    storage_until: Mapped[date | None] = mapped_column(Date)
    # Set by the deletion sweep when the data was actually deleted.
    data_deleted_on: Mapped[date | None] = mapped_column(Date)

    customer: Mapped[Customer] = relationship(back_populates="subscriptions", lazy="raise")


class SubscriptionRenewal(Base):
    """An expiry date moved later by an import: the term that ended (or was to end) and the new
    one. The reports count renewals from here: a renewed subscription keeps only its new date."""

    __tablename__ = "subscription_renewals"
    __table_args__ = (Index("ix_subscription_renewals_previous_expires_on", "previous_expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    previous_expires_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
