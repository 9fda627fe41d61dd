"""SQLAlchemy 2 models of the sync ledger (typed declarative).

The ledger is the integration's own database: what Procountor said (reference snapshots), what was pushed to Taimer,
every outbound document with its state and claim, attachments, inbound id mappings, watermarks and run records.
Migrations in ``migrations/versions`` create exactly these tables; ``tests/unit/test_ledger_migrations.py`` checks
that the two never drift apart.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from taimer_procountor.ledger.states import AttachmentState, DocState, PaymentState, RunStatus
from taimer_procountor.ledger.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _state_enum(enum_cls: type) -> Enum:
    """Enum stored as VARCHAR(32) without a CHECK constraint: new states need no table rebuild on SQLite."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


# --------------------------------------------------------------------------------------------------------- reference
class ReferenceSnapshot(Base):
    """One fetch of one kind of reference data from Procountor: what it said, and when."""

    __tablename__ = "reference_snapshot"
    __table_args__ = (Index("ix_reference_snapshot_kind_fetched_at", "kind", "fetched_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key_field: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    item_count: Mapped[int] = mapped_column(Integer)
    payload: Mapped[list[Any]]
    added_count: Mapped[int] = mapped_column(Integer, default=0)
    changed_count: Mapped[int] = mapped_column(Integer, default=0)
    removed_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a later fetch with the very same content reuses this row (no new payload copy) and only moves this time
    last_seen_at: Mapped[datetime | None]


class ReferenceItem(Base):
    """The current state of one reference item (kind, key) as last seen in Procountor; removed items keep their row
    with ``removed_at`` set, so a diff is a comparison of hashes, not of payloads."""

    __tablename__ = "reference_item"

    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    item_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    last_snapshot_id: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    changed_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class ReferencePushed(Base):
    """What was last written to Taimer per reference item: only items whose hash differs are written again."""

    __tablename__ = "reference_pushed"

    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    item_hash: Mapped[str] = mapped_column(String(64))
    pushed_at: Mapped[datetime]


class ReferencePublished(Base):
    """What the reference-snapshot asset last announced, per snapshot kind: the hash of the kind's current items
    when the event was emitted. A kind whose current hash differs has an unpublished change."""

    __tablename__ = "reference_published"

    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64))
    snapshot_id: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[str | None] = mapped_column(String(250))
    published_at: Mapped[datetime]


# ---------------------------------------------------------------------------------------------------------- outbound
class OutboundDocument(Base):
    """One Taimer document (sales/purchase/travel/expense invoice) on its way to Procountor."""

    __tablename__ = "outbound_document"
    __table_args__ = (
        UniqueConstraint("source_type", "source_id"),
        Index("ix_outbound_document_state", "state"),
        Index("ix_outbound_document_taimer_number", "taimer_number"),
        Index("ix_outbound_document_procountor_invoice_id", "procountor_invoice_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(128))
    taimer_number: Mapped[str | None] = mapped_column(String(64))
    # Hash of the content the state refers to (validated / sent); latest_content_hash is what Taimer offers now.
    content_hash: Mapped[str] = mapped_column(String(64))
    latest_content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[DocState] = mapped_column(_state_enum(DocState), default=DocState.DISCOVERED)
    changed_after_send: Mapped[bool] = mapped_column(Boolean, default=False)
    # True from the commit before POST /invoices until the answer is known: look up before posting again.
    lookup_required: Mapped[bool] = mapped_column(Boolean, default=False)
    validation_errors: Mapped[list[Any]] = mapped_column(default=list)

    procountor_invoice_id: Mapped[int | None] = mapped_column(BigInteger)
    procountor_invoice_number: Mapped[str | None] = mapped_column(String(64))
    procountor_ledger_receipt_id: Mapped[int | None] = mapped_column(BigInteger)
    procountor_version: Mapped[str | None] = mapped_column(String(64))

    last_error_code: Mapped[str | None] = mapped_column(String(128))
    last_error_detail: Mapped[str | None] = mapped_column(Text)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)

    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claim_expires_at: Mapped[datetime | None]

    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    validated_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    enriched_at: Mapped[datetime | None]
    attached_at: Mapped[datetime | None]
    written_back_at: Mapped[datetime | None]

    attachments: Mapped[list[OutboundAttachment]] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="selectin", order_by="OutboundAttachment.id"
    )

    def __repr__(self) -> str:
        return f"<OutboundDocument {self.id} {self.source_type}:{self.source_id} #{self.taimer_number} {self.state}>"


