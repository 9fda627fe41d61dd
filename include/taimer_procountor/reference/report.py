"""The run report: one small JSON summary (ids and counts only) and the same as a readable table.

Where a data engineer sees it: the ``report`` task's return value (XCom tab of the task in the Airflow UI), the
table in that task's log, the ledger's run record (``flow_run.counts`` / ``errors``), and the ``extra`` of the
reference-snapshot asset event when anything changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from taimer_procountor.reference.kinds import SNAPSHOT_KINDS, TAIMER_KINDS

STATUS_SUCCESS = "success"
STATUS_PARTIAL = "partial"  # the sync ran; something needs a person (bank account, ambiguous persons)
STATUS_FAILED = "failed"  # a step failed after its retries


def build_report(
    *,
    dag_id: str,
    run_id: str,
    fetch: Mapping[str, Any] | None,
    bank: Mapping[str, Any] | None,
    pushes: Iterable[Mapping[str, Any] | None],
    failed_steps: list[str] | None = None,
    step_errors: Mapping[str, Mapping[str, Any]] | None = None,
    unpublished: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Combine the steps' summaries. A step whose summary is missing (None, or a Taimer kind without a push
    summary) failed after its retries; ``step_errors`` (``ledger.step_errors``: the latest recorded failure per
    step) gives its real code, else it is ``REFERENCE_STEP_FAILED``. ``unpublished``
    (``ledger.unpublished_reference_kinds``): the kinds whose data differs from what the asset last announced;
    ``snapshot_changed`` means exactly that (without it: this fetch's diff)."""
    errors: list[dict[str, Any]] = []
    failed = list(failed_steps or [])
    if fetch is None:
        failed.append("fetch_snapshot")
    if bank is None:
        failed.append("check_bank_accounts")
    push_by_kind: dict[str, Any] = {p["kind"]: p for p in pushes if p}
    failed += [f"push_reference[{kind}]" for kind in TAIMER_KINDS if kind not in push_by_kind]
    recorded = step_errors or {}
    for step in sorted(set(failed)):
        entry = recorded.get(step)
        if entry:
            detail = f"{entry.get('detail') or ''} (failed after its retries)".strip()
            errors.append({"code": entry["code"], "where": step, "detail": detail})
        else:
            errors.append({"code": "REFERENCE_STEP_FAILED", "where": step, "detail": "see the task's log"})
    for problem in (fetch or {}).get("problems", []):
        errors.append({"code": problem["code"], "where": problem.get("kind", "fetch"), "detail": problem.get("detail")})
    for problem in (bank or {}).get("problems", []):
        errors.append(
            {"code": problem["code"], "where": "bank_accounts", "detail": f"{problem['iban']}: {problem['detail']}"}
        )
    persons = (push_by_kind.get("person_ids") or {}).get("persons") or {}
    if persons.get("ambiguous"):
        errors.append(
            {
                "code": "REFERENCE_PERSON_AMBIGUOUS",
                "where": "person_ids",
                "detail": f"person ids {persons.get('ambiguous_person_ids', [])}",
            }
        )
    if persons.get("users_with_unknown_person_id"):
        errors.append(
            {
                "code": "REFERENCE_USER_PERSON_ID_UNKNOWN",
                "where": "person_ids",
                "detail": f"user ids {persons['users_with_unknown_person_id']}",
            }
        )
    notices = [
        {"code": n["code"], "where": n.get("kind", "fetch"), "detail": n.get("detail")}
        for n in (fetch or {}).get("notices", [])
    ]
    if persons.get("unmatched"):
        notices.append(
            {
                "code": "REFERENCE_PERSON_UNMATCHED",
                "where": "person_ids",
                "detail": f"person ids {persons.get('unmatched_person_ids', [])}",
            }
        )
    kinds = {k: dict(v) for k, v in ((fetch or {}).get("kinds") or {}).items()}
    taimer = {
        kind: {
            "desired": p.get("desired", 0),
            "pushed": p.get("pushed", 0),
            "unchanged": p.get("unchanged", 0),
            "removed": (p.get("write") or {}).get("removed", 0),
            "written": bool(p.get("written")),
            **{k: v for k, v in (p.get("write") or {}).items() if k in ("created", "updated", "users_updated")},
        }
        for kind, p in push_by_kind.items()
    }
    if failed:
        status = STATUS_FAILED
    elif errors:
        status = STATUS_PARTIAL
    else:
        status = STATUS_SUCCESS
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "status": status,
        "snapshot_changed": bool(unpublished) if unpublished is not None else bool((fetch or {}).get("changed")),
        "unpublished": {k: dict(v) for k, v in (unpublished or {}).items()},
        "taimer_written": any(t["written"] for t in taimer.values()),
        "kinds": kinds,
        "taimer": taimer,
        "persons": persons,
        "bank_accounts": dict(bank) if bank is not None else None,
        "errors": errors,
        "notices": notices,
    }


