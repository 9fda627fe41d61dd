"""Reference sync on a real SQLite ledger and the Taimer sandbox over loopback: snapshot diffs, push only what
changed, nothing marked pushed when Taimer refused, a missing cost-center dimension removes nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator

import pytest
import requests

from sandboxes.runner import serve_in_thread
from sandboxes.taimer.app import create_app
from sandboxes.taimer.settings import TaimerSandboxSettings
from taimer_procountor.http import RetryPolicy
from taimer_procountor.ledger import connect, migrate
from taimer_procountor.reference.extract import SKIP_KIND, FetchedSnapshot, ReferenceProblem
from taimer_procountor.reference.kinds import TAIMER_KINDS
from taimer_procountor.reference.load import push_kind, store_snapshot
from taimer_procountor.reference.validate import bank_account_check
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.rest import TaimerRestAdapter

KEY = "unit-test-key"


def snapshot_items() -> dict[str, list[dict]]:
    return {
        "company": [{"id": 1001, "name": "Testi Oy", "country": "FINLAND"}],
        "ledger_accounts": [
            {"ledgerAccountCode": "3000", "name": "Myynti ALV 25,5 %", "active": True},
            {"ledgerAccountCode": "3990", "name": "Vanha", "active": False},
        ],
        "cost_centers": [
            {"id": 5011, "codeName": "100", "description": "Hallinto", "dimensionId": 501, "active": True},
            {"id": 5014, "codeName": "900", "description": "Lakkautettu", "dimensionId": 501, "active": False},
        ],
        "products": [
            {"id": 701, "type": "SALES", "name": "Konsultointi", "price": 120.0, "vat": 25.5, "defaultAccount": "3000"},
            {"id": 721, "type": "TRAVEL", "name": "Päiväraha", "price": 54.0, "vat": 0, "bookkeepingAccount": "7620"},
        ],
        "persons": [
            {"id": 8001, "firstName": "Ilkka", "lastName": "M", "email": "ilkka@example.fi", "active": True},
            {"id": 8002, "firstName": "Jyrki", "lastName": "L", "email": "nobody@example.fi", "active": True},
        ],
        "vat_percentages": [
            {"vatPercent": "24", "sales": True, "purchase": True},
            {"vatPercent": "25.5", "sales": True, "purchase": False},
        ],
        "vat_statuses": [{"vatStatus": 1, "description": "Kotimaan myynti/osto"}],
        "bank_accounts": [{"id": 1, "iban": "FI2112345600000785", "status": "ACTIVE"}],
        "fiscal_years": [{"id": 2026, "startDate": "2026-01-01", "endDate": "2026-12-31"}],
    }


@pytest.fixture
def taimer() -> Iterator[tuple[TaimerRestAdapter, str]]:
    from sandboxes.taimer.datasets import default_dataset

    data = default_dataset()
    data.company.bank_accounts[0].iban = "FI21 1234 5600 0007 85"
    data.users[0].email = "ILKKA@example.fi"
    server = serve_in_thread(create_app(TaimerSandboxSettings(api_key=KEY, dataset=data)))
    try:
        adapter = TaimerRestAdapter(requests.Session(), f"{server.base_url}/api/v1", KEY, rate_per_second=None)
        yield adapter, server.base_url
    finally:
        server.stop()


@pytest.fixture
def ledger(sqlite_url: str):
    migrate(sqlite_url)
    led = connect(sqlite_url)
    yield led
    led.engine.dispose()


def writes(base_url: str) -> list[str]:
    log = requests.get(f"{base_url}/_control/requests", timeout=5).json()
    return [e["path"] for e in log if e["method"] == "PUT"]


def test_snapshot_diff_and_push_only_what_changed(ledger, taimer) -> None:
    adapter, base = taimer
    first = store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))
    assert first["changed"] and first["kinds"]["products"]["added"] == 2
    assert ledger.reference.latest_reference_snapshot("products").item_count == 2

    pushes = {kind: push_kind(ledger, adapter, kind) for kind in TAIMER_KINDS}
    assert all(p["written"] for p in pushes.values())
    assert pushes["vat_rates"]["desired"] == 3  # 24 sales + purchase, 25.5 sales
    assert pushes["person_ids"]["persons"]["matched"] == 1
    assert pushes["person_ids"]["write"]["users_updated"] == 1
    state = requests.get(f"{base}/_control/state", timeout=5).json()
    assert {a["number"] for a in state["reference"]["accounts"]} == {"3000", "3990"}
    vat = {(v["kind"], v["percent"], v["valid_from"], v["valid_to"]) for v in state["reference"]["vat_rates"]}
    assert ("sales", "24", None, "2024-08-31") in vat and ("sales", "25.5", "2024-09-01", None) in vat
    assert state["users"][0]["procountor_person_id"] == 8001
    assert len(writes(base)) == 5

    # the same data again: a snapshot with no changes, and not one write to Taimer
    again = store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))
    assert not again["changed"] and again["kinds"]["products"]["unchanged"] == 2
    assert not any(push_kind(ledger, adapter, kind)["written"] for kind in TAIMER_KINDS)
    assert len(writes(base)) == 5

    # one product changes: only products are written, one item pending
    items = snapshot_items()
    items["products"][0]["price"] = 130.0
    diff = store_snapshot(ledger, FetchedSnapshot(items=items))
    assert diff["kinds"]["products"]["changed"] == 1 and diff["kinds"]["ledger_accounts"]["changed"] == 0
    results = {kind: push_kind(ledger, adapter, kind) for kind in TAIMER_KINDS}
    assert [k for k, r in results.items() if r["written"]] == ["products"]
    assert results["products"]["pushed"] == 1 and results["products"]["write"]["updated"] == 1
    assert writes(base)[-1].endswith("/reference/products")

    # a product disappears in Procountor: removed from Taimer, and the removal is remembered
    items["products"] = items["products"][:1]
    store_snapshot(ledger, FetchedSnapshot(items=items))
    removed = push_kind(ledger, adapter, "products")
    assert removed["written"] and removed["pending_removals"] == 1 and removed["write"]["removed"] == 1
    assert not push_kind(ledger, adapter, "products")["written"]


def test_nothing_marked_pushed_when_taimer_fails(ledger, taimer) -> None:
    adapter, base = taimer
    store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))
    rule = {"kind": "error_before_commit", "path": "/reference/accounts", "method": "PUT", "count": 20}
    requests.post(f"{base}/_control/faults", json=rule, timeout=5).raise_for_status()
    retry = RetryPolicy(max_attempts=2, initial_backoff=0.01, jitter=0)
    fast = TaimerRestAdapter(requests.Session(), f"{base}/api/v1", KEY, rate_per_second=None, retry=retry)
    with pytest.raises(TaimerError):
        push_kind(ledger, fast, "accounts")
    assert ledger.reference.pending_reference_pushes("taimer.accounts", [{"key": "3000", "item": {}}], key_field="key")
    requests.delete(f"{base}/_control/faults", timeout=5).raise_for_status()
    retried = push_kind(ledger, adapter, "accounts")
    assert retried["written"] and retried["pushed"] == 2


def test_missing_cost_center_dimension_removes_nothing(ledger) -> None:
    store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))
    items = snapshot_items()
    items["cost_centers"] = []
    problem = ReferenceProblem("REFERENCE_DIMENSION_NOT_FOUND", "cost_centers", "no dimension 'X'", effect=SKIP_KIND)
    result = store_snapshot(ledger, FetchedSnapshot(items=items, problems=[problem]))
    assert result["kinds"]["cost_centers"] == {"snapshot_id": None, "items": None, "skipped": True}
    assert len(ledger.reference.reference_items("cost_centers")) == 2
    assert result["problems"][0]["code"] == "REFERENCE_DIMENSION_NOT_FOUND"


def test_bank_account_check_reads_ledger_and_taimer(ledger, taimer) -> None:
    adapter, _ = taimer
    store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))
    assert bank_account_check(ledger, adapter)["status"] == "ok"
    items = copy.deepcopy(snapshot_items())
    items["bank_accounts"][0]["iban"] = "FI0310068372553581"
    store_snapshot(ledger, FetchedSnapshot(items=items))
    check = bank_account_check(ledger, adapter)
    assert check["status"] == "mismatch" and check["problems"][0]["code"] == "REFERENCE_BANK_ACCOUNT_MISMATCH"


# --- publishing the asset: never lose a change, never announce the same state twice -----------------------------


def run_report(ledger, fetch: dict) -> dict:
    """What the DAG's ``report`` task computes: the kinds that differ from what the asset last announced."""
    from taimer_procountor.reference.kinds import SNAPSHOT_KINDS
    from taimer_procountor.reference.report import build_summary

    pushes = [{"kind": k, "written": False, "desired": 0} for k in TAIMER_KINDS]
    return build_summary(
        dag_id="d",
        run_id="r",
        fetch=fetch,
        bank={"status": "ok", "problems": []},
        pushes=pushes,
        unpublished=ledger.reference.unpublished_reference_kinds(SNAPSHOT_KINDS),
    ).details | {"run_id": "r"}


