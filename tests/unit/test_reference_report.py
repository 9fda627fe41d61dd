"""Reference sync run report: status rules, the text table, the asset extra, and that only counts and ids go in."""

from __future__ import annotations

import json

from taimer_procountor.reference.kinds import TAIMER_KINDS
from taimer_procountor.reference.report import asset_extra, build_report, ledger_counts, render_table

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
    report = build_report(dag_id="d", run_id="r", fetch=FETCH, bank=BANK_OK, pushes=pushes())
    assert report["status"] == "success" and report["snapshot_changed"] and report["taimer_written"]
    assert report["taimer"]["products"]["pushed"] == 1 and report["taimer"]["accounts"]["written"] is False
    extra = asset_extra(report)
    assert extra["snapshot_ids"] == {"products": 7}
    assert extra["changed"] == {"products": {"added": 1, "changed": 1, "removed": 0}}
    assert extra["taimer_pushed"] == {"products": 1}
    assert ledger_counts(report)["snapshot"]["products"]["added"] == 1
    json.dumps(report)  # XCom-able as it is


def test_bank_mismatch_and_ambiguous_persons_make_it_partial_not_failed() -> None:
    report = build_report(
        dag_id="d",
        run_id="r",
        fetch=FETCH,
        bank=BANK_BAD,
        pushes=pushes(ambiguous=1, ambiguous_person_ids=[8003], unmatched_person_ids=[801]),
    )
    assert report["status"] == "partial"
    assert [e["code"] for e in report["errors"]] == ["REFERENCE_BANK_ACCOUNT_MISMATCH", "REFERENCE_PERSON_AMBIGUOUS"]
    assert [n["code"] for n in report["notices"]] == ["REFERENCE_PERSON_UNMATCHED"]
    table = render_table(report)
    assert "MISMATCH" in table and "Varmista, että Taimerissa oleva yrityksesi pankkitili" in table
    assert "FI74 **** 4677" in table and "ambiguous 1 (refused)" in table


def test_missing_step_results_make_it_failed() -> None:
    some = [p for p in pushes() if p["kind"] != "vat_rates"]
    report = build_report(dag_id="d", run_id="r", fetch=FETCH, bank=None, pushes=some)
    assert report["status"] == "failed"
    where = [e["where"] for e in report["errors"] if e["code"] == "REFERENCE_STEP_FAILED"]
    assert where == ["check_bank_accounts", "push_reference[vat_rates]"]
    assert "(failed)" in render_table(report)
