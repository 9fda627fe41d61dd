"""End to end through the ``taimer_to_procountor`` DAG (``dag.test()`` in a child process) against both sandboxes on
loopback: purchase invoices, a travel report, an expense report split by payment source, person-ID refusals, and
the company-money receipts marked paid after someone moves the claim on in Procountor.

Procountor's end state is judged from the sandbox's own state (``/_control/state``) and its request log; Taimer's
from its state. Small on purpose (a handful of documents): the machine is shared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from sandboxes import dag_runner as airflow_dag_runner
from sandboxes.demo import program as demo
from sandboxes.outbound_kinds_scenario import (
    EXPENSE_NUMBER,
    PERSON_CASES,
    TRAVEL_NUMBER,
    kinds_seed,
    owner_of,
)
from sandboxes.outbound_scenario import store_reference_snapshot
from sandboxes.procountor.app import create_app as procountor_app
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.seed import SeedConfig, SeedResult, generate
from sandboxes.seed.__main__ import load as load_seed
from sandboxes.seed.defects import DEFECTS, DOCUMENT_DEFECTS, OUTBOUND_EXPECTED_CODES
from sandboxes.taimer.app import create_app as taimer_app
from sandboxes.taimer.settings import TaimerSandboxSettings
from taimer_procountor.ledger import connect, migrate
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.settings import ProcountorSettings
from taimer_procountor.taimer.models import DocumentKind

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DAG_FILE = ROOT / "dags" / "taimer_to_procountor.py"
KINDS = ["bill", "travel_report", "expense_report"]
FAST = {"TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS": "1", "TAIMER_PROCOUNTOR_CLAIM_TTL_SECONDS": "8"}
OWN, COMPANY = f"{EXPENSE_NUMBER}-O", f"{EXPENSE_NUMBER}-Y"
MARKPAID = "/paymentevents/markpaid"


@dataclass
class Kinds:
    procountor: RunningServer
    taimer: RunningServer
    seed: SeedResult
    ledger_url: str
    tmp: Path

    def state(self) -> dict[str, Any]:
        return requests.get(f"{self.procountor.base_url}/_control/state", timeout=30).json()

    def taimer_state(self) -> dict[str, Any]:
        return requests.get(f"{self.taimer.base_url}/_control/state", timeout=30).json()

    def log(self) -> list[dict[str, Any]]:
        return demo.request_log(self.procountor.base_url)

    def fault(self, rule: dict[str, Any]) -> None:
        requests.post(f"{self.procountor.base_url}/_control/faults", json=rule, timeout=10).raise_for_status()

    def run(self, n: int) -> dict[str, Any]:
        home = self.tmp / f"airflow{n}"
        home.mkdir()
        env = airflow_dag_runner.airflow_env(
            home, DAG_FILE.parent, {**demo.connection_env(self.procountor.base_url, self.taimer.base_url,
                                                         self.ledger_url), **FAST}
        )  # fmt: skip
        log_path = self.tmp / f"airflow{n}.log"
        result = airflow_dag_runner.run_dag_in_subprocess(
            env, dag_file=DAG_FILE, log_path=log_path, conf={"kinds": KINDS}
        )
        if result.get("state") != "success":
            print(log_path.read_text(encoding="utf-8")[-20000:])
        return result

    def client(self) -> ProcountorClient:
        client_id, secret, api_key = demo.PROCOUNTOR_CLIENT
        return ProcountorClient(ProcountorSettings(f"{self.procountor.base_url}/api", client_id, secret, api_key))


def start(tmp_path: Path, seed: SeedResult) -> Kinds:
    procountor = serve_in_thread(procountor_app(ProcountorSandboxSettings(rate_per_second=20)))
    taimer = serve_in_thread(taimer_app(TaimerSandboxSettings(api_key=demo.TAIMER_API_KEY, dataset=seed.taimer)))
    load_seed(seed, taimer.base_url, procountor.base_url)
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    migrate(ledger_url)
    ledger = connect(ledger_url)
    try:
        store_reference_snapshot(ledger, procountor.base_url, demo.PROCOUNTOR_CLIENT)
    finally:
        ledger.engine.dispose()
    return Kinds(procountor, taimer, seed, ledger_url, tmp_path)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Kinds]:
    started = start(tmp_path, kinds_seed())
    yield started
    started.taimer.stop()
    started.procountor.stop()


@pytest.fixture
def defect_world(tmp_path: Path) -> Iterator[Kinds]:
    # 22 of 26 documents per kind carry a defect: enough for the generator's round of each kind's 11 defects to
    # plant every (kind, defect) pair, with valid documents of each kind beside them
    config = SeedConfig(seed=5, customers=2, projects=2, users=4, sales_invoices=0, bills=26, inbound_bills=0,
                        expense_reports=26, travel_reports=26, defect_share=0.85, attachment_share=0.3)  # fmt: skip
    seed = generate(config)
    started = start(tmp_path, seed)
    yield started
    started.taimer.stop()
    started.procountor.stop()


def by_number(state: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for inv in state["invoices"]:
        if inv.get("originalInvoiceNumber"):
            out.setdefault(inv["originalInvoiceNumber"], []).append(inv)
    return out


def events_of(state: dict[str, Any], invoice_id: int) -> list[dict[str, Any]]:
    return [e for e in state["payment_events"] if e["invoiceId"] == invoice_id]


@pytest.mark.timeout(900)
def test_three_kinds_through_the_dag_and_company_receipts_marked_paid_once_each(world: Kinds):
    seed = world.seed
    owner = owner_of(seed)
    report = next(r for r in seed.taimer.expense_reports if r.number == EXPENSE_NUMBER)
    company_rows = [r for r in report.rows if r.payment_source.value == "company"]
    own_rows = [r for r in report.rows if r.payment_source.value == "own"]
    assert len({r.receipt_date for r in own_rows}) == 3 and len({r.receipt_date for r in company_rows}) == 2
    assert report.report_date not in {r.receipt_date for r in report.rows}

    # --- run 1: everything valid goes, the person-ID cases stop with their own codes -----------------------------
    first = world.run(1)
    assert first["state"] == "success"
    state = world.state()
    invoices = by_number(state)
    bills = {b.number for b in seed.taimer.bills}
    assert set(invoices) == {*bills, OWN, COMPANY, str(TRAVEL_NUMBER)}  # nothing of the refused reports
    assert all(len(v) == 1 for v in invoices.values()), "one Procountor invoice per number"
    assert {invoices[b][0]["type"] for b in bills} == {"PURCHASE_INVOICE"}
    own, company = invoices[OWN][0], invoices[COMPANY][0]
    assert own["type"] == company["type"] == "BILL_OF_CHARGES"
    assert own["partnerId"] == company["partnerId"] == owner.procountor_person_id
    assert [r["product"] for r in own["invoiceRows"]] == [r.description for r in own_rows]
    assert [r["product"] for r in company["invoiceRows"]] == [r.description for r in company_rows]
    assert Decimal(str(company["invoiceSumInfo"][0]["invoiceSumTotal"])) == sum(r.amount for r in company_rows)
    travel = invoices[str(TRAVEL_NUMBER)][0]
    assert travel["type"] == "TRAVEL_INVOICE" and travel["partnerId"] == owner.procountor_person_id
    assert [(i["places"], i["purpose"]) for i in travel["travelInformationItems"]] == [
        ("Oulu", "Asiakastapaaminen"), ("Kemi", "Asennustyö")]  # fmt: skip
    assert sorted(r.get("productId") for r in travel["invoiceRows"]) == [722, 722, 723]
    assert state["payment_events"] == []  # UNFINISHED: nothing may be marked yet
    assert [e for e in world.log() if e["status"] == 400] == []

    summary = first["xcom"]["report"]
    errors = {(e["code"], e["where"]): e for e in summary["errors"]}
    # nothing else went wrong: no reconcile difference (both halves' write-back agrees with Procountor), no failure
    assert {code for code, _where in errors} == {code for _o, _t, code, _n in PERSON_CASES.values()}, sorted(errors)
    for number, (_owner, _transferrer, code, named_user) in PERSON_CASES.items():
        hits = [e for (c, where), e in errors.items() if c == code and where.startswith(f"expense_report:{number}")]
        assert hits, (number, code, sorted(errors))
        user = next(u for u in seed.taimer.users if u.id == named_user)
        assert user.name in hits[0]["detail"] and user.id in hits[0]["detail"]
    taimer = {d["number"]: d for d in world.taimer_state()["expense_reports"]}
    for number, (_owner, _transferrer, code, _named) in PERSON_CASES.items():
        assert [e["code"] for e in taimer[number]["integration"]["errors"]] == [code]
    links = {li["payment_source"]: li for li in taimer[EXPENSE_NUMBER]["integration"]["linked_invoices"]}
    assert {s: li["procountor_id"] for s, li in links.items()} == {"own": own["id"], "company": company["id"]}
    assert taimer[EXPENSE_NUMBER]["integration"]["sync_state"] == "transferred"
    waiting = summary["details"]["company_money"]["reports"][f"expense_report:{COMPANY}"]
    assert waiting["waiting"] == 2 and waiting["procountor_status"] == "UNFINISHED"

    # --- someone circulates the company-money claim in Procountor; the next run marks its receipts ---------------
    with world.client() as client:
        client.invoices.send_to_circulation(company["id"])
    # the first receipt's PUT is committed but its answer lost, the second's refused with a 5xx before commit: both
    # settle within the run (the first adopted from the payment events, the second marked again), nothing waits
    markpaid = f"^/api/invoices/{company['id']}{MARKPAID}$"
    world.fault({"kind": "drop_after_commit", "path": markpaid, "method": "PUT", "nth": 1})
    world.fault({"kind": "error_before_commit", "path": markpaid, "method": "PUT", "nth": 2})
    before = len(world.log())
    second = world.run(2)
    assert second["state"] == "success"
    state = world.state()
    marked = events_of(state, company["id"])
    assert sorted((e["paymentDate"], Decimal(str(e["amount"]))) for e in marked) == sorted(
        (r.receipt_date.isoformat(), r.amount) for r in company_rows
    ), "one payment event per receipt, dated on the receipt's payment date"
    assert events_of(state, own["id"]) == []
    run2 = world.log()[before:]
    fired = Counter(kind for e in run2 if MARKPAID in e["path"] for kind in e.get("faults", []))
    assert fired == {"drop_after_commit": 1, "error_before_commit": 1}, fired
    assert len([e for e in run2 if MARKPAID in e["path"]]) == 3  # two receipts, one PUT again after the 5xx
    searches = [e for e in run2 if e["method"] == "GET" and e["path"] == "/api/invoices"
                and "versionStartDate" in (e.get("query") or "")]  # fmt: skip
    assert searches, "claims that moved on are found by a version-date search"
    assert not [e for e in run2 if e["method"] == "GET" and e["path"] == f"/api/invoices/{own['id']}/paymentevents"]
    second_report = second["xcom"]["report"]
    assert second_report["outcome"] != "failed"
    counts = {row["kind"]: row["counts"] for row in second_report["kinds"]}
    assert counts["bill"]["updated"] == counts["bill"]["created"] == 0  # Taimer's own write-back is no edit
    assert not [e for e in second_report["errors"] if e["code"].startswith("OUTBOUND_RECONCILE")], second_report[
        "errors"
    ]
    company_money = second_report["details"]["company_money"]
    entry = company_money["reports"][f"expense_report:{COMPANY}"]
    assert entry["waiting"] == 0
    marking = {k: v for k, v in company_money["counts"].items() if v}
    assert marking == {"marked": 1, "adopted": 1}, company_money["counts"]
    assert not [e for e in second_report["errors"] if e["code"].startswith("OUTBOUND_RECEIPT_MARK_PAID")]
    assert sorted(r["payment_date"] for r in entry["receipts"]) == sorted(
        r.receipt_date.isoformat() for r in company_rows
    )
    taimer = {d["number"]: d for d in world.taimer_state()["expense_reports"]}
    company_link = next(li for li in taimer[EXPENSE_NUMBER]["integration"]["linked_invoices"]
                        if li["payment_source"] == "company")  # fmt: skip
    assert company_link["status"] == next(i for i in state["invoices"] if i["id"] == company["id"])["status"]

    # --- a third run adds nothing ------------------------------------------------------------------------------
    before = len(world.log())
    third = world.run(3)
    assert third["state"] == "success"
    state = world.state()
    assert len(events_of(state, company["id"])) == 2 and events_of(state, own["id"]) == []
    assert not [e for e in world.log()[before:] if MARKPAID in e["path"]]
    assert [e for e in world.log() if e["status"] == 400] == []
    assert all(len(v) == 1 for v in by_number(state).values())


def test_every_seeded_defect_of_the_three_kinds_is_caught_before_sending(defect_world: Kinds):
    """One DAG run over a seeded batch of bills, travel and expense reports holding every defect of each kind: each
    is caught with its own code (attachment defects while the bytes stream, the invoice still going), every valid
    document is in Procountor once per invoice, and Procountor never answered 400."""
    seed = defect_world.seed
    result = defect_world.run(1)
    assert result["state"] == "success"
    invoices = by_number(defect_world.state())
    assert all(len(v) == 1 for v in invoices.values())
    ledger = connect(defect_world.ledger_url)
    try:
        caught: set[tuple[str, str]] = set()
        for kind, documents in (
            (DocumentKind.BILL, seed.taimer.bills),
            (DocumentKind.TRAVEL_REPORT, seed.taimer.travel_reports),
            (DocumentKind.EXPENSE_REPORT, seed.taimer.expense_reports),
        ):
            expected = OUTBOUND_EXPECTED_CODES[kind]
            rows = {}
            for doc in ledger.outbound.outbound_documents(source_type=kind.value):
                rows.setdefault(doc.source_id.split(":")[0], []).append(doc)
            for document in documents:
                defects = seed.manifest.defects_of(document.id)
                docs = rows[document.id]
                held = {expected[d] for d in defects if not DEFECTS[d].attachment}
                if held:
                    for doc in docs:
                        assert doc.state == "invalid", (document.id, defects, doc.state)
                        assert {e["code"] for e in doc.validation_errors} == held, (document.id, doc.validation_errors)
                        assert doc.taimer_number not in invoices
                    caught |= {(kind.value, code) for code in held}
                    continue
                for doc in docs:
                    assert doc.state == "written_back", (document.id, doc.state, doc.errors)
                    assert doc.taimer_number in invoices, (document.id, doc.taimer_number)
                refused = {
                    a.error_code for doc in docs for a in ledger.attachments.attachments_of(doc.id)
                    if a.state == "skipped"
                }  # fmt: skip
                assert refused == {expected[d] for d in defects if DEFECTS[d].attachment}, (document.id, defects)
                caught |= {(kind.value, code) for code in refused}
        planted = {
            (kind, d)
            for kind, documents in ((DocumentKind.BILL, seed.taimer.bills),
                                    (DocumentKind.TRAVEL_REPORT, seed.taimer.travel_reports),
                                    (DocumentKind.EXPENSE_REPORT, seed.taimer.expense_reports))
            for document in documents for d in seed.manifest.defects_of(document.id)
        }  # fmt: skip
        every = {(k, d) for k in (DocumentKind.BILL, DocumentKind.TRAVEL_REPORT, DocumentKind.EXPENSE_REPORT)
                 for d in DOCUMENT_DEFECTS if k in DEFECTS[d].kinds}  # fmt: skip
        assert planted == every, sorted(every - planted)  # every defect of each of the three kinds is in the batch
        assert caught == {(k.value, OUTBOUND_EXPECTED_CODES[k][d]) for k, d in planted}
        valid = [doc for doc in ledger.outbound.outbound_documents() if doc.state == "written_back"]
        assert {doc.source_type for doc in valid} == {k.value for k, _d in every}  # valid ones of each kind went
    finally:
        ledger.engine.dispose()
    assert [e for e in defect_world.log() if e["status"] == 400] == []
