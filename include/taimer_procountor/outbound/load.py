"""Load, exactly once: claim -> (lookup) -> POST -> record, then the ledger receipt, attachments and the write-back.

One ``Loader`` works through the ledger ids one extract step selected, documents in parallel on a small thread
pool (the Procountor client's rate limiter is shared by every thread, so together they stay within the rate). Each
document goes through the ledger protocol of docs/ledger.md:

1. **send** (VALID, OUTCOME_UNKNOWN, or a crashed worker's expired claim): claim; when ``lookup_required`` (an
   earlier POST may have gone through) ``GET /invoices?originalInvoiceNumber=`` first and adopt what is found;
   commit SENDING; ``POST /invoices`` (never retried blindly); record SENT, OUTCOME_UNKNOWN or FAILED.
2. **update** (sent, and changed in Taimer since): ``PUT /invoices/{id}`` with the current ``version`` while the
   invoice is ``UNFINISHED`` (same id; Procountor re-creates the ledger receipt, so the accounting is set again);
   otherwise an ``OUTBOUND_UPDATE_CONFLICT`` and never a second invoice. A resend asked for (``numbers``) of an
   invoice ``INVALIDATED`` in Procountor unlinks it and creates a new one, keeping the link in the ledger.
3. **enrich**: the sales account and cost center on the invoice's ledger receipt (GET + PUT with its version).
   Until it succeeds the document stays SENT (the ledger takes the later steps only in order), so a later pass, or
   for a refusal the next run, tries again.
4. **attach**: each attachment at most once: content judged by its first bytes and streamed under a size guard;
   after an unknown outcome the invoice's attachment list is checked before uploading again; one Procountor refuses
   (4xx) is FAILED with its code and not tried again, and the invoice finishes without it.
5. **write back** to Taimer: Procountor id, number and status, or the errors (invalid and refused documents).

Documents another worker holds (a concurrent run) are waited for, up to ``held_wait`` seconds, then reported as
``OUTBOUND_SEND_PENDING``; the next run finishes them. Every step is a conditional ledger update, so a rerun, a
retried task or two runs at once end in the same state.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from taimer_procountor.errors import FixWhere
from taimer_procountor.errors.catalogue import lookup
from taimer_procountor.ledger import ClaimLost, DocState, Ledger, LookupRequired
from taimer_procountor.ledger.models import OutboundAttachment, OutboundDocument
from taimer_procountor.ledger.states import (
    ATTACHMENT_DONE,
    CLAIM_STATES,
    OWED_AFTER_SEND_STATES,
    POST_SEND_STATES,
    SENDABLE_STATES,
    AttachmentState,
)
from taimer_procountor.outbound.extract import (
    CustomerCache,
    document_hash,
    ledger_source_id,
    read_document,
    split_source_id,
)
from taimer_procountor.outbound.transform import PART_SUFFIXES, prepared_part
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.errors import ProcountorError, ProcountorOutcomeUnknown
from taimer_procountor.procountor.models import AttachmentMeta, DimensionItemValue, InvoiceBasicInfo, LedgerReceipt
from taimer_procountor.redaction import get_logger, redact
from taimer_procountor.summary import Problem
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.models import (
    DocumentKind,
    IntegrationError,
    IntegrationUpdate,
    LinkedProcountorInvoice,
    PaymentSource,
    SyncState,
)

if TYPE_CHECKING:
    from taimer_procountor.outbound.context import OutboundContext
    from taimer_procountor.outbound.transform import PreparedInvoice, ReceiptAccounting

log = get_logger(__name__)

UNFINISHED = "UNFINISHED"
INVALIDATED = "INVALIDATED"
VERSION_CONFLICT = "ERROR_VERSION_CONFLICT"
MAX_DETAIL = 300
# an expense report half writes back again while the other half keeps moving, at most this often (each move of the
# other half ends in that half's own write-back)
HALVES_WRITE_ATTEMPTS = 3
OPEN_ATTACHMENT = (
    AttachmentState.PENDING,
    AttachmentState.CLAIMED,
    AttachmentState.UPLOADING,
    AttachmentState.OUTCOME_UNKNOWN,
)
_REPLACED = object()  # _update's answer when an invalidated invoice was replaced by a new one


class Enrichment(Enum):
    """How setting the ledger receipt's accounts went."""

    DONE = "done"  # the receipt is as Taimer says (or there is nothing to set)
    RETRY = "retry"  # a transient failure: a later pass of this run tries again
    REFUSED = "refused"  # Procountor refused it: the error goes to Taimer and the next run tries again


