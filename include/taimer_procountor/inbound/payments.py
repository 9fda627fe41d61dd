"""Paid statuses Procountor -> Taimer for the invoices we sent (Procountor is the main ledger: its state wins).

The invoices come from the ledger's outbound documents that have a Procountor invoice id; the changes from a
version-date search (``PARTLY_PAID``, ``PAID``, ``MARKED_PAID``, ``INVALIDATED``: never every invoice every night).
For each of ours: its payment events (``GET /invoices/{id}/paymentevents``) give the paid amount (their sum) and
date (the latest); status, amount and date are written to the Taimer document (``write_back``) when they differ
from what the ledger recorded last (``inbound_mapping`` kind ``payment_state``), so a rerun writes nothing.

Expense and travel reports: only the own-money half goes back (the employee is reimbursed through it); the
company-money half is marked paid per receipt by the outbound flow and is skipped here. Which half an invoice is
comes from the Taimer document's ``linked_invoices`` (``payment_source``), else from the ledger document's source
id suffix (``…:own`` / ``…:company``); a report with a single invoice counts as own money.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from taimer_procountor.inbound.extract import (
    PAYMENT_STATUSES,
    Window,
    advance_after_batch,
    parse_version,
    search_window,
)
from taimer_procountor.inbound.result import MAX_LISTED, StepResult
from taimer_procountor.ledger import Ledger, content_hash
from taimer_procountor.ledger.models import OutboundDocument
from taimer_procountor.ledger.states import POST_SEND_STATES
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.errors import ProcountorError
from taimer_procountor.redaction import redact
from taimer_procountor.summary import Problem
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.models import DocumentKind, IntegrationUpdate, LinkedProcountorInvoice, PaymentSource

MAPPING_KIND = "payment_state"
PAYMENT_NOT_WRITTEN = "INBOUND_PAYMENT_NOT_WRITTEN"
INVOICE_TYPES = ("SALES_INVOICE", "BILL_OF_CHARGES", "TRAVEL_INVOICE")
REPORT_KINDS = (DocumentKind.EXPENSE_REPORT, DocumentKind.TRAVEL_REPORT)


@dataclass(kw_only=True)
class PaymentsResult(StepResult):
    window: Window
    applied: list[dict[str, Any]] = field(default_factory=list)
    watermark: dict[str, Any] = field(default_factory=dict)

    def extra_json(self) -> dict[str, Any]:
        return {"window": self.window.to_json(), "payments": self.applied[:MAX_LISTED], "watermark": self.watermark}


@dataclass(frozen=True)
class PaymentState:
    """What Taimer should show for one Procountor invoice."""

    status: str
    paid_amount: Decimal | None
    paid_date: date | None
    events: int

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "paid_amount": None if self.paid_amount is None else str(self.paid_amount),
            "paid_date": self.paid_date.isoformat() if self.paid_date else None,
            "events": self.events,
        }


def _source(doc: OutboundDocument) -> tuple[DocumentKind | None, str, PaymentSource | None]:
    """The Taimer kind, document id and (for report halves) payment source of a ledger outbound document."""
    try:
        kind: DocumentKind | None = DocumentKind(doc.source_type)
    except ValueError:
        kind = None
    doc_id, _, suffix = doc.source_id.partition(":")
    try:
        half = PaymentSource(suffix) if suffix else None
    except ValueError:
        half = None
    return kind, doc_id, half


def payment_state(client: ProcountorClient, invoice_id: int, status: str) -> PaymentState:
    events = client.invoices.payment_events(invoice_id)
    amounts = [e.amount for e in events if e.amount is not None]
    dates = [e.payment_date for e in events if e.payment_date is not None]
    return PaymentState(
        status=status,
        paid_amount=sum(amounts, Decimal("0")) if amounts else None,
        paid_date=max(dates) if dates else None,
        events=len(events),
    )


def apply_payments(
    ledger: Ledger, client: ProcountorClient, taimer: TaimerAdapter, window: Window, *, dry_run: bool = False
) -> PaymentsResult:
    result = PaymentsResult(window=window, dry_run=dry_run)
    ours = {
        doc.procountor_invoice_id: doc
        for doc in ledger.outbound.outbound_documents(states=POST_SEND_STATES)
        if doc.procountor_invoice_id is not None
    }
    hits = search_window(client, window, types=INVOICE_TYPES, statuses=PAYMENT_STATUSES)
    newest: datetime | None = None
    for hit in hits:
        version = parse_version(hit.version)
        if version is not None and (newest is None or version > newest):
            newest = version
        doc = ours.get(hit.id)
        if doc is None:
            result.counts["not_ours"] += 1  # entered in Procountor directly: not Taimer's
            continue
        result.counts["extracted"] += 1
        kind, doc_id, half = _source(doc)
        where = f"{doc.source_type} {doc.taimer_number or doc_id} (invoice {hit.id})"
        if kind is None:
            result.notices.append(Problem("INBOUND_PAYMENT_NOT_WRITTEN", where, detail="unknown document kind"))
            continue
        try:
            state = payment_state(client, hit.id, hit.status or "")
        except ProcountorError as exc:
            result.counts["failed"] += 1
            result.errors.append(Problem(exc.code, where, detail=redact(exc.message) + " (watermark held)"))
            continue
        digest = content_hash(state.to_json())
        record = ledger.inbound.get_inbound_mapping(MAPPING_KIND, procountor_id=hit.id)
        if record is not None and record.content_hash == digest:
            result.counts["unchanged"] += 1
            continue
        entry = {"procountor_id": hit.id, "kind": kind.value, "taimer_id": doc_id, **state.to_json()}
        try:
            update = _update_for(taimer, kind, doc_id, half, hit.id, state)
        except TaimerError as exc:
            result.counts["failed"] += 1
            result.errors.append(Problem(PAYMENT_NOT_WRITTEN, where, detail=f"{exc.code}: {exc.message}"))
            continue
        if update is None:
            result.counts["company_money"] += 1  # marked paid per receipt by the outbound flow
            continue
        if dry_run:
            result.counts["would_apply"] += 1
            result.applied.append({**entry, "action": "dry_run"})
            continue
        try:
            taimer.write_back(kind, doc_id, update)
        except TaimerError as exc:
            result.counts["failed"] += 1
            result.errors.append(Problem(PAYMENT_NOT_WRITTEN, where, detail=f"{exc.code}: {exc.message}"))
            continue
        ledger.inbound.upsert_inbound_mapping(
            MAPPING_KIND, hit.id, doc_id, content_hash=digest, details=state.to_json()
        )
        result.counts["updated"] += 1
        result.applied.append({**entry, "action": "applied"})
    result.watermark = advance_after_batch(ledger, window, newest, dry_run=dry_run, failed=result.counts["failed"])
    return result


def _update_for(
    taimer: TaimerAdapter,
    kind: DocumentKind,
    doc_id: str,
    half: PaymentSource | None,
    invoice_id: int,
    state: PaymentState,
) -> IntegrationUpdate | None:
    """The write-back for one invoice's payment state; None for a company-money half (not ours to write)."""
    paid: dict[str, Any] = {"paid_amount": state.paid_amount, "paid_date": state.paid_date}
    if kind not in REPORT_KINDS:
        return IntegrationUpdate(procountor_status=state.status, **paid)
    document = taimer.get_document(kind, doc_id)
    linked = list(document.integration.linked_invoices)
    mine = next((li for li in linked if li.procountor_id == invoice_id), None)
    source = mine.payment_source if mine and mine.payment_source else half
    if source is PaymentSource.COMPANY:
        return None
    if mine is None:  # one invoice for the whole report
        return IntegrationUpdate(procountor_status=state.status, **paid)
    relinked = [
        LinkedProcountorInvoice.model_validate({**li.model_dump(), "status": state.status})
        if li.procountor_id == invoice_id
        else li
        for li in linked
    ]
    return IntegrationUpdate(linked_invoices=relinked, **paid)
