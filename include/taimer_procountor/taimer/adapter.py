"""The Taimer adapter interface: everything the sync code needs from a Taimer installation.

The sync code depends on this ``Protocol`` only. ``taimer_procountor.taimer.rest.TaimerRestAdapter`` implements it
over the project's Taimer REST contract; someone with another way into Taimer (a file export, a different API) writes
a second class with the same methods and hands it to the sync code. No subclassing is needed: the Protocol is
structural and ``runtime_checkable``.

Rules every implementation follows (docs/taimer-adapter.md explains why):

- Listings are lazy iterators that page internally; they yield ``DocumentSummary`` in a stable order and never load
  the whole set in memory.
- Reads and idempotent writes (``upsert_bill``, ``put_bill_attachment``, ``write_reference``) may be retried by the
  implementation.
  ``write_back`` is not retried blindly: on an unknown outcome it raises ``TaimerOutcomeUnknownError`` and the ledger
  decides.
- Failures are ``taimer_procountor.taimer.errors.TaimerError`` subclasses with a catalogue code; texts never contain
  secrets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from taimer_procountor.taimer.models import (
    ApprovalToPush,
    BillAttachmentResult,
    BillUpsert,
    BillUpsertResult,
    CompanySettings,
    Customer,
    DocumentKind,
    DocumentSummary,
    IntegrationStatus,
    IntegrationUpdate,
    PersonIdMatch,
    Product,
    Project,
    ReferenceAccount,
    ReferenceCostCenter,
    ReferenceKind,
    ReferenceProduct,
    ReferenceWriteResult,
    TaimerDocument,
    User,
    VatRate,
    WorkType,
)

ReferenceItem = ReferenceAccount | ReferenceCostCenter | ReferenceProduct | VatRate | PersonIdMatch

REFERENCE_ITEM_MODELS: dict[ReferenceKind, type] = {
    ReferenceKind.ACCOUNTS: ReferenceAccount,
    ReferenceKind.COST_CENTERS: ReferenceCostCenter,
    ReferenceKind.PRODUCTS: ReferenceProduct,
    ReferenceKind.VAT_RATES: VatRate,
    ReferenceKind.PERSON_IDS: PersonIdMatch,
}


@runtime_checkable
class TaimerAdapter(Protocol):
    """What the sync reads from and writes to Taimer."""

    # --- settings and registers -------------------------------------------------------------------------------
    def get_company_settings(self) -> CompanySettings:
        """Company name, business ID, bank accounts, invoice start number, Google Drive flag, default recipient."""
        ...

    def iter_users(self) -> Iterator[User]:
        """Every user (paged internally)."""
        ...

    def get_customer(self, customer_id: str) -> Customer:
        """One customer; ``TaimerNotFoundError`` when unknown."""
        ...

    def iter_projects(self) -> Iterator[Project]:
        """Every project (number and manager, for routing inbound bills)."""
        ...

    def iter_products(self) -> Iterator[Product]:
        """Taimer's product register with the Procountor product each maps to."""
        ...

    def iter_work_types(self) -> Iterator[WorkType]:
        """Taimer's work types with the Procountor product each maps to."""
        ...

    # --- outbound documents -----------------------------------------------------------------------------------
    def iter_ready(self, kind: DocumentKind, *, page_size: int = 100) -> Iterator[DocumentSummary]:
        """Documents of ``kind`` that a user marked for transfer (sync state ``ready``), in a stable order."""
        ...

    def iter_changed_since(
        self, kind: DocumentKind, since: datetime, *, page_size: int = 100
    ) -> Iterator[DocumentSummary]:
        """Documents of ``kind`` whose content changed at or after ``since`` (timezone-aware), any sync state."""
        ...

    def get_document(self, kind: DocumentKind, document_id: str) -> TaimerDocument:
        """One document with its rows, attachment metadata and integration fields."""
        ...

    def iter_attachment_content(self, attachment_id: str, *, chunk_size: int = 65536) -> Iterator[bytes]:
        """The attachment's bytes as chunks. ``TaimerAttachmentUnavailableError`` when Taimer does not hold the
        content (e.g. it lives in Google Drive). The caller must exhaust or close the iterator."""
        ...

    def write_back(self, kind: DocumentKind, document_id: str, update: IntegrationUpdate) -> IntegrationStatus:
        """Set the integration fields that ``update`` carries (``model_fields_set``) and return the result."""
        ...

    # --- inbound ----------------------------------------------------------------------------------------------
    def upsert_bill(self, bill: BillUpsert) -> BillUpsertResult:
        """Create the bill, or update the one with the same ``procountor_id``. Idempotent: the same input twice
        leaves one bill."""
        ...

    def put_bill_attachment(
        self, bill_id: str, procountor_attachment_id: int, name: str, content: bytes, *, mime_type: str | None = None
    ) -> BillAttachmentResult:
        """Store ``content`` as an attachment of bill ``bill_id``, keyed by the Procountor attachment id: the same
        key twice leaves one attachment (``created`` False the second time; new content replaces the old).
        ``TaimerNotFoundError`` when the bill is unknown."""
        ...

    def iter_approvals_to_push(self) -> Iterator[ApprovalToPush]:
        """Inbound bills approved in Taimer with "Hyväksy Procountorissa" whose approval is not pushed yet."""
        ...

    # --- reference data (Procountor -> Taimer) -----------------------------------------------------------------
    def write_reference(self, kind: ReferenceKind, items: Sequence[ReferenceItem]) -> ReferenceWriteResult:
        """Make Taimer's reference set of ``kind`` equal to ``items`` (the full desired set) and count what was
        created, updated, unchanged and removed. Person IDs also set the matched users' Procountor person ID; they
        never clear a person ID someone entered by hand in Taimer."""
        ...