# What happened to one document in this run (the report's columns; ``pending`` is its own column).
CREATED, UPDATED, UNCHANGED, CONFLICT, FAILED, INVALID, PENDING = (
    "created",
    "updated",
    "unchanged",
    "conflicts",
    "failed",
    "invalid",
    "pending",
)


@dataclass(frozen=True)
class LoadSettings:
    """``worker`` names the claims (run id and try); ``claim_ttl`` must outlast one document's send (timeouts plus
    the rate-limit wait); ``held_wait``: how long to wait for documents a concurrent run holds."""

    worker: str
    run_id: str | None = None  # recorded with each invoice this run creates (the report's "created")
    claim_ttl: float = 300.0
    concurrency: int = 4
    held_wait: float = 60.0
    resend: bool = False  # a person asked for these documents: an INVALIDATED invoice gets a new one


@dataclass
class DocResult:
    """What the run did with one document: ids and codes only, for the report."""

    doc_id: int
    taimer_number: str | None
    outcome: str
    procountor_id: int | None = None
    procountor_number: int | None = None
    status: str | None = None
    errors: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    attachments: Counter[str] = field(default_factory=Counter)
    # this pass committed the document's last step itself (written back, no attachment open), so the driver
    # knows it is finished without reading it again; False means "read the ledger to know"
    done: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "taimer_number": self.taimer_number,
            "outcome": self.outcome,
            "procountor_id": self.procountor_id,
            "procountor_number": self.procountor_number,
            "status": self.status,
            "errors": [p.to_json() for p in self.errors],
            "notices": [p.to_json() for p in self.notices],
            "attachments": dict(self.attachments),
        }


def problem(code: str, kind: str, number: str | None, *, field: str | None = None, detail: object = None) -> Problem:
    text = redact(str(detail))[:MAX_DETAIL] if detail not in (None, "") else None
    return Problem(code, f"{kind}:{number}", field=field, detail=text)


def _error_dicts(errors: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"code": e.code, "field": e.field, "message": e.detail} for e in errors]


