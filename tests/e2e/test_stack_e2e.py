"""The production topology for real: ``sandboxes.stack`` starts Airflow natively on PostgreSQL and Redis
(CeleryExecutor, two workers, api-server, scheduler, dag-processor, triggerer, the ledger on PostgreSQL, both
sandboxes as services), and a user's tooling drives it through the REST API v2 only.

One test, one stack (starting it is the expensive part): every flow DAG that exists is triggered and its end state
checked in the sandboxes' own state (``/_control/state``), tasks are seen on both workers, then one worker is
SIGKILLed while it runs a task that writes to Taimer, and the run still ends with Taimer's reference data exactly
as Procountor has it, nothing missing and nothing twice. The stack stops with no process left behind.

Skips with a reason when PostgreSQL or Redis is absent; under ``CI=true`` it fails instead.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from sandboxes.outbound_scenario import (
    OUTBOUND_TYPES,
    created_invoices,
    marked_for_transfer,
    procountor_fields,
    written_back,
)
from sandboxes.runner import free_port
from sandboxes.stack.launcher import Stack, seed_demo
from sandboxes.stack.rest import AirflowApi
from sandboxes.stack.settings import StackConfig
from taimer_procountor.outbound.extract import document_date

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
ON_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("TP_TEST_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DBS = range(10, 16)  # the test takes the first empty one of these, and empties it again afterwards
REFERENCE_DAG = "procountor_reference_sync"
REFERENCE_PUT = "^/api/v1/reference/"
OUTBOUND_DAG = "taimer_to_procountor"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
TOKEN_PATH = "/api/oauth/token"
RUN_TIMEOUT = 420


@dataclass
class RunningStack:
    stack: Stack
    api: AirflowApi
    taimer_data: Any  # the TaimerDataset both sandboxes were seeded with
    procountor_fixture: Any

    def state(self, which: str) -> dict[str, Any]:
        url = self.stack.config.taimer_url if which == "taimer" else self.stack.config.procountor_url
        return requests.get(f"{url}/_control/state", timeout=30).json()

    def request_log(self, which: str) -> list[dict[str, Any]]:
        url = self.stack.config.taimer_url if which == "taimer" else self.stack.config.procountor_url
        return requests.get(f"{url}/_control/requests", timeout=30).json()

    def fault(self, which: str, rule: dict[str, Any]) -> None:
        url = self.stack.config.taimer_url if which == "taimer" else self.stack.config.procountor_url
        requests.post(f"{url}/_control/faults", json=rule, timeout=10).raise_for_status()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database number nobody uses right now, emptied again afterwards."""
    import redis

    try:
        dbs = {db: redis.Redis.from_url(f"{REDIS_URL}/{db}", socket_connect_timeout=3) for db in REDIS_DBS}
        free = [db for db, client in dbs.items() if client.dbsize() == 0]
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}: {exc}"
        if ON_CI:
            pytest.fail(f"CI=true requires Redis: {reason}")
        pytest.skip(reason)
    if not free:
        pytest.fail(f"Redis databases {list(REDIS_DBS)} all hold keys: no empty one for the stack's broker")
    yield f"{REDIS_URL}/{free[0]}"
    dbs[free[0]].flushdb()


@pytest.fixture
def running_stack(tmp_path: Path, postgres_admin_url: str, redis_url: str) -> Iterator[RunningStack]:
    name = f"tp_stack_{uuid.uuid4().hex[:10]}"
    config = StackConfig(
        var_dir=tmp_path / "stack",
        api_port=free_port(),
        procountor_port=free_port(),
        taimer_port=free_port(),
        postgres_url=postgres_admin_url,
        airflow_db=f"{name}_airflow",
        ledger_db=f"{name}_ledger",
        redis_url=redis_url,
        heartbeat_timeout=20,  # a killed worker's task is failed (and retried elsewhere) 20 s after its last beat
        seed_demo=False,
        extra_env={"TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS": "1"},
    )
    stack = Stack(config)
    started = time.monotonic()
    try:
        stack.start()
        print(f"stack up in {time.monotonic() - started:.0f} s")
        taimer_data, fixture = seed_demo(config.procountor_url, config.taimer_url)
        yield RunningStack(stack, stack.api(), taimer_data, fixture)
    finally:
        stack.stop()
        leftovers = stack.leftovers()
        _drop_databases(postgres_admin_url, config.airflow_db, config.ledger_db)
        assert leftovers == [], f"processes left behind by the stack: {leftovers}"


