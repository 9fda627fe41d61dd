"""``make demo``: the reference-data sync, the outbound sales-invoice flow, then the inbound flow, end to end on one
machine, through real Airflow.

    python -m sandboxes.demo [--seed N] [--keep-ledger]

1. seeds both sandboxes (``sandboxes.seed``, a small fixed company) with a few deliberate defects: the Taimer
   company's bank account is not in Procountor, one Procountor person fits two Taimer users (ambiguous), one user is
   matched by personal identifier rather than e-mail, most users lack their Procountor person ID;
2. starts the Procountor and Taimer sandboxes on free loopback ports (threads of this process);
3. points ``procountor_default`` / ``taimer_default`` / ``taimer_procountor_ledger`` at them through
   ``AIRFLOW_CONN_*`` variables (ledger: a SQLite file under ``var/demo/``);
4. runs the ``procountor_reference_sync`` DAG twice through Airflow (``dag.test()`` on Airflow's SQLite metadata DB,
   migrated first) in a child process whose output goes to ``var/demo/airflow.log``;
5. prints what happened: counts per kind, what landed in Taimer, person matches, the bank-account check, the ledger's
   run records, asset events, and the request rate the Procountor client kept;
6. the outbound act (``sandboxes.demo.outbound``): a mixed batch of sales invoices (valid ones, every sales defect,
   attachments of every kind), the reference DAG, then ``taimer_to_procountor`` twice with both reports printed;
7. the other kinds (``run_kinds_act``): bills, a travel report, an expense report split by payment source, reports
   stopped on a person ID; then a simulated approval in Procountor and the run that marks the company-money receipts
   paid, with the payment events printed from Procountor's state;
8. the inbound act (``sandboxes.demo.inbound``): Procountor simulates received e-invoices, an approval and payments,
   then ``procountor_to_taimer`` runs twice with its report printed.

Exit status 0 when every DAG run succeeded, the second run of each DAG wrote nothing (Taimer; and for the outbound
DAG, Procountor), every valid invoice is in Procountor exactly once and every received one is one bill in Taimer;
1 otherwise.

Each DAG run happens in a fresh process (``sandboxes.dag_runner``, also used by tests/e2e): Airflow
reads its configuration at import time, so each run gets its own ``AIRFLOW_HOME``.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sandboxes.dag_runner import airflow_env, run_dag_in_subprocess

DAG_ID = "procountor_reference_sync"
DAG_FILE = "procountor_reference_sync.py"
TAIMER_API_KEY = "taimer-sandbox-key"
PROCOUNTOR_CLIENT = ("sandbox-client", "sandbox-secret", "sandbox-api-key")
# a synthetic henkilötunnus (the check character is right, the person is made up), for the identifier rule
DEMO_PERSONAL_IDENTIFIER = "131052-308T"
# SANDBOX-ONLY pseudonym key (HMAC of personal identifiers). A real deployment makes its own secret one:
#   python -c "import secrets; print(secrets.token_hex(32))"   -> the ledger connection's extra "pseudonym_key"
DEMO_PSEUDONYM_KEY = "demo-sandbox-only-pseudonym-key-0f3c9a7e5b2d4c6a8e1f"


# --------------------------------------------------------------------------------------------------- scenario


def scenario(seed: int = 2026, *, bank_mismatch: bool = True) -> tuple[Any, Any]:
    """The demo company: ``(TaimerDataset, ProcountorDataset)`` from the seed generator plus person-ID cases.

    - the Taimer company's bank account is not a Procountor account (``bank_mismatch``; seed defect
      ``COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR``);
    - users have no Procountor person ID yet, except the last regular one (the sync sets them);
    - user 2 has another e-mail in Taimer but the same personal identifier as its Procountor person (rule 1);
    - a second Taimer user ``u-dup`` carries user 3's e-mail in upper case: person of user 3 is ambiguous;
    - one extra user without e-mail (``unmatched_users``); Procountor's own persons 801-803 have no Taimer user.
    """
    from sandboxes.seed import Defect, SeedConfig, generate

    defects = [Defect.COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR] if bank_mismatch else []
    result = generate(
        SeedConfig(
            seed=seed,
            customers=6,
            projects=4,
            users=6,
            sales_invoices=12,
            bills=4,
            expense_reports=3,
            travel_reports=2,
            defect_share=0.0 if not bank_mismatch else 0.1,
            defects=defects,
            unmatched_users=1,
            attachment_share=0.2,
        )
    )
    taimer, procountor = result.taimer, result.procountor
    regular = [u for u in taimer.users if u.id.startswith("u-0")]
    for user in regular[:-1]:
        user.procountor_person_id = None
    second, third = regular[1], regular[2]
    person = next(p for p in procountor.persons if p["id"] == 8002)
    person["invoicingInfo"] = {**person["invoicingInfo"], "identifier": DEMO_PERSONAL_IDENTIFIER}
    second.personal_identifier = DEMO_PERSONAL_IDENTIFIER.lower()
    second.email = "toinen.osoite@example.fi"
    taimer.users.append(third.model_copy(update={"id": "u-dup", "email": (third.email or "").upper()}))
    procountor = type(procountor).model_validate(procountor.model_dump(mode="json"))
    return taimer, procountor


# --------------------------------------------------------------------------------------------------- environment


def connection_env(procountor_url: str, taimer_url: str, ledger_url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables for the three connections (JSON form)."""
    client_id, secret, api_key = PROCOUNTOR_CLIENT
    return {
        "AIRFLOW_CONN_PROCOUNTOR_DEFAULT": json.dumps(
            {
                "conn_type": "http",
                "host": f"{procountor_url}/api",
                "login": client_id,
                "password": secret,
                "extra": {"api_key": api_key, "rate_per_second": 20, "connect_timeout": 5, "read_timeout": 30},
            }
        ),
        "AIRFLOW_CONN_TAIMER_DEFAULT": json.dumps(
            {
                "conn_type": "http",
                "host": f"{taimer_url}/api/v1",
                "password": TAIMER_API_KEY,
                "extra": {"rate_per_second": 20, "connect_timeout": 5, "read_timeout": 30},
            }
        ),
        "AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER": json.dumps(
            {"conn_type": "generic", "extra": {"sqlalchemy_url": ledger_url, "pseudonym_key": DEMO_PSEUDONYM_KEY}}
        ),
    }


