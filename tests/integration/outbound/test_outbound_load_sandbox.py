"""The load loop without Airflow, against both sandboxes on loopback: two ``Loader``s (two workers, as two runs at
once) over the same documents while the Procountor sandbox fails POSTs after committing them; each invoice and
attachment ends in Procountor exactly once (from the sandbox's own state), and a rerun writes nothing."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from sandboxes.outbound_scenario import outbound_seed, store_reference_snapshot, write_requests
from sandboxes.procountor.app import create_app as procountor_app
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import serve_in_thread
from sandboxes.seed.__main__ import load as load_seed
from sandboxes.taimer.app import create_app as taimer_app
from sandboxes.taimer.settings import TaimerSandboxSettings
from taimer_procountor.http import RetryPolicy
from taimer_procountor.ledger import DocState, connect, migrate
from taimer_procountor.outbound.extract import Selection, extract_kind
from taimer_procountor.outbound.load import Loader, LoadSettings
from taimer_procountor.outbound.steps import build_context
from taimer_procountor.procountor import ProcountorClient, ProcountorSettings
from taimer_procountor.taimer.models import DocumentKind
from taimer_procountor.taimer.rest import TaimerRestAdapter

CREDENTIALS = ("sandbox-client", "sandbox-secret", "sandbox-api-key")
TAIMER_KEY = "taimer-sandbox-key"


def test_two_loaders_at_once_with_post_faults_send_each_invoice_and_attachment_once(tmp_path) -> None:
    seed = outbound_seed(seed=21, sales_invoices=24, attachment_share=0.5)
    with (
        serve_in_thread(procountor_app(ProcountorSandboxSettings(rate_per_second=0))) as procountor,
        serve_in_thread(taimer_app(TaimerSandboxSettings(api_key=TAIMER_KEY, dataset=seed.taimer))) as taimer_server,
    ):
        load_seed(seed, taimer_server.base_url, procountor.base_url)
        url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        migrate(url)
        ledger = connect(url)
        store_reference_snapshot(ledger, procountor.base_url, CREDENTIALS)
        taimer = TaimerRestAdapter(requests.Session(), f"{taimer_server.base_url}/api/v1", TAIMER_KEY)
        extracted = extract_kind(taimer, ledger, DocumentKind.SALES_INVOICE, Selection())
        for doc_id in extracted.doc_ids:  # the seed's invoices are valid: the validate step is not what is tested
            assert ledger.outbound.mark_validated(doc_id, [])
        for rule in (
            {"kind": "error_after_commit", "method": "POST", "path": "^/api/invoices$", "probability": 0.3, "seed": 1},
            {
                "kind": "drop_after_commit",
                "method": "POST",
                "path": "^/api/attachments$",
                "probability": 0.3,
                "seed": 2,
            },
        ):
            requests.post(f"{procountor.base_url}/_control/faults", json=rule, timeout=10).raise_for_status()
        settings = ProcountorSettings(f"{procountor.base_url}/api", *CREDENTIALS, rate_per_second=200)
        ctx = build_context(ledger, taimer)

        def run(worker: str) -> list:
            with ProcountorClient(settings, retry=RetryPolicy(max_attempts=3, initial_backoff=0.01)) as client:
                loader = Loader(
                    ledger,
                    taimer,
                    client,
                    ctx,
                    DocumentKind.SALES_INVOICE,
                    LoadSettings(worker=worker, run_id=worker, claim_ttl=30, concurrency=3, held_wait=30),
                )
                return loader.run(extracted.doc_ids)

        with ThreadPoolExecutor(max_workers=2) as pool:
            first, second = pool.map(run, ["run-a", "run-b"])
        state = requests.get(f"{procountor.base_url}/_control/state", timeout=30).json()
        fired = requests.get(f"{procountor.base_url}/_control/faults", timeout=10).json()
        assert all(rule["fired"] >= 1 for rule in fired), fired

        per_number = Counter(inv["originalInvoiceNumber"] for inv in state["invoices"])
        assert per_number == Counter({str(d.number): 1 for d in seed.taimer.sales_invoices})
        numbers = {inv["id"]: inv["originalInvoiceNumber"] for inv in state["invoices"]}
        held = sorted((numbers[a["referenceId"]], a["name"]) for a in state["attachments"])
        assert held == sorted((str(d.number), a.name) for d in seed.taimer.sales_invoices for a in d.attachments)
        assert {ledger.outbound.get_outbound(i).state for i in extracted.doc_ids} == {DocState.WRITTEN_BACK}
        created = Counter(r.outcome for r in [*first, *second])["created"]
        assert created == len(seed.taimer.sales_invoices)  # each invoice is one loader's "created", never both's

        # a rerun has nothing to do: no write request to Procountor, none to Taimer
        p_log = len(requests.get(f"{procountor.base_url}/_control/requests", timeout=10).json())
        t_log = len(requests.get(f"{taimer_server.base_url}/_control/requests", timeout=10).json())
        assert {r.outcome for r in run("run-c")} == {"unchanged"}
        assert write_requests(requests.get(f"{procountor.base_url}/_control/requests", timeout=10).json()[p_log:]) == []
        assert (
            write_requests(requests.get(f"{taimer_server.base_url}/_control/requests", timeout=10).json()[t_log:]) == []
        )
        ledger.engine.dispose()
