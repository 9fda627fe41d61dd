"""The load loop without Airflow, against both sandboxes on loopback: two ``Loader``s (two workers, as two runs at
once) over the same documents while the Procountor sandbox fails POSTs after committing them; each invoice and
attachment ends in Procountor exactly once (from the sandbox's own state), and a rerun writes nothing. And the two
halves of an expense report finishing at once, in the order that loses a write-back unless it is written again. And
the steps after the send under refusals and lost answers: receipt accounts owed to the next run, attachments
refused or looked up."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from sandboxes.outbound_kinds_scenario import EXPENSE_NUMBER, kinds_seed
from sandboxes.outbound_scenario import outbound_seed, store_reference_snapshot, write_requests
from sandboxes.procountor.app import create_app as procountor_app
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.seed import SeedResult
from sandboxes.seed.__main__ import load as load_seed
from sandboxes.taimer.app import create_app as taimer_app
from sandboxes.taimer.settings import TaimerSandboxSettings
from taimer_procountor.http import RetryPolicy
from taimer_procountor.ledger import DocState, Ledger, connect, migrate
from taimer_procountor.ledger.states import AttachmentState
from taimer_procountor.outbound.extract import (
    ExtractResult,
    Selection,
    extract_kind,
    ledger_source_id,
    watermark_flow,
)
from taimer_procountor.outbound.load import Loader, LoadSettings
from taimer_procountor.outbound.reconcile import reconcile_kind
from taimer_procountor.outbound.report import build_summary
from taimer_procountor.outbound.steps import build_context
from taimer_procountor.outbound.transform import COMPANY, OWN, PART_SUFFIXES
from taimer_procountor.procountor import ProcountorClient, ProcountorSettings
from taimer_procountor.taimer.models import DocumentKind
from taimer_procountor.taimer.rest import TaimerRestAdapter

CREDENTIALS = ("sandbox-client", "sandbox-secret", "sandbox-api-key")
TAIMER_KEY = "taimer-sandbox-key"


World = tuple[RunningServer, RunningServer, Ledger, TaimerRestAdapter]  # Procountor, Taimer servers; ledger; adapter


@contextmanager
def seeded_world(seed: SeedResult, tmp_path: Path) -> Iterator[World]:
    """Both sandboxes holding ``seed``, a migrated SQLite ledger with the reference snapshot, and a Taimer adapter."""
    with (
        serve_in_thread(procountor_app(ProcountorSandboxSettings(rate_per_second=0))) as procountor,
        serve_in_thread(taimer_app(TaimerSandboxSettings(api_key=TAIMER_KEY, dataset=seed.taimer))) as taimer_server,
    ):
        load_seed(seed, taimer_server.base_url, procountor.base_url)
        url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        migrate(url)
        ledger = connect(url)
        store_reference_snapshot(ledger, procountor.base_url, CREDENTIALS)
        yield (
            procountor,
            taimer_server,
            ledger,
            TaimerRestAdapter(requests.Session(), f"{taimer_server.base_url}/api/v1", TAIMER_KEY),
        )


def test_two_loaders_at_once_with_post_faults_send_each_invoice_and_attachment_once(tmp_path) -> None:
    seed = outbound_seed(seed=21, sales_invoices=24, attachment_share=0.5)
    with seeded_world(seed, tmp_path) as (procountor, taimer_server, ledger, taimer):
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


def test_both_halves_of_an_expense_report_finishing_at_once_leave_both_in_taimer(tmp_path) -> None:
    """The write-back of an expense report's half carries both halves, and Taimer keeps the last one written. Forced
    interleaving: the own-money half builds its write-back while the company half is not in Procountor yet, and
    that write lands after the company half's; the own-money half sees the company half moved and writes again, so
    Taimer ends with both invoices linked."""
    seed = kinds_seed()
    with seeded_world(seed, tmp_path) as (procountor, _taimer_server, ledger, taimer):
        extract_kind(taimer, ledger, DocumentKind.EXPENSE_REPORT, Selection())
        report = next(r for r in seed.taimer.expense_reports if r.number == EXPENSE_NUMBER)
        halves = [
            ledger.outbound.find_outbound("expense_report", ledger_source_id(report.id, p)) for p in (OWN, COMPANY)
        ]
        doc_ids = [h.id for h in halves if h is not None]
        assert len(doc_ids) == 2
        for doc_id in doc_ids:
            assert ledger.outbound.mark_validated(doc_id, [])

        stale_built, fresh_written = threading.Event(), threading.Event()
        write_back = taimer.write_back

        def interleaved_write_back(kind, document_id, update):
            if len(update.linked_invoices or []) == 1 and not stale_built.is_set():
                stale_built.set()  # built while the other half was not in Procountor: let it go, then land last
                assert fresh_written.wait(30)
                return write_back(kind, document_id, update)
            answer = write_back(kind, document_id, update)
            fresh_written.set()
            return answer

        taimer.write_back = interleaved_write_back
        settings = ProcountorSettings(f"{procountor.base_url}/api", *CREDENTIALS, rate_per_second=200)
        with ProcountorClient(settings) as client:
            create = client.invoices.create

            def company_half_waits(payload):
                if str(payload["originalInvoiceNumber"]).endswith(PART_SUFFIXES[COMPANY]):
                    assert stale_built.wait(30)
                return create(payload)

            client.invoices.create = company_half_waits
            settings_ = LoadSettings(worker="w", run_id="r", claim_ttl=30, concurrency=2, held_wait=5)
            results = Loader(ledger, taimer, client, build_context(ledger, taimer), DocumentKind.EXPENSE_REPORT,
                             settings_).run(doc_ids)  # fmt: skip
        assert {r.outcome for r in results} == {"created"} and stale_built.is_set() and fresh_written.is_set()
        state = requests.get(f"{procountor.base_url}/_control/state", timeout=30).json()
        invoices = {inv["originalInvoiceNumber"]: inv for inv in state["invoices"]}
        doc = taimer.get_document(DocumentKind.EXPENSE_REPORT, report.id)
        links = {li.payment_source.value: li.procountor_id for li in doc.integration.linked_invoices}
        assert links == {
            OWN: invoices[f"{EXPENSE_NUMBER}{PART_SUFFIXES[OWN]}"]["id"],
            COMPANY: invoices[f"{EXPENSE_NUMBER}{PART_SUFFIXES[COMPANY]}"]["id"],
        }
        assert doc.integration.sync_state == "transferred"
        ledger.engine.dispose()


@pytest.mark.parametrize("status", [503, 400], ids=["unavailable", "refused"])
def test_accounts_a_ledger_receipt_could_not_take_stay_owed_are_reported_and_set_by_the_next_run(
    tmp_path, status: int
) -> None:
    """Procountor fails (503, retried within the run) or refuses (400: not asked again in this run) every PUT of a
    ledger receipt during the first run: the invoices go, Taimer learns their ids, and the ledger keeps each whose
    receipt still lacks the sales account or cost center at SENT, which the reconciliation reports. A later nightly
    run with nothing new in Taimer takes exactly those up and sets the accounts (judged from the sandbox's
    receipts), and the reconciliation then agrees."""
    seed = _receipt_seed()
    kind = DocumentKind.SALES_INVOICE
    with seeded_world(seed, tmp_path) as (procountor, _taimer_server, ledger, taimer):
        extracted, _with_files = _validated_sales(ledger, taimer)
        rule = {"kind": "error_before_commit", "method": "PUT", "path": "^/api/ledgerreceipts/", "status": status}
        requests.post(f"{procountor.base_url}/_control/faults", json=rule, timeout=10).raise_for_status()
        ctx = build_context(ledger, taimer)
        settings = ProcountorSettings(f"{procountor.base_url}/api", *CREDENTIALS, rate_per_second=200)
        with ProcountorClient(settings, retry=RetryPolicy(max_attempts=2, initial_backoff=0.01)) as client:

            def load(doc_ids: list[int], worker: str) -> list:
                settings = LoadSettings(worker=worker, run_id=worker, claim_ttl=30, concurrency=3, held_wait=1)
                return Loader(ledger, taimer, client, ctx, kind, settings).run(doc_ids)

            def lacking() -> set[str]:
                """Taimer numbers whose Procountor ledger receipt lacks Taimer's sales account or cost center."""
                state = requests.get(f"{procountor.base_url}/_control/state", timeout=30).json()
                return {
                    inv["originalInvoiceNumber"]
                    for inv in state["invoices"]
                    if not _receipt_has_accounts(seed, state, inv)
                }

            first = load(extracted.doc_ids, "run-1")
            owed = lacking()
            assert owed, "the seed gives no receipt anything to set: the test proves nothing"
            if status == 400:  # a refusal is not repeated by a later pass of the same run
                log = requests.get(f"{procountor.base_url}/_control/requests", timeout=30).json()
                puts = Counter(e["path"] for e in log if e["method"] == "PUT" and "/ledgerreceipts/" in e["path"])
                assert sorted(puts.values()) == [1] * len(owed), puts
            by_number = {ledger.outbound.get_outbound(i).taimer_number: i for i in extracted.doc_ids}
            states = {n: ledger.outbound.get_outbound(i).state for n, i in by_number.items()}
            assert states == {n: DocState.SENT if n in owed else DocState.WRITTEN_BACK for n in by_number}
            assert {r.taimer_number for r in first if any(e.field == "ledgerReceipt" for e in r.errors)} == owed
            written = {str(d.number): d.integration.procountor_id for d in _taimer_sales(taimer)}
            assert all(written[n] is not None for n in by_number)  # Taimer learns the invoice at once
            check = reconcile_kind(ledger, taimer, client, ctx, kind, extracted.doc_ids)
            mismatched = {p.where.split(":", 1)[1] for p in check.problems}
            assert {p.code for p in check.problems} == {"OUTBOUND_RECONCILE_ACCOUNTING_MISMATCH"}
            assert mismatched == owed

            # a later night: Taimer offers nothing new (ready or changed), Procountor takes receipt PUTs again
            requests.delete(f"{procountor.base_url}/_control/faults", timeout=10).raise_for_status()
            later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
            ledger.inbound.advance_watermark(watermark_flow(kind.value), later, overlap=timedelta(0))
            again = extract_kind(taimer, ledger, kind, Selection())
            assert {ledger.outbound.get_outbound(i).taimer_number for i in again.doc_ids} == owed
            load(again.doc_ids, "run-2")
            assert lacking() == set()
            assert {ledger.outbound.get_outbound(i).state for i in extracted.doc_ids} == {DocState.WRITTEN_BACK}
            check = reconcile_kind(ledger, taimer, client, ctx, kind, extracted.doc_ids)
            assert (check.problems, check.agreed) == ([], len(extracted.doc_ids))
        ledger.engine.dispose()