# --------------------------------------------------------------------------------------------------- the demo


def request_log(base_url: str) -> list[dict[str, Any]]:
    """A sandbox's request log (both sandboxes share one control API: a list of entries)."""
    import requests

    return requests.get(f"{base_url}/_control/requests", timeout=10).json()


def _rate(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Requests seen by the Procountor sandbox: total, the most in any one-second window, the average rate."""
    times = sorted(datetime.fromisoformat(e["time"]).timestamp() for e in entries if e.get("time"))
    if not times:
        return {"requests": 0, "max_in_1s": 0, "per_second": 0.0}
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    span = max(times[-1] - times[0], 1e-9)
    return {"requests": len(times), "max_in_1s": best, "per_second": round(len(times) / span, 1) if span > 1 else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--var", default=os.environ.get("TP_DEMO_VAR", "var"), help="folder for state (var/)")
    args = parser.parse_args(argv)

    import requests

    from sandboxes.procountor.app import create_app as procountor_app
    from sandboxes.procountor.settings import ProcountorSandboxSettings
    from sandboxes.runner import serve_in_thread
    from sandboxes.taimer.app import create_app as taimer_app
    from sandboxes.taimer.settings import TaimerSandboxSettings
    from taimer_procountor.ledger import connect
    from taimer_procountor.reference.report import render_table
    from taimer_procountor.summary import FlowSummary

    root = Path(__file__).resolve().parents[3]
    var = Path(args.var).resolve()
    demo_dir = var / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    airflow_home = Path(os.environ.get("AIRFLOW_HOME") or var / "airflow").resolve()
    airflow_home.mkdir(parents=True, exist_ok=True)
    log_path = demo_dir / "airflow.log"
    log_path.write_text("", encoding="utf-8")
    ledger_file = demo_dir / "ledger.sqlite"
    for stale in demo_dir.glob("ledger.sqlite*"):
        stale.unlink()
    ledger_url = f"sqlite:///{ledger_file}"

    print(f"Seeding the sandboxes (seed {args.seed}) ...")
    taimer_data, procountor_fixture = scenario(args.seed)
    procountor = serve_in_thread(procountor_app(ProcountorSandboxSettings()))
    taimer = serve_in_thread(taimer_app(TaimerSandboxSettings(api_key=TAIMER_API_KEY, dataset=taimer_data)))
    try:
        requests.post(
            f"{procountor.base_url}/_control/fixture", json=procountor_fixture.model_dump(mode="json"), timeout=30
        ).raise_for_status()
        print(f"  Procountor sandbox: {procountor.base_url}/api   Taimer sandbox: {taimer.base_url}/api/v1")
        print(f"  ledger: {ledger_file}   Airflow home: {airflow_home}")
        print(f"  Airflow's own output: {log_path}")
        env = airflow_env(airflow_home, root / "dags", connection_env(procountor.base_url, taimer.base_url, ledger_url))
        runs = []
        for attempt in (1, 2):
            print(f"\nRun {attempt}: airflow dag.test({DAG_ID}) ...", flush=True)
            before_t, before_p = len(request_log(taimer.base_url)), len(request_log(procountor.base_url))
            result = run_dag_in_subprocess(env, dag_file=root / "dags" / DAG_FILE, log_path=log_path)
            t_log = request_log(taimer.base_url)[before_t:]
            p_log = request_log(procountor.base_url)[before_p:]
            writes = [e for e in t_log if e["method"] in ("PUT", "POST", "PATCH", "DELETE")]
            result["taimer_writes"] = len(writes)
            result["procountor_rate"] = _rate(p_log)
            runs.append(result)
            report = result.get("xcom", {}).get("report")
            print(f"  DAG run {result.get('run_id')}: {result['state'].upper()} in {result.get('seconds')} s")
            if report:
                table = render_table(FlowSummary.from_json(report), explain=attempt == 1)
                print("  " + table.replace("\n", "\n  "))
            rate = result["procountor_rate"]
            print(
                f"  Procountor requests: {rate['requests']}, at most {rate['max_in_1s']} in any second "
                f"(limit {ProcountorSandboxSettings().rate_per_second}/s); Taimer write requests: {len(writes)} "
                f"{[e['method'] + ' ' + e['path'] for e in writes]}"
            )
            events = result.get("asset_events", [])
            print(f"  asset events: {[e['uri'] for e in events] or 'none (publish skipped: nothing changed)'}")

        state = requests.get(f"{taimer.base_url}/_control/state", timeout=10).json()
        print("\nWhat Taimer holds now (reference data):")
        for kind, items in state.get("reference", {}).items():
            print(f"  {kind:<14}{len(items):>4} items")
        linked = [(u["id"], u.get("procountor_person_id")) for u in state.get("users", [])]
        print(f"  users -> Procountor person ID: {linked}")
        company = state.get("company", {})
        print(f"  company bank accounts in Taimer: {[b['iban'] for b in company.get('bank_accounts', [])]}")

        print("\nLedger run records (flow_run):")
        ledger = connect(ledger_url)
        for row in sorted(ledger.runs.recent(dag_id=DAG_ID), key=lambda r: r.started_at):
            print(
                f"  {row.run_id}  {row.status:<8} attempts={row.attempts} "
                f"{row.duration_seconds:.1f}s  errors={[e.get('code') for e in (row.errors or [])]}"
            )
        ledger.engine.dispose()

        from sandboxes.demo.inbound import run_inbound_act
        from sandboxes.demo.outbound import run_kinds_act, run_outbound_act

        outbound_ok = run_outbound_act(env, root, log_path, procountor.base_url, taimer.base_url, seed=args.seed)
        kinds_ok = run_kinds_act(env, root, log_path, procountor.base_url, taimer.base_url)
        print(f"\n{'OK' if kinds_ok else 'FAILED'}: purchase, travel and expense invoices (see above)")
        outbound_ok = outbound_ok and kinds_ok
        inbound_ok = run_inbound_act(env, root, log_path, procountor.base_url, taimer.base_url)
    finally:
        taimer.stop()
        procountor.stop()

    ok = all(r["state"] == "success" for r in runs) and len(runs) == 2 and runs[1]["taimer_writes"] == 0
    print(f"\n{'OK' if outbound_ok else 'FAILED'}: outbound (see above)")
    print(f"{'OK' if inbound_ok else 'FAILED'}: inbound (see above)")
    ok = ok and outbound_ok and inbound_ok
    first_events, second_events = len(runs[0].get("asset_events", [])), len(runs[1].get("asset_events", []))
    print(
        f"\n{'OK' if ok else 'FAILED'}: run 1 {runs[0]['state']} (Taimer writes {runs[0]['taimer_writes']}, "
        f"asset events {first_events}); run 2 {runs[1]['state']} (Taimer writes {runs[1]['taimer_writes']}, "
        f"asset events {second_events}). Airflow output: {log_path}"
    )
    return 0 if ok else 1
