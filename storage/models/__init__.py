"""SQLAlchemy 2 typed models, one module per aggregate; all share `Base.metadata`."""

from storage.models.base import Base, Timestamps
from storage.models.customers import Customer, Subscription, SubscriptionRenewal
from storage.models.events import AuditEvent, OutboxMessage
from storage.models.licences import (
    IgovOrder,
    LicenceDocument,
    LicenceRequest,
    LicenceRequestModule,
    SubscriptionModule,
)
from storage.models.orders import BankTransaction, DeletionClaim, StorageOrder

__all__ = [
    "AuditEvent",
    "BankTransaction",
    "Base",
    "Customer",
    "DeletionClaim",
    "IgovOrder",
    "LicenceDocument",
    "LicenceRequest",
    "LicenceRequestModule",
    "OutboxMessage",
    "StorageOrder",
    "Subscription",
    "SubscriptionModule",
    "SubscriptionRenewal",
    "Timestamps",
]