def test_a_refused_enrichment_still_settles_its_attachments_within_the_run(tmp_path) -> None:
    """Procountor refuses every ledger receipt PUT (400) and loses the answer of every first attachment upload (500
    after commit): a later pass of the same run looks each attachment up on its invoice and records it, so each is
    in Procountor once and none is left unknown, while the documents stay SENT for the next run's enrichment."""
    kind = DocumentKind.SALES_INVOICE
    with seeded_world(_receipt_seed(), tmp_path) as (procountor, _taimer_server, ledger, taimer):
        extracted, with_files = _validated_sales(ledger, taimer)
        seeded = len(requests.get(f"{procountor.base_url}/_control/state", timeout=30).json()["attachments"])
        rules = [
            {"kind": "error_before_commit", "method": "PUT", "path": "^/api/ledgerreceipts/", "status": 400},
            {"kind": "error_after_commit", "method": "POST", "path": "^/api/attachments", "nth": 1, "count": 100},
        ]
        for rule in rules:
            requests.post(f"{procountor.base_url}/_control/faults", json=rule, timeout=10).raise_for_status()
        settings = ProcountorSettings(f"{procountor.base_url}/api", *CREDENTIALS, rate_per_second=200)
        with ProcountorClient(settings) as client:
            run = LoadSettings(worker="w", run_id="r", claim_ttl=30, concurrency=3, held_wait=10)
            Loader(ledger, taimer, client, build_context(ledger, taimer), kind, run).run(extracted.doc_ids)
        rows = [a for i in with_files for a in ledger.attachments.attachments_of(i)]
        assert {a.state for a in rows} == {AttachmentState.UPLOADED}
        state = requests.get(f"{procountor.base_url}/_control/state", timeout=30).json()
        assert len(state["attachments"]) - seeded == len(rows)  # each once: looked up, never sent again
        log = requests.get(f"{procountor.base_url}/_control/requests", timeout=30).json()
        posts = _attachment_posts(log)
        assert len(posts) == len(rows)
        puts = Counter(e["path"] for e in log if e["method"] == "PUT" and "/ledgerreceipts/" in e["path"])
        assert sorted(puts.values()) == [1] * len(extracted.doc_ids), puts  # the later pass did not ask again
        assert {ledger.outbound.get_outbound(i).state for i in extracted.doc_ids} == {DocState.SENT}
        numbers = {ledger.outbound.get_outbound(i).taimer_number for i in with_files}
        for doc in _taimer_sales(taimer):  # written back again by the later pass, the refusal still there
            if str(doc.number) in numbers:
                assert any(e.field == "ledgerReceipt" for e in doc.integration.errors), doc.integration.errors
        ledger.engine.dispose()


