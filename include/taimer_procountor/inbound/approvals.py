"""Approvals Taimer -> Procountor ("Hyväksy Procountorissa"), each pushed once.

For every bill Taimer lists as approved and marked for it (``iter_approvals_to_push``):

1. the ledger's record (``inbound_mapping`` kind ``purchase_invoice_approval``, keyed by the Procountor id, holding
   the Taimer request's ``approved_at``) says whether this request was pushed already: then only Taimer is told
   (its earlier write-back failed);
2. otherwise the invoice is read: ``APPROVED`` already is success (nothing sent); ``RECEIVED`` or ``VERIFIED`` is
   approved (``PUT /invoices/{id}/approve``), verified first (``PUT …/verify``) when the company's circulation asks
   for it; the record is marked ``pushing`` (committed) before the first action, ``pushed`` after;
3. Taimer's approval state is written back: ``approved_in_procountor`` with status ``APPROVED``.

A fault after Procountor committed (timeout, 5xx) is settled by the client reading the invoice back, so it neither
approves twice nor reports a false error; a run that died between ``pushing`` and ``pushed`` finds the invoice
``APPROVED`` next time and records it. Refusals (docs/inbound.md, "Approvals"): ``UNFINISHED`` and a 403 from
``RECEIVED``/``VERIFIED`` (rights, circulation) can change, so the request stays queued and is tried next run; any
other status (``INVALIDATED``, ``PAYMENT_DENIED``, paid ...) cannot, so the bill's approval falls back to "approved
in Taimer only" with the error, and a person asks again if it ever becomes possible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from taimer_procountor.inbound.result import MAX_LISTED, StepResult
from taimer_procountor.ledger import Ledger
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.errors import (
    ProcountorError,
    ProcountorForbidden,
    ProcountorNotFound,
    ProcountorOutcomeUnknown,
)
from taimer_procountor.procountor.models import Invoice
from taimer_procountor.procountor.transitions import PURCHASE_TYPES
from taimer_procountor.redaction import get_logger, redact
from taimer_procountor.summary import Problem
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.models import (
    ApprovalState,
    ApprovalToPush,
    DocumentKind,
    IntegrationError,
    IntegrationUpdate,
)

log = get_logger(__name__)

MAPPING_KIND = "purchase_invoice_approval"
WRONG_STATUS = "INBOUND_APPROVAL_WRONG_STATUS"
NOT_IN_CIRCULATION = "INBOUND_APPROVAL_NOT_IN_CIRCULATION"
FORBIDDEN = "INBOUND_APPROVAL_FORBIDDEN"
UNKNOWN_INVOICE = "INBOUND_APPROVAL_UNKNOWN_INVOICE"

APPROVABLE = frozenset({"RECEIVED", "VERIFIED"})
WAIT_STATUSES = frozenset({"UNFINISHED"})  # can move on in Procountor: the request stays queued
COMMENT = "Hyväksytty Taimerissa"


class VerifyFirst(StrEnum):
    """Whether an invoice in ``RECEIVED`` is verified before it is approved (docs/inbound.md, "Circulation")."""

    AUTO = "auto"  # when the invoice's circulation (``invoiceApprovalInformation.verifiers``) names verifiers
    ALWAYS = "always"
    NEVER = "never"


def needs_verification(invoice: Invoice, verify_first: VerifyFirst) -> bool:
    if invoice.status != "RECEIVED" or verify_first is VerifyFirst.NEVER:
        return False
    if verify_first is VerifyFirst.ALWAYS:
        return True
    return bool((invoice.invoice_approval_information or {}).get("verifiers"))


@dataclass
class ApprovalsResult(StepResult):
    pushed: list[dict[str, Any]] = field(default_factory=list)

    def extra_json(self) -> dict[str, Any]:
        return {"approvals": self.pushed[:MAX_LISTED]}


class _Refused(Exception):
    """An approval Procountor will not take now: ``final`` when the cause cannot change by itself."""

    def __init__(self, code: str, status: str | None, detail: str, *, final: bool) -> None:
        super().__init__(detail)
        self.code, self.status, self.detail, self.final = code, status, detail, final


def _classify(status: str | None, invoice_id: int, cause: str = "") -> _Refused:
    if status in WAIT_STATUSES:
        return _Refused(NOT_IN_CIRCULATION, status, f"invoice {invoice_id} is {status}{cause}", final=False)
    if status in APPROVABLE:
        return _Refused(FORBIDDEN, status, f"invoice {invoice_id} is {status}: approval refused{cause}", final=False)
    return _Refused(WRONG_STATUS, status, f"invoice {invoice_id} is {status}{cause}", final=True)


def push_approvals(
    ledger: Ledger,
    client: ProcountorClient,
    taimer: TaimerAdapter,
    *,
    verify_first: VerifyFirst = VerifyFirst.AUTO,
    dry_run: bool = False,
) -> ApprovalsResult:
    result = ApprovalsResult(dry_run=dry_run)
    for item in list(taimer.iter_approvals_to_push()):
        result.counts["extracted"] += 1
        _push_one(ledger, client, taimer, item, verify_first, result)
    return result


def _push_one(
    ledger: Ledger,
    client: ProcountorClient,
    taimer: TaimerAdapter,
    item: ApprovalToPush,
    verify_first: VerifyFirst,
    result: ApprovalsResult,
) -> None:
    pid = item.procountor_id
    where = f"approval {item.bill_id} (invoice {pid})"
    request = item.approved_at.isoformat() if item.approved_at else ""
    record = ledger.inbound.get_inbound_mapping(MAPPING_KIND, procountor_id=pid)
    details = dict(record.details or {}) if record else {}
    entry: dict[str, Any] = {"bill_id": item.bill_id, "procountor_id": pid}
    if details.get("state") == "pushed" and details.get("request") == request:
        entry["action"] = "written_back_only"  # pushed by an earlier run; Taimer was not told then
    else:
        try:
            outcome = _approve(ledger, client, item, request, verify_first, dry_run=result.dry_run)
        except _Refused as refused:
            result.counts["refused" if refused.final else "waiting"] += 1
            result.errors.append(
                Problem(
                    refused.code, where, detail=refused.detail + ("" if refused.final else " (tried again next run)")
                )
            )
            if not result.dry_run:
                facts = {"state": "refused" if refused.final else "waiting", "request": request,
                         "code": refused.code, "status": refused.status}  # fmt: skip
                told = all(details.get(k) == v for k, v in facts.items()) and details.get("told")
                if not told:  # Taimer hears of each refusal once, not every run while it waits
                    ok = _write_back(taimer, item, result, where, refused=refused)
                    ledger.inbound.upsert_inbound_mapping(
                        MAPPING_KIND, pid, item.bill_id, details={**facts, "told": ok}
                    )
            return
        except ProcountorError as exc:  # outcome unknown or a transport failure after the client's retries
            result.counts["failed"] += 1
            result.errors.append(Problem(exc.code, where, detail=redact(exc.message) + " (tried again next run)"))
            return
        entry.update(outcome)
        if result.dry_run:
            result.counts["would_push"] += 1
            result.pushed.append(entry)
            return
        result.counts["already" if outcome.get("already") else "pushed"] += 1
    result.pushed.append(entry)
    if not result.dry_run:
        _write_back(taimer, item, result, where)


def _approve(
    ledger: Ledger,
    client: ProcountorClient,
    item: ApprovalToPush,
    request: str,
    verify_first: VerifyFirst,
    *,
    dry_run: bool,
) -> dict[str, Any]:
    pid = item.procountor_id
    try:
        invoice = client.invoices.get(pid)
    except ProcountorNotFound as exc:
        raise _Refused(UNKNOWN_INVOICE, None, f"invoice {pid} is not in Procountor", final=True) from exc
    if invoice.type not in PURCHASE_TYPES:
        raise _Refused(UNKNOWN_INVOICE, invoice.status, f"invoice {pid} is a {invoice.type}", final=True)
    if invoice.status == "APPROVED":
        outcome = {"action": "already_approved", "already": True, "status": "APPROVED"}
        if not dry_run:
            _record(ledger, item, request, "pushed", **outcome)
        return outcome
    if invoice.status not in APPROVABLE:
        raise _classify(invoice.status, pid)
    verify = needs_verification(invoice, verify_first)
    if dry_run:
        return {"action": "would_verify_and_approve" if verify else "would_approve", "status": invoice.status}
    _record(ledger, item, request, "pushing", status=invoice.status)
    try:
        if verify:
            client.invoices.verify(pid, comment=COMMENT)
        done = client.invoices.approve(pid, comment=COMMENT)
    except ProcountorForbidden as exc:
        status = client.invoices.get(pid).status
        if status == "APPROVED":  # someone approved it in Procountor meanwhile
            done_outcome = {"action": "already_approved", "already": True, "status": status}
            _record(ledger, item, request, "pushed", **done_outcome)
            return done_outcome
        raise _classify(status, pid, f" ({redact(exc.message)[:200]})") from exc
    except ProcountorOutcomeUnknown:
        raise  # stays "pushing": the next run reads the invoice first
    outcome = {
        "action": "verified_and_approved" if verify else "approved",
        "already": done.already,
        "looked_up": done.looked_up,
        "status": "APPROVED",
    }
    _record(ledger, item, request, "pushed", **outcome)
    return outcome


def _record(ledger: Ledger, item: ApprovalToPush, request: str, state: str, **facts: Any) -> None:
    ledger.inbound.upsert_inbound_mapping(
        MAPPING_KIND, item.procountor_id, item.bill_id, details={"state": state, "request": request, **facts}
    )


def _write_back(
    taimer: TaimerAdapter, item: ApprovalToPush, result: ApprovalsResult, where: str, *, refused: _Refused | None = None
) -> bool:
    """Tell Taimer how the approval went; False when that failed (reported; the next run tries again)."""
    fields: dict[str, Any]
    if refused is None:
        fields = {"approval_state": ApprovalState.APPROVED_IN_PROCOUNTOR, "procountor_status": "APPROVED", "errors": []}
    else:
        fields = {"errors": [IntegrationError(code=refused.code, field="approval", message=refused.detail)]}
        if refused.status:
            fields["procountor_status"] = refused.status
        if refused.final:  # leaves the queue: approved in Taimer only
            fields["approval_state"] = ApprovalState.APPROVED
    update = IntegrationUpdate(**fields)
    try:
        taimer.write_back(DocumentKind.BILL, item.bill_id, update)
    except TaimerError as exc:
        result.counts["write_back_failed"] += 1
        result.errors.append(Problem(exc.code, where, detail=f"approval state not written back: {exc.message}"))
        return False
    return True