def publish(ledger, report: dict) -> bool:
    """What the DAG's ``publish`` task does after emitting the event (False: skipped, no event)."""
    if not report["snapshot_changed"]:
        return False
    ledger.reference.mark_reference_published(report["unpublished"], run_id=report["run_id"])
    return True


def test_a_retried_fetch_after_storing_still_publishes_the_change(ledger) -> None:
    publish(ledger, run_report(ledger, store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))))
    items = snapshot_items()
    items["products"][0]["price"] = 999.0
    store_snapshot(ledger, FetchedSnapshot(items=items))  # attempt 1 stored, then failed before returning
    retry = store_snapshot(ledger, FetchedSnapshot(items=items))  # attempt 2 sees no diff against attempt 1
    assert not retry["changed"]
    report = run_report(ledger, retry)
    assert report["snapshot_changed"] and list(report["unpublished"]) == ["products"]
    assert publish(ledger, report)
    # unchanged next run: nothing to announce
    assert not publish(ledger, run_report(ledger, store_snapshot(ledger, FetchedSnapshot(items=items))))


def test_a_run_that_failed_before_publish_leaves_the_change_for_the_next_run(ledger) -> None:
    publish(ledger, run_report(ledger, store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))))
    items = snapshot_items()
    items["fiscal_years"].append({"id": 2027, "startDate": "2027-01-01", "endDate": "2027-12-31"})
    failed_run = run_report(ledger, store_snapshot(ledger, FetchedSnapshot(items=items)))
    assert failed_run["snapshot_changed"]  # ... but the run failed: publish never ran
    next_run = run_report(ledger, store_snapshot(ledger, FetchedSnapshot(items=items)))
    assert next_run["snapshot_changed"] and list(next_run["unpublished"]) == ["fiscal_years"]
    assert publish(ledger, next_run) and publish(ledger, next_run)  # a retried publish: same marks (idempotent)
    assert not run_report(ledger, store_snapshot(ledger, FetchedSnapshot(items=items)))["snapshot_changed"]