def test_an_attachment_refusal_stays_in_taimer_and_the_report_when_the_invoice_is_finished_later(tmp_path) -> None:
    """Run 1: Procountor refuses every attachment upload and every ledger receipt PUT (400), so the invoices stay
    SENT with their attachments FAILED. Run 2, a nightly run with the receipts accepted again: the invoices finish
    with no attachment sent again, and the write-back that finishes them (which replaces Taimer's errors) still
    names each refused attachment's code; the run report counts them as refused."""
    kind = DocumentKind.SALES_INVOICE
    with seeded_world(_receipt_seed(), tmp_path) as (procountor, _taimer_server, ledger, taimer):
        extracted, with_files = _validated_sales(ledger, taimer)
        faults = f"{procountor.base_url}/_control/faults"
        receipts = {"kind": "error_before_commit", "method": "PUT", "path": "^/api/ledgerreceipts/", "status": 400}
        files = {"kind": "error_before_commit", "method": "POST", "path": "^/api/attachments", "status": 400}
        for rule in (receipts, files):
            requests.post(faults, json=rule, timeout=10).raise_for_status()
        settings = ProcountorSettings(f"{procountor.base_url}/api", *CREDENTIALS, rate_per_second=200)
        with ProcountorClient(settings) as client:
            ctx = build_context(ledger, taimer)

            def load(doc_ids: list[int], worker: str) -> None:
                run = LoadSettings(worker=worker, run_id=worker, claim_ttl=30, concurrency=3, held_wait=2)
                Loader(ledger, taimer, client, ctx, kind, run).run(doc_ids)

            load(extracted.doc_ids, "run-1")
            assert {ledger.outbound.get_outbound(i).state for i in extracted.doc_ids} == {DocState.SENT}
            rows = [a for i in with_files for a in ledger.attachments.attachments_of(i)]
            assert {a.state for a in rows} == {AttachmentState.FAILED}
            wanted = {ledger.outbound.get_outbound(i).taimer_number: set() for i in with_files}
            for a in rows:
                wanted[ledger.outbound.get_outbound(a.document_id).taimer_number].add(a.error_code)

            requests.delete(faults, timeout=10).raise_for_status()
            requests.post(faults, json=files, timeout=10).raise_for_status()  # only the receipts are taken again
            later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
            ledger.inbound.advance_watermark(watermark_flow(kind.value), later, overlap=timedelta(0))
            again = extract_kind(taimer, ledger, kind, Selection())
            assert sorted(again.doc_ids) == sorted(extracted.doc_ids)
            load(again.doc_ids, "run-2")
        assert {ledger.outbound.get_outbound(i).state for i in extracted.doc_ids} == {DocState.WRITTEN_BACK}
        log = requests.get(f"{procountor.base_url}/_control/requests", timeout=30).json()
        posts = _attachment_posts(log)
        assert len(posts) == len(rows)  # run 2 sent none again
        for doc in _taimer_sales(taimer):
            if str(doc.number) in wanted:
                attachment_codes = {e.code for e in doc.integration.errors if e.field == "attachments"}
                assert attachment_codes == wanted[str(doc.number)], doc.integration.errors
        summary = build_summary(
            ledger,
            dag_id="d",
            run_id="run-2",
            kinds=[kind.value],
            started_at=None,
            extracts={kind.value: {"doc_ids": again.doc_ids}},
            validations={kind.value: {}},
            loads={kind.value: {}},
            reconciles={kind.value: {}},
        )
        assert summary.details["attachments"]["refused"] == len(rows)
        refused = [p for p in summary.errors if p.field == "attachments"]
        assert sorted(p.code for p in refused) == sorted(a.error_code for a in rows)
        ledger.engine.dispose()


