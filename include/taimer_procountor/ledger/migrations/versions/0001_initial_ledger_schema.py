"""Initial ledger schema: reference snapshots/items/pushes, outbound documents and attachments, inbound
mappings, watermarks, run records.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 02:19:22.811015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_run")),
        sa.UniqueConstraint("dag_id", "run_id", "flow", name=op.f("uq_flow_run_dag_id_run_id_flow")),
    )
    op.create_table(
        "inbound_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("procountor_id", sa.String(length=64), nullable=False),
        sa.Column("taimer_id", sa.String(length=128), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_mapping")),
        sa.UniqueConstraint("kind", "procountor_id", name=op.f("uq_inbound_mapping_kind_procountor_id")),
    )
    op.create_index("ix_inbound_mapping_kind_taimer_id", "inbound_mapping", ["kind", "taimer_id"], unique=False)
    op.create_table(
        "outbound_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("taimer_number", sa.String(length=64), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("latest_content_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("changed_after_send", sa.Boolean(), nullable=False),
        sa.Column("lookup_required", sa.Boolean(), nullable=False),
        sa.Column("validation_errors", sa.JSON(), nullable=False),
        sa.Column("procountor_invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("procountor_invoice_number", sa.String(length=64), nullable=True),
        sa.Column("procountor_ledger_receipt_id", sa.BigInteger(), nullable=True),
        sa.Column("procountor_version", sa.String(length=64), nullable=True),
        sa.Column("last_error_code", sa.String(length=128), nullable=True),
        sa.Column("last_error_detail", sa.Text(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("validated_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("enriched_at", sa.DateTime(), nullable=True),
        sa.Column("attached_at", sa.DateTime(), nullable=True),
        sa.Column("written_back_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_document")),
        sa.UniqueConstraint("source_type", "source_id", name=op.f("uq_outbound_document_source_type_source_id")),
    )
    op.create_index(
        "ix_outbound_document_procountor_invoice_id", "outbound_document", ["procountor_invoice_id"], unique=False
    )
    op.create_index("ix_outbound_document_state", "outbound_document", ["state"], unique=False)
    op.create_index("ix_outbound_document_taimer_number", "outbound_document", ["taimer_number"], unique=False)
    op.create_table(
        "reference_item",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("item_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("last_snapshot_id", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_reference_item")),
    )
    op.create_table(
        "reference_pushed",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("item_hash", sa.String(length=64), nullable=False),
        sa.Column("pushed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_reference_pushed")),
    )
    op.create_table(
        "reference_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key_field", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("added_count", sa.Integer(), nullable=False),
        sa.Column("changed_count", sa.Integer(), nullable=False),
        sa.Column("removed_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_snapshot")),
    )
    op.create_index("ix_reference_snapshot_kind_fetched_at", "reference_snapshot", ["kind", "fetched_at"], unique=False)
    op.create_table(
        "watermark",
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("value", sa.DateTime(), nullable=False),
        sa.Column("overlap_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("flow", name=op.f("pk_watermark")),
    )
    op.create_table(
        "outbound_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("taimer_attachment_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("mime_type", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("lookup_required", sa.Boolean(), nullable=False),
        sa.Column("procountor_attachment_id", sa.BigInteger(), nullable=True),
        sa.Column("error_code", sa.String(length=128), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["outbound_document.id"],
            name=op.f("fk_outbound_attachment_document_id_outbound_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_attachment")),
        sa.UniqueConstraint(
            "document_id", "taimer_attachment_id", name=op.f("uq_outbound_attachment_document_id_taimer_attachment_id")
        ),
    )
    op.create_index(op.f("ix_outbound_attachment_document_id"), "outbound_attachment", ["document_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbound_attachment_document_id"), table_name="outbound_attachment")
    op.drop_table("outbound_attachment")
    op.drop_table("watermark")
    op.drop_index("ix_reference_snapshot_kind_fetched_at", table_name="reference_snapshot")
    op.drop_table("reference_snapshot")
    op.drop_table("reference_pushed")
    op.drop_table("reference_item")
    op.drop_index("ix_outbound_document_taimer_number", table_name="outbound_document")
    op.drop_index("ix_outbound_document_state", table_name="outbound_document")
    op.drop_index("ix_outbound_document_procountor_invoice_id", table_name="outbound_document")
    op.drop_table("outbound_document")
    op.drop_index("ix_inbound_mapping_kind_taimer_id", table_name="inbound_mapping")
    op.drop_table("inbound_mapping")
    op.drop_table("flow_run")