def test_taimer_only_writes_do_not_publish(ledger, taimer) -> None:
    adapter, _ = taimer
    publish(ledger, run_report(ledger, store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))))
    fetch = store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))
    assert push_kind(ledger, adapter, "accounts", full=True)["written"]  # a full push writes Taimer ...
    assert not run_report(ledger, fetch)["snapshot_changed"]  # ... but Procountor's data did not change


# --- retry safety of the push ------------------------------------------------------------------------------------


class FailFirstMark:
    """The real ``ledger.reference``, except that the first ``mark_reference_pushed`` fails (the worker died after
    Taimer's answer and before the ledger's commit)."""

    def __init__(self, reference) -> None:
        self._reference, self.failed = reference, False

    def __getattr__(self, name):
        return getattr(self._reference, name)

    def mark_reference_pushed(self, *args, **kwargs):
        if not self.failed:
            self.failed = True
            raise ConnectionError("ledger went away after the Taimer write")
        return self._reference.mark_reference_pushed(*args, **kwargs)


class MarkFailsOnce:
    """The real ledger with ``FailFirstMark`` as its reference repository."""

    def __init__(self, ledger) -> None:
        self._ledger = ledger
        self.reference = FailFirstMark(ledger.reference)

    def __getattr__(self, name):
        return getattr(self._ledger, name)