def test_an_attachment_procountor_refuses_is_reported_once_and_its_invoice_finishes(tmp_path) -> None:
    """Procountor refuses (400) every attachment upload: each is tried once, its code reaches the run's result and
    Taimer's write-back, and its invoice still finishes (accounts set, written back) instead of waiting for an upload
    no retry would change; a later nightly run with nothing new in Taimer selects nothing."""
    kind = DocumentKind.SALES_INVOICE
    with seeded_world(_receipt_seed(), tmp_path) as (procountor, _taimer_server, ledger, taimer):
        extracted, with_files = _validated_sales(ledger, taimer)
        seeded = requests.get(f"{procountor.base_url}/_control/state", timeout=30).json()["attachments"]
        rule = {"kind": "error_before_commit", "method": "POST", "path": "^/api/attachments", "status": 400}
        requests.post(f"{procountor.base_url}/_control/faults", json=rule, timeout=10).raise_for_status()
        settings = ProcountorSettings(f"{procountor.base_url}/api", *CREDENTIALS, rate_per_second=200)
        with ProcountorClient(settings) as client:
            run = LoadSettings(worker="w", run_id="r", claim_ttl=30, concurrency=3, held_wait=5)
            results = Loader(ledger, taimer, client, build_context(ledger, taimer), kind, run).run(extracted.doc_ids)
        assert {r.outcome for r in results} == {"created"}
        assert {ledger.outbound.get_outbound(i).state for i in extracted.doc_ids} == {DocState.WRITTEN_BACK}
        rows = [a for i in with_files for a in ledger.attachments.attachments_of(i)]
        assert {a.state for a in rows} == {AttachmentState.FAILED}
        log = requests.get(f"{procountor.base_url}/_control/requests", timeout=30).json()
        posts = _attachment_posts(log)
        assert (len(posts), {e["status"] for e in posts}) == (len(rows), {400})
        state = requests.get(f"{procountor.base_url}/_control/state", timeout=30).json()
        assert state["attachments"] == seeded  # none uploaded
        refused = {r.taimer_number: {e.code for e in r.errors if e.field == "attachments"} for r in results}
        numbers = {ledger.outbound.get_outbound(i).taimer_number for i in with_files}
        assert {n for n, codes in refused.items() if codes} == numbers
        for doc in _taimer_sales(taimer):
            if str(doc.number) in numbers:
                assert doc.integration.sync_state == "transferred" and doc.integration.procountor_id is not None
                assert refused[str(doc.number)] <= {e.code for e in doc.integration.errors}, doc.integration.errors
        later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
        ledger.inbound.advance_watermark(watermark_flow(kind.value), later, overlap=timedelta(0))
        assert extract_kind(taimer, ledger, kind, Selection()).doc_ids == []
        ledger.engine.dispose()


