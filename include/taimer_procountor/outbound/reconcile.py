"""Reconciliation at the end of every run: what Procountor and Taimer hold for the documents the run touched.

For each touched document that the ledger knows as created in Procountor:

- Procountor holds **exactly one** live (not ``INVALIDATED``) invoice whose ``originalInvoiceNumber`` is the Taimer
  number (``OUTBOUND_RECONCILE_MISSING`` / ``OUTBOUND_RECONCILE_DUPLICATE``: the latter is also how a user finds a
  duplicate someone made by hand), and it is the one the ledger recorded (``OUTBOUND_RECONCILE_OTHER_INVOICE``);
- its gross total is Taimer's (``OUTBOUND_RECONCILE_TOTAL_MISMATCH``), and its ledger receipt carries the sales
  account and cost center Taimer gives (``OUTBOUND_RECONCILE_ACCOUNTING_MISMATCH``); both skipped while an edit waits
  for a person as an update conflict, which is reported already;
- Taimer's write-back (Procountor id, number, status) agrees with Procountor (``OUTBOUND_RECONCILE_WRITE_BACK_
  MISMATCH``).

Read-only on both sides: two GETs to Procountor (three when the receipt's accounts are set) and one Taimer read per
document, in parallel inside the client's rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from taimer_procountor.ledger import Ledger
from taimer_procountor.ledger.states import POST_SEND_STATES
from taimer_procountor.outbound.extract import CustomerCache, read_document, split_source_id
from taimer_procountor.outbound.load import INVALIDATED, problem, with_accounting
from taimer_procountor.outbound.transform import ReceiptAccounting, prepared_part
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.errors import ProcountorError
from taimer_procountor.summary import Problem
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.models import DocumentKind

if TYPE_CHECKING:
    from taimer_procountor.outbound.context import OutboundContext
    from taimer_procountor.outbound.transform import PreparedInvoice


@dataclass
class ReconcileResult:
    kind: str
    checked: int = 0
    agreed: int = 0
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "checked": self.checked,
            "agreed": self.agreed,
            "problems": [p.to_json() for p in self.problems],
        }


def reconcile_kind(
    ledger: Ledger,
    taimer: TaimerAdapter,
    client: ProcountorClient,
    ctx: OutboundContext,
    kind: DocumentKind,
    doc_ids: Sequence[int],
    *,
    prepare: Callable[..., Sequence[PreparedInvoice]] | None = None,
    concurrency: int = 4,
) -> ReconcileResult:
    if prepare is None:
        from taimer_procountor.outbound.transform import prepare as default_prepare

        prepare = default_prepare
    result = ReconcileResult(kind.value)
    docs = [ledger.outbound.get_outbound(i) for i in dict.fromkeys(doc_ids)]
    sent = [d for d in docs if d.state in POST_SEND_STATES]
    customers = CustomerCache(taimer)

    def check(doc: Any) -> list[Problem]:
        def p(code: str, detail: object = None, field: str | None = None) -> Problem:
            return problem(code, kind.value, doc.taimer_number, field=field, detail=detail)

        try:
            document, customer = read_document(taimer, kind, doc.source_id, customers=customers)
            prepared = prepared_part(prepare(document, customer, ctx), split_source_id(doc.source_id)[1])
            if prepared is None:
                return [p("OUTBOUND_CHANGED_DURING_RUN", "the report has no such half any more")]
            hits = [
                h
                for h in client.invoices.find_by_original_number(prepared.original_invoice_number)
                if h.status != INVALIDATED
            ]
            if not hits:
                return [p("OUTBOUND_RECONCILE_MISSING", f"ledger: invoice {doc.procountor_invoice_id}")]
            if len(hits) > 1:
                ids = sorted(h.id for h in hits)
                return [p("OUTBOUND_RECONCILE_DUPLICATE", f"{len(hits)} invoices: {ids}")]
            (hit,) = hits
            if hit.id != doc.procountor_invoice_id:
                return [
                    p("OUTBOUND_RECONCILE_OTHER_INVOICE", f"Procountor {hit.id}, ledger {doc.procountor_invoice_id}")
                ]
            invoice = client.invoices.get(hit.id)
        except TaimerError as exc:
            return [p(exc.code, exc)]
        except ProcountorError as exc:
            return [p(exc.code, exc, exc.field)]
        found: list[Problem] = []
        total = gross_total_of(invoice)
        if not doc.changed_after_send and total is not None and total != Decimal(prepared.gross_total):
            found.append(p("OUTBOUND_RECONCILE_TOTAL_MISMATCH", f"Procountor {total}, Taimer {prepared.gross_total}"))
        accounting = None if doc.changed_after_send else prepared.receipt_accounting
        if accounting is not None and accounting.sets_anything:
            found.extend(_accounting_problems(client, invoice.ledger_receipt_id, accounting, p))
        status = document.integration
        ours = (status.procountor_id, status.procountor_number, status.procountor_status)
        if prepared.part is not None:  # an expense half: its entry among the report's linked invoices
            link = next((li for li in status.linked_invoices if li.procountor_id == invoice.id), None)
            ours = (link.procountor_id, link.procountor_number, link.status) if link else (None, None, None)
        theirs = (invoice.id, invoice.invoice_number, invoice.status)
        if ours != theirs:
            found.append(p("OUTBOUND_RECONCILE_WRITE_BACK_MISMATCH", f"Taimer {ours}, Procountor {theirs}"))
        return found

    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="reconcile") as pool:
        for found in pool.map(check, sent):
            result.checked += 1
            result.agreed += int(not found)
            result.problems.extend(found)
    return result


def gross_total_of(invoice: Any) -> Decimal | None:
    """The invoice's gross total as Procountor computed it (``invoiceSumInfo``), None when it gave none."""
    for info in invoice.invoice_sum_info or []:
        if info.invoice_sum_total is not None:
            return Decimal(info.invoice_sum_total)
    return None


def _accounting_problems(
    client: ProcountorClient, receipt_id: int | None, accounting: ReceiptAccounting, p: Callable[..., Problem]
) -> list[Problem]:
    """``OUTBOUND_RECONCILE_ACCOUNTING_MISMATCH`` when the invoice's ledger receipt lacks what the load sets on it;
    a receipt that cannot be read is reported with its own code, apart from the invoice's other checks."""
    if receipt_id is None:
        return [p("OUTBOUND_RECONCILE_ACCOUNTING_MISMATCH", "the invoice has no ledger receipt", "ledgerReceiptId")]
    try:
        receipt = client.ledger_receipts.get(receipt_id)
    except ProcountorError as exc:
        return [p(exc.code, exc, exc.field or "ledgerReceipt")]
    if with_accounting(receipt, accounting) is None:
        return []
    wanted = f"sales account {accounting.sales_account}, cost center {accounting.cost_center_code}"
    return [p("OUTBOUND_RECONCILE_ACCOUNTING_MISMATCH", f"receipt {receipt_id}: {wanted}", "ledgerReceipt")]