def ledger_counts(report: Mapping[str, Any]) -> dict[str, Any]:
    """The counts stored in the ledger's run record."""
    return {
        "snapshot": {
            k: {n: v.get(n, 0) for n in ("items", "added", "changed", "removed", "unchanged", "kept")}
            for k, v in report.get("kinds", {}).items()
        },
        "taimer": report.get("taimer", {}),
        "persons": {k: v for k, v in (report.get("persons") or {}).items() if isinstance(v, int)},
        "bank_accounts": (report.get("bank_accounts") or {}).get("status"),
    }


def asset_extra(report: Mapping[str, Any]) -> dict[str, Any]:
    """What goes into the asset event's ``extra``: the kinds whose data changed since the last event
    (``kinds_changed``), this run's diff per kind, and the snapshot ids to read."""
    return {
        "run_id": report.get("run_id"),
        "status": report.get("status"),
        "kinds_changed": sorted(report.get("unpublished") or {}),
        "snapshot_ids": {k: v.get("snapshot_id") for k, v in report.get("kinds", {}).items()},
        "changed": {
            k: {n: v.get(n, 0) for n in ("added", "changed", "removed")}
            for k, v in report.get("kinds", {}).items()
            if v.get("added") or v.get("changed") or v.get("removed")
        },
        "taimer_pushed": {k: v["pushed"] for k, v in report.get("taimer", {}).items() if v.get("written")},
        "bank_accounts": (report.get("bank_accounts") or {}).get("status"),
        "error_codes": sorted({e["code"] for e in report.get("errors", [])}),
    }


def render_table(report: Mapping[str, Any], *, explain: bool = True) -> str:
    """The report as fixed-width text for the task log and the demo (``explain``: each code's fi/en text and fix)."""
    lines = [f"Reference sync {report.get('run_id')}: {str(report.get('status')).upper()}", ""]
    lines.append(
        f"{'Procountor snapshot':<22}{'items':>7}{'added':>7}{'changed':>9}{'removed':>9}{'unchanged':>11}{'kept':>6}"
    )
    for kind in SNAPSHOT_KINDS:
        k = report.get("kinds", {}).get(kind)
        if not k:
            continue
        if k.get("skipped"):
            lines.append(f"{kind:<22}{'(not saved: see errors)':>43}")
            continue
        lines.append(
            f"{kind:<22}{k.get('items', 0):>7}{k.get('added', 0):>7}{k.get('changed', 0):>9}"
            f"{k.get('removed', 0):>9}{k.get('unchanged', 0):>11}{k.get('kept', 0):>6}"
        )
    lines += ["", f"{'Taimer':<22}{'items':>7}{'pushed':>8}{'unchanged':>11}{'created':>9}{'updated':>9}{'removed':>9}"]
    for kind in TAIMER_KINDS:
        t = report.get("taimer", {}).get(kind)
        if t is None:
            lines.append(f"{kind:<22}{'(failed)':>10}")
            continue
        written = "" if t.get("written") else "   (nothing written)"
        lines.append(
            f"{kind:<22}{t.get('desired', 0):>7}{t.get('pushed', 0):>8}{t.get('unchanged', 0):>11}"
            f"{t.get('created', 0):>9}{t.get('updated', 0):>9}{t.get('removed', 0):>9}{written}"
        )
    p = report.get("persons") or {}
    if p:
        lines += [
            "",
            f"Persons: {p.get('persons', 0)} in Procountor; matched {p.get('matched', 0)} "
            f"(identifier {p.get('matched_by_identifier', 0)}, e-mail {p.get('matched_by_email', 0)}); "
            f"unmatched {p.get('unmatched', 0)}; ambiguous {p.get('ambiguous', 0)} (refused)",
        ]
        if p.get("relinked_users"):
            lines.append(f"  users whose person ID changed: {p['relinked_users']}")
    b = report.get("bank_accounts")
    if b:
        lines += [
            "",
            f"Bank accounts: {b['status'].upper()}: {len(b.get('matched', []))} of {b.get('taimer_accounts', 0)} "
            f"Taimer account(s) active in Procountor ({b.get('procountor_active_accounts', 0)} there)",
        ]
    errors = report.get("errors") or []
    notices = report.get("notices") or []
    if errors or notices:
        from taimer_procountor.errors import lookup

        lines += ["", "Errors and notices (code: what; fix):"]
        for e in [*errors, *notices]:
            entry = lookup(e["code"])
            lines.append(f"  {e['code']} [{e.get('where')}] {e.get('detail') or ''}")
            if not explain:
                continue
            lines.append(f"    en: {entry.en} Fix ({entry.fix_where.value}): {entry.fix_en}")
            lines.append(f"    fi: {entry.fi} Korjaa: {entry.fix_fi}")
    return "\n".join(lines)