def _receipt_seed() -> SeedResult:
    """Six sales invoices, half with attachments, every ledger receipt with accounts to set (a fresh copy: the
    sandboxes change what they are given)."""
    return outbound_seed(seed=8, sales_invoices=6, attachment_share=0.5)


def _validated_sales(ledger: Ledger, taimer: TaimerRestAdapter) -> tuple[ExtractResult, set[int]]:
    """The nightly extract of the seeded sales invoices, each marked valid; and the ids of those with attachments
    (at least one, or a test about attachments proves nothing)."""
    extracted = extract_kind(taimer, ledger, DocumentKind.SALES_INVOICE, Selection())
    for doc_id in extracted.doc_ids:
        assert ledger.outbound.mark_validated(doc_id, [])
    with_files = {i for i in extracted.doc_ids if ledger.attachments.attachments_of(i)}
    assert with_files, "the seed gives no invoice an attachment: the test proves nothing"
    return extracted, with_files


def _attachment_posts(log: list[dict]) -> list[dict]:
    """The ``POST /api/attachments`` entries of a Procountor sandbox request log."""
    return [e for e in log if e["method"] == "POST" and e["path"].startswith("/api/attachments")]


def _taimer_sales(taimer: TaimerRestAdapter) -> list:
    listing = taimer.iter_changed_since(DocumentKind.SALES_INVOICE, datetime(2000, 1, 1, tzinfo=UTC))
    return [taimer.get_document(DocumentKind.SALES_INVOICE, s.id) for s in listing]


def _receipt_has_accounts(seed: SeedResult, state: dict, invoice: dict) -> bool:
    """The sandbox's ledger receipt of ``invoice`` has, on every ENTRY transaction, the sales account and cost center
    of the seeded Taimer invoice it came from."""
    doc = next(d for d in seed.taimer.sales_invoices if str(d.number) == invoice["originalInvoiceNumber"])
    cost_centers = {
        item["codeName"]: item["id"]
        for dim in seed.procountor.dimensions
        if dim["name"] == "Kustannuspaikka"
        for item in dim["items"]
    }
    receipt = next(r for r in state["ledger_receipts"] if r["id"] == invoice["ledgerReceiptId"])
    entries = [t for t in receipt["transactions"] if t["transactionType"] == "ENTRY"]
    wanted_items = [cost_centers[doc.cost_center]] if doc.cost_center else []
    return bool(entries) and all(
        t["account"] == doc.sales_account and [v["itemId"] for v in t.get("dimensionItemValues") or []] == wanted_items
        for t in entries
    )