def _drop_databases(admin_url: str, *names: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# ------------------------------------------------------------------------------------------ driving the DAGs


def run_to_the_end(rs: RunningStack, dag_id: str, conf: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Unpause the DAG (the scheduler may start its latest scheduled run), trigger a run as a user would, and wait
    until every run of the DAG has ended; returns them all."""
    api = rs.api
    api.wait_for_dag(dag_id)
    api.unpause(dag_id)
    api.trigger(dag_id, conf)
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        runs = api.request("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]
        if runs and all(r["state"] in ("success", "failed") for r in runs):
            return runs
        if time.monotonic() > deadline:
            pytest.fail(f"{dag_id}: runs not finished after {RUN_TIMEOUT} s: {[r['state'] for r in runs]}")
        time.sleep(2)


def hostnames(rs: RunningStack, dag_id: str, run_id: str) -> Counter[str]:
    """Which workers ran this run's tries (every try of every task instance, from the REST API)."""
    seen: Counter[str] = Counter()
    for ti in rs.api.task_instances(dag_id, run_id):
        for attempt in rs.api.tries(dag_id, run_id, ti["task_id"], ti["map_index"]):
            if attempt.get("hostname"):
                seen[attempt["hostname"]] += 1
    return seen


# ------------------------------------------------------------------------------------------ end states, per DAG


def assert_reference_end_state(rs: RunningStack) -> None:
    """Taimer's reference data is exactly Procountor's (every item once, none missing), and the person IDs landed
    as the demo scenario's rules say."""
    fixture = rs.procountor_fixture
    taimer = rs.state("taimer")
    ref = taimer["reference"]
    accounts = [a["number"] for a in ref["accounts"]]
    assert sorted(accounts) == sorted(a["ledgerAccountCode"] for a in fixture.ledger_accounts)
    products = [p["procountor_product_id"] for p in ref["products"]]
    assert sorted(products) == sorted(p["id"] for p in fixture.products)
    cost_centers = [c["code"] for c in ref["cost_centers"]]
    dimension = next(d for d in fixture.dimensions if d["name"] == "Kustannuspaikka")
    assert sorted(cost_centers) == sorted(str(i["codeName"]) for i in dimension["items"])
    assert {(v["kind"], v["percent"]) for v in ref["vat_rates"]} >= {("sales", "25.5"), ("purchase", "24")}
    assert len({(v["kind"], v["percent"]) for v in ref["vat_rates"]}) == len(ref["vat_rates"])  # none twice
    active = [p for p in fixture.persons if (p.get("registryInfo") or {}).get("active", True)]
    assert len(ref["person_ids"]) == len(active)
    users = {u["id"]: u.get("procountor_person_id") for u in taimer["users"]}
    assert users["u-001"] == 8001 and users["u-002"] == 8002  # by e-mail; by personal identifier
    assert users["u-003"] is None and users["u-dup"] is None  # ambiguous: refused


def check_reference(rs: RunningStack, runs: list[dict[str, Any]]) -> None:
    assert {r["state"] for r in runs} == {"success"}, runs
    assert_reference_end_state(rs)
    # the demo company's bank account is not in Procountor: a partial run, reported as such
    report = rs.api.xcom(REFERENCE_DAG, runs[0]["dag_run_id"], "report")
    assert (report.get("outcome") or report.get("status")) == "partial"


def check_outbound(rs: RunningStack, runs: list[dict[str, Any]]) -> None:
    """taimer_to_procountor, judged from both sandboxes' state: every document the seed marked for transfer ended
    either transferred (each of its invoices in Procountor exactly once, and Taimer's write-back naming that
    invoice's id, number and status) or refused (errors with catalogue codes written back, nothing in Procountor);
    nothing stayed half-way, Procountor holds no invoice nobody asked for, and it never answered 400."""
    assert runs and {r["state"] for r in runs} == {"success"}, runs
    from taimer_procountor.errors import CATALOGUE

    procountor = created_invoices(rs.state("procountor"), {inv["id"] for inv in rs.procountor_fixture.invoices})
    assert {k: len(v) for k, v in procountor.items() if len(v) > 1} == {}, "an invoice is in Procountor twice"

    taimer = rs.state("taimer")
    outcome: Counter[tuple[str, str]] = Counter()
    accounted: set[tuple[str, str]] = set()
    seeded = marked_for_transfer(rs.taimer_data)
    for (collection, doc_id), originals in seeded.items():
        doc = next(d for d in taimer[collection] if d["id"] == doc_id)
        integration, kind = doc["integration"], OUTBOUND_TYPES[collection]
        state = integration["sync_state"]
        outcome[collection, state] += 1
        keys = {(kind, o) for o in originals}
        if state == "failed":
            codes = [e["code"] for e in integration["errors"]]
            assert codes and set(codes) <= set(CATALOGUE), (doc_id, codes)
            assert not keys & procountor.keys(), f"{collection} {doc_id} refused, yet in Procountor"
            continue
        assert state == "transferred", f"{collection} {doc_id} ended {state!r}"
        assert integration["errors"] == []
        assert keys <= procountor.keys(), f"{collection} {doc_id}: missing in Procountor {keys - procountor.keys()}"
        accounted |= keys
        invoices = [procountor[k][0] for k in sorted(keys)]
        assert written_back(collection, integration) == procountor_fields(invoices), doc_id
    assert set(procountor) == accounted, f"invoices in Procountor nobody asked for: {set(procountor) - accounted}"
    assert [e for e in rs.request_log("procountor") if e["status"] == 400] == []
    # The seeded company bank account is not in Procountor and every sales invoice carries it: each one is held
    # with OUTBOUND_BANK_ACCOUNT_NOT_IN_PROCOUNTOR (the reference run warned of it). The other kinds do not use it.
    sales = [d for d in taimer["sales_invoices"] if ("sales_invoices", d["id"]) in seeded]
    assert sales and all(
        "OUTBOUND_BANK_ACCOUNT_NOT_IN_PROCOUNTOR" in {e["code"] for e in d["integration"]["errors"]} for d in sales
    ), [d["integration"]["errors"] for d in sales]
    for collection in ("bills", "travel_reports", "expense_reports"):
        assert outcome[collection, "transferred"] >= 1, f"no {collection} transferred: {dict(outcome)}"
    print(f"outbound: {dict(outcome)}; {len(procountor)} invoice(s) in Procountor")


def check_inbound(rs: RunningStack, runs: list[dict[str, Any]]) -> None:
    """procountor_to_taimer, judged from Taimer's state: each purchase invoice received in Procountor is one inbound
    bill in Taimer (the one already there not doubled), routed by the seed article's rules: the project's manager
    (``orderReference``), the person with that Procountor person ID (``buyerReferenceIdentifier``), else the default
    recipient."""
    assert runs and {r["state"] for r in runs} == {"success"}, runs
    taimer = rs.state("taimer")
    inbound = [b for b in taimer["bills"] if b["direction"] == "inbound"]
    received = {inv["id"]: inv for inv in rs.procountor_fixture.invoices}
    assert sorted(b["procountor_id"] for b in inbound) == sorted(received)
    person = {u["procountor_person_id"]: u["id"] for u in taimer["users"] if u.get("procountor_person_id")}
    managers = {p.number: p.manager_user_id for p in rs.taimer_data.projects}
    default = rs.taimer_data.company.default_purchase_invoice_recipient_user_id
    for bill in inbound:
        inv = received[bill["procountor_id"]]
        if inv.get("orderReference") in managers:
            expected = (managers[inv["orderReference"]], "project_manager")
        elif inv.get("buyerReferenceIdentifier"):
            expected = (person[int(inv["buyerReferenceIdentifier"])], "person_id")
        else:
            expected = (default, "default_recipient")
        assert (bill["recipient_user_id"], bill["routing_reason"]) == expected, bill["procountor_id"]
        assert bill["integration"]["sync_state"] == "received"
    reasons = Counter(b["routing_reason"] for b in inbound)
    assert set(reasons) == {"project_manager", "person_id", "default_recipient"}, reasons
    print(f"inbound: {len(inbound)} bill(s) routed {dict(reasons)}")


def check_backfill(rs: RunningStack) -> None:
    """``airflow backfill create`` over nightly dates already synced, run by the scheduler on the workers: a
    backfill run takes the documents dated on the day before it (here the latest outbound bill's day) and sends
    nothing again; Procountor ends exactly as before."""
    import subprocess
    from datetime import datetime, timedelta

    day = max(b.invoice_date for b in rs.taimer_data.bills if b.direction == "outbound")
    before_state = rs.state("procountor")["invoices"]
    before_log = len(rs.request_log("procountor"))
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "airflow"), "backfill", "create", "--dag-id", OUTBOUND_DAG,
         "--from-date", (day + timedelta(days=1)).isoformat(), "--to-date", (day + timedelta(days=2)).isoformat()],
        env=rs.stack.env(), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    def backfill_runs() -> list[dict[str, Any]]:
        runs = rs.api.request("GET", f"/api/v2/dags/{OUTBOUND_DAG}/dagRuns", params={"limit": 100})["dag_runs"]
        return [r for r in runs if r["run_type"] == "backfill"]

    deadline = time.monotonic() + RUN_TIMEOUT
    while not (runs := backfill_runs()) or any(r["state"] not in ("success", "failed") for r in runs):
        if time.monotonic() > deadline:
            pytest.fail(
                f"backfill runs not finished after {RUN_TIMEOUT} s: {[(r['run_id'], r['state']) for r in runs]}"
            )
        time.sleep(2)
    assert {r["state"] for r in runs} == {"success"}, runs
    log = rs.request_log("procountor")[before_log:]
    writes = [e for e in log if e["method"] in WRITES and e["path"] != TOKEN_PATH]  # a token is no write
    assert writes == [], writes
    assert rs.state("procountor")["invoices"] == before_state
    # each run covers the day before its scheduled time: the documents dated then, one ledger row per invoice
    covered = {datetime.fromisoformat(r["data_interval_end"]).date() - timedelta(days=1) for r in runs}
    assert day in covered, (day, covered)
    expected = sum(
        len(originals)
        for (collection, doc_id), originals in marked_for_transfer(rs.taimer_data).items()
        if document_date(next(d for d in getattr(rs.taimer_data, collection) if d.id == doc_id)) in covered
    )
    selected = 0
    for run in runs:
        report = rs.api.xcom(OUTBOUND_DAG, run["dag_run_id"], "report")
        totals: Counter[str] = Counter()
        for row in report["kinds"]:
            totals.update(row["counts"])
        assert totals["created"] == totals["updated"] == 0, report["kinds"]
        selected += totals["extracted"]
    assert selected == expected, f"the backfill over {sorted(covered)} selected {selected}, not {expected}"
    print(f"backfill: {len(runs)} run(s), {selected} document(s) selected, 0 writes to Procountor")


