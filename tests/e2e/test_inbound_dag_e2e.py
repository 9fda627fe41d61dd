"""The inbound DAG (``procountor_to_taimer``) end to end through Airflow (``dag.test()`` in a child process) against
both sandboxes over loopback HTTP and a real SQLite ledger. Procountor-side events come from the sandbox's event
simulation (``sandboxes.procountor.events``); Procountor's end state is judged from its own state and request log.

Taimer scenario (``sandboxes.taimer.datasets.default_dataset``): u-1 default recipient (person ID 5001, may receive),
u-2 (5002, may receive), u-3 (5003 here, may not receive); project P-100 managed by u-2, P-200 by u-3; one outbound
bill (the dataset's inbound bill is left out: only what the tests receive comes in).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from sandboxes.demo import program as demo
from sandboxes.procountor.app import create_app as procountor_app
from sandboxes.procountor.events import ProcountorEvents, received_invoice
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.taimer.app import create_app as taimer_app
from sandboxes.taimer.datasets import default_dataset
from sandboxes.taimer.settings import TaimerSandboxSettings
from taimer_procountor.ledger import connect, content_hash, migrate
from taimer_procountor.report_ui import create_app
from taimer_procountor.taimer.models import DocumentKind

ROOT = Path(__file__).resolve().parents[2]
DAG_FILE = ROOT / "dags" / "procountor_to_taimer.py"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Inbound:
    procountor: RunningServer
    taimer: RunningServer
    sandbox: Any  # the Procountor app's in-process Sandbox
    events: ProcountorEvents
    ledger_url: str

    def taimer_state(self) -> dict[str, Any]:
        return requests.get(f"{self.taimer.base_url}/_control/state", timeout=10).json()

    def bills(self) -> dict[int, dict[str, Any]]:
        return {b["procountor_id"]: b for b in self.taimer_state()["bills"] if b.get("procountor_id")}

    def procountor_invoice(self, invoice_id: int) -> dict[str, Any]:
        state = requests.get(f"{self.procountor.base_url}/_control/state", timeout=10).json()
        return next(i for i in state["invoices"] if i["id"] == invoice_id)

    def log(self, which: str) -> list[dict[str, Any]]:
        return demo.request_log(getattr(self, which).base_url)

    def fault(self, which: str, rule: dict[str, Any]) -> None:
        base = getattr(self, which).base_url
        requests.post(f"{base}/_control/faults", json=rule, timeout=10).raise_for_status()

    def approve_in_taimer(self, bill_id: str) -> None:
        """A Taimer user approves the bill and chooses "Hyväksy Procountorissa"."""
        requests.patch(
            f"{self.taimer.base_url}/_control/documents/bill/{bill_id}",
            json={"approval_state": "approve_in_procountor", "approved_at": "2026-12-01T10:00:00+00:00"},
            timeout=10,
        ).raise_for_status()


@pytest.fixture
def inbound(tmp_path: Path) -> Iterator[Inbound]:
    dataset = default_dataset()
    for user in dataset.users:
        if user.id == "u-3":
            user.procountor_person_id = 5003
    dataset.bills = [b for b in dataset.bills if b.procountor_id is None]  # only the bills these tests receive
    app = procountor_app(ProcountorSandboxSettings())
    procountor = serve_in_thread(app)
    taimer = serve_in_thread(taimer_app(TaimerSandboxSettings(api_key=demo.TAIMER_API_KEY, dataset=dataset)))
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    migrate(url)
    yield Inbound(procountor, taimer, app.state.sandbox, ProcountorEvents(procountor.base_url), url)
    taimer.stop()
    procountor.stop()


@pytest.fixture
def run_inbound(run_dag_file) -> Callable[..., dict[str, Any]]:
    def run(sb: Inbound, conf: dict[str, Any] | None = None) -> dict[str, Any]:
        return run_dag_file(DAG_FILE, sb.procountor.base_url, sb.taimer.base_url, sb.ledger_url, conf)

    return run


def writes(entries: list[dict[str, Any]]) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in entries if e["method"] in WRITES]


@pytest.mark.timeout(900)  # five DAG runs, each a fresh Airflow process: slow on a loaded machine
def test_routing_approvals_and_reruns(inbound: Inbound, run_inbound) -> None:
    sb = inbound
    ids = {
        "manager": sb.events.receive(project_number="P-100", supplier_invoice_number="101")["id"],
        "person": sb.events.receive(project_number="P-200", person_id=5002, supplier_invoice_number="102")["id"],
        "not_allowed": sb.events.receive(person_id=5003, supplier_invoice_number="103", verifiers=[7])["id"],
        "unknown": sb.events.receive(project_number="P-999", supplier_invoice_number="104")["id"],
    }

    # a dry run reads and shows, and writes nothing anywhere
    t0, p0 = len(sb.log("taimer")), len(sb.log("procountor"))
    dry = run_inbound(sb, {"dry_run": True})
    assert dry["state"] == "success", dry
    assert dry["xcom"]["report"]["dry_run"] is True
    bills_kind = next(k for k in dry["xcom"]["report"]["kinds"] if k["kind"] == "purchase_invoices")
    assert bills_kind["counts"]["would_create"] == 4
    assert writes(sb.log("taimer")[t0:]) == [] and len(sb.log("taimer")) > t0
    assert [w for w in writes(sb.log("procountor")[p0:]) if w != "POST /api/oauth/token"] == []
    assert sb.bills() == {}
    ledger = connect(sb.ledger_url)
    try:
        assert ledger.inbound.inbound_mappings("purchase_invoice") == []
        assert ledger.inbound.get_watermark("inbound_purchase_invoices") is None
    finally:
        ledger.dispose()

    # the real run: one bill per invoice, routed by the rules, each with its reason
    first = run_inbound(sb)
    assert first["state"] == "success", first
    bills = sb.bills()
    expected = {
        "manager": ("u-2", "project_manager", []),
        "person": ("u-2", "person_id", ["INBOUND_ROUTING_MANAGER_NOT_ALLOWED"]),
        "not_allowed": ("u-1", "default_recipient", ["INBOUND_ROUTING_PERSON_NOT_ALLOWED"]),
        "unknown": ("u-1", "default_recipient", ["INBOUND_ROUTING_PROJECT_UNKNOWN"]),
    }
    report = first["xcom"]["report"]
    decisions = {d["procountor_id"]: d for d in report["details"]["decisions"]}
    for case, (recipient, reason, codes) in expected.items():
        bill = bills[ids[case]]
        assert (bill["recipient_user_id"], bill["routing_reason"]) == (recipient, reason), case
        assert bill["direction"] == "inbound" and bill["procountor_status"] == "RECEIVED"
        assert [n["code"] for n in decisions[ids[case]]["notes"]] == codes
    assert sorted(n["code"] for n in report["notices"]) == sorted(c for _, _, cs in expected.values() for c in cs)
    assert report["outcome"] == "success"

    # approvals: one plain, one verified first (its circulation names verifiers), one already approved in
    # Procountor, one refused for its status (invalidated in Procountor)
    sb.events.act(ids["person"], "approve")
    sb.events.act(ids["unknown"], "invalidate")
    for case in ("manager", "not_allowed", "person", "unknown"):
        sb.approve_in_taimer(bills[ids[case]]["id"])
    # the first approve commits in Procountor and then the answer is lost: no double approval, no false error
    sb.fault(
        "procountor",
        {"kind": "error_after_commit", "method": "PUT", "path": r"^/api/invoices/\d+/approve$", "count": 1},
    )
    second = run_inbound(sb)
    assert second["state"] == "success", second
    report = second["xcom"]["report"]
    approvals = {a["procountor_id"]: a["action"] for a in report["details"]["approvals"]}
    assert approvals == {
        ids["manager"]: "approved",
        ids["not_allowed"]: "verified_and_approved",
        ids["person"]: "already_approved",
    }
    assert [(e["code"], e["where"]) for e in report["errors"]] == [
        ("INBOUND_APPROVAL_WRONG_STATUS", f"approval {bills[ids['unknown']]['id']} (invoice {ids['unknown']})")
    ]
    puts = [(e["path"], e["status"]) for e in sb.log("procountor") if e["method"] == "PUT"]
    manager_puts = [s for p, s in puts if p == f"/api/invoices/{ids['manager']}/approve"]
    assert manager_puts == [500]  # sent once; its answer was lost after the commit and the read-back settled it
    assert not any(p.startswith(f"/api/invoices/{ids['person']}/") for p, _ in puts)  # already approved: not sent
    assert not any(p.startswith(f"/api/invoices/{ids['unknown']}/") for p, _ in puts)
    assert [p for p, _ in puts if p.endswith("/verify")] == [f"/api/invoices/{ids['not_allowed']}/verify"]
    for case in ("manager", "not_allowed", "person"):
        assert sb.procountor_invoice(ids[case])["status"] == "APPROVED"
    bills = sb.bills()
    for case in ("manager", "not_allowed", "person"):
        assert bills[ids[case]]["approval_state"] == "approved_in_procountor", case
        assert bills[ids[case]]["integration"]["procountor_status"] == "APPROVED"
    refused = bills[ids["unknown"]]
    assert refused["approval_state"] == "approved"  # approved in Taimer only: out of the queue
    assert [e["code"] for e in refused["integration"]["errors"]] == ["INBOUND_APPROVAL_WRONG_STATUS"]

    # a rerun changes nothing: no write to Taimer, no action in Procountor, no second bill
    t0, p0 = len(sb.log("taimer")), len(sb.log("procountor"))
    third = run_inbound(sb)
    assert third["state"] == "success", third
    taimer_writes = writes(sb.log("taimer")[t0:])
    # the approvals changed the invoices' versions: the bills read them once more and move their status
    assert all(w.startswith("PUT /api/v1/bills/by-procountor-id/") for w in taimer_writes)
    assert [w for w in writes(sb.log("procountor")[p0:]) if w != "POST /api/oauth/token"] == []
    assert {b["procountor_status"] for i, b in sb.bills().items() if i != ids["unknown"]} == {"APPROVED"}
    t1 = len(sb.log("taimer"))
    fourth = run_inbound(sb)
    assert fourth["state"] == "success", fourth
    assert writes(sb.log("taimer")[t1:]) == []
    assert len(sb.bills()) == 4 and len(sb.taimer_state()["bills"]) == 4 + 1  # + the dataset's own outbound bill
    counts = next(k for k in fourth["xcom"]["report"]["kinds"] if k["kind"] == "purchase_invoices")["counts"]
    assert counts.get("created", 0) == 0 and counts.get("updated", 0) == 0 and counts["unchanged"] == 4


def _sent_invoice(sb: Inbound, invoice_type: str, number: str, **fields: Any) -> int:
    """An invoice as the outbound flow creates it (``UNFINISHED``), put straight into the sandbox's state."""
    body = {**received_invoice(supplier_invoice_number=number), "type": invoice_type, **fields}
    with sb.sandbox.state.lock:
        return sb.sandbox.state.create_invoice(body)["id"]