class Loader:
    """Sends the documents of one kind. ``prepare`` is ``outbound.transform.prepare`` (a parameter so the loop can
    be driven with prepared invoices a test builds)."""

    def __init__(
        self,
        ledger: Ledger,
        taimer: TaimerAdapter,
        client: ProcountorClient,
        ctx: OutboundContext,
        kind: DocumentKind,
        settings: LoadSettings,
        *,
        prepare: Callable[..., Sequence[PreparedInvoice]] | None = None,
    ) -> None:
        if prepare is None:
            from taimer_procountor.outbound.transform import prepare as default_prepare

            prepare = default_prepare
        self.ledger = ledger
        self.taimer = taimer
        self.client = client
        self.ctx = ctx
        self.kind = kind
        self.settings = settings
        self._prepare = prepare
        self._local = threading.local()
        self._customers = CustomerCache(taimer)
        # enrichments Procountor refused in this run, by document: a later pass reports them again, never re-PUTs
        self._refused: dict[int, list[Problem]] = {}

    # ------------------------------------------------------------------------------------------------- driver
    def run(self, doc_ids: Sequence[int]) -> list[DocResult]:
        """Process every document, then again those not finished (an unknown outcome to look up, a retryable
        refusal, a step after the send that failed, a claim another worker holds) after a short pause, until all
        are finished or ``held_wait`` has passed since the first pass; what is left is reported and the next run
        finishes it."""
        results: dict[int, DocResult] = {}
        todo = list(dict.fromkeys(doc_ids))
        deadline: float | None = None  # counted from the end of the first pass over everything
        with ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency), thread_name_prefix="load") as pool:
            while todo:
                for result in pool.map(self.process, todo):
                    earlier = results.get(result.doc_id)
                    if earlier is not None and earlier.outcome in (CREATED, UPDATED) and result.outcome == UNCHANGED:
                        result.outcome = earlier.outcome  # the earlier pass did it; this one finished the rest
                    results[result.doc_id] = result
                todo = [i for i in todo if self._unfinished(results[i])]
                deadline = deadline or time.monotonic() + self.settings.held_wait
                if not todo or time.monotonic() >= deadline:
                    break
                time.sleep(1.0)
        return [results[i] for i in dict.fromkeys(doc_ids) if i in results]

    def _unfinished(self, result: DocResult) -> bool:
        """Still owed something this run can do: a send (claimable, held, outcome unknown) or a step after it."""
        if result.done:
            return False
        doc = self.ledger.outbound.get_outbound(result.doc_id)
        if doc.state in (*CLAIM_STATES, *SENDABLE_STATES, *OWED_AFTER_SEND_STATES):
            return True
        return doc.state == DocState.WRITTEN_BACK and _attachments_open(doc.attachments)

    def process(self, doc_id: int) -> DocResult:
        doc = self.ledger.outbound.get_outbound(doc_id)
        result = DocResult(doc.id, doc.taimer_number, PENDING)
        try:
            self._process(doc, result)
        except TaimerError as exc:
            result.outcome = PENDING if result.outcome == PENDING else result.outcome
            result.errors.append(self._problem(exc.code, doc, detail=exc))
        except ProcountorError as exc:
            result.errors.append(self._problem(exc.code, doc, field=exc.field, detail=exc))
        except (ClaimLost, LookupRequired) as exc:
            result.errors.append(self._problem("OUTBOUND_SEND_PENDING", doc, detail=exc))
        except Exception as exc:  # one broken document never stops the others; its claim expires, the ledger holds
            log.exception("%s #%s: unexpected %s", self.kind, doc.taimer_number, type(exc).__name__)
            result.errors.append(self._problem("OUTBOUND_STEP_FAILED", doc, detail=type(exc).__name__))
        return result

    def _process(self, doc: OutboundDocument, result: DocResult) -> None:
        if doc.state in (DocState.INVALID, DocState.FAILED):
            result.outcome = INVALID if doc.state == DocState.INVALID else FAILED
            self._write_back_errors(doc)
            result.done = True  # nothing a later pass of this run could do
            return
        if doc.state == DocState.DISCOVERED:  # not validated (changed since the validate step): next run
            result.errors.append(self._problem("OUTBOUND_CHANGED_DURING_RUN", doc))
            return
        try:
            document, customer = read_document(self.taimer, self.kind, doc.source_id, customers=self._customers)
        except TaimerError as exc:
            result.errors.append(self._problem("OUTBOUND_DOCUMENT_UNREADABLE", doc, detail=exc))
            return
        current_hash = document_hash(document, customer)
        part = split_source_id(doc.source_id)[1]
        prepared = prepared_part(self._prepare(document, customer, self.ctx), part)
        if prepared is None:  # an expense report edited so that this half has no receipts any more
            result.errors.append(self._problem("OUTBOUND_CHANGED_DURING_RUN", doc, detail=f"no {part} money half"))
            return
        rows = doc.attachments  # read with the document (``get_outbound``); sending does not change them
        if doc.state not in POST_SEND_STATES:
            if current_hash != doc.content_hash:  # edited after validation: back to DISCOVERED for the next run
                self.ledger.outbound.upsert_outbound(doc.source_type, doc.source_id, doc.taimer_number, current_hash)
                result.errors.append(self._problem("OUTBOUND_CHANGED_DURING_RUN", doc))
                return
            sent = self._send(doc, prepared, result)
            if sent is None:
                return
            doc = sent
        elif result.outcome == PENDING:
            result.outcome = UNCHANGED
        self._finish(doc, rows, prepared, current_hash, result)

    # --------------------------------------------------------------------------------------------------- send
    def _send(self, doc: OutboundDocument, prepared: PreparedInvoice, result: DocResult) -> OutboundDocument | None:
        """Claim and send; the document as the ledger holds it when it is in Procountor afterwards (created now or
        found), else None. A claim that owes no lookup is committed SENDING at once (``claim(send=True)``)."""
        settings = self.settings
        got = self.ledger.outbound.claim([doc.id], settings.worker, settings.claim_ttl, send=True)
        if not got:
            now = self.ledger.outbound.get_outbound(doc.id)
            if now.state in POST_SEND_STATES:  # another worker finished it meanwhile
                result.outcome = UNCHANGED
                return now
            result.errors.append(self._problem("OUTBOUND_SEND_PENDING", doc, detail=f"state {now.state}"))
            return None
        claimed = got[0]
        token = claimed.claim_token
        assert token is not None
        number = prepared.original_invoice_number
        try:
            if claimed.state != DocState.SENDING:  # a lookup is owed before any POST
                hit = self._lookup(number)
                if hit is not None:
                    found = self.ledger.outbound.record_sent(
                        doc.id,
                        token,
                        hit.id,
                        invoice_number=_str(hit.invoice_number),
                        version=hit.version,
                        sent_by=self.settings.run_id,
                    )
                    log.info("%s #%s: found in Procountor as invoice %s; adopted", self.kind, number, hit.id)
                    result.outcome, result.status = CREATED, hit.status
                    return found
                self.ledger.outbound.record_lookup_absent(doc.id, token)
                self.ledger.outbound.mark_sending(doc.id, token, ttl=settings.claim_ttl)
        except ProcountorError as exc:  # the lookup failed: the claim goes back, the lookup is still owed
            self.ledger.outbound.release_claim(doc.id, token)
            result.errors.append(self._problem("OUTBOUND_SEND_PENDING", doc, detail=exc))
            return None
        except (ClaimLost, LookupRequired) as exc:
            result.errors.append(self._problem("OUTBOUND_SEND_PENDING", doc, detail=exc))
            return None
        try:
            invoice = self.client.invoices.create(prepared.payload)
        except ProcountorOutcomeUnknown as exc:
            self.ledger.outbound.record_outcome_unknown(doc.id, token, exc.code, exc)
            result.errors.append(self._problem("OUTBOUND_SEND_PENDING", doc, detail=exc))
            return None
        except ProcountorError as exc:
            errors = exc.to_document_errors()
            self.ledger.outbound.record_failure(
                doc.id, token, exc.code, exc, _error_dicts(errors), retryable=exc.retryable
            )
            if exc.retryable:
                result.errors.append(self._problem("OUTBOUND_SEND_PENDING", doc, detail=exc))
            else:
                result.outcome = FAILED
                result.errors.extend(self._problem(e.code, doc, field=e.field, detail=e.detail) for e in errors)
                self._write_back_errors(self.ledger.outbound.get_outbound(doc.id))
            return None
        if invoice.id is None:
            self.ledger.outbound.record_outcome_unknown(doc.id, token, "PROCOUNTOR_OUTCOME_UNKNOWN", "no id")
            return None
        sent = self.ledger.outbound.record_sent(
            doc.id,
            token,
            invoice.id,
            invoice_number=_str(invoice.invoice_number),
            ledger_receipt_id=invoice.ledger_receipt_id,
            version=invoice.version,
            sent_by=self.settings.run_id,
        )
        result.outcome, result.status = CREATED, invoice.status
        return sent

    def _lookup(self, original_number: str) -> InvoiceBasicInfo | None:
        """Our invoice in Procountor, if an earlier POST created it: the oldest live one with this number (an
        invalidated invoice is history; duplicates are reported by the reconciliation)."""
        hits = [h for h in self.client.invoices.find_by_original_number(original_number) if h.status != INVALIDATED]
        return min(hits, key=lambda h: h.id) if hits else None

    # ------------------------------------------------------------------------------------------ after the send
    def _finish(
        self,
        doc: OutboundDocument,
        rows: Sequence[OutboundAttachment],
        prepared: PreparedInvoice,
        current_hash: str,
        result: DocResult,
    ) -> None:
        """The steps after the send for a document in Procountor (``doc`` as the ledger holds it, ``rows`` its
        attachments as read before the send). Their ledger records are committed together at the end
        (``record_finished``), except the enrichment's, committed before any attachment upload."""
        invoice_id = doc.procountor_invoice_id
        assert invoice_id is not None
        state = doc.state
        wrote = state != DocState.WRITTEN_BACK
        receipt_id = doc.procountor_ledger_receipt_id
        if current_hash != doc.content_hash or self.settings.resend:
            step = self._update(doc, prepared, current_hash, result)
            if step is _REPLACED:  # invalidated and resent: the new invoice went through _send and _finish
                return
            if result.outcome == UPDATED:
                # as ``record_updated`` left it: the receipt Procountor re-created (None: read from the invoice)
                # needs its accounts, and Taimer the new state
                state, receipt_id, wrote = DocState.SENT, step, True
            elif step is not None:  # a conflict: the receipt stays as it was
                receipt_id, wrote = step, True
        enrichment = Enrichment.DONE
        if state == DocState.SENT and doc.id in self._refused:
            enrichment = Enrichment.REFUSED
            result.errors.extend(self._refused[doc.id])
        elif state == DocState.SENT:
            before = len(result.errors)
            enrichment, receipt_id = self._enrich(doc, prepared.receipt_accounting, receipt_id, result)
            if enrichment is Enrichment.REFUSED:
                self._refused[doc.id] = result.errors[before:]
        enriched = enrichment is Enrichment.DONE
        attaching = _attachments_open(rows)
        if attaching:
            if enriched:  # committed before the attachments' POSTs, so no Procountor call passes it by
                self.ledger.outbound.record_enriched(doc.id, ledger_receipt_id=receipt_id)
            self._attach(doc, rows, prepared, result)
        result.procountor_id = doc.procountor_invoice_id
        result.procountor_number = int(doc.procountor_invoice_number) if doc.procountor_invoice_number else None
        written = False
        if wrote or result.outcome in (CREATED, UPDATED, CONFLICT):
            # Taimer learns the Procountor id at once; the ledger moves on only when every step is done, so an
            # unfinished enrichment or attachment is taken up again by a later pass or run
            written = self._write_back(doc, rows, result)
        attach = state in (DocState.SENT, DocState.ENRICHED)
        if not (wrote or written):
            result.done = not attaching  # written back before, and no attachment open
            return
        finished = self.ledger.outbound.record_finished(
            doc.id, enriched=enriched, attach=attach, written_back=written, ledger_receipt_id=receipt_id
        )
        if not finished.attached:  # an attachment is still open (outcome unknown, a transient failure): a later pass
            result.errors.append(self._problem("OUTBOUND_SEND_PENDING", doc, field="attachments", detail="open"))
        if enrichment is Enrichment.REFUSED:
            # stays SENT for the next run once its error is in Taimer: another pass would only be refused again
            result.done = written and finished.attached
        else:
            result.done = finished.state == DocState.WRITTEN_BACK and (attach or not rows)

    def _update(self, doc: OutboundDocument, prepared: PreparedInvoice, current_hash: str, result: DocResult) -> Any:
        """The Taimer document changed after it was sent, or a person asked to resend it. Returns the ledger
        receipt id (the new one when updated, the one it has on a conflict; ``result.outcome`` says which), None
        when there is nothing to change, or ``_REPLACED`` when an invalidated invoice was replaced by a new one."""
        invoice_id = doc.procountor_invoice_id
        assert invoice_id is not None
        for attempt in (1, 2):
            invoice = self.client.invoices.get(invoice_id)
            result.status = invoice.status
            if invoice.status == INVALIDATED and self.settings.resend:
                self._resend(doc, prepared, current_hash, invoice_id, result)
                return _REPLACED
            if current_hash == doc.content_hash:
                return None
            if invoice.status != UNFINISHED:
                result.outcome = CONFLICT
                result.errors.append(
                    self._problem("OUTBOUND_UPDATE_CONFLICT", doc, detail=f"Procountor status {invoice.status}")
                )
                return doc.procountor_ledger_receipt_id
            body = dict(prepared.payload, version=invoice.version)
            try:
                updated = self.client.invoices.update(invoice_id, body)
            except ProcountorError as exc:
                if exc.procountor_code == VERSION_CONFLICT and attempt == 1:
                    continue  # someone changed it meanwhile: read it again
                raise
            self.ledger.outbound.record_updated(
                doc.id, current_hash, version=updated.version, ledger_receipt_id=updated.ledger_receipt_id
            )
            result.outcome, result.status = UPDATED, updated.status
            return updated.ledger_receipt_id
        return None  # pragma: no cover - the loop returns or raises

    def _resend(
        self, doc: OutboundDocument, prepared: PreparedInvoice, current_hash: str, old_id: int, result: DocResult
    ) -> None:
        """Replace an invoice invalidated in Procountor: unlink it, validate the current content, send it anew."""
        from taimer_procountor.outbound.validate import validate_batch

        if not self.ledger.outbound.unlink_invalidated(doc.id, current_hash):
            return
        result.notices.append(self._problem("OUTBOUND_RESENT_AFTER_INVALIDATION", doc, detail=f"replaces {old_id}"))
        document, customer = read_document(self.taimer, self.kind, doc.source_id, customers=self._customers)
        errors = validate_batch([(document, customer, (prepared,))], self.ctx).get(document.id, ())
        self.ledger.outbound.mark_validated(
            doc.id, [{"code": e.code, "field": e.field, "message": e.detail} for e in errors], content_hash=current_hash
        )
        fresh = self.ledger.outbound.get_outbound(doc.id)
        if fresh.state != DocState.VALID:
            result.outcome = INVALID
            self._write_back_errors(fresh)
            return
        result.outcome = PENDING
        sent = self._send(fresh, prepared, result)
        if sent is not None:
            self._finish(sent, self.ledger.attachments.attachments_of(doc.id), prepared, current_hash, result)

    def _enrich(
        self, doc: OutboundDocument, accounting: ReceiptAccounting | None, receipt_id: int | None, result: DocResult
    ) -> tuple[Enrichment, int | None]:
        """Sales account and cost center on every ENTRY transaction of the ledger receipt. Each try reads the
        receipt first and sends only what is missing, with its current version, so repeating after an unknown
        outcome or a concurrent writer is safe. Returns how it went and the receipt id; the caller records it."""
        if accounting is not None and accounting.sets_anything:
            try:
                if receipt_id is None:
                    receipt_id = self.client.invoices.get(int(doc.procountor_invoice_id or 0)).ledger_receipt_id
                if receipt_id is None:
                    result.errors.append(self._problem("PROCOUNTOR_NOT_FOUND", doc, field="ledgerReceiptId"))
                    return Enrichment.REFUSED, None
                for attempt in range(1, 5):
                    wanted = with_accounting(self.client.ledger_receipts.get(receipt_id), accounting)
                    if wanted is None:
                        break
                    try:
                        self.client.ledger_receipts.update(wanted)
                        break
                    except ProcountorError as exc:
                        again = exc.retryable or isinstance(exc, ProcountorOutcomeUnknown)
                        if attempt < 4 and (again or exc.procountor_code == VERSION_CONFLICT):
                            continue  # read it again: the PUT may have gone through, or someone else wrote
                        raise
            except ProcountorError as exc:
                result.errors.append(self._problem(exc.code, doc, field=exc.field or "ledgerReceipt", detail=exc))
                again = exc.retryable or isinstance(exc, ProcountorOutcomeUnknown)
                return (Enrichment.RETRY if again else Enrichment.REFUSED), receipt_id
        return Enrichment.DONE, receipt_id

    def _attach(
        self, doc: OutboundDocument, rows: Sequence[OutboundAttachment], prepared: PreparedInvoice, result: DocResult
    ) -> None:
        """Upload each open attachment once. ``rows`` may be stale (read before the send): every change below is a
        conditional ledger update, so a row another worker took meanwhile is simply not claimed here."""
        from taimer_procountor.outbound.attachments import (
            HEAD_BYTES,
            NOT_MOVED_GOOGLE_DRIVE,
            AttachmentRefusedError,
            read_attachment,
            sniff,
        )

        moving = {a.id: a for a in prepared.attachments}
        held = _HeldAttachments(self.client, doc.procountor_invoice_id, rows)
        for row in rows:
            if row.state in ATTACHMENT_DONE:
                continue
            att = moving.get(row.taimer_attachment_id)
            if att is None:  # Google Drive: the invoice goes without it
                if self.ledger.attachments.skip_attachment(row.id, NOT_MOVED_GOOGLE_DRIVE):
                    result.attachments["not_moved"] += 1
                continue
            refusal = None
            try:
                content = read_attachment(att.name, att.size, self.taimer.iter_attachment_content(att.id))
            except AttachmentRefusedError as exc:
                content, refusal = b"", exc.error
            except TaimerError as exc:
                result.errors.append(self._problem(exc.code, doc, field="attachments", detail=exc))
                continue
            if refusal is not None:
                if self.ledger.attachments.skip_attachment(row.id, refusal.code, refusal.detail):
                    result.attachments["refused"] += 1
                    result.errors.append(self._problem(refusal.code, doc, field="attachments", detail=refusal.detail))
                continue
            claimed = self.ledger.attachments.claim_attachment(row.id, self.settings.worker, self.settings.claim_ttl)
            if claimed is None:  # another worker has it
                continue
            token = claimed.claim_token
            assert token is not None
            try:
                if claimed.lookup_required:
                    found = held.take(att.name)
                    if found is not None:
                        self.ledger.attachments.record_attachment_uploaded(row.id, token, found)
                        continue
                    self.ledger.attachments.record_attachment_lookup_absent(row.id, token)
                self.ledger.attachments.mark_attachment_uploading(row.id, token)
            except (ClaimLost, LookupRequired):
                continue
            meta = AttachmentMeta(
                name=att.name,
                reference_type="INVOICE",
                reference_id=cast(int, doc.procountor_invoice_id),  # set: the invoice was created first
                mime_type=sniff(content[:HEAD_BYTES]).mime_type,
                send_with_invoice=self.kind == DocumentKind.SALES_INVOICE,
            )
            try:
                uploaded = self.client.attachments.upload(meta, content)
            except ProcountorOutcomeUnknown as exc:
                self.ledger.attachments.record_attachment_outcome_unknown(row.id, token, exc.code, exc)
                continue
            except ProcountorError as exc:
                self.ledger.attachments.record_attachment_failure(row.id, token, exc.code, exc, retryable=exc.retryable)
                result.errors.append(self._problem(exc.code, doc, field="attachments", detail=exc))
                continue
            if uploaded.id is None:
                self.ledger.attachments.record_attachment_outcome_unknown(row.id, token, "PROCOUNTOR_OUTCOME_UNKNOWN")
                continue
            self.ledger.attachments.record_attachment_uploaded(row.id, token, uploaded.id)
            result.attachments["moved"] += 1

    # ----------------------------------------------------------------------------------------------- write-back
    def _write_back(self, doc: OutboundDocument, rows: Sequence[OutboundAttachment], result: DocResult) -> bool:
        """Procountor id, number and status (or the errors) to Taimer; True when Taimer took it (the caller
        records it in the ledger). ``rows``: the attachments as read before the send (read again only if any)."""
        from taimer_procountor.outbound.attachments import NOT_MOVED_GOOGLE_DRIVE

        current = self.ledger.attachments.attachments_of(doc.id) if rows else []
        not_moved = any(a.state == AttachmentState.SKIPPED and a.error_code == NOT_MOVED_GOOGLE_DRIVE for a in current)
        # a refusal recorded by an earlier pass or run stays in Taimer: each write-back replaces its errors
        reported = {p.code for p in result.errors if p.field == "attachments"}
        refusals = [
            IntegrationError(code=a.error_code, field="attachments", message=a.error_detail)
            for a in current
            if a.error_code is not None and _refused_attachment(a) and a.error_code not in reported
        ]
        status = result.status or UNFINISHED
        update = IntegrationUpdate(
            sync_state=SyncState.TRANSFERRED,
            procountor_id=doc.procountor_invoice_id,
            procountor_number=int(doc.procountor_invoice_number) if doc.procountor_invoice_number else None,
            procountor_status=status,
            # what a person must act on; a transient problem (a pass still pending) is the run report's alone
            errors=[
                IntegrationError(code=p.code, field=p.field, message=p.detail)
                for p in result.errors
                if lookup(p.code).fix_where is not FixWhere.TRANSIENT
            ]
            + refusals,
            linked_invoices=[
                LinkedProcountorInvoice(procountor_id=int(i), status=INVALIDATED)
                for i in (doc.details or {}).get("replaced_invoices", [])
            ]
            or None,
        )
        if not_moved:
            update.attachments_skipped_reason = "google_drive"
        try:
            if split_source_id(doc.source_id)[1] is None:
                self.taimer.write_back(self.kind, split_source_id(doc.source_id)[0], update)
            else:
                self._write_back_halves(doc, status, update)
        except TaimerError as exc:
            result.errors.append(self._problem("OUTBOUND_WRITE_BACK_FAILED", doc, detail=exc))
            return False
        result.status = status
        return True

    def _halves(self, doc: OutboundDocument) -> list[tuple[str, OutboundDocument]]:
        """The ledger rows of every half of ``doc``'s expense report that the ledger has, by payment source."""
        document_id, _part = split_source_id(doc.source_id)
        halves = [
            (part, self.ledger.outbound.find_outbound(doc.source_type, ledger_source_id(document_id, part)))
            for part in PART_SUFFIXES
        ]
        return [(part, half) for part, half in halves if half is not None]

    def _write_back_halves(self, doc: OutboundDocument, status: str, update: IntegrationUpdate) -> None:
        """Write one half's write-back, which carries both halves, and write it again while the other half moved
        meanwhile: Taimer's write-back replaces the report's fields, so when both halves finish at once (two threads,
        or two workers) the write built from the older view may land last; the half that sees the other one moved
        after its view writes again, so the last write always holds both."""
        for _ in range(HALVES_WRITE_ATTEMPTS):
            present = self._halves(doc)
            self.taimer.write_back(
                self.kind, split_source_id(doc.source_id)[0], self._halves_update(doc, status, update, present)
            )
            if _halves_view(self._halves(doc)) == _halves_view(present):
                return

    def _halves_update(
        self, doc: OutboundDocument, status: str, update: IntegrationUpdate, present: list[tuple[str, OutboundDocument]]
    ) -> IntegrationUpdate:
        """The write-back of one half of an expense report: both halves in ``linked_invoices`` (each with its payment
        source and the status Taimer last heard, this one's now), the report's own Procountor fields those of its
        first half; the report is ``transferred`` only once every half is in Procountor."""
        document_id, _part = split_source_id(doc.source_id)
        known = {
            link.procountor_id: link.status
            for link in self.taimer.get_document(self.kind, document_id).integration.linked_invoices
        }
        sent = [(part, half) for part, half in present if half.procountor_invoice_id is not None]
        links = [
            LinkedProcountorInvoice(
                procountor_id=int(half.procountor_invoice_id or 0),
                procountor_number=int(half.procountor_invoice_number) if half.procountor_invoice_number else None,
                payment_source=PaymentSource(part),
                status=status if half.id == doc.id else known.get(int(half.procountor_invoice_id or 0), UNFINISHED),
            )
            for part, half in sent
        ]
        first = links[0]
        fields = update.model_dump(exclude_unset=True) | {
            "procountor_id": first.procountor_id,
            "procountor_number": first.procountor_number,
            "procountor_status": first.status,
            "linked_invoices": [*(update.linked_invoices or []), *links],
        }
        if len(sent) < len(present) or any(h.state not in POST_SEND_STATES for _p, h in present):
            fields.pop("sync_state")  # the other half is not in Procountor yet: the report stays marked for transfer
        return IntegrationUpdate(**fields)

    def _write_back_errors(self, doc: OutboundDocument) -> None:
        """An invalid or refused document: its errors go to Taimer once (again only after they changed)."""
        raised_at = doc.validated_at if doc.state == DocState.INVALID else doc.last_attempt_at
        if doc.written_back_at is not None and (raised_at is None or doc.written_back_at >= raised_at):
            return
        errors = doc.validation_errors if doc.state == DocState.INVALID else doc.errors
        update = IntegrationUpdate(
            sync_state=SyncState.FAILED,
            errors=[
                IntegrationError(code=e.get("code") or "", field=e.get("field"), message=e.get("message"))
                for e in errors or []
            ],
        )
        try:
            self.taimer.write_back(self.kind, split_source_id(doc.source_id)[0], update)
        except TaimerError as exc:
            log.warning("write-back of %s #%s's errors failed: %s", self.kind, doc.taimer_number, exc.code)
            return
        self.ledger.outbound.record_written_back(doc.id)

    def _problem(self, code: str, doc: OutboundDocument, *, field: str | None = None, detail: object = None) -> Problem:
        return problem(code, self.kind.value, doc.taimer_number, field=field, detail=detail)


