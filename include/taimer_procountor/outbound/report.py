"""The outbound run report: one ``FlowSummary`` built from the ledger and the steps' small summaries.

Counts per kind (``extracted``, ``invalid``, ``created``, ``updated``, ``unchanged`` = already synced,
``conflicts``, ``failed``, and ``pending`` = not finished this run) come from the ledger where they must survive a
retried task: ``created`` is every touched document sent since the run started (a retried load adopts what its
first try created), the rest from the documents' states. ``details`` holds the Taimer ↔ Procountor number map,
attachment counts (``moved`` this run, ``refused``, ``not_moved`` because of Google Drive) and the documents whose
attachments were not moved. Errors and notices carry catalogue codes; the table in the task log explains each in
Finnish and English.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from taimer_procountor.errors.catalogue import lookup
from taimer_procountor.ledger import AttachmentState, DocState, Ledger
from taimer_procountor.ledger.states import POST_SEND_STATES
from taimer_procountor.outbound.attachments import NOT_MOVED_GOOGLE_DRIVE
from taimer_procountor.summary import FlowSummary, KindCounts, Problem, StepFailure, outcome_of

FLOW = "outbound"
STEP_FAILED = "OUTBOUND_STEP_FAILED"
COLUMNS = ("extracted", "invalid", "created", "updated", "unchanged", "conflicts", "failed", "pending")


def _problems(items: Sequence[Mapping[str, Any]] | None) -> list[Problem]:
    return [Problem.from_json(p) for p in items or []]


def _dedupe(problems: Sequence[Problem]) -> tuple[Problem, ...]:
    return tuple(dict.fromkeys(problems))


def build_summary(
    ledger: Ledger,
    *,
    dag_id: str,
    run_id: str,
    kinds: Sequence[str],
    started_at: datetime | None,
    extracts: Mapping[str, Mapping[str, Any] | None],
    validations: Mapping[str, Mapping[str, Any] | None],
    loads: Mapping[str, Mapping[str, Any] | None],
    reconciles: Mapping[str, Mapping[str, Any] | None],
    payments: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    selection: Mapping[str, Any] | None = None,
    failed_steps: Sequence[str] = (),
    step_errors: Mapping[str, Mapping[str, Any]] | None = None,
) -> FlowSummary:
    """Combine the steps' summaries per kind (a missing one: that step failed after its retries; its recorded
    failure gives the real code) with the ledger's state of the documents they touched."""
    rows: list[KindCounts] = []
    errors: list[Problem] = []
    notices: list[Problem] = []
    failed = list(failed_steps)
    number_map: dict[str, dict[str, Any]] = {}
    attachments: Counter[str] = Counter()
    not_moved_docs: dict[str, list[str]] = {}
    would_send: dict[str, Any] = {}
    for kind in kinds:
        extract = extracts.get(kind)
        validation = validations.get(kind)
        load = loads.get(kind)
        reconcile = reconciles.get(kind)
        for step, value in (("extract", extract), ("validate", validation), ("load", load), ("reconcile", reconcile)):
            if value is None:
                failed.append(f"{step}[{kind}]")
        doc_ids = list((extract or {}).get("doc_ids") or [])
        docs = [ledger.outbound.get_outbound(i) for i in doc_ids]
        counts: Counter[str] = Counter({c: 0 for c in COLUMNS})
        counts["extracted"] = len(docs)
        outcomes = {int(k): v for k, v in ((load or {}).get("outcomes") or {}).items()}
        for doc in docs:
            where = f"{kind}:{doc.taimer_number}"
            outcome = outcomes.get(doc.id)
            if doc.state == DocState.INVALID:
                counts["invalid"] += 1
                errors += [
                    Problem(e.get("code") or STEP_FAILED, where, e.get("field"), e.get("message"))
                    for e in doc.validation_errors or []
                ]
            elif doc.state == DocState.FAILED:
                counts["failed"] += 1
                errors += [
                    Problem(e.get("code") or STEP_FAILED, where, e.get("field"), e.get("message"))
                    for e in doc.errors or []
                ] or [Problem(doc.last_error_code or STEP_FAILED, where, detail=doc.last_error_detail)]
            elif doc.state in POST_SEND_STATES:
                if outcome in ("updated", "conflicts"):
                    counts[outcome] += 1
                elif _sent_by_this_run(doc, run_id, started_at):
                    counts["created"] += 1
                else:
                    counts["unchanged"] += 1
                number_map[f"{kind}:{doc.taimer_number}"] = {
                    "procountor_id": doc.procountor_invoice_id,
                    "procountor_number": doc.procountor_invoice_number,
                }
            elif dry_run:
                pass  # nothing was meant to be sent
            else:
                counts["pending"] += 1
            if doc.state not in POST_SEND_STATES:
                continue  # attachments of an invoice not in Procountor wait with it
            for att in ledger.attachments.attachments_of(doc.id):
                if att.state == AttachmentState.UPLOADED:
                    if started_at is not None and att.uploaded_at is not None and att.uploaded_at >= started_at:
                        attachments["moved"] += 1
                    else:
                        attachments["already_moved"] += 1
                elif att.state == AttachmentState.SKIPPED and att.error_code == NOT_MOVED_GOOGLE_DRIVE:
                    attachments["not_moved"] += 1
                    not_moved_docs.setdefault(where, []).append(att.name)
                elif att.state in (AttachmentState.SKIPPED, AttachmentState.FAILED):  # by our checks / Procountor
                    attachments["refused"] += 1
                    errors.append(Problem(att.error_code or STEP_FAILED, where, "attachments", att.error_detail))
                elif not dry_run:
                    attachments["pending"] += 1
        rows.append(KindCounts(kind, dict(counts)))
        errors += _problems((extract or {}).get("problems"))
        notices += _problems((validation or {}).get("notices"))
        errors += [p for p in _problems((load or {}).get("errors")) if not _is_validation_echo(p, errors)]
        notices += _problems((load or {}).get("notices"))
        errors += _problems((reconcile or {}).get("problems"))
        if dry_run and validation is not None:
            would_send[kind] = {
                "create": validation.get("would_create", []),
                "update": validation.get("would_update", []),
            }
    recorded = step_errors or {}
    failures = []
    for step in sorted(set(failed)):
        entry = recorded.get(step)
        code = entry["code"] if entry else STEP_FAILED
        detail = (entry or {}).get("detail") or "see the task's log"
        failures.append(StepFailure(step, code, detail, int((entry or {}).get("try_number") or 1)))
    if payments and not payments.get("skipped"):
        errors += _problems(payments.get("problems"))
    errors_t, notices_t = _dedupe(errors), _dedupe(notices)
    details: dict[str, Any] = {
        "selection": dict(selection or {}),
        "number_map": number_map,
        "attachments": {k: attachments.get(k, 0) for k in ("moved", "already_moved", "refused", "not_moved")}
        | ({"pending": attachments["pending"]} if attachments.get("pending") else {}),
        "attachments_not_moved": not_moved_docs,
        "reconciled": {k: (reconciles.get(k) or {}).get("checked", 0) for k in kinds},
    }
    if payments and not payments.get("skipped"):
        # company-money expense claims: per report, each receipt's payment date and state, and what still waits
        details["company_money"] = {"counts": dict(payments.get("counts") or {}), "reports": payments.get("reports")}
    if dry_run:
        details["would_send"] = would_send
    return FlowSummary(
        flow=FLOW,
        dag_id=dag_id,
        run_id=run_id,
        outcome=outcome_of(failed_steps=failures, errors=errors_t),
        kinds=tuple(rows),
        errors=errors_t,
        notices=notices_t,
        failed_steps=tuple(failures),
        dry_run=dry_run,
        details=details,
    )