def _record_sent(ledger_url: str, kind: DocumentKind, source_id: str, number: str, invoice_id: int) -> None:
    """What the outbound flow leaves in the ledger for an invoice it sent."""
    ledger = connect(ledger_url)
    try:
        doc = ledger.outbound.upsert_outbound(kind.value, source_id, number, content_hash({"n": number})).document
        ledger.outbound.record_sent(doc.id, None, invoice_id)
    finally:
        ledger.dispose()


@pytest.mark.timeout(900)  # three DAG runs
def test_payments_watermark_faults_and_backfill(inbound: Inbound, run_inbound, tmp_path: Path) -> None:
    sb = inbound
    # a sales invoice we sent (si-1) that a person approved in Procountor
    sales_id = _sent_invoice(sb, "SALES_INVOICE", "201", invoiceChannel="NO_SENDING", language="FINNISH")
    sb.events.act(sales_id, "approve")
    _record_sent(sb.ledger_url, DocumentKind.SALES_INVOICE, "si-1", "1001", sales_id)
    total = sb.procountor_invoice(sales_id)["invoiceSumInfo"][0]["invoiceSumTotal"]
    # expense report er-1 went as two invoices: own money (paid to the employee) and company money (books only)
    own = _sent_invoice(sb, "BILL_OF_CHARGES", "202")
    company = _sent_invoice(sb, "BILL_OF_CHARGES", "203")
    linked = [
        {"procountor_id": own, "payment_source": "own", "status": "UNFINISHED"},
        {"procountor_id": company, "payment_source": "company", "status": "UNFINISHED"},
    ]
    requests.patch(
        f"{sb.taimer.base_url}/_control/documents/expense_report/er-1",
        json={"integration": {"sync_state": "transferred", "linked_invoices": linked}},
        timeout=10,
    ).raise_for_status()
    _record_sent(sb.ledger_url, DocumentKind.EXPENSE_REPORT, "er-1:own", "1", own)
    _record_sent(sb.ledger_url, DocumentKind.EXPENSE_REPORT, "er-1:company", "1", company)
    for invoice_id in (own, company):
        sb.events.act(invoice_id, "sendToCirculation")
        sb.events.act(invoice_id, "approve")
    own_total = sb.procountor_invoice(own)["invoiceSumInfo"][0]["invoiceSumTotal"]
    sb.events.pay(own, str(own_total), date(2026, 11, 25))
    with sb.sandbox.state.lock:  # the outbound flow's per-receipt marking of the company-money half
        sb.sandbox.state.mark_paid(company, {"paymentDate": "2026-11-24", "amount": "1.00", "currency": "EUR"})

    # received invoices: the Taimer write of the second fails every time in this run (a fault mid-batch)
    a = sb.events.receive(project_number="P-100", supplier_invoice_number="301")["id"]
    b = sb.events.receive(project_number="P-100", supplier_invoice_number="302")["id"]
    sb.fault(
        "taimer", {"kind": "error_before_commit", "method": "PUT", "path": f"^/api/v1/bills/by-procountor-id/{b}$"}
    )
    sb.events.pay(sales_id, "40.00", date(2026, 11, 20))
    first = run_inbound(sb)
    assert first["state"] == "success", first
    report = first["xcom"]["report"]
    assert report["outcome"] == "partial"
    assert [e["code"] for e in report["errors"]] == ["INBOUND_BILL_NOT_WRITTEN"]
    assert report["details"]["watermarks"]["purchase_invoices"]["moved"] is False  # nothing lost: read again
    assert set(sb.bills()) == {a}
    si = next(s for s in sb.taimer_state()["sales_invoices"] if s["id"] == "si-1")["integration"]
    assert (si["procountor_status"], si["paid_date"]) == ("PARTLY_PAID", "2026-11-20")
    assert Decimal(si["paid_amount"]) == Decimal("40.00")
    er = next(e for e in sb.taimer_state()["expense_reports"] if e["id"] == "er-1")["integration"]
    assert {li["procountor_id"]: li["status"] for li in er["linked_invoices"]} == {own: "PAID", company: "UNFINISHED"}
    assert (Decimal(er["paid_amount"]), er["paid_date"]) == (Decimal(str(own_total)), "2026-11-25")
    payment_counts = next(k for k in report["kinds"] if k["kind"] == "payments")["counts"]
    assert payment_counts["company_money"] == 1 and payment_counts["updated"] == 2

    # the fault is gone: the held batch comes over, the first bill is not duplicated; the rest is paid
    requests.delete(f"{sb.taimer.base_url}/_control/faults", timeout=10).raise_for_status()
    sb.events.pay(sales_id, str(Decimal(str(total)) - Decimal("40.00")), date(2026, 11, 28))
    second = run_inbound(sb)
    assert second["state"] == "success", second
    assert set(sb.bills()) == {a, b} and len(sb.taimer_state()["bills"]) == 2 + 1
    assert second["xcom"]["report"]["details"]["watermarks"]["purchase_invoices"]["moved"] is True
    si = next(s for s in sb.taimer_state()["sales_invoices"] if s["id"] == "si-1")["integration"]
    assert si["procountor_status"] == "PAID" and si["paid_date"] == "2026-11-28"
    assert Decimal(si["paid_amount"]) == Decimal(str(total))
    payments = second["xcom"]["report"]["details"]["payments"]
    assert [(p["procountor_id"], p["status"]) for p in payments] == [(sales_id, "PAID")]

    # a backfill over the whole period re-reads everything and writes nothing new; the watermark stays
    ledger = connect(sb.ledger_url)
    try:
        before = ledger.inbound.get_watermark("inbound_purchase_invoices").value
    finally:
        ledger.dispose()
    t0 = len(sb.log("taimer"))
    backfill = run_inbound(sb, {"date_from": "2026-01-01", "date_to": date.today().isoformat()})
    assert backfill["state"] == "success", backfill
    assert writes(sb.log("taimer")[t0:]) == []
    ledger = connect(sb.ledger_url)
    try:
        assert ledger.inbound.get_watermark("inbound_purchase_invoices").value == before
        run = ledger.runs.get_run("procountor_to_taimer", backfill["run_id"], "inbound")
        assert run.status == "success" and run.counts["flow"] == "inbound"
    finally:
        ledger.dispose()

    # the report page's inbound section shows what the ledger holds (over HTTP, in both languages)
    ledger = connect(sb.ledger_url)
    try:
        with serve_in_thread(create_app(lambda: ledger), health_path="/health") as ui:
            page = requests.get(f"{ui.base_url}/inbound?lang=en", timeout=10)
            data = requests.get(f"{ui.base_url}/api/inbound", timeout=10).json()
            fi = requests.get(f"{ui.base_url}/inbound?lang=fi", timeout=10).text
    finally:
        ledger.dispose()
    assert page.status_code == 200 and backfill["run_id"] in page.text
    assert "Watermarks (Procountor version date)" in page.text and "Lukurajat" in fi
    assert data["bills_by_reason"] == {"project_manager": 2}
    assert data["latest"]["run_id"] == backfill["run_id"] and data["latest"]["summary"]["outcome"] == "success"
    assert data["watermarks"]["inbound_purchase_invoices"]["value"] == before.isoformat()

    # no secret in Airflow's log, the ledger (every row) or Airflow's metadata DB (XComs)
    _client_id, secret, api_key = demo.PROCOUNTOR_CLIENT
    texts = {
        "airflow.log": (tmp_path / "airflow.log").read_text(encoding="utf-8"),
        "ledger": _sqlite_text(tmp_path / "ledger.sqlite"),
        "xcom": _sqlite_text(tmp_path / "airflow" / "airflow.db"),
    }
    assert "procountor_to_taimer" in texts["xcom"] and "inbound" in texts["ledger"]  # really read
    for name, text in texts.items():
        for value in (secret, api_key, demo.TAIMER_API_KEY, demo.DEMO_PSEUDONYM_KEY):
            assert value not in text, name
        assert not re.search(r"Bearer\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]{8,}", text), name


def _sqlite_text(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()
