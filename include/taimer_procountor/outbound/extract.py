"""Extract: which Taimer documents a run takes on, and what the ledger learns about them.

A run selects documents in one of three ways (docs/outbound.md, "Selection"):

- **nightly** (a scheduled or manual run without ``numbers`` or dates): what users marked for transfer (sync state
  ``ready``) plus documents changed in Taimer since the last nightly run that the ledger knows as sent (the update
  path), plus documents in Procountor whose later steps the ledger still owes (accounts on the ledger receipt, an
  attachment, the write-back: ``ledger.outbound.owed_after_send``) whatever Taimer says of them now; documents
  changed but never marked stay where they are;
- **date range** (``date_from``/``date_to``, and every backfill run, whose range is its data interval): documents
  dated in the range that are marked for transfer or already known to the ledger -- a range that was synced before
  is re-checked and finds nothing to send;
- **numbers**: exactly those Taimer numbers, whatever their sync state (a person asked to (re)send them).

Every selected document is upserted into the ledger with a hash of its content (``document_hash``): new ones start
as DISCOVERED, unsent ones whose content changed go back to DISCOVERED, sent ones whose content changed are flagged
``changed_after_send`` (the update path in ``load``). Attachments are recorded per document. Nothing is written to
Taimer or Procountor here. The step returns ledger ids and counts (XCom), never document contents.

An expense report becomes one ledger row per half (own money, company money; ``transform.invoice_parts``), so each
half is sent exactly once on its own: the row's ``source_id`` is the Taimer id plus ``:own``/``:company``
(``ledger_source_id``), its number the half's ``originalInvoiceNumber``, and the company half's receipts are
recorded for ``markpaid``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from taimer_procountor.ledger import Ledger, ReceiptToPay, content_hash
from taimer_procountor.outbound.transform import (
    COMPANY,
    PART_SUFFIXES,
    company_receipts,
    invoice_parts,
    part_attachments,
    part_number,
)
from taimer_procountor.redaction import get_logger
from taimer_procountor.summary import Problem
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.models import Customer, DocumentKind, DocumentSummary, SyncState, TaimerDocument

log = get_logger(__name__)

# Taimer's clock and ours may differ a little; a change listing re-reads this much before the last run's start.
CHANGED_OVERLAP = timedelta(minutes=10)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
PART_SEPARATOR = ":"  # between a Taimer id and the part of the document a ledger row is (expense halves)


def ledger_source_id(document_id: str, part: str | None) -> str:
    """The ledger's ``source_id`` of one Procountor invoice made from a Taimer document."""
    return document_id if part is None else f"{document_id}{PART_SEPARATOR}{part}"


def split_source_id(source_id: str) -> tuple[str, str | None]:
    """(Taimer id, part) of a ledger ``source_id``."""
    document_id, _, part = source_id.partition(PART_SEPARATOR)
    return document_id, part or None


@dataclass(frozen=True)
class Selection:
    """What one run takes on. ``numbers`` wins over the date range; neither means nightly."""

    numbers: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    @property
    def mode(self) -> str:
        if self.numbers:
            return "numbers"
        if self.date_from or self.date_to:
            return "date_range"
        return "nightly"

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "numbers": list(self.numbers),
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Selection:
        return cls(
            numbers=tuple(str(n) for n in data.get("numbers") or ()),
            date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
            date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
        )


@dataclass
class ExtractResult:
    kind: str
    doc_ids: list[int] = field(default_factory=list)
    new: int = 0
    changed_before_send: int = 0
    changed_after_send: int = 0
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "doc_ids": self.doc_ids,
            "extracted": len(self.doc_ids),
            "new": self.new,
            "changed_before_send": self.changed_before_send,
            "changed_after_send": self.changed_after_send,
            "problems": [p.to_json() for p in self.problems],
        }


def watermark_flow(kind: str) -> str:
    """The ledger watermark that remembers when the nightly change listing of ``kind`` last ran."""
    return f"outbound:{kind}:changed"


def document_date(document: TaimerDocument) -> date | None:
    """The date a date range selects on: the invoice date (sales, bills) or the report date (travel, expense)."""
    for name in ("invoice_date", "date", "report_date"):
        value = getattr(document, name, None)
        if isinstance(value, date):
            return value
    return None


def document_number(document: TaimerDocument) -> str:
    """The Taimer number as Procountor's ``originalInvoiceNumber`` carries it."""
    return str(getattr(document, "number", None) or document.id)


# Fields of a Taimer document that are not sent: the integration's own status, timestamps, and a bill's inbound
# identity and routing, which Taimer sets itself when we write back (a bill's procountor_id among them).
NOT_SENT_FIELDS = frozenset(
    {
        "integration",
        "updated_at",
        "procountor_id",
        "procountor_status",
        "approval_state",
        "approved_by_user_id",
        "approved_at",
        "recipient_user_id",
        "routing_reason",
    }
)


def document_hash(document: TaimerDocument, customer: Customer | None) -> str:
    """Hash of what is sent: the document without its integration fields and timestamps, plus its customer (a
    changed customer address changes the invoice)."""
    body = document.model_dump(mode="json", exclude=set(NOT_SENT_FIELDS))
    return content_hash({"document": body, "customer": customer.model_dump(mode="json") if customer else None})


