"""Reference sync run report: the FlowSummary it makes (outcome rules, root cause first, steps that did not run,
the per-kind table), the text table, the asset extra, and that only counts and ids go in."""

from __future__ import annotations

import json

from taimer_procountor.reference.kinds import TAIMER_KINDS
from taimer_procountor.reference.report import asset_extra, build_summary, render_table
from taimer_procountor.summary import FlowSummary, Outcome

FETCH = {
    "changed": True,
    "kinds": {"products": {"snapshot_id": 7, "items": 3, "added": 1, "changed": 1, "removed": 0, "unchanged": 1}},
    "problems": [],
}
BANK_OK = {"status": "ok", "taimer_accounts": 1, "procountor_active_accounts": 2, "matched": ["FI21 **** 0785"]}
BANK_BAD = {
    **BANK_OK,
    "status": "mismatch",
    "matched": [],
    "problems": [{"code": "REFERENCE_BANK_ACCOUNT_MISMATCH", "iban": "FI74 **** 4677", "detail": "not there"}],
}


def pushes(**persons) -> list[dict]:
    out = []
    for kind in TAIMER_KINDS:
        p = {"kind": kind, "desired": 3, "pending": 1, "unchanged": 2, "written": kind == "products", "pushed": 0}
        if kind == "products":
            p.update(pushed=1, write={"created": 0, "updated": 1, "unchanged": 2, "removed": 0})
        if kind == "person_ids":
            p["persons"] = {"persons": 3, "matched": 1, "unmatched": 1, "ambiguous": 0, **persons}
        out.append(p)
    return out


def test_clean_run_is_success_and_extra_names_changes() -> None:
    report = build_summary(dag_id="d", run_id="r", fetch=FETCH, bank=BANK_OK, pushes=pushes())
    details = report.details
    assert report.outcome is Outcome.SUCCESS and details["snapshot_changed"] and details["taimer_written"]
    assert details["taimer"]["products"]["pushed"] == 1 and details["taimer"]["accounts"]["written"] is False
    extra = asset_extra(report)
    assert extra["snapshot_ids"] == {"products": 7}
    assert extra["changed"] == {"products": {"added": 1, "changed": 1, "removed": 0}}
    assert extra["taimer_pushed"] == {"products": 1}
    rows = {k.kind: k for k in report.kinds}
    assert rows["Procountor products"].get("added") == 1 and rows["Procountor products"].get("extracted") == 3
    assert rows["Taimer products"].get("updated") == 1 and rows["Taimer products"].get("unchanged") == 2
    assert report.columns() == (
        *("extracted", "created", "updated", "unchanged", "invalid"),
        *("added", "changed", "removed"),
    )
    assert FlowSummary.from_json(json.loads(json.dumps(report.to_json()))) == report  # XCom-able, lossless


def test_bank_mismatch_and_ambiguous_persons_make_it_partial_not_failed() -> None:
    report = build_summary(
        dag_id="d",
        run_id="r",
        fetch=FETCH,
        bank=BANK_BAD,
        pushes=pushes(ambiguous=1, ambiguous_person_ids=[8003], unmatched_person_ids=[801]),
    )
    assert report.outcome is Outcome.PARTIAL and report.failed_steps == ()
    assert [e.code for e in report.errors] == ["REFERENCE_BANK_ACCOUNT_MISMATCH", "REFERENCE_PERSON_AMBIGUOUS"]
    assert [n.code for n in report.notices] == ["REFERENCE_PERSON_UNMATCHED"]
    assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in report.headline()
    table = render_table(report)
    assert "MISMATCH" in table and "Varmista, että Taimerissa oleva yrityksesi pankkitili" in table
    assert "FI74 **** 4677" in table and "ambiguous 1 (refused)" in table


def test_missing_step_results_make_it_failed() -> None:
    some = [p for p in pushes() if p["kind"] != "vat_rates"]
    report = build_summary(dag_id="d", run_id="r", fetch=FETCH, bank=None, pushes=some)
    assert report.outcome is Outcome.FAILED
    assert [(f.task_id, f.code) for f in report.failed_steps] == [
        ("check_bank_accounts", "REFERENCE_STEP_FAILED"),
        ("push_reference[vat_rates]", "REFERENCE_STEP_FAILED"),
    ]
    assert {k.kind: k.get("failed") for k in report.kinds}["Taimer vat_rates"] == 1
    assert "(failed)" in render_table(report)


def test_root_cause_first_and_steps_that_never_ran_are_not_failures() -> None:
    """``fetch_snapshot`` failed on its third try; Airflow marked every step after it ``upstream_failed``: one root
    cause (with its real code and attempts), the rest "did not run", never six "step failed" errors."""
    states = {"prepare": "success", "fetch_snapshot": "failed", "check_bank_accounts": "upstream_failed"}
    states |= {f"push_reference[{k}]": "upstream_failed" for k in TAIMER_KINDS}
    recorded = {"fetch_snapshot": {"code": "PROCOUNTOR_SERVER_ERROR", "detail": "HTTP 503", "try_number": 3}}
    report = build_summary(
        dag_id="d", run_id="r", fetch=None, bank=None, pushes=[], step_states=states, step_errors=recorded
    )
    assert report.outcome is Outcome.FAILED
    assert [(f.task_id, f.code, f.attempts) for f in report.failed_steps] == [
        ("fetch_snapshot", "PROCOUNTOR_SERVER_ERROR", 3)
    ]
    assert report.did_not_run == ("check_bank_accounts", *(f"push_reference[{k}]" for k in TAIMER_KINDS))
    assert report.errors == () and report.kinds == ()
    assert report.headline().endswith("failed: fetch_snapshot (PROCOUNTOR_SERVER_ERROR); 6 step(s) did not run")
    table = render_table(report)
    assert table.index("FAILED: fetch_snapshot after 3 attempt(s): PROCOUNTOR_SERVER_ERROR") < table.index(
        "did not run (upstream failed): check_bank_accounts"
    )
    # a transient fault that outlasted the retries failed the run: its fix is never "nothing to do"
    fixes = [line for line in table.splitlines() if line.strip().startswith(("en:", "fi:"))]
    assert fixes and not any("Nothing to do" in line for line in fixes)
    assert "outlasted every retry" in table
    # the same from the ledger's step errors alone (no task states): the steps without a recorded error did not run
    alone = build_summary(dag_id="d", run_id="r", fetch=None, bank=None, pushes=[], step_errors=recorded)
    assert alone.failed_steps == report.failed_steps and alone.did_not_run == report.did_not_run