class _HeldAttachments:
    """The attachments Procountor already holds for one invoice, read once and only when a lookup is owed; each
    match is taken once, and ids the ledger already recorded for other rows are not matched again."""

    def __init__(self, client: ProcountorClient, invoice_id: int | None, rows: Sequence[OutboundAttachment]) -> None:
        self._client = client
        self._invoice_id = invoice_id
        self._known = {r.procountor_attachment_id for r in rows if r.procountor_attachment_id is not None}
        self._left: list[AttachmentMeta] | None = None

    def take(self, name: str) -> int | None:
        if self._left is None:
            invoice = self._client.invoices.get(int(self._invoice_id or 0))
            self._left = [a for a in invoice.attachments or [] if a.id is not None and a.id not in self._known]
        for meta in self._left:
            if meta.name == name:
                self._left.remove(meta)
                return meta.id
        return None


def _halves_view(halves: list[tuple[str, OutboundDocument]]) -> list[tuple[str, int | None, str, str | None]]:
    """What a halves write-back is built from: each half's Procountor invoice, state and number."""
    return [(part, h.procountor_invoice_id, h.state, h.procountor_invoice_number) for part, h in halves]


def _attachments_open(rows: Iterable[OutboundAttachment]) -> bool:
    """An attachment still to upload (``ATTACHMENT_DONE`` ones are not: a FAILED one is reported, not retried)."""
    return any(a.state in OPEN_ATTACHMENT for a in rows)


