"""The run report as the shared ``FlowSummary`` (ids and counts only) and the same as a readable table.

Where a data engineer sees it: the run's note in the Airflow UI (its headline and a link to the report page), the
``report`` task's return value (XCom tab: ``FlowSummary.to_json()``), the table in that task's log, the ledger's run
record (``flow_run.counts`` holds the summary), the report page's table for the run, and the ``extra`` of the
reference-snapshot asset event when anything changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from taimer_procountor.reference.kinds import FLOW, SNAPSHOT_KINDS, TAIMER_KINDS
from taimer_procountor.summary import FlowSummary, KindCounts, Problem, StepFailure, outcome_of

# Airflow task-instance states of a step that never ran because a step before it failed (not a cause of its own).
NOT_RUN_STATES = frozenset({"upstream_failed", "skipped", "removed"})


def build_summary(
    *,
    dag_id: str,
    run_id: str,
    fetch: Mapping[str, Any] | None,
    bank: Mapping[str, Any] | None,
    pushes: Iterable[Mapping[str, Any] | None],
    prepared: bool = True,
    step_states: Mapping[str, str] | None = None,
    step_errors: Mapping[str, Mapping[str, Any]] | None = None,
    unpublished: Mapping[str, Mapping[str, Any]] | None = None,
) -> FlowSummary:
    """Combine the steps' summaries into the run's ``FlowSummary``.

    A step whose summary is missing (``prepared`` False, ``fetch``/``bank`` None, a Taimer kind without a push
    summary) either failed or never ran. ``step_states`` (Airflow's task-instance states by step name, e.g.
    ``{"fetch_snapshot": "failed", "check_bank_accounts": "upstream_failed"}``) tells which: a step Airflow marked
    ``upstream_failed`` or ``skipped`` goes in ``did_not_run``, any other missing step is a ``StepFailure`` with its
    real code and try number from ``step_errors`` (``ledger.runs.step_errors``: the latest recorded failure per
    step), else ``REFERENCE_STEP_FAILED``. Without ``step_states`` a missing step without a recorded error did not
    run when some other step has one (the failure stopped it), else it failed.

    ``unpublished`` (``ledger.reference.unpublished_reference_kinds``): the kinds whose data differs from what the
    asset last announced; ``details["snapshot_changed"]`` means exactly that (without it: this fetch's diff).
    The details keep the steps' own summaries (snapshot kinds, Taimer kinds, persons, bank accounts) for the asset
    extra and the demo's table."""
    push_by_kind: dict[str, Any] = {p["kind"]: p for p in pushes if p}
    missing = [] if prepared else ["prepare"]
    if fetch is None:
        missing.append("fetch_snapshot")
    if bank is None:
        missing.append("check_bank_accounts")
    missing += [push_step(kind) for kind in TAIMER_KINDS if kind not in push_by_kind]
    failed_steps, did_not_run = _failed_and_not_run(missing, step_states, step_errors or {})

    errors: list[Problem] = []
    for problem in (fetch or {}).get("problems", []):
        errors.append(Problem(problem["code"], problem.get("kind", "fetch"), detail=problem.get("detail")))
    for problem in (bank or {}).get("problems", []):
        errors.append(Problem(problem["code"], "bank_accounts", detail=f"{problem['iban']}: {problem['detail']}"))
    persons = (push_by_kind.get("person_ids") or {}).get("persons") or {}
    if persons.get("ambiguous"):
        errors.append(
            Problem(
                "REFERENCE_PERSON_AMBIGUOUS",
                "person_ids",
                detail=f"person ids {persons.get('ambiguous_person_ids', [])}",
            )
        )
    if persons.get("users_with_unknown_person_id"):
        errors.append(
            Problem(
                "REFERENCE_USER_PERSON_ID_UNKNOWN",
                "person_ids",
                detail=f"user ids {persons['users_with_unknown_person_id']}",
            )
        )
    notices = [
        Problem(n["code"], n.get("kind", "fetch"), detail=n.get("detail")) for n in (fetch or {}).get("notices", [])
    ]
    if persons.get("unmatched"):
        notices.append(
            Problem(
                "REFERENCE_PERSON_UNMATCHED",
                "person_ids",
                detail=f"person ids {persons.get('unmatched_person_ids', [])}",
            )
        )
    snapshot = {k: dict(v) for k, v in ((fetch or {}).get("kinds") or {}).items()}
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
    failed_step_names = {f.task_id for f in failed_steps}
    return FlowSummary(
        flow=FLOW,
        dag_id=dag_id,
        run_id=run_id,
        outcome=outcome_of(failed_steps=failed_steps, errors=errors),
        kinds=_kind_rows(snapshot, taimer, errors, failed_step_names),
        errors=tuple(errors),
        notices=tuple(notices),
        failed_steps=tuple(failed_steps),
        did_not_run=tuple(did_not_run),
        details={
            "snapshot_changed": bool(unpublished) if unpublished is not None else bool((fetch or {}).get("changed")),
            "unpublished": {k: dict(v) for k, v in (unpublished or {}).items()},
            "taimer_written": any(t["written"] for t in taimer.values()),
            "snapshot": snapshot,
            "taimer": taimer,
            "persons": persons,
            "bank_accounts": dict(bank) if bank is not None else None,
        },
    )


def push_step(kind: str) -> str:
    """The step name of one mapped ``push_reference`` task (what ``_guard`` records its failures under)."""
    return f"push_reference[{kind}]"


def _failed_and_not_run(
    missing: Sequence[str],
    step_states: Mapping[str, str] | None,
    recorded: Mapping[str, Mapping[str, Any]],
) -> tuple[list[StepFailure], list[str]]:
    failed: list[StepFailure] = []
    not_run: list[str] = []
    any_recorded = any(step in recorded for step in missing)
    for step in missing:
        state = (step_states or {}).get(step)
        entry = recorded.get(step)
        if state in NOT_RUN_STATES or (state is None and entry is None and any_recorded):
            not_run.append(step)
        elif entry:
            failed.append(
                StepFailure(step, entry["code"], entry.get("detail"), attempts=int(entry.get("try_number") or 1))
            )
        else:
            failed.append(StepFailure(step, "REFERENCE_STEP_FAILED", "see the task's log"))
    return failed, not_run


def _kind_rows(
    snapshot: Mapping[str, Mapping[str, Any]],
    taimer: Mapping[str, Mapping[str, Any]],
    errors: Sequence[Problem],
    failed_steps: set[str],
) -> tuple[KindCounts, ...]:
    """One row per Procountor snapshot kind (what was read: items, added, changed, removed, invalid) and per Taimer
    kind (what was written: created, updated, unchanged, removed; failed when its push failed)."""
    invalid: dict[str, int] = {}
    for e in errors:
        if e.code == "REFERENCE_ITEM_INVALID":
            invalid[e.where] = invalid.get(e.where, 0) + 1
    rows = [
        KindCounts(
            f"Procountor {kind}",
            {
                "extracted": int(k.get("items", 0)),
                "unchanged": int(k.get("unchanged", 0)),
                "invalid": invalid.get(kind, 0),
                "added": int(k.get("added", 0)),
                "changed": int(k.get("changed", 0)),
                "removed": int(k.get("removed", 0)),
            },
        )
        for kind in SNAPSHOT_KINDS
        if (k := snapshot.get(kind))
    ]
    for kind in TAIMER_KINDS:
        t = taimer.get(kind)
        if t is None:  # its push failed (one failed kind) or never ran (no row)
            if push_step(kind) in failed_steps:
                rows.append(KindCounts(f"Taimer {kind}", {"failed": 1}))
            continue
        rows.append(
            KindCounts(
                f"Taimer {kind}",
                {
                    "extracted": int(t.get("desired", 0)),
                    "created": int(t.get("created", 0)),
                    "updated": int(t.get("updated", 0)),
                    "unchanged": int(t.get("unchanged", 0)),
                    "removed": int(t.get("removed", 0)),
                },
            )
        )
    return tuple(rows)


def asset_extra(summary: FlowSummary) -> dict[str, Any]:
    """What goes into the asset event's ``extra``: the kinds whose data changed since the last event
    (``kinds_changed``), this run's diff per kind, and the snapshot ids to read."""
    d = summary.details
    snapshot: Mapping[str, Mapping[str, Any]] = d.get("snapshot") or {}
    return {
        "run_id": summary.run_id,
        "status": summary.outcome.value,
        "kinds_changed": sorted(d.get("unpublished") or {}),
        "snapshot_ids": {k: v.get("snapshot_id") for k, v in snapshot.items()},
        "changed": {
            k: {n: v.get(n, 0) for n in ("added", "changed", "removed")}
            for k, v in snapshot.items()
            if v.get("added") or v.get("changed") or v.get("removed")
        },
        "taimer_pushed": {k: v["pushed"] for k, v in (d.get("taimer") or {}).items() if v.get("written")},
        "bank_accounts": (d.get("bank_accounts") or {}).get("status"),
        "error_codes": sorted({e.code for e in summary.errors}),
    }


def render_table(summary: FlowSummary, *, explain: bool = True) -> str:
    """The report as fixed-width text for the task log and the demo (``explain``: each code's fi/en text and fix).
    A failed run starts with its root cause."""
    from taimer_procountor.summary_text import fix_text

    d = summary.details
    lines = [f"Reference sync {summary.run_id}: {summary.outcome.value.upper()}", ""]
    for f in summary.failed_steps:
        lines.append(f"FAILED: {f.task_id} after {f.attempts} attempt(s): {f.code} {f.detail or ''}".rstrip())
    for step in summary.did_not_run:
        lines.append(f"did not run (upstream failed): {step}")
    if summary.failed_steps or summary.did_not_run:
        lines.append("")
    lines.append(
        f"{'Procountor snapshot':<22}{'items':>7}{'added':>7}{'changed':>9}{'removed':>9}{'unchanged':>11}{'kept':>6}"
    )
    snapshot = d.get("snapshot") or {}
    for kind in SNAPSHOT_KINDS:
        k = snapshot.get(kind)
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
    not_run = set(summary.did_not_run)
    for kind in TAIMER_KINDS:
        t = (d.get("taimer") or {}).get(kind)
        if t is None:
            lines.append(f"{kind:<22}{'(did not run)' if push_step(kind) in not_run else '(failed)':>15}")
            continue
        written = "" if t.get("written") else "   (nothing written)"
        lines.append(
            f"{kind:<22}{t.get('desired', 0):>7}{t.get('pushed', 0):>8}{t.get('unchanged', 0):>11}"
            f"{t.get('created', 0):>9}{t.get('updated', 0):>9}{t.get('removed', 0):>9}{written}"
        )
    p = d.get("persons") or {}
    if p:
        lines += [
            "",
            f"Persons: {p.get('persons', 0)} in Procountor; matched {p.get('matched', 0)} "
            f"(identifier {p.get('matched_by_identifier', 0)}, e-mail {p.get('matched_by_email', 0)}); "
            f"unmatched {p.get('unmatched', 0)}; ambiguous {p.get('ambiguous', 0)} (refused)",
        ]
        if p.get("relinked_users"):
            lines.append(f"  users whose person ID changed: {p['relinked_users']}")
    b = d.get("bank_accounts")
    if b:
        lines += [
            "",
            f"Bank accounts: {b['status'].upper()}: {len(b.get('matched', []))} of {b.get('taimer_accounts', 0)} "
            f"Taimer account(s) active in Procountor ({b.get('procountor_active_accounts', 0)} there)",
        ]
    coded = [
        *((Problem(f.code, f.task_id, detail=f.detail), True) for f in summary.failed_steps),
        *((e, False) for e in (*summary.errors, *summary.notices)),
    ]
    if coded:
        from taimer_procountor.errors import lookup

        lines += ["", "Errors and notices (code: what; fix):"]
        for e, failed_step in coded:
            entry = lookup(e.code)
            lines.append(f"  {e.code} [{e.where}] {e.detail or ''}")
            if not explain:
                continue
            fix_en = fix_text(entry, "en", failed_step=failed_step)
            fix_fi = fix_text(entry, "fi", failed_step=failed_step)
            lines.append(f"    en: {entry.en} Fix ({entry.fix_where.value}): {fix_en}")
            lines.append(f"    fi: {entry.fi} Korjaa: {fix_fi}")
    return "\n".join(lines)
