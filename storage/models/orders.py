"""Data storage package orders (seed 000) and the bank transactions that pay them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, Timestamps
from storage.models.customers import Customer, Subscription
from storage.models.types import UtcDateTime


class StorageOrder(Timestamps, Base):
    __tablename__ = "storage_orders"
    __table_args__ = (
        Index("ix_storage_orders_status_deadline", "status", "payment_deadline"),
        # At most one unpaid order per subscription, whatever races happen.
        Index(
            "uq_storage_orders_one_open",
            "subscription_id",
            unique=True,
            sqlite_where=text("status = 'awaiting_payment'"),
            postgresql_where=text("status = 'awaiting_payment'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(20), unique=True)
    # Secret of the customer-facing order page (≥128 bits, URL-safe).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # Makes a double submission or a Slack retry create one order, not two.
    submission_key: Mapped[str] = mapped_column(String(255), unique=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)

    package_code: Mapped[str] = mapped_column(String(32))
    package_name: Mapped[str] = mapped_column(String(200))
    term_months: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    tax_label: Mapped[str] = mapped_column(String(16))
    tax_amount: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)

    buyer_name: Mapped[str] = mapped_column(String(400))
    buyer_tax_code: Mapped[str] = mapped_column(String(14))
    buyer_address: Mapped[str] = mapped_column(String(500))
    recipient_name: Mapped[str] = mapped_column(String(200))
    invoice_email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(20))

    # awaiting_payment → paid | expired | cancelled
    status: Mapped[str] = mapped_column(String(24), index=True)
    payment_deadline: Mapped[date] = mapped_column(Date)
    placed_by: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paid_via: Mapped[str | None] = mapped_column(String(16))
    paid_by: Mapped[str | None] = mapped_column(String(32))
    storage_until: Mapped[date | None] = mapped_column(Date)
    email_status: Mapped[str] = mapped_column(String(16), default="queued")
    # When the payment confirmation email reached the mail server (None: not yet).
    paid_email_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when the placer or finance cancels the order while it awaits payment.
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(32))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))

    subscription: Mapped[Subscription] = relationship(lazy="raise")
    customer: Mapped[Customer] = relationship(lazy="raise")


class BankTransaction(Base):
    """A bank-transfer notification as received, whatever it turned out to be."""

    __tablename__ = "bank_transactions"
    # A retry repeats id and details and is recorded once; the same id with other details is
    # another transfer, recorded too (and shown to finance).
    __table_args__ = (
        Index("uq_bank_transactions_notification", "provider_id", "fingerprint", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    gateway: Mapped[str] = mapped_column(String(64))
    transaction_date: Mapped[str] = mapped_column(String(32))
    account_number: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(String(500))
    transfer_type: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    reference_code: Mapped[str] = mapped_column(String(64))
    # a TransferOutcome of bot/payments.py: paid, underpaid, unmatched, conflicting…
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("storage_orders.id"), index=True)
    raw: Mapped[dict[str, Any]] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A transfer that paid nothing, once finance has dealt with it (refunded, matched by hand…).
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolution_note: Mapped[str | None] = mapped_column(String(1000))


class DeletionClaim(Base):
    """Who took a deletion warning (calls the customer), once per account and expiry date."""

    __tablename__ = "deletion_claims"
    __table_args__ = (
        Index("uq_deletion_claims_account", "subscription_id", "expires_on", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    # The expiry the warning was about: a renewal and a later expiry can be claimed afresh.
    expires_on: Mapped[date] = mapped_column(Date)
    claimed_by: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
