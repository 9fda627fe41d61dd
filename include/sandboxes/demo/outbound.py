"""The demo's outbound act: sales invoices Taimer → Procountor, through Airflow, against the running sandboxes.

1. loads ``sandboxes.outbound_scenario``'s mixed batch into both sandboxes: valid sales invoices, every sales-invoice
   defect of the seed generator, attachments of every allowed kind and the refused ones (a PNG, an executable named
   .pdf, a PDF over 10 MB);
2. runs ``procountor_reference_sync`` (the outbound validation reads its snapshot), then ``taimer_to_procountor``
   twice; the second run must send nothing;
3. prints each outbound run's report (counts, number map, attachments, every code in Finnish and English) and what
   Procountor holds, counted from the sandbox's own state.

Returns whether both outbound runs succeeded, every valid invoice is in Procountor exactly once and the second run
wrote nothing to either side.

``run_kinds_act`` is the second act, the other kinds (``sandboxes.outbound_kinds_scenario``): bills, a travel report,
an expense report split into an own-money and a company-money claim, and reports stopped on a person ID. After the
first run it simulates an approval in Procountor (the company-money claim is sent to circulation, as a person would)
and runs again: the claim's receipts get their payment events, each on its own payment date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from sandboxes.dag_runner import run_dag_in_subprocess
from sandboxes.outbound_scenario import SALES_DEFECTS, outbound_seed, write_requests
from sandboxes.seed.__main__ import load as load_seed
from sandboxes.seed.defects import DEFECTS

OUTBOUND_DAG_FILE = "taimer_to_procountor.py"
REFERENCE_DAG_FILE = "procountor_reference_sync.py"


def _log(base_url: str) -> list[dict[str, Any]]:
    return requests.get(f"{base_url}/_control/requests", timeout=30).json()


def run_outbound_act(
    env: Mapping[str, str], root: Path, log_path: Path, procountor_url: str, taimer_url: str, *, seed: int
) -> bool:
    from taimer_procountor.outbound.report import render_table
    from taimer_procountor.summary import FlowSummary

    result = outbound_seed(seed=seed, sales_invoices=30, defects=SALES_DEFECTS, attachment_share=0.6)
    load_seed(result, taimer_url, procountor_url)
    defective = result.manifest.documents
    attachments = Counter(a.name.rsplit(".", 1)[-1] for d in result.taimer.sales_invoices for a in d.attachments)
    print(
        f"\nOutbound: {len(result.taimer.sales_invoices)} sales invoices in Taimer, {len(defective)} with a planted "
        f"defect ({', '.join(sorted({d.value for ds in defective.values() for d in ds}))}); attachments by name: "
        f"{dict(attachments)}"
    )
    print("\nReference sync first (the outbound validation reads its snapshot) ...", flush=True)
    ref = run_dag_in_subprocess(env, dag_file=root / "dags" / REFERENCE_DAG_FILE, log_path=log_path)
    print(f"  procountor_reference_sync: {ref['state'].upper()} in {ref.get('seconds')} s")
    runs = []
    for attempt in (1, 2):
        print(f"\nOutbound run {attempt}: airflow dag.test(taimer_to_procountor) ...", flush=True)
        before_p, before_t = len(_log(procountor_url)), len(_log(taimer_url))
        run = run_dag_in_subprocess(env, dag_file=root / "dags" / OUTBOUND_DAG_FILE, log_path=log_path)
        run["procountor_writes"] = write_requests(_log(procountor_url)[before_p:])
        run["taimer_writes"] = write_requests(_log(taimer_url)[before_t:])
        runs.append(run)
        print(f"  DAG run {run.get('run_id')}: {run['state'].upper()} in {run.get('seconds')} s")
        report = run.get("xcom", {}).get("report")
        if report:
            table = render_table(FlowSummary.from_json(report), explain=attempt == 1)
            print("  " + table.replace("\n", "\n  "))
        print(
            f"  write requests: Procountor {len(run['procountor_writes'])}, Taimer {len(run['taimer_writes'])}; "
            f"asset events: {[e['uri'] for e in run.get('asset_events', [])] or 'none'}"
        )
    state = requests.get(f"{procountor_url}/_control/state", timeout=30).json()
    per_number = Counter(i.get("originalInvoiceNumber") for i in state["invoices"] if i.get("originalInvoiceNumber"))
    held_back = {
        str(d.number)
        for d in result.taimer.sales_invoices
        if any(not DEFECTS[x].attachment for x in defective.get(d.id, ()))
    }
    valid = {str(d.number) for d in result.taimer.sales_invoices} - held_back
    print(
        f"\nProcountor holds {len(per_number)} of our invoices (counted from its own state), "
        f"{sum(1 for n in per_number.values() if n > 1)} duplicated, {len(valid - set(per_number))} valid ones "
        f"missing; {sum(1 for a in state['attachments'] if a['referenceType'] == 'INVOICE')} attachments on them."
    )
    exact = all(per_number.get(n) == 1 for n in valid) and all(per_number.get(n, 0) <= 1 for n in per_number)
    quiet = not runs[1]["procountor_writes"] and not runs[1]["taimer_writes"]
    return ref["state"] == "success" and all(r["state"] == "success" for r in runs) and exact and quiet


def run_kinds_act(env: Mapping[str, str], root: Path, log_path: Path, procountor_url: str, taimer_url: str) -> bool:
    """Bills, travel and expense reports; company-money receipts marked paid after a simulated approval."""
    from sandboxes.demo.program import PROCOUNTOR_CLIENT
    from sandboxes.outbound_kinds_scenario import EXPENSE_NUMBER, kinds_seed
    from taimer_procountor.outbound.report import render_table
    from taimer_procountor.procountor.client import ProcountorClient
    from taimer_procountor.procountor.settings import ProcountorSettings
    from taimer_procountor.summary import FlowSummary

    result = kinds_seed()
    load_seed(result, taimer_url, procountor_url)
    report = next(r for r in result.taimer.expense_reports if r.number == EXPENSE_NUMBER)
    company_rows = [r for r in report.rows if r.payment_source.value == "company"]
    print(
        f"\nPurchase, travel and expense invoices: {len(result.taimer.bills)} bills, "
        f"{len(result.taimer.travel_reports)} travel report(s), {len(result.taimer.expense_reports)} expense reports; "
        f"report {EXPENSE_NUMBER} (written {report.report_date}) has {len(report.rows) - len(company_rows)} own-money "
        f"and {len(company_rows)} company-money receipts"
    )
    ref = run_dag_in_subprocess(env, dag_file=root / "dags" / REFERENCE_DAG_FILE, log_path=log_path)
    print(f"  procountor_reference_sync (the new company's reference data): {ref['state'].upper()}")
    conf = {"kinds": ["bill", "travel_report", "expense_report"]}
    runs = []

    def outbound(title: str) -> dict[str, Any]:
        print(f"\n{title}: airflow dag.test(taimer_to_procountor, kinds {conf['kinds']}) ...", flush=True)
        run = run_dag_in_subprocess(env, dag_file=root / "dags" / OUTBOUND_DAG_FILE, log_path=log_path, conf=conf)
        print(f"  DAG run {run.get('run_id')}: {run['state'].upper()} in {run.get('seconds')} s")
        summary = run.get("xcom", {}).get("report")
        if summary:
            print("  " + render_table(FlowSummary.from_json(summary), explain=not runs).replace("\n", "\n  "))
        runs.append(run)
        return run

    outbound("Outbound run (other kinds)")
    state = requests.get(f"{procountor_url}/_control/state", timeout=30).json()
    claim = next(i for i in state["invoices"] if i.get("originalInvoiceNumber") == f"{EXPENSE_NUMBER}-Y")
    print(
        f"\nSimulated approval: someone sends the company-money claim {claim['originalInvoiceNumber']} "
        f"(Procountor {claim['id']}, {claim['status']}) to circulation in Procountor ..."
    )
    client_id, secret, api_key = PROCOUNTOR_CLIENT
    settings = ProcountorSettings(f"{procountor_url}/api", client_id, secret, api_key)
    with ProcountorClient(settings) as client:
        client.invoices.send_to_circulation(claim["id"])
    outbound("Outbound run after the approval")
    state = requests.get(f"{procountor_url}/_control/state", timeout=30).json()
    events = [e for e in state["payment_events"] if e["invoiceId"] == claim["id"]]
    print(f"\nPayment events on {claim['originalInvoiceNumber']} (from Procountor's own state):")
    for event in sorted(events, key=lambda e: e["paymentDate"]):
        print(f"  {event['paymentDate']}  {event['amount']:>10} {event['currency']}  {event['type']}")
    own = next(i for i in state["invoices"] if i.get("originalInvoiceNumber") == f"{EXPENSE_NUMBER}-O")
    own_events = [e for e in state["payment_events"] if e["invoiceId"] == own["id"]]
    print(f"  the own-money claim {own['originalInvoiceNumber']} has {len(own_events)} (paid to the employee there)")
    wanted = sorted(r.receipt_date.isoformat() for r in company_rows)
    ok = sorted(e["paymentDate"] for e in events) == wanted and not own_events
    return ref["state"] == "success" and all(r["state"] == "success" for r in runs) and ok