def _refused_attachment(row: OutboundAttachment) -> bool:
    """Refused for good, with a code a person acts on: by Procountor (FAILED) or by our checks (SKIPPED other than
    for Google Drive, which is a notice)."""
    from taimer_procountor.outbound.attachments import NOT_MOVED_GOOGLE_DRIVE

    return row.state == AttachmentState.FAILED or (
        row.state == AttachmentState.SKIPPED and row.error_code != NOT_MOVED_GOOGLE_DRIVE
    )


def with_accounting(receipt: LedgerReceipt, accounting: ReceiptAccounting) -> LedgerReceipt | None:
    """The receipt with the sales account and cost center on its ENTRY transactions, or None when it already has
    them (nothing to send)."""
    item = accounting.cost_center
    changed = False
    transactions = []
    for tx in receipt.transactions:
        if tx.transaction_type != "ENTRY":
            transactions.append(tx)
            continue
        update: dict[str, Any] = {}
        if accounting.sales_account and tx.account != accounting.sales_account:
            update["account"] = accounting.sales_account
        if item is not None and item.dimension_id is not None and item.item_id is not None:
            value = abs(Decimal(tx.accounting_value))
            wanted = [DimensionItemValue(dimension_id=item.dimension_id, item_id=item.item_id, value=value)]
            have = [(v.dimension_id, v.item_id, Decimal(v.value)) for v in tx.dimension_item_values or []]
            if have != [(item.dimension_id, item.item_id, value)]:
                update["dimension_item_values"] = wanted
        if update:
            changed = True
            tx = tx.model_copy(update=update)
        transactions.append(tx)
    return receipt.model_copy(update={"transactions": transactions}) if changed else None


def _str(value: object) -> str | None:
    return None if value is None else str(value)
