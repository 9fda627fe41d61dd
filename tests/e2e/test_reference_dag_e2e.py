"""The reference DAG end to end through Airflow (``dag.test()`` in a child process) against both sandboxes over
loopback HTTP and a real ledger (SQLite file; PostgreSQL when reachable)."""

from __future__ import annotations

from collections import Counter

from taimer_procountor.ledger import connect
from taimer_procountor.reference.kinds import SNAPSHOT_KINDS

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ASSET_URI = "taimer_procountor://reference-snapshot"


def taimer_writes(entries: list[dict]) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in entries if e["method"] in WRITE_METHODS]


def test_reference_dag_syncs_then_writes_nothing_and_reports_the_bank_mismatch(
    sandboxes_with_bank_defect, dag_runner, tmp_path
) -> None:
    sb = sandboxes_with_bank_defect
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    fixture = sb.procountor_fixture

    first = dag_runner(sb, ledger_url)
    assert first["state"] == "success", first
    report = first["xcom"]["report"]
    # the bank-account defect is reported loudly, and the rest still synced
    assert report["status"] == "partial"
    assert report["bank_accounts"]["status"] == "mismatch"
    assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in [e["code"] for e in report["errors"]]
    assert all(t["written"] for t in report["taimer"].values())
    assert {k: v["state"] for k, v in first["tasks"].items() if not k.startswith("push_reference")} == {
        "prepare": "success",
        "fetch_snapshot": "success",
        "check_bank_accounts": "success",
        "report": "success",
        "publish": "success",
    }

    # ledger: one snapshot per kind, with the fixture's item counts
    ledger = connect(ledger_url)
    try:
        counts = {kind: ledger.latest_reference_snapshot(kind).item_count for kind in SNAPSHOT_KINDS}
        active_persons = [p for p in fixture.persons if (p.get("registryInfo") or {}).get("active", True)]
        assert counts["ledger_accounts"] == len(fixture.ledger_accounts)
        assert counts["bank_accounts"] == len(fixture.bank_accounts)
        assert counts["persons"] == len(active_persons)
        assert counts["products"] == len(fixture.products)
        assert counts["cost_centers"] == len(
            next(d for d in fixture.dimensions if d["name"] == "Kustannuspaikka")["items"]
        )
        assert counts["fiscal_years"] == len(fixture.fiscal_years)
        run_row = ledger.get_run("procountor_reference_sync", first["run_id"], "reference_sync")
        assert run_row.status == "partial" and run_row.finished_at is not None
        assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in [e["code"] for e in run_row.errors]
    finally:
        ledger.engine.dispose()

    # Taimer: what landed
    state = sb.taimer_state()
    ref = state["reference"]
    assert {a["number"] for a in ref["accounts"]} == {a["ledgerAccountCode"] for a in fixture.ledger_accounts}
    assert {c["code"] for c in ref["cost_centers"]} >= {"100", "200", "300"}
    assert {p["procountor_product_id"] for p in ref["products"]} == {p["id"] for p in fixture.products}
    assert {(v["kind"], v["percent"]) for v in ref["vat_rates"]} >= {("sales", "25.5"), ("purchase", "24")}
    assert len(ref["person_ids"]) == len(active_persons)
    users = {u["id"]: u.get("procountor_person_id") for u in state["users"]}
    assert users["u-001"] == 8001  # by e-mail
    assert users["u-002"] == 8002  # by personal identifier (its e-mail differs)
    assert users["u-003"] is None and users["u-dup"] is None  # ambiguous: refused
    assert report["persons"]["ambiguous_person_ids"] == [8003]
    assert len(first["asset_events"]) == 1 and first["asset_events"][0]["uri"] == ASSET_URI
    assert first["asset_events"][0]["extra"]["bank_accounts"] == "mismatch"
    assert first["asset_events"][0]["extra"]["taimer_pushed"]["accounts"] == len(fixture.ledger_accounts)

    # second run: nothing changed, nothing written, no asset event
    before = len(sb.taimer_log())
    second = dag_runner(sb, ledger_url)
    assert second["state"] == "success", second
    assert taimer_writes(sb.taimer_log()[before:]) == []
    assert second["asset_events"] == []
    assert second["tasks"]["publish"]["state"] == "skipped"
    again = second["xcom"]["report"]
    assert not again["snapshot_changed"] and not again["taimer_written"]
    assert all(v["added"] == v["changed"] == v["removed"] == 0 for v in again["kinds"].values())


def test_reference_dag_survives_procountor_faults(sandboxes_clean_bank, dag_runner, tmp_path) -> None:
    sb = sandboxes_clean_bank
    sb.procountor_fault({"kind": "error_before_commit", "method": "GET", "probability": 0.25, "seed": 11, "count": 8})
    sb.procountor_fault({"kind": "rate_limit", "method": "GET", "path": "^/api/persons/", "nth": 3, "count": 2})
    sb.procountor_fault({"kind": "revoke_tokens", "method": "GET", "path": "^/api/products", "nth": 1, "count": 1})
    result = dag_runner(sb, f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    assert result["state"] == "success", result
    fired = Counter(kind for e in sb.procountor_log() for kind in e.get("faults", []))
    assert fired["error_before_commit"] >= 1 and fired["rate_limit"] >= 1 and fired["revoke_tokens"] == 1
    statuses = Counter(e["status"] for e in sb.procountor_log())
    assert statuses[503] >= 1 and statuses[429] >= 1 and statuses[401] >= 1
    report = result["xcom"]["report"]
    assert report["bank_accounts"]["status"] == "ok"
    assert report["kinds"]["products"]["items"] == len(sb.procountor_fixture.products)
    assert all(t["written"] for t in report["taimer"].values())


def test_reference_dag_on_a_postgresql_ledger(sandboxes_clean_bank, dag_runner, postgres_url) -> None:
    sb = sandboxes_clean_bank
    result = dag_runner(sb, postgres_url)
    assert result["state"] == "success", result
    ledger = connect(postgres_url)
    try:
        assert ledger.latest_reference_snapshot("ledger_accounts").item_count == len(
            sb.procountor_fixture.ledger_accounts
        )
        assert ledger.get_run("procountor_reference_sync", result["run_id"], "reference_sync").status in (
            "success",
            "partial",
        )
    finally:
        ledger.engine.dispose()
    assert len(result["asset_events"]) == 1