class CustomerCache:
    """Customers read once per step (thread-safe): many invoices share a customer, so each step asks Taimer for
    each customer at most once per ``ttl`` seconds instead of once per invoice. Bounded: at ``max_size`` entries it
    starts over. Staleness is safe: a customer edited after validation changes the document hash, which the load
    compares (back to DISCOVERED before the send; after it, the next extract flags the change for an update)."""

    def __init__(self, taimer: TaimerAdapter, *, ttl: float = 60.0, max_size: int = 10_000) -> None:
        self._taimer = taimer
        self._ttl = ttl
        self._max_size = max_size
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, Customer]] = {}

    def get(self, customer_id: str) -> Customer:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(customer_id)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        customer = self._taimer.get_customer(customer_id)
        with self._lock:
            if len(self._items) >= self._max_size:
                self._items.clear()
            self._items[customer_id] = (now, customer)
        return customer


def read_document(
    taimer: TaimerAdapter, kind: DocumentKind, document_id: str, *, customers: CustomerCache
) -> tuple[TaimerDocument, Customer | None]:
    """One document and (sales invoices) its customer; ``document_id`` may be a ledger ``source_id`` with its part.
    ``customers`` (one per step, over the same adapter) reads each customer once. Raises ``TaimerError``
    subclasses."""
    document = taimer.get_document(kind, split_source_id(document_id)[0])
    customer_id = getattr(document, "customer_id", None)
    return document, (customers.get(customer_id) if customer_id else None)


def _candidates(
    taimer: TaimerAdapter, ledger: Ledger, kind: DocumentKind, selection: Selection, since: datetime | None
) -> Iterator[DocumentSummary]:
    """Document summaries the selection may take, each once (a document both ready and changed is listed once)."""
    seen: set[str] = set()

    def once(items: Iterable[DocumentSummary]) -> Iterator[DocumentSummary]:
        for item in items:
            if item.id not in seen:
                seen.add(item.id)
                yield item

    if selection.mode == "nightly":
        yield from once(taimer.iter_ready(kind))
        if since is not None:
            for item in once(taimer.iter_changed_since(kind, since)):
                if _known(ledger, kind, item.id):
                    yield item
        owed = ledger.outbound.owed_after_send(kind.value)
        yield from once(
            DocumentSummary(kind=kind, id=split_source_id(d.source_id)[0], number=d.taimer_number) for d in owed
        )
        return
    # numbers / date range: every document of the kind, filtered below (Taimer's listing has no number or date
    # filter); only the summary is read here, the document itself only when it may belong to the selection
    wanted = set(selection.numbers)
    for item in once(taimer.iter_changed_since(kind, EPOCH)):
        if selection.mode == "numbers":
            if str(item.number) in wanted:
                yield item
        elif item.sync_state == SyncState.READY or _known(ledger, kind, item.id):
            yield item


def _known(ledger: Ledger, kind: DocumentKind, document_id: str) -> bool:
    """The ledger has the document (or a half of it)."""
    parts = (None, *PART_SUFFIXES) if kind is DocumentKind.EXPENSE_REPORT else (None,)
    return any(ledger.outbound.find_outbound(kind.value, ledger_source_id(document_id, p)) is not None for p in parts)


def extract_kind(
    taimer: TaimerAdapter,
    ledger: Ledger,
    kind: DocumentKind,
    selection: Selection,
    *,
    now: datetime | None = None,
) -> ExtractResult:
    """Select the documents of ``kind`` and upsert them (and their attachments) into the ledger."""
    now = now or datetime.now(UTC)
    result = ExtractResult(kind.value)
    flow = watermark_flow(kind.value)
    since = ledger.inbound.watermark_read_from(flow) if selection.mode == "nightly" else None
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    customers = CustomerCache(taimer)
    for summary in _candidates(taimer, ledger, kind, selection, since):
        try:
            document, customer = read_document(taimer, kind, summary.id, customers=customers)
        except TaimerError as exc:
            result.problems.append(
                Problem(exc.code, f"{kind.value}:{summary.number or summary.id}", detail=str(exc)[:300])
            )
            continue
        if selection.mode == "date_range" and not _in_range(document_date(document), selection):
            continue
        digest = document_hash(document, customer)
        for part in invoice_parts(document):
            number = document_number(document) if part is None else part_number(document, part)  # type: ignore[arg-type]
            upsert = ledger.outbound.upsert_outbound(kind.value, ledger_source_id(document.id, part), number, digest)
            doc = upsert.document
            result.doc_ids.append(doc.id)
            result.new += int(upsert.created)
            result.changed_before_send += int(upsert.reset)
            result.changed_after_send += int(upsert.flagged)
            for att in part_attachments(document, part):
                ledger.attachments.upsert_attachment(doc.id, att.id, att.name, size=att.size, mime_type=att.mime_type)
            if part == COMPANY:
                currency = getattr(document, "currency", "EUR")
                receipts = company_receipts(document)  # type: ignore[arg-type]
                ledger.payments.upsert_receipts(
                    doc.id, [ReceiptToPay(r.key, r.payment_date, r.amount, currency) for r in receipts]
                )
    if selection.mode == "nightly":
        ledger.inbound.advance_watermark(flow, now.astimezone(UTC).replace(tzinfo=None), overlap=CHANGED_OVERLAP)
    log.info(
        "extract %s (%s): %d documents, %d new, %d changed before send, %d changed after send",
        kind.value,
        selection.mode,
        len(result.doc_ids),
        result.new,
        result.changed_before_send,
        result.changed_after_send,
    )
    return result


def _in_range(day: date | None, selection: Selection) -> bool:
    if day is None:
        return False
    if selection.date_from and day < selection.date_from:
        return False
    return not (selection.date_to and day > selection.date_to)
