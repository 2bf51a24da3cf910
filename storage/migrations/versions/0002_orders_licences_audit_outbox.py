"""orders, payments, iGOV licences, audit trail and outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_entity", ["entity_type", "entity_id", "id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_status_next_attempt", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "igov_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=20), nullable=False),
        sa.Column("submission_key", sa.String(length=255), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("sales_project", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("qty_kt", sa.Integer(), nullable=False),
        sa.Column("qty_vps", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_igov_orders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_igov_orders_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_igov_orders")),
        sa.UniqueConstraint("order_no", name=op.f("uq_igov_orders_order_no")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_igov_orders_submission_key")),
    )
    with op.batch_alter_table("igov_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_igov_orders_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "storage_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=20), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("submission_key", sa.String(length=255), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("package_code", sa.String(length=32), nullable=False),
        sa.Column("package_name", sa.String(length=200), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("tax_label", sa.String(length=16), nullable=False),
        sa.Column("tax_amount", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("buyer_name", sa.String(length=400), nullable=False),
        sa.Column("buyer_tax_code", sa.String(length=14), nullable=False),
        sa.Column("buyer_address", sa.String(length=500), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("invoice_email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("payment_deadline", sa.Date(), nullable=False),
        sa.Column("placed_by", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_via", sa.String(length=16), nullable=True),
        sa.Column("paid_by", sa.String(length=32), nullable=True),
        sa.Column("storage_until", sa.Date(), nullable=True),
        sa.Column("email_status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_storage_orders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_storage_orders_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_orders")),
        sa.UniqueConstraint("order_no", name=op.f("uq_storage_orders_order_no")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_storage_orders_submission_key")),
        sa.UniqueConstraint("token", name=op.f("uq_storage_orders_token")),
    )
    with op.batch_alter_table("storage_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_storage_orders_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_storage_orders_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_storage_orders_status_deadline", ["status", "payment_deadline"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_storage_orders_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "bank_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("gateway", sa.String(length=64), nullable=False),
        sa.Column("transaction_date", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("content", sa.String(length=500), nullable=False),
        sa.Column("transfer_type", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reference_code", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["storage_orders.id"],
            name=op.f("fk_bank_transactions_order_id_storage_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_transactions")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_bank_transactions_provider_id")),
    )
    with op.batch_alter_table("bank_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bank_transactions_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bank_transactions_outcome"), ["outcome"], unique=False)

    op.create_table(
        "licence_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("submission_key", sa.String(length=255), nullable=False),
        sa.Column("igov_order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=16), nullable=False),
        sa.Column("budget_code", sa.String(length=7), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("request_type", sa.String(length=16), nullable=False),
        sa.Column("sector", sa.String(length=100), nullable=False),
        sa.Column("misa_id_email", sa.String(length=254), nullable=False),
        sa.Column("misa_id_phone", sa.String(length=20), nullable=False),
        sa.Column("customer_info", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.String(length=2000), nullable=True),
        sa.Column("approval_channel", sa.String(length=32), nullable=True),
        sa.Column("approval_ts", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_licence_requests_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["igov_order_id"],
            ["igov_orders.id"],
            name=op.f("fk_licence_requests_igov_order_id_igov_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_requests")),
        sa.UniqueConstraint("code", name=op.f("uq_licence_requests_code")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_licence_requests_submission_key")),
    )
    with op.batch_alter_table("licence_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_requests_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_licence_requests_igov_order_id"), ["igov_order_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_licence_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_licence_requests_status_created", ["status", "created_at"], unique=False
        )

    op.create_table(
        "licence_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slack_file_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mimetype", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["licence_requests.id"],
            name=op.f("fk_licence_documents_request_id_licence_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_documents")),
        sa.UniqueConstraint("request_id", "kind", name=op.f("uq_licence_documents_request_id")),
    )
    op.create_table(
        "licence_request_modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("package", sa.String(length=8), nullable=False),
        sa.Column("module_code", sa.String(length=32), nullable=False),
        sa.Column("module_name", sa.String(length=200), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("quantity_previous", sa.Integer(), nullable=False),
        sa.Column("quantity_bought", sa.Integer(), nullable=False),
        sa.Column("quantity_total", sa.Integer(), nullable=False),
        sa.Column("extra_info", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["licence_requests.id"],
            name=op.f("fk_licence_request_modules_request_id_licence_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_request_modules")),
        sa.UniqueConstraint(
            "request_id", "module_code", name=op.f("uq_licence_request_modules_request_id")
        ),
    )
    op.create_table(
        "subscription_modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("module_code", sa.String(length=32), nullable=False),
        sa.Column("module_name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["licence_requests.id"],
            name=op.f("fk_subscription_modules_request_id_licence_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_modules_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_modules")),
        sa.UniqueConstraint(
            "subscription_id", "module_code", name=op.f("uq_subscription_modules_subscription_id")
        ),
    )
    with op.batch_alter_table("subscription_modules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_modules_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("subscription_modules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_modules_subscription_id"))

    op.drop_table("subscription_modules")
    op.drop_table("licence_request_modules")
    op.drop_table("licence_documents")
    with op.batch_alter_table("licence_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_licence_requests_status_created")
        batch_op.drop_index(batch_op.f("ix_licence_requests_status"))
        batch_op.drop_index(batch_op.f("ix_licence_requests_igov_order_id"))
        batch_op.drop_index(batch_op.f("ix_licence_requests_customer_id"))

    op.drop_table("licence_requests")
    with op.batch_alter_table("bank_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_transactions_outcome"))
        batch_op.drop_index(batch_op.f("ix_bank_transactions_order_id"))

    op.drop_table("bank_transactions")
    with op.batch_alter_table("storage_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storage_orders_subscription_id"))
        batch_op.drop_index("ix_storage_orders_status_deadline")
        batch_op.drop_index(batch_op.f("ix_storage_orders_status"))
        batch_op.drop_index(batch_op.f("ix_storage_orders_customer_id"))

    op.drop_table("storage_orders")
    with op.batch_alter_table("igov_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_igov_orders_customer_id"))

    op.drop_table("igov_orders")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next_attempt")

    op.drop_table("outbox")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_entity")

    op.drop_table("audit_events")
