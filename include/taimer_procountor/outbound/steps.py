"""The outbound DAG's task bodies, free of Airflow: each takes the ledger, the Taimer adapter and (where it talks to
Procountor) the client, and returns a small JSON summary (ids and counts) for XCom.

``dags/taimer_to_procountor.py`` only wires these together; tests can call them directly. Every step is safe to
repeat (docs/outbound.md, "Exactly once").
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from taimer_procountor.ledger import DocState, Ledger
from taimer_procountor.ledger.states import POST_SEND_STATES
from taimer_procountor.outbound.extract import (
    CustomerCache,
    Selection,
    document_hash,
    extract_kind,
    read_document,
    split_source_id,
)
from taimer_procountor.outbound.load import Loader, LoadSettings, problem
from taimer_procountor.outbound.reconcile import reconcile_kind
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.redaction import get_logger
from taimer_procountor.summary import Problem
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.models import DocumentKind

if TYPE_CHECKING:
    from taimer_procountor.outbound.context import OutboundContext

log = get_logger(__name__)

FLOW = "outbound"
SUPPORTED_KINDS: tuple[str, ...] = (
    DocumentKind.SALES_INVOICE.value,
    DocumentKind.BILL.value,
    DocumentKind.TRAVEL_REPORT.value,
    DocumentKind.EXPENSE_REPORT.value,
)
# Tuning read where a task runs (tests shorten the claim so a killed task's documents are taken over quickly).
CLAIM_TTL_ENV = "TAIMER_PROCOUNTOR_CLAIM_TTL_SECONDS"
CONCURRENCY_ENV = "TAIMER_PROCOUNTOR_OUTBOUND_CONCURRENCY"
HELD_WAIT_ENV = "TAIMER_PROCOUNTOR_HELD_WAIT_SECONDS"
VALIDATE_CHUNK = 1_000  # documents per GX batch in the validate step


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


def load_settings(worker: str, *, run_id: str | None = None, resend: bool = False) -> LoadSettings:
    ttl = _env_float(CLAIM_TTL_ENV, 300.0)
    return LoadSettings(
        worker=worker,
        run_id=run_id,
        claim_ttl=ttl,
        concurrency=int(_env_float(CONCURRENCY_ENV, 4)),
        held_wait=_env_float(HELD_WAIT_ENV, ttl + 30.0),
        resend=resend,
    )


# ------------------------------------------------------------------------------------------------- selection
def resolve_selection(
    params: dict[str, Any], *, run_type: str | None = None, data_interval_end: datetime | None = None
) -> Selection:
    """The params as a ``Selection``. A backfill run (``run_type == "backfill"``) without explicit dates takes the
    documents dated on the day before its scheduled time (the day that nightly run would have covered), so a
    backfill over past dates re-checks each day once."""
    numbers = tuple(str(n).strip() for n in params.get("numbers") or () if str(n).strip())
    date_from = _date(params.get("date_from"))
    date_to = _date(params.get("date_to"))
    if not numbers and not date_from and not date_to and run_type == "backfill" and data_interval_end is not None:
        day = data_interval_end.date() - timedelta(days=1)
        date_from = date_to = day
    return Selection(numbers=numbers, date_from=date_from, date_to=date_to)


def _date(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def resolve_kinds(params: dict[str, Any]) -> list[str]:
    kinds = [str(k) for k in params.get("kinds") or SUPPORTED_KINDS]
    unknown = sorted(set(kinds) - set(SUPPORTED_KINDS))
    if unknown:
        raise ValueError(f"kinds {unknown} are not supported yet; supported: {list(SUPPORTED_KINDS)}")
    return list(dict.fromkeys(kinds))


# ------------------------------------------------------------------------------------------------------ steps
def build_context(ledger: Ledger, taimer: TaimerAdapter) -> OutboundContext:
    from taimer_procountor.outbound.context import build_context as build

    return build(
        ledger,
        taimer.get_company_settings(),
        taimer_products=list(taimer.iter_products()),
        work_types=list(taimer.iter_work_types()),
        users=list(taimer.iter_users()),
    )


def extract_step(ledger: Ledger, taimer: TaimerAdapter, kind: str, selection: Selection) -> dict[str, Any]:
    return extract_kind(taimer, ledger, DocumentKind(kind), selection).to_json()


def validate_step(
    ledger: Ledger, taimer: TaimerAdapter, kind: str, doc_ids: Sequence[int], *, dry_run: bool = False
) -> dict[str, Any]:
    """Validate the touched documents that are not validated yet (DISCOVERED); mark each VALID or INVALID with its
    catalogue codes. Notices of every touched document's transform are returned for the report. A dry run also
    logs exactly what would be sent (each POST or PUT body) and returns the numbers."""
    from taimer_procountor.outbound.transform import prepare
    from taimer_procountor.outbound.validate import validate_batch

    doc_kind = DocumentKind(kind)
    ctx = build_context(ledger, taimer)
    customers = CustomerCache(taimer)
    problems: list[Problem] = []
    notices: list[Problem] = []
    counts: Counter[str] = Counter()
    would_create: list[str | None] = []
    would_update: list[str | None] = []
    # Bounded chunks: one GX batch (and its DataFrame) per VALIDATE_CHUNK documents, so memory does not grow with N.
    for chunk in _chunks(list(dict.fromkeys(doc_ids)), VALIDATE_CHUNK):
        batch, rows = [], []
        for doc_id in chunk:
            doc = ledger.outbound.get_outbound(doc_id)
            if doc.state not in (DocState.DISCOVERED, DocState.VALID) and not (
                dry_run and doc.state in POST_SEND_STATES and doc.changed_after_send
            ):
                continue
            try:
                document, customer = read_document(taimer, doc_kind, doc.source_id, customers=customers)
                prepared = prepare(document, customer, ctx)
            except TaimerError as exc:
                problems.append(problem("OUTBOUND_DOCUMENT_UNREADABLE", kind, doc.taimer_number, detail=exc))
                continue
            batch.append((document, customer, prepared))
            rows.append((doc, document_hash(document, customer)))
            for invoice in prepared:
                notices += [
                    problem(n.code, kind, doc.taimer_number, field=n.field, detail=n.detail) for n in invoice.notices
                ]
        verdicts = validate_batch(batch, ctx) if batch else {}
        for (doc, digest), (document, _customer, prepared) in zip(rows, batch, strict=True):
            errors = verdicts.get(document.id, ())
            if doc.state in (DocState.DISCOVERED, DocState.VALID):
                ledger.outbound.mark_validated(
                    doc.id,
                    [{"code": e.code, "field": e.field, "message": e.detail} for e in errors],
                    content_hash=digest,
                )
                counts["invalid" if errors else "valid"] += 1
            if dry_run and not errors:
                target = would_update if doc.state in POST_SEND_STATES else would_create
                target.append(doc.taimer_number)
                for invoice in prepared:
                    if invoice.part != split_source_id(doc.source_id)[1]:
                        continue  # the other half of an expense report: its own ledger row logs it
                    verb = "PUT /invoices/{id}" if doc.state in POST_SEND_STATES else "POST /invoices"
                    log.info("dry run: would send %s for %s #%s:\n%s", verb, kind, doc.taimer_number, _pretty(invoice))
    return {
        "kind": kind,
        "doc_ids": list(doc_ids),
        "validated": sum(counts.values()),
        "valid": counts["valid"],
        "invalid": counts["invalid"],
        "problems": [p.to_json() for p in problems],
        "notices": [p.to_json() for p in notices],
        "would_create": would_create,
        "would_update": would_update,
    }


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pretty(invoice: Any) -> str:
    return json.dumps(invoice.payload, indent=1, ensure_ascii=False, default=str)


def load_step(
    ledger: Ledger,
    taimer: TaimerAdapter,
    client: ProcountorClient,
    kind: str,
    doc_ids: Sequence[int],
    *,
    worker: str,
    run_id: str | None = None,
    resend: bool = False,
) -> dict[str, Any]:
    """Send, update, enrich, attach and write back every touched document (``Loader``)."""
    ctx = build_context(ledger, taimer)
    loader = Loader(
        ledger, taimer, client, ctx, DocumentKind(kind), load_settings(worker, run_id=run_id, resend=resend)
    )
    results = loader.run(doc_ids)
    counts = Counter(r.outcome for r in results)
    attachments: Counter[str] = Counter()
    errors: list[Problem] = []
    notices: list[Problem] = []
    for r in results:
        attachments.update(r.attachments)
        errors += r.errors
        notices += r.notices
    log.info("load %s: %s; attachments %s", kind, dict(counts), dict(attachments))
    return {
        "kind": kind,
        "doc_ids": list(doc_ids),
        "counts": dict(counts),
        "outcomes": {str(r.doc_id): r.outcome for r in results},
        "attachments": dict(attachments),
        "errors": [p.to_json() for p in errors],
        "notices": [p.to_json() for p in notices],
    }


def reconcile_step(
    ledger: Ledger, taimer: TaimerAdapter, client: ProcountorClient, kind: str, doc_ids: Sequence[int]
) -> dict[str, Any]:
    ctx = build_context(ledger, taimer)
    concurrency = int(_env_float(CONCURRENCY_ENV, 4))
    result = reconcile_kind(ledger, taimer, client, ctx, DocumentKind(kind), doc_ids, concurrency=concurrency)
    log.info(
        "reconcile %s: %d checked, %d agree, %d problem(s)", kind, result.checked, result.agreed, len(result.problems)
    )
    return result.to_json()


def mark_paid_step(ledger: Ledger, taimer: TaimerAdapter, client: ProcountorClient) -> dict[str, Any]:
    """Company-money expense claims that Procountor now allows: one payment event per receipt, on its payment date
    (``outbound.markpaid``); the report's per-receipt view."""
    from taimer_procountor.outbound.markpaid import mark_company_receipts

    ttl = _env_float(CLAIM_TTL_ENV, 300.0)
    return mark_company_receipts(ledger, client, taimer, claim_ttl=ttl).to_json()
