"""What the report UI shows, read from the ledger as plain JSON-able dicts (read-only: only ``Ledger.read()``
sessions and the ledger's query methods are used here).

Every string that comes out of the ledger passes through ``redaction.redact`` once more before it is shown, so a
secret registered after a row was written still never reaches a page. Payloads (reference items, document details)
are never read out: only ids, counts, states, codes and the error details the ledger already redacted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from taimer_procountor.errors import CATALOGUE, lookup
from taimer_procountor.ledger import DocState, Ledger
from taimer_procountor.ledger.hashing import redact_json
from taimer_procountor.ledger.models import FlowRun, OutboundDocument, ReferenceSnapshot
from taimer_procountor.summary import FlowSummary

# Outbound documents a person has to look at.
ATTENTION_STATES: tuple[DocState, ...] = (DocState.INVALID, DocState.FAILED, DocState.OUTCOME_UNKNOWN)
RUN_LIMIT_DEFAULT = 50
RUN_LIMIT_MAX = 500
ATTENTION_LIMIT = 200


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _error_items(errors: Iterable[Any] | None) -> list[dict[str, Any]]:
    """Stored error lists as ``[{code, where, field, detail}]`` (whatever of those the producer stored)."""
    out: list[dict[str, Any]] = []
    for e in errors or []:
        if isinstance(e, Mapping):
            out.append(
                {
                    "code": str(e.get("code") or "UNKNOWN"),
                    "where": e.get("where"),
                    "field": e.get("field"),
                    "detail": e.get("detail") if e.get("detail") is not None else e.get("message"),
                }
            )
        else:
            out.append({"code": "UNKNOWN", "where": None, "field": None, "detail": str(e)})
    return out


# ------------------------------------------------------------------------------------------------------------ runs
def runs(ledger: Ledger, limit: int = RUN_LIMIT_DEFAULT) -> list[dict[str, Any]]:
    """Run records, newest first. ``summary`` is the run's ``FlowSummary`` (``flow_run.counts``, as every flow's
    report stores it; None for a record without one: still running, or written before the shape existed);
    ``retries`` are the failed tries its steps recorded (``flow_run.step_errors``), one entry per step."""
    limit = max(1, min(int(limit), RUN_LIMIT_MAX))
    rows: list[FlowRun] = ledger.runs.recent(limit=limit)
    return [
        redact_json(
            {
                "id": r.id,
                "dag_id": r.dag_id,
                "run_id": r.run_id,
                "flow": r.flow,
                "status": str(r.status),
                "attempts": r.attempts,
                "started_at": _iso(r.started_at),
                "finished_at": _iso(r.finished_at),
                "duration_seconds": r.duration_seconds,
                "counts": r.counts or {},
                "summary": _summary_json(r.counts),
                "errors": _error_items(r.errors),
                "retries": retries(r.step_errors),
            }
        )
        for r in rows
    ]


def _summary_json(counts: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The stored ``FlowSummary`` with its table's columns, or None when ``counts`` is not one."""
    if not counts or "outcome" not in counts or "flow" not in counts:
        return None
    try:
        summary = FlowSummary.from_json(counts)
    except (KeyError, TypeError, ValueError):
        return None
    return summary.to_json() | {"columns": list(summary.columns()), "headline": summary.headline()}


def retries(step_errors: Iterable[Any] | None) -> list[dict[str, Any]]:
    """Per step, in first-failure order: the try numbers that failed, their codes (each once) and the last detail.
    ``attempts`` is the highest failed try number (a step that later succeeded ran once more)."""
    by_step: dict[str, dict[str, Any]] = {}
    for e in step_errors or []:
        if not isinstance(e, Mapping) or not e.get("where"):
            continue
        step = by_step.setdefault(str(e["where"]), {"step": str(e["where"]), "tries": [], "codes": [], "detail": None})
        if e.get("try_number") is not None:
            step["tries"].append(int(e["try_number"]))
        code = str(e.get("code") or "UNKNOWN")
        if code not in step["codes"]:
            step["codes"].append(code)
        step["detail"] = e.get("detail")
    for step in by_step.values():
        step["attempts"] = max(step["tries"], default=len(step["codes"]))
    return list(by_step.values())


# ------------------------------------------------------------------------------------------------------- reference
def reference(ledger: Ledger) -> list[dict[str, Any]]:
    """The latest snapshot of each kind (counts only, never the payload), by kind."""
    with ledger.read() as s:
        kinds = list(s.execute(select(ReferenceSnapshot.kind).distinct().order_by(ReferenceSnapshot.kind)).scalars())
        latest_ids = {
            kind: s.execute(
                select(ReferenceSnapshot.id)
                .where(ReferenceSnapshot.kind == kind)
                .order_by(ReferenceSnapshot.fetched_at.desc(), ReferenceSnapshot.id.desc())
                .limit(1)
            ).scalar_one()
            for kind in kinds
        }
        snapshot_counts = dict(
            s.execute(select(ReferenceSnapshot.kind, func.count()).group_by(ReferenceSnapshot.kind)).tuples().all()
        )
        cols = (
            ReferenceSnapshot.id,
            ReferenceSnapshot.kind,
            ReferenceSnapshot.key_field,
            ReferenceSnapshot.fetched_at,
            ReferenceSnapshot.item_count,
            ReferenceSnapshot.added_count,
            ReferenceSnapshot.changed_count,
            ReferenceSnapshot.removed_count,
            ReferenceSnapshot.content_hash,
        )
        rows = {row.kind: row for row in s.execute(select(*cols).where(ReferenceSnapshot.id.in_(latest_ids.values())))}
    out = []
    for kind in kinds:
        row = rows[kind]
        fetched = row.fetched_at
        out.append(
            redact_json(
                {
                    "kind": kind,
                    "snapshot_id": row.id,
                    "key_field": row.key_field,
                    "fetched_at": _iso(fetched) if isinstance(fetched, datetime) else fetched,
                    "items": row.item_count,
                    "added": row.added_count,
                    "changed": row.changed_count,
                    "removed": row.removed_count,
                    "content_hash": row.content_hash,
                    "snapshots_kept": snapshot_counts.get(kind, 0),
                }
            )
        )
    return out