def test_push_retried_after_the_mark_failed_writes_the_same_set_again_and_ends_marked(ledger, taimer) -> None:
    adapter, base = taimer
    store_snapshot(ledger, FetchedSnapshot(items=snapshot_items()))
    flaky = MarkFailsOnce(ledger)
    with pytest.raises(ConnectionError):
        push_kind(flaky, adapter, "products")
    state_after_first = requests.get(f"{base}/_control/state", timeout=5).json()["reference"]["products"]
    retried = push_kind(flaky, adapter, "products")  # the task's retry
    assert retried["written"] and retried["pushed"] == 2
    product_writes = [p for p in writes(base) if p.endswith("/reference/products")]
    assert len(product_writes) == 2  # the same full set, twice
    state = requests.get(f"{base}/_control/state", timeout=5).json()["reference"]["products"]
    assert state == state_after_first and len(state) == 2  # harmless: Taimer holds the same
    assert retried["write"]["created"] == 0 and retried["write"]["unchanged"] == 2
    assert not push_kind(ledger, adapter, "products")["written"]  # marked now: nothing pending


def test_a_failed_step_records_its_real_code_for_the_report(ledger) -> None:
    from taimer_procountor.procountor.errors import ProcountorUnauthorized
    from taimer_procountor.reference.report import build_summary
    from taimer_procountor.reference.steps import recording_failures

    args = ("procountor_reference_sync", "manual__x")
    with (
        pytest.raises(ProcountorUnauthorized),
        recording_failures(lambda: ledger, *args, "fetch_snapshot", try_number=3),
    ):
        raise ProcountorUnauthorized("GET /company -> HTTP 401: token refused")
    with pytest.raises(KeyError), recording_failures(lambda: ledger, *args, "push_reference[products]"):
        raise KeyError("Maija Meikäläinen")  # an unknown error's text may carry data: only its type is kept
    errors = ledger.runs.step_errors(*args, "reference_sync")
    states = {"fetch_snapshot": "failed", "check_bank_accounts": "failed", "push_reference[products]": "failed"}
    report = build_summary(
        dag_id=args[0],
        run_id=args[1],
        fetch=None,
        bank=None,
        pushes=[],
        step_states=states | {f"push_reference[{k}]": "upstream_failed" for k in TAIMER_KINDS if k != "products"},
        step_errors=errors,
        unpublished={},
    )
    by_where = {f.task_id: f for f in report.failed_steps}
    assert by_where["fetch_snapshot"].code == "PROCOUNTOR_UNAUTHORIZED" and by_where["fetch_snapshot"].attempts == 3
    assert "401" in by_where["fetch_snapshot"].detail
    assert by_where["push_reference[products]"].code == "REFERENCE_STEP_FAILED"
    assert "KeyError" in by_where["push_reference[products]"].detail
    assert "Maija" not in json.dumps(report.to_json(), ensure_ascii=False)
    assert by_where["check_bank_accounts"].code == "REFERENCE_STEP_FAILED"  # failed, nothing recorded
    assert "push_reference[accounts]" in report.did_not_run and report.outcome.value == "failed"
