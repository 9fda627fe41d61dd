"""Company-money expense claims marked paid in Procountor, one payment event per receipt, dated on the receipt's
payment date (never the report's date), exactly once.

Company-money expenses are paid already (a company card), so their ``BILL_OF_CHARGES`` only goes to the books and
is "marked paid elsewhere" (``PUT /invoices/{id}/paymentevents/markpaid``). Procountor refuses that while the
invoice is ``UNFINISHED``, and every invoice we create lands there, so marking happens in a later run, once someone
has moved the invoice on in Procountor (sent it to circulation, verified or approved it). Every run:

1. takes the claims the ledger has with a receipt not marked yet (none: no Procountor call at all);
2. finds those that moved on with **one version-date search** (``GET /invoices?types=BILL_OF_CHARGES&
   versionStartDate=``, from the ``outbound:markpaid`` watermark, or from the oldest open receipt the first time):
   moving an invoice on changes its version, so an invoice still ``UNFINISHED`` is found again when it moves;
3. per invoice that allows it, reads its payment events once and, per open receipt, either adopts an event that is
   already there (same date and amount, not recorded for another receipt: an earlier PUT whose answer was lost) or
   claims the receipt in the ledger (committed before the PUT) and marks it; the event id is recorded, a timeout
   is recorded as ``outcome_unknown`` and settled by the next look at the events (in the same run, up to
   ``SETTLE_PASSES`` looks), never by a blind second PUT.

The watermark moves (to the newest version the search saw) only when nothing failed, stayed unknown or was held by
another worker's live claim, so such a receipt's claim is found again. The own-money half is never marked by us:
it is paid to the employee in Procountor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from taimer_procountor.ledger import Ledger, PaymentState
from taimer_procountor.ledger.models import OutboundDocument, OutboundReceiptPayment
from taimer_procountor.outbound.extract import split_source_id
from taimer_procountor.outbound.load import problem
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.errors import ProcountorError, ProcountorOutcomeUnknown
from taimer_procountor.procountor.models import InvoiceBasicInfo, MarkInvoiceAsPaid, PaymentEvent
from taimer_procountor.redaction import get_logger
from taimer_procountor.summary import Problem
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.models import DocumentKind, IntegrationUpdate

log = get_logger(__name__)

WATERMARK = "outbound:markpaid"
OVERLAP = timedelta(minutes=10)
INVOICE_TYPE = "BILL_OF_CHARGES"
# statuses from which Procountor takes no payment event (UNFINISHED: not yet; the rest: never)
NOT_MARKABLE = frozenset({"UNFINISHED", "INVALIDATED", "DELETED", "EMPTY", "UNSAVED"})
FAILED_CODE = "OUTBOUND_RECEIPT_MARK_PAID_FAILED"
UNKNOWN_CODE = "OUTBOUND_RECEIPT_MARK_PAID_UNKNOWN"
KIND = DocumentKind.EXPENSE_REPORT
# looks at one invoice's payment events per run: the first, and two more to settle PUTs that had no answer
SETTLE_PASSES = 3


@dataclass
class MarkPaidResult:
    """What the step did, per report: the receipts marked (this run or before) with their dates, what waits."""

    searched: bool = False
    counts: Counter[str] = field(default_factory=Counter)  # marked / adopted / waiting / failed / unknown
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # "expense_report:77-Y" -> per-receipt state
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": KIND.value,
            "searched": self.searched,
            "counts": dict(self.counts),
            "reports": self.reports,
            "problems": [p.to_json() for p in self.problems],
        }


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None)


def _version(hit: InvoiceBasicInfo) -> datetime | None:
    try:
        return datetime.fromisoformat(str(hit.version)) if hit.version else None
    except ValueError:
        return None


def mark_company_receipts(
    ledger: Ledger, client: ProcountorClient, taimer: TaimerAdapter | None = None, *, claim_ttl: float = 300.0
) -> MarkPaidResult:
    """Mark paid every open receipt of every company-money claim that Procountor now allows (module docstring)."""
    result = MarkPaidResult()
    docs = {d.procountor_invoice_id: d for d in ledger.payments.open_documents() if d.procountor_invoice_id}
    if not docs:
        return result
    since = ledger.inbound.watermark_read_from(WATERMARK)
    if since is None:
        oldest = ledger.payments.oldest_open_created()
        since = _naive(oldest) - OVERLAP if oldest is not None else None
    result.searched = True
    newest: datetime | None = None
    moved: dict[int, InvoiceBasicInfo] = {}
    for hit in client.invoices.search(types=[INVOICE_TYPE], version_start_date=since):
        version = _version(hit)
        if version is not None and (newest is None or version > newest):
            newest = version
        if hit.id in docs:
            moved[hit.id] = hit
    clean = True
    for invoice_id, doc in docs.items():
        found = moved.get(invoice_id)
        if found is None or (found.status or "UNFINISHED") in NOT_MARKABLE:
            _describe(result, doc, ledger.payments.receipts_of(doc.id), found.status if found else None)
            continue
        hit = found
        clean &= _mark_invoice(ledger, client, doc, hit, result, claim_ttl)
        if taimer is not None:
            _write_status(ledger, client, taimer, doc, result)
    if clean and newest is not None:
        ledger.inbound.advance_watermark(WATERMARK, newest, overlap=OVERLAP)
    log.info("company-money receipts: %s", dict(result.counts))
    return result


def _matches(event: PaymentEvent, row: OutboundReceiptPayment) -> bool:
    return (
        event.payment_date == row.payment_date
        and event.amount is not None
        and Decimal(str(event.amount)) == Decimal(row.amount)
        and (event.currency or row.currency) == row.currency
    )


def _mark_invoice(
    ledger: Ledger,
    client: ProcountorClient,
    doc: OutboundDocument,
    hit: InvoiceBasicInfo,
    result: MarkPaidResult,
    claim_ttl: float,
) -> bool:
    """Mark the open receipts of one claim; True when none failed, stayed unknown or is held by a live claim.

    A receipt whose PUT had no answer is settled in the same run: the next pass reads the payment events again and
    adopts the event if the PUT went through, or marks the receipt again if it did not (a 5xx before commit), so a
    passing fault leaves nothing waiting for the next run. A refusal is not repeated within the run."""
    invoice_id = int(hit.id)
    refused: dict[int, Problem] = {}
    unknown: dict[int, Problem] = {}
    for _ in range(SETTLE_PASSES):
        rows = [r for r in ledger.payments.receipts_of(doc.id) if r.state != PaymentState.MARKED]
        if not [r for r in rows if r.id not in refused]:
            break
        try:
            events = client.invoices.payment_events(invoice_id)
        except ProcountorError as exc:
            result.problems.append(problem(exc.code, KIND.value, doc.taimer_number, field="paymentEvents", detail=exc))
            _describe(result, doc, ledger.payments.receipts_of(doc.id), hit.status)
            return False
        if not _mark_pass(ledger, client, doc, invoice_id, events, refused, unknown, result, claim_ttl):
            break
    final_rows = ledger.payments.receipts_of(doc.id)
    final = {r.id: r.state for r in final_rows}
    left = [p for row_id, p in (unknown | refused).items() if final.get(row_id) != PaymentState.MARKED]
    result.counts["failed"] += len([i for i in refused if final.get(i) != PaymentState.MARKED])
    result.counts["unknown"] += len([i for i in unknown if final.get(i) == PaymentState.OUTCOME_UNKNOWN])
    result.problems.extend(left)
    _describe(result, doc, final_rows, hit.status)
    # a receipt another worker holds (or a crashed run's claim not expired yet) keeps the watermark where it is
    return not left and PaymentState.MARKING not in final.values()


def _mark_pass(
    ledger: Ledger,
    client: ProcountorClient,
    doc: OutboundDocument,
    invoice_id: int,
    events: list[PaymentEvent],
    refused: dict[int, Problem],
    unknown: dict[int, Problem],
    result: MarkPaidResult,
    claim_ttl: float,
) -> bool:
    """One look at the invoice's payment events: adopt or mark each open receipt. True when a PUT had no answer
    (another pass settles it)."""
    rows = ledger.payments.receipts_of(doc.id)
    recorded = {r.procountor_payment_event_id for r in rows if r.procountor_payment_event_id is not None}
    free = [e for e in events if e.id is not None and e.id not in recorded]
    again = False
    for row in rows:
        if row.state == PaymentState.MARKED or row.id in refused:
            continue
        found = next((e for e in free if _matches(e, row)), None)
        if found is not None:  # Procountor has it already: an earlier PUT went through
            free.remove(found)
            if ledger.payments.adopt(row.id, int(found.id or 0)):
                result.counts["adopted"] += 1
            continue
        token = ledger.payments.claim(row.id, ttl=claim_ttl)
        if token is None:  # another worker holds it
            continue
        body = MarkInvoiceAsPaid(payment_date=row.payment_date, amount=Decimal(row.amount), currency=row.currency)
        try:
            event = client.invoices.mark_paid(invoice_id, body)
        except ProcountorOutcomeUnknown as exc:
            ledger.payments.record_outcome(row.id, token, PaymentState.OUTCOME_UNKNOWN, exc.code, exc)
            unknown[row.id] = _receipt_problem(UNKNOWN_CODE, doc, row, exc)
            again = True
            continue
        except ProcountorError as exc:
            ledger.payments.record_outcome(row.id, token, PaymentState.FAILED, exc.code, exc)
            refused[row.id] = _receipt_problem(FAILED_CODE, doc, row, f"{exc.code}: {exc}")
            continue
        ledger.payments.record_marked(row.id, token, event.id)
        result.counts["marked"] += 1
    return again


def _receipt_problem(code: str, doc: OutboundDocument, row: OutboundReceiptPayment, detail: object) -> Problem:
    return problem(code, KIND.value, doc.taimer_number, field=f"receipt {row.receipt_key}", detail=detail)


def _describe(
    result: MarkPaidResult, doc: OutboundDocument, rows: Iterable[OutboundReceiptPayment], status: str | None
) -> None:
    """The report's entry for one claim: each receipt with its payment date and state; what still waits."""
    receipts = [
        {
            "receipt": r.receipt_key,
            "payment_date": r.payment_date.isoformat(),
            "amount": r.amount,
            "state": r.state.value,
            "payment_event_id": r.procountor_payment_event_id,
        }
        for r in rows
    ]
    waiting = [r for r in receipts if r["state"] != PaymentState.MARKED.value]
    result.counts["waiting"] += len(waiting)
    result.reports[f"{KIND.value}:{doc.taimer_number}"] = {
        "procountor_id": doc.procountor_invoice_id,
        "procountor_status": status or "UNFINISHED",
        "receipts": receipts,
        "waiting": len(waiting),
    }


def _write_status(
    ledger: Ledger, client: ProcountorClient, taimer: TaimerAdapter, doc: OutboundDocument, result: MarkPaidResult
) -> None:
    """Tell Taimer the company half's new status (its entry among the report's linked invoices)."""
    try:
        status = client.invoices.get(int(doc.procountor_invoice_id or 0)).status
        document_id, _part = split_source_id(doc.source_id)
        integration = taimer.get_document(KIND, document_id).integration
        links = [
            link.model_copy(update={"status": status}) if link.procountor_id == doc.procountor_invoice_id else link
            for link in integration.linked_invoices
        ]
        if links != integration.linked_invoices:
            update: dict[str, Any] = {"linked_invoices": links}
            if integration.procountor_id == doc.procountor_invoice_id:
                update["procountor_status"] = status
            taimer.write_back(KIND, document_id, IntegrationUpdate(**update))
    except (ProcountorError, TaimerError) as exc:
        result.problems.append(problem("OUTBOUND_WRITE_BACK_FAILED", KIND.value, doc.taimer_number, detail=exc))
