"""The demo's inbound act: Procountor → Taimer, through Airflow, after the outbound act.

1. has the Procountor sandbox simulate what happens there between two syncs (``sandboxes.procountor.events``): three
   received e-invoices (one naming a Taimer project's number, one a user's Procountor person ID, one neither), one of
   them approved in Procountor, and a partial bank payment on up to three of the sales invoices the outbound act sent;
2. runs ``procountor_to_taimer`` twice; the second run must write nothing to Taimer;
3. prints the first run's report (routing decisions with their reasons, approvals, payments, codes in Finnish and
   English) and what Taimer now holds, read from the Taimer sandbox's own state.

Returns whether both runs succeeded, each received invoice is exactly one bill in Taimer and the rerun wrote nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from sandboxes.dag_runner import run_dag_in_subprocess
from sandboxes.outbound_scenario import write_requests
from sandboxes.procountor.events import simulate_demo_events

INBOUND_DAG_FILE = "procountor_to_taimer.py"


def _get(base_url: str, path: str) -> Any:
    return requests.get(f"{base_url}{path}", timeout=30).json()


def _routing_targets(taimer_state: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """A project whose manager may receive purchase invoices, and a user with a Procountor person ID who may too."""
    receivers = {u["id"]: u for u in taimer_state.get("users", []) if u.get("can_receive_purchase_invoices")}
    project = next(
        (p["number"] for p in taimer_state.get("projects", []) if p.get("manager_user_id") in receivers), None
    )
    person = next((u["procountor_person_id"] for u in receivers.values() if u.get("procountor_person_id")), None)
    return project, person


def run_inbound_act(env: Mapping[str, str], root: Path, log_path: Path, procountor_url: str, taimer_url: str) -> bool:
    from taimer_procountor.inbound.report import render_table
    from taimer_procountor.summary import FlowSummary

    project, person = _routing_targets(_get(taimer_url, "/_control/state"))
    ours = [i["id"] for i in _get(procountor_url, "/_control/state")["invoices"] if i.get("originalInvoiceNumber")]
    simulated = simulate_demo_events(
        procountor_url, project_number=project, person_id=person, paid_invoice_ids=ours[:3]
    )
    received = simulated["received_invoice_ids"]
    print(
        f"\nInbound: Procountor received {len(received)} e-invoices (naming project {project}, person ID {person}, "
        f"neither); a person approved one there; the bank paid part of {len(simulated['paid_invoice_ids'])} of our "
        "sales invoices."
    )
    runs = []
    for attempt in (1, 2):
        print(f"\nInbound run {attempt}: airflow dag.test(procountor_to_taimer) ...", flush=True)
        before = len(_get(taimer_url, "/_control/requests"))
        run = run_dag_in_subprocess(env, dag_file=root / "dags" / INBOUND_DAG_FILE, log_path=log_path)
        run["taimer_writes"] = write_requests(_get(taimer_url, "/_control/requests")[before:])
        runs.append(run)
        print(f"  DAG run {run.get('run_id')}: {run['state'].upper()} in {run.get('seconds')} s")
        report = run.get("xcom", {}).get("report")
        if report:
            table = render_table(FlowSummary.from_json(report), explain=attempt == 1)
            print("  " + table.replace("\n", "\n  "))
        print(f"  Taimer write requests: {len(run['taimer_writes'])}")
    bills = _get(taimer_url, "/_control/state").get("bills", [])
    per_invoice = Counter(b.get("procountor_id") for b in bills if b.get("procountor_id") in received)
    print(
        f"\nTaimer holds {sum(per_invoice.values())} bills for the {len(received)} received invoices "
        f"(from its own state), {sum(1 for n in per_invoice.values() if n > 1)} duplicated."
    )
    exact = all(per_invoice.get(i) == 1 for i in received)
    quiet = not runs[1]["taimer_writes"]
    return all(r["state"] == "success" for r in runs) and exact and quiet