FLOW_DAGS: dict[str, Callable[[RunningStack, list[dict[str, Any]]], None]] = {
    REFERENCE_DAG: check_reference,
    OUTBOUND_DAG: check_outbound,
    "procountor_to_taimer": check_inbound,
}


# ------------------------------------------------------------------------------------------ the test


def test_the_native_celery_stack_runs_every_flow_on_two_workers_and_survives_a_killed_worker(running_stack):
    rs = running_stack
    timings: dict[str, float] = {}
    workers_seen: Counter[str] = Counter()
    present = [dag_id for dag_id in FLOW_DAGS if (ROOT / "dags" / f"{dag_id}.py").exists()]
    assert REFERENCE_DAG in present

    for dag_id in present:
        started = time.monotonic()
        runs = run_to_the_end(rs, dag_id)
        timings[dag_id] = time.monotonic() - started
        FLOW_DAGS[dag_id](rs, runs)
        for run in runs:
            workers_seen += hostnames(rs, dag_id, run["dag_run_id"])

    if OUTBOUND_DAG in present:
        started = time.monotonic()
        check_backfill(rs)
        timings["backfill"] = time.monotonic() - started

    # Kill a worker while it writes to Taimer: every reference PUT first waits 8 s in the sandbox, then one
    # worker dies (SIGKILL to it and everything under it) with a push_reference task running.
    before = len(rs.request_log("taimer"))
    rs.fault("taimer", {"kind": "latency", "method": "PUT", "path": REFERENCE_PUT, "seconds": 8, "count": 5})
    started = time.monotonic()
    run_id = rs.api.trigger(REFERENCE_DAG, {"full_push": True})
    victim = None
    while victim is None:
        running = [
            ti
            for ti in rs.api.task_instances(REFERENCE_DAG, run_id)
            if ti["task_id"] == "push_reference" and ti["state"] == "running" and ti["hostname"]
        ]
        if running:
            victim, killed_ti = running[0]["hostname"], running[0]
        elif time.monotonic() - started > RUN_TIMEOUT:
            pytest.fail("no push_reference task started running")
        else:
            time.sleep(0.5)
    assert rs.stack.kill(victim)
    assert victim not in rs.stack.running()
    run = rs.api.wait_for_run(REFERENCE_DAG, run_id, timeout=RUN_TIMEOUT)
    timings["kill run"] = time.monotonic() - started
    assert run["state"] == "success", run

    # the killed try failed on the victim, the next try ran on the worker that is left
    tries = rs.api.tries(REFERENCE_DAG, run_id, "push_reference", killed_ti["map_index"])
    first = tries[0]
    assert (first["try_number"], first["hostname"], first["state"]) == (1, victim, "failed")
    survivor = tries[-1]
    assert survivor["state"] == "success" and survivor["hostname"] != victim and survivor["try_number"] >= 2
    assert all(ti["state"] in ("success", "skipped") for ti in rs.api.task_instances(REFERENCE_DAG, run_id))
    workers_seen += hostnames(rs, REFERENCE_DAG, run_id)
    assert set(rs.stack.config.worker_names) <= set(workers_seen), workers_seen

    # nothing lost, nothing twice: every kind was written (the killed one again, whole), Taimer holds each item once
    puts = Counter(e["path"] for e in rs.request_log("taimer")[before:] if e["method"] == "PUT")
    assert len(puts) == 5 and all(n >= 1 for n in puts.values()), puts
    assert_reference_end_state(rs)
    print({k: f"{v:.0f} s" for k, v in timings.items()}, dict(workers_seen))
