"""The reference DAG end to end through Airflow (``dag.test()`` in a child process) against both sandboxes over
loopback HTTP and a real ledger (SQLite file; PostgreSQL when reachable)."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from sandboxes.demo import program as demo
from taimer_procountor.ledger import connect
from taimer_procountor.reference.kinds import SNAPSHOT_KINDS

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ASSET_URI = "taimer_procountor://reference-snapshot"


def taimer_writes(entries: list[dict]) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in entries if e["method"] in WRITE_METHODS]


def sqlite_text(path: Path) -> str:
    """Every row of a SQLite database as SQL text (all columns, JSON included)."""
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def leaked_secrets(sb: Any, texts: dict[str, str]) -> list[str]:
    """Which secrets (connection passwords, API keys, the pseudonym key, issued access tokens, bearer headers)
    appear in which of ``texts`` (name -> content)."""
    _client_id, secret, api_key = demo.PROCOUNTOR_CLIENT
    secrets = {
        "procountor client secret": secret,
        "procountor api key": api_key,
        "taimer api key": demo.TAIMER_API_KEY,
        "pseudonym key": demo.DEMO_PSEUDONYM_KEY,
        **{f"access token #{i}": token for i, token in enumerate(sb.issued_tokens)},
    }
    found = [f"{what} in {name}" for name, text in texts.items() for what, value in secrets.items() if value in text]
    bearer = re.compile(r"Bearer\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]{8,}")
    found += [f"a bearer token in {name}" for name, text in texts.items() if bearer.search(text)]
    return found


def assert_taimer_synced(sb) -> None:
    """What a clean run leaves in Taimer (the end state every scenario below must reach)."""
    fixture = sb.procountor_fixture
    active_persons = [p for p in fixture.persons if (p.get("registryInfo") or {}).get("active", True)]
    state = sb.taimer_state()
    ref = state["reference"]
    assert {a["number"] for a in ref["accounts"]} == {a["ledgerAccountCode"] for a in fixture.ledger_accounts}
    assert {c["code"] for c in ref["cost_centers"]} >= {"100", "200", "300"}
    assert {p["procountor_product_id"] for p in ref["products"]} == {p["id"] for p in fixture.products}
    assert {(v["kind"], v["percent"]) for v in ref["vat_rates"]} >= {("sales", "25.5"), ("purchase", "24")}
    assert len(ref["person_ids"]) == len(active_persons)
    users = {u["id"]: u.get("procountor_person_id") for u in state["users"]}
    assert users["u-001"] == 8001  # by e-mail
    assert users["u-002"] == 8002  # by personal identifier (its e-mail differs): the HMAC rule works with a key
    assert users["u-003"] is None and users["u-dup"] is None  # ambiguous: refused


def assert_no_secrets(sb, tmp_path: Path, ledger_file: Path) -> None:
    """Airflow's log, the ledger (every row) and Airflow's metadata DB (XComs, task instances) hold no secret."""
    texts = {
        "airflow.log": (tmp_path / "airflow.log").read_text(encoding="utf-8"),
        "ledger": sqlite_text(ledger_file),
        "airflow metadata (XCom)": sqlite_text(tmp_path / "airflow" / "airflow.db"),
    }
    assert sb.issued_tokens, "the sandbox issued no token: the check below would prove nothing about tokens"
    assert leaked_secrets(sb, texts) == []
    assert "XCOM" in texts["airflow metadata (XCom)"].upper()  # the XCom table was really read


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
    assert report["outcome"] == "partial"
    assert report["details"]["bank_accounts"]["status"] == "mismatch"
    assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in [e["code"] for e in report["errors"]]
    assert all(t["written"] for t in report["details"]["taimer"].values())
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
        counts = {kind: ledger.reference.latest_reference_snapshot(kind).item_count for kind in SNAPSHOT_KINDS}
        assert counts["ledger_accounts"] == len(fixture.ledger_accounts)
        assert counts["bank_accounts"] == len(fixture.bank_accounts)
        # inactive persons are kept in the snapshot (outbound refuses a travel or expense invoice naming one as
        # inactive rather than unknown); person matching reads only the active ones
        assert counts["persons"] == len(fixture.persons)
        assert counts["products"] == len(fixture.products)
        assert counts["cost_centers"] == len(
            next(d for d in fixture.dimensions if d["name"] == "Kustannuspaikka")["items"]
        )
        assert counts["fiscal_years"] == len(fixture.fiscal_years)
        run_row = ledger.runs.get_run("procountor_reference_sync", first["run_id"], "reference_sync")
        assert run_row.status == "partial" and run_row.finished_at is not None
        assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in [e["code"] for e in run_row.errors]
    finally:
        ledger.engine.dispose()

    # Taimer: what landed
    assert_taimer_synced(sb)
    assert report["details"]["persons"]["ambiguous_person_ids"] == [8003]
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
    assert not again["details"]["snapshot_changed"] and not again["details"]["taimer_written"]
    assert all(v["added"] == v["changed"] == v["removed"] == 0 for v in again["details"]["snapshot"].values())

    # the personal identifier is in the ledger neither as such nor as its brute-forceable plain SHA-256
    ledger_dump = sqlite_text(tmp_path / "ledger.sqlite")
    hetu = demo.DEMO_PERSONAL_IDENTIFIER
    assert hetu not in ledger_dump and hetu.lower() not in ledger_dump
    assert hashlib.sha256(hetu.encode()).hexdigest() not in ledger_dump
    assert "identifierHmac" in ledger_dump
    assert_no_secrets(sb, tmp_path, tmp_path / "ledger.sqlite")


def test_reference_dag_survives_procountor_faults_and_malformed_rows(sandboxes_clean_bank, dag_runner, tmp_path):
    sb = sandboxes_clean_bank
    # a broken Procountor: a product without a name and a cost-center item without codeName, served as they are
    ref = sb.procountor_sandbox.state.ref
    sb.procountor_sandbox.settings.validate_responses = False
    bad_product = ref.dataset.products[0]
    bad_product["name"] = None
    dim = next(d for d in ref.dataset.dimensions if d["name"] == "Kustannuspaikka")
    bad_item = dim["items"][0]
    bad_item.pop("codeName")
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
    assert report["details"]["bank_accounts"]["status"] == "ok"
    # the malformed rows were skipped and reported with kind and id; everything else synced; the run is partial
    assert report["outcome"] == "partial"
    invalid = {(e["code"], e["where"]) for e in report["errors"] if e["code"].startswith("REFERENCE_ITEM")}
    assert invalid == {("REFERENCE_ITEM_INVALID", "products"), ("REFERENCE_ITEM_INVALID", "cost_centers")}
    assert {e["code"] for e in report["errors"]} - {"REFERENCE_ITEM_INVALID"} == {"REFERENCE_PERSON_AMBIGUOUS"}
    details = " ".join(e["detail"] for e in report["errors"])
    assert f"products item {bad_product['id']}" in details and f"cost_centers item {bad_item['id']}" in details
    assert report["details"]["snapshot"]["products"]["items"] == len(sb.procountor_fixture.products) - 1
    assert all(t["written"] for t in report["details"]["taimer"].values())
    assert all(state["state"] == "success" for state in result["tasks"].values())
    assert all(state["try_number"] == 1 for state in result["tasks"].values())  # the client absorbed the faults
    assert len(result["asset_events"]) == 1


def test_reference_dag_retries_a_step_whose_fault_outlasts_the_client(sandboxes_clean_bank, dag_runner, tmp_path):
    """GET /company fails 5 times: the client's own 5 attempts give up, Airflow retries fetch_snapshot, and the run
    ends as a clean run does, with one asset event. The run record keeps why the first try failed."""
    sb = sandboxes_clean_bank
    sb.procountor_fault({"kind": "error_before_commit", "method": "GET", "path": "^/api/company", "count": 5})
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    result = dag_runner(sb, ledger_url)
    assert result["state"] == "success", result
    assert result["tasks"]["fetch_snapshot"]["try_number"] >= 2 and result["tasks"]["fetch_snapshot"]["state"] == (
        "success"
    )
    assert [e["status"] for e in sb.procountor_log() if e["path"] == "/api/company"][:6] == [503] * 5 + [200]
    report = result["xcom"]["report"]
    # as a clean run of this scenario: only the seeded ambiguous person is reported, no failed step
    assert [e["code"] for e in report["errors"]] == ["REFERENCE_PERSON_AMBIGUOUS"]
    assert_taimer_synced(sb)
    assert len(result["asset_events"]) == 1 and result["tasks"]["publish"]["try_number"] == 1
    ledger = connect(ledger_url)
    try:
        run_row = ledger.runs.get_run("procountor_reference_sync", result["run_id"], "reference_sync")
        assert [(e["where"], e["code"], e["try_number"]) for e in run_row.step_errors] == [
            ("fetch_snapshot", "PROCOUNTOR_SERVER_ERROR", 1)
        ]
        assert run_row.status == "partial" and [e["code"] for e in run_row.errors] == ["REFERENCE_PERSON_AMBIGUOUS"]
        assert ledger.reference.unpublished_reference_kinds(SNAPSHOT_KINDS) == {}  # what was published is recorded
    finally:
        ledger.engine.dispose()
    assert_no_secrets(sb, tmp_path, tmp_path / "ledger.sqlite")


def test_reference_dag_on_a_postgresql_ledger(sandboxes_clean_bank, dag_runner, postgres_url) -> None:
    sb = sandboxes_clean_bank
    result = dag_runner(sb, postgres_url)
    assert result["state"] == "success", result
    ledger = connect(postgres_url)
    try:
        assert ledger.reference.latest_reference_snapshot("ledger_accounts").item_count == len(
            sb.procountor_fixture.ledger_accounts
        )
        assert ledger.runs.get_run("procountor_reference_sync", result["run_id"], "reference_sync").status in (
            "success",
            "partial",
        )
    finally:
        ledger.engine.dispose()
    assert len(result["asset_events"]) == 1