# -------------------------------------------------------------------------------------------------------- outbound
def _doc_codes(doc: OutboundDocument) -> list[str]:
    codes: list[str] = []
    for e in [*(doc.validation_errors or []), *(doc.errors or [])]:
        code = e.get("code") if isinstance(e, Mapping) else None
        if code and str(code) not in codes:
            codes.append(str(code))
    if doc.last_error_code and doc.last_error_code not in codes:
        codes.insert(0, doc.last_error_code)
    return codes


def outbound(ledger: Ledger) -> dict[str, Any]:
    """Counts per source type and state, and the documents needing attention (oldest first)."""
    D = OutboundDocument
    with ledger.read() as s:
        grouped = s.execute(
            select(D.source_type, D.state, func.count()).group_by(D.source_type, D.state).order_by(D.source_type)
        ).all()
        flagged = s.execute(select(func.count()).where(D.changed_after_send.is_(True))).scalar_one()
        docs = list(
            s.execute(
                select(D)
                .where(or_(D.state.in_(ATTENTION_STATES), D.changed_after_send.is_(True)))
                .order_by(D.id)
                .limit(ATTENTION_LIMIT)
            ).scalars()
        )
        attention = [
            {
                "id": d.id,
                "source_type": d.source_type,
                "source_id": d.source_id,
                "taimer_number": d.taimer_number,
                "state": str(d.state),
                "changed_after_send": bool(d.changed_after_send),
                "lookup_required": bool(d.lookup_required),
                "procountor_invoice_id": d.procountor_invoice_id,
                "error_codes": _doc_codes(d),
                "errors": _error_items([*(d.validation_errors or []), *(d.errors or [])]),
                "last_error_code": d.last_error_code,
                "last_error_detail": d.last_error_detail,
                "attempt_count": d.attempt_count,
                "updated_at": _iso(d.updated_at),
            }
            for d in docs
        ]
    order = {state.value: i for i, state in enumerate(DocState)}
    by_type_state = sorted(
        ({"source_type": t, "state": str(st), "count": n} for t, st, n in grouped),
        key=lambda r: (r["source_type"], order.get(r["state"], 99), r["state"]),
    )
    by_state: dict[str, int] = {}
    for r in by_type_state:
        by_state[r["state"]] = by_state.get(r["state"], 0) + r["count"]
    return redact_json(
        {
            "total": sum(r["count"] for r in by_type_state),
            "by_state": dict(sorted(by_state.items(), key=lambda kv: order.get(kv[0], 99))),
            "by_source_type_and_state": by_type_state,
            "changed_after_send": flagged,
            "attention": attention,
            "attention_limit": ATTENTION_LIMIT,
        }
    )


# ------------------------------------------------------------------------------------------------------- catalogue
def catalogue(code: str | None = None) -> list[dict[str, Any]]:
    """Every catalogue entry (or the one for ``code``, if given: a code not in the catalogue yet gets the generic
    entry ``lookup`` makes for it), sorted by code."""
    if code:
        wanted = code.strip().upper()
        matches = [e for c, e in CATALOGUE.items() if wanted in c]
        entries = matches or [lookup(wanted)]
    else:
        entries = list(CATALOGUE.values())
    return [e.as_dict() for e in sorted(entries, key=lambda e: e.code)]


def explain(codes: Iterable[str], *, failed_step_codes: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Catalogue entries for ``codes`` (each once, in first-seen order). For a code that failed a step after its
    retries (``failed_step_codes``) the fix says what to do now, never "nothing to do" (``summary_text.fix_text``)."""
    from taimer_procountor.summary_text import fix_text

    failed = set(failed_step_codes)
    seen: dict[str, dict[str, Any]] = {}
    for code in codes:
        if code not in seen:
            entry = lookup(code)
            seen[code] = entry.as_dict() | {"catalogued": code in CATALOGUE}
            if code in failed:
                seen[code] |= {f"fix_{lang}": fix_text(entry, lang, failed_step=True) for lang in ("fi", "en")}
    return list(seen.values())


def run_codes(run_rows: Iterable[Mapping[str, Any]]) -> tuple[list[str], set[str]]:
    """Every code the runs show (root causes first), and the codes that failed a step."""
    codes: list[str] = []
    failed: set[str] = set()
    for r in run_rows:
        s = r.get("summary") or {}
        for f in s.get("failed_steps") or []:
            codes.append(f["code"])
            failed.add(f["code"])
        codes += [e["code"] for e in (*(s.get("errors") or []), *(s.get("notices") or []))]
        if not s:
            codes += [e["code"] for e in r.get("errors") or []]
        for x in r.get("retries") or []:
            codes += x["codes"]
    return codes, failed


def latest_per_flow(run_rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The newest run of each flow (``run_rows`` are newest first), in that order."""
    seen: dict[str, Mapping[str, Any]] = {}
    for r in run_rows:
        seen.setdefault(str(r["flow"]), r)
    return list(seen.values())