class OutboundAttachment(Base):
    """One attachment of an outbound document; uploaded at most once."""

    __tablename__ = "outbound_attachment"
    __table_args__ = (UniqueConstraint("document_id", "taimer_attachment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("outbound_document.id", ondelete="CASCADE"), index=True)
    taimer_attachment_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(BigInteger)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[AttachmentState] = mapped_column(_state_enum(AttachmentState), default=AttachmentState.PENDING)
    lookup_required: Mapped[bool] = mapped_column(Boolean, default=False)
    procountor_attachment_id: Mapped[int | None] = mapped_column(BigInteger)
    error_code: Mapped[str | None] = mapped_column(String(128))
    error_detail: Mapped[str | None] = mapped_column(Text)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claim_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_at: Mapped[datetime | None]

    document: Mapped[OutboundDocument] = relationship(back_populates="attachments")


class OutboundReceiptPayment(Base):
    """One company-money receipt of an expense claim: marked paid in Procountor on its own payment date, at most
    once (``pending -> marking -> marked``; ``outcome_unknown``: look at the invoice's payment events first)."""

    __tablename__ = "outbound_receipt_payment"
    __table_args__ = (
        UniqueConstraint("document_id", "receipt_key"),
        Index("ix_outbound_receipt_payment_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("outbound_document.id", ondelete="CASCADE"), index=True)
    receipt_key: Mapped[str] = mapped_column(String(128))
    payment_date: Mapped[date] = mapped_column(Date())
    amount: Mapped[str] = mapped_column(String(32))  # decimal as text: exact on both backends
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[PaymentState] = mapped_column(_state_enum(PaymentState), default=PaymentState.PENDING)
    procountor_payment_event_id: Mapped[int | None] = mapped_column(BigInteger)
    error_code: Mapped[str | None] = mapped_column(String(128))
    error_detail: Mapped[str | None] = mapped_column(Text)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claim_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    marked_at: Mapped[datetime | None]


# ----------------------------------------------------------------------------------------------------------- inbound
class InboundMapping(Base):
    """A Procountor object and the Taimer object made from it (purchase invoice, approval, payment state...)."""

    __tablename__ = "inbound_mapping"
    __table_args__ = (
        UniqueConstraint("kind", "procountor_id"),
        Index("ix_inbound_mapping_kind_taimer_id", "kind", "taimer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    procountor_id: Mapped[str] = mapped_column(String(64))
    taimer_id: Mapped[str | None] = mapped_column(String(128))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Watermark(Base):
    """How far an inbound flow has read (e.g. Procountor ``versionStartDate``), in the source's own clock (naive)."""

    __tablename__ = "watermark"

    flow: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[datetime] = mapped_column(DateTime())  # naive on purpose: Procountor datetimes carry no zone
    overlap_seconds: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# -------------------------------------------------------------------------------------------------------------- runs
class FlowRun(Base):
    """One DAG run of one flow: what it did, for the report and the UI. Unique per (dag_id, run_id, flow)."""

    __tablename__ = "flow_run"
    __table_args__ = (UniqueConstraint("dag_id", "run_id", "flow"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    flow: Mapped[str] = mapped_column(String(64))
    status: Mapped[RunStatus] = mapped_column(_state_enum(RunStatus), default=RunStatus.RUNNING)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    # why a task failed, per attempt ({where, code, detail, at}); kept apart from ``errors`` (which ``finish_run``
    # replaces) so a retried report still sees them
    step_errors: Mapped[list[Any] | None] = mapped_column(default=list)
