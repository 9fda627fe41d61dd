"""Company-money receipts of expense claims, each marked paid in Procountor once (``outbound_receipt_payment``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbound_receipt_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("receipt_key", sa.String(length=128), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("procountor_payment_event_id", sa.BigInteger(), nullable=True),
        sa.Column("error_code", sa.String(length=128), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["outbound_document.id"],
            name=op.f("fk_outbound_receipt_payment_document_id_outbound_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_receipt_payment")),
        sa.UniqueConstraint(
            "document_id", "receipt_key", name=op.f("uq_outbound_receipt_payment_document_id_receipt_key")
        ),
    )
    with op.batch_alter_table("outbound_receipt_payment") as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_receipt_payment_document_id"), ["document_id"], unique=False)
        batch_op.create_index("ix_outbound_receipt_payment_state", ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbound_receipt_payment") as batch_op:
        batch_op.drop_index("ix_outbound_receipt_payment_state")
        batch_op.drop_index(batch_op.f("ix_outbound_receipt_payment_document_id"))
    op.drop_table("outbound_receipt_payment")
