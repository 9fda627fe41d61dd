"""The inbound run's report: one ``FlowSummary`` from the three steps' summaries, and the same as a table.

Kinds (rows of the table): ``purchase_invoices`` (bills), ``approvals``, ``payments``. ``details`` holds the routing
decisions with their reasons, the approvals pushed, the payments applied, the windows read and the watermarks.
A step whose summary is missing failed after its retries: its recorded code (``ledger.runs.step_errors``) becomes
a ``StepFailure``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taimer_procountor.inbound import FLOW
from taimer_procountor.inbound.result import MAX_LISTED
from taimer_procountor.summary import FlowSummary, KindCounts, Problem, StepFailure, outcome_of

STEP_FAILED = "INBOUND_STEP_FAILED"
# task id -> (kind row, key of its list in ``details``)
STEPS: dict[str, tuple[str, str]] = {
    "load_bills": ("purchase_invoices", "decisions"),
    "push_approvals": ("approvals", "approvals"),
    "apply_payments": ("payments", "payments"),
}


def build_summary(
    *,
    dag_id: str,
    run_id: str,
    steps: Mapping[str, Mapping[str, Any] | None],
    step_errors: Mapping[str, Mapping[str, Any]] | None = None,
    dry_run: bool = False,
) -> FlowSummary:
    """``steps``: task id -> that task's return value (None: it did not succeed)."""
    recorded = step_errors or {}
    kinds: list[KindCounts] = []
    errors: list[Problem] = []
    notices: list[Problem] = []
    failed: list[StepFailure] = []
    details: dict[str, Any] = {}
    for task_id, (kind, list_key) in STEPS.items():
        result = steps.get(task_id)
        if result is None:
            entry = recorded.get(task_id) or {}
            failed.append(
                StepFailure(
                    task_id,
                    str(entry.get("code") or STEP_FAILED),
                    entry.get("detail") or "see the task's log",
                    int(entry.get("try_number") or 1),
                )
            )
            continue
        kinds.append(KindCounts(kind, {k: int(v) for k, v in (result.get("counts") or {}).items()}))
        errors += [Problem.from_json(p) for p in result.get("errors") or ()]
        notices += [Problem.from_json(p) for p in result.get("notices") or ()]
        details[list_key] = list(result.get(list_key) or [])[:MAX_LISTED]
        for key, detail_key in (("window", "windows"), ("watermark", "watermarks"), ("reasons", "reasons")):
            if key in result:
                details.setdefault(detail_key, {})[kind] = result[key]
    return FlowSummary(
        flow=FLOW,
        dag_id=dag_id,
        run_id=run_id,
        outcome=outcome_of(failed_steps=failed, errors=errors),
        kinds=tuple(kinds),
        errors=tuple(errors),
        notices=tuple(notices),
        failed_steps=tuple(failed),
        dry_run=dry_run,
        details=details,
    )


def render_table(summary: FlowSummary, *, explain: bool = True) -> str:
    """The report as fixed-width text for the task log and the demo (``explain``: each code's fi/en text)."""
    lines = [summary.headline(), ""]
    columns = summary.columns()
    lines.append(f"{'':<20}" + "".join(f"{c:>14}" for c in columns))
    for row in summary.kinds:
        lines.append(f"{row.kind:<20}" + "".join(f"{row.get(c):>14}" for c in columns))
    reasons = (summary.details.get("reasons") or {}).get("purchase_invoices") or {}
    if reasons:
        lines += ["", "Routing: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))]
    for d in summary.details.get("decisions") or []:
        notes = "; ".join(n["code"] for n in d.get("notes") or [])
        lines.append(
            f"  invoice {d['procountor_id']} -> bill {d.get('taimer_bill_id') or '-'}: {d['reason']} "
            f"{d.get('recipient_user_id') or '(nobody)'} [{d.get('action')}]" + (f" ({notes})" if notes else "")
        )
    approvals = summary.details.get("approvals") or []
    if approvals:
        lines += ["", "Approvals:"]
        lines += [f"  bill {a['bill_id']} (invoice {a['procountor_id']}): {a.get('action')}" for a in approvals]
    payments = summary.details.get("payments") or []
    if payments:
        lines += ["", "Payments:"]
        lines += [
            f"  {p['kind']} {p['taimer_id']} (invoice {p['procountor_id']}): {p['status']} "
            f"{p.get('paid_amount') or '-'} on {p.get('paid_date') or '-'} [{p.get('action')}]"
            for p in payments
        ]
    for kind, wm in (summary.details.get("watermarks") or {}).items():
        state = "moved to" if wm.get("moved") else f"held ({wm.get('held')}) at"
        lines.append(f"Watermark {kind}: {state} {wm.get('value')}")
    problems: list[StepFailure | Problem] = [*summary.failed_steps, *summary.errors, *summary.notices]
    if problems:
        from taimer_procountor.errors import lookup

        lines += ["", "Errors and notices (code: what; fix):"]
        for p in problems:
            where = p.task_id if isinstance(p, StepFailure) else p.where
            lines.append(f"  {p.code} [{where}] {p.detail or ''}")
            if explain:
                entry = lookup(p.code)
                lines.append(f"    en: {entry.en} Fix ({entry.fix_where.value}): {entry.fix_en}")
                lines.append(f"    fi: {entry.fi} Korjaa: {entry.fix_fi}")
    return "\n".join(lines)