def _sent_by_this_run(doc: Any, run_id: str, started_at: datetime | None) -> bool:
    """Created by this run: its load recorded the invoice (a retried load task adopts what its first try sent, a
    concurrent run's invoices are that run's). Rows without the mark count by time."""
    sent_by = (doc.details or {}).get("sent_by")
    if sent_by is not None:
        return bool(sent_by == run_id)
    return started_at is not None and doc.sent_at is not None and doc.sent_at >= started_at


def _is_validation_echo(candidate: Problem, errors: Sequence[Problem]) -> bool:
    """A load error that repeats what the ledger already reported for the document (its failure codes)."""
    return any(e.code == candidate.code and e.where == candidate.where for e in errors)


def created_or_updated(summary: FlowSummary) -> int:
    return summary.total("created") + summary.total("updated")


def render_table(summary: FlowSummary, *, explain: bool = True) -> str:
    """The report as fixed-width text for the task log and the demo (``explain``: each code's fi/en text)."""
    title = "Outbound (Taimer -> Procountor)" + (" DRY RUN" if summary.dry_run else "")
    lines = [f"{title} {summary.run_id}: {summary.outcome.value.upper()}", ""]
    columns = [c for c in COLUMNS if any(c in row.counts for row in summary.kinds)]
    lines.append(f"{'kind':<16}" + "".join(f"{c:>11}" for c in columns))
    for row in summary.kinds:
        lines.append(f"{row.kind:<16}" + "".join(f"{row.get(c):>11}" for c in columns))
    att = summary.details.get("attachments") or {}
    lines += ["", "attachments: " + ", ".join(f"{k} {v}" for k, v in att.items())]
    not_moved = summary.details.get("attachments_not_moved") or {}
    for where, names in sorted(not_moved.items()):
        lines.append(f"  not moved (Google Drive): {where}: {len(names)} attachment(s)")
    number_map = summary.details.get("number_map") or {}
    if number_map:
        lines += ["", f"{'Taimer':<28}{'Procountor id':>14}{'number':>10}"]
        for where, ids in sorted(number_map.items()):
            lines.append(f"{where:<28}{ids['procountor_id'] or '':>14}{ids['procountor_number'] or '':>10}")
    company = (summary.details.get("company_money") or {}).get("reports") or {}
    if company:
        lines += ["", "company money (marked paid per receipt, on its payment date):"]
        for where, entry in sorted(company.items()):
            lines.append(f"  {where} (Procountor {entry['procountor_id']}, {entry['procountor_status']}):")
            for r in entry["receipts"]:
                lines.append(f"    receipt {r['receipt']:<8} {r['payment_date']} {r['amount']:>10} {r['state']}")
    if summary.dry_run:
        for kind, would in (summary.details.get("would_send") or {}).items():
            lines.append(f"would create {kind}: {would.get('create')}; would update: {would.get('update')}")
    for title, problems in (("errors", summary.errors), ("notices", summary.notices)):
        if not problems:
            continue
        lines += ["", f"{title}:"]
        for p in problems:
            lines.append(f"  {p.code:<44} {p.where:<24} {p.field or '':<22} {p.detail or ''}")
    for failure in summary.failed_steps:
        lines.append(f"  step {failure.task_id} failed: {failure.code} {failure.detail or ''}")
    if explain:
        codes = sorted({p.code for p in (*summary.errors, *summary.notices)} | {f.code for f in summary.failed_steps})
        if codes:
            lines += ["", "codes:"]
            for code in codes:
                entry = lookup(code)
                lines.append(f"  {code}\n    fi: {entry.fi} {entry.fix_fi}\n    en: {entry.en} {entry.fix_en}")
    return "\n".join(lines)
