"""The outbound DAG end to end: ``dag.test()`` of ``taimer_to_procountor`` in a child process against both sandboxes
over loopback HTTP and a real ledger. Procountor's end state is judged from the sandbox's own state
(``/_control/state``) and request log, never from our ledger."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from sandboxes import dag_runner as airflow_dag_runner
from sandboxes.demo import program as demo
from sandboxes.outbound_scenario import (
    OUTBOUND_TYPES,
    SALES_DEFECTS,
    created_invoices,
    marked_for_transfer,
    outbound_seed,
    procountor_fields,
    store_reference_snapshot,
    write_requests,
    written_back,
)
from sandboxes.procountor.app import create_app as procountor_app
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.seed import SeedConfig, SeedResult, generate
from sandboxes.seed.__main__ import load as load_seed
from sandboxes.seed.defects import DEFECTS, OUTBOUND_EXPECTED_CODES
from sandboxes.taimer.app import create_app as taimer_app
from sandboxes.taimer.settings import TaimerSandboxSettings
from taimer_procountor.ledger import Ledger, connect, migrate
from taimer_procountor.outbound.transform import COMPANY, invoice_parts, part_number
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.settings import ProcountorSettings
from taimer_procountor.taimer.models import DocumentKind

ROOT = Path(__file__).resolve().parents[2]
DAG_FILE = ROOT / "dags" / "taimer_to_procountor.py"
DAG_ID = "taimer_to_procountor"
EXPECTED_CODES = OUTBOUND_EXPECTED_CODES[DocumentKind.SALES_INVOICE]
# Airflow's own task retries after 1 s; a killed run's claims expire after 8 s
FAST = {"TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS": "1", "TAIMER_PROCOUNTOR_CLAIM_TTL_SECONDS": "8"}


@dataclass
class World:
    """Both sandboxes, the seed they hold, a migrated ledger with the reference snapshot, and a DAG runner."""

    procountor: RunningServer
    taimer: RunningServer
    seed: SeedResult
    ledger_url: str
    tmp: Path
    procountor_app: Any
    issued_tokens: list[str] = field(default_factory=list)

    # --- the sandboxes' own view ------------------------------------------------------------------------------
    def procountor_state(self) -> dict[str, Any]:
        return requests.get(f"{self.procountor.base_url}/_control/state", timeout=30).json()

    def taimer_state(self) -> dict[str, Any]:
        return requests.get(f"{self.taimer.base_url}/_control/state", timeout=30).json()

    def procountor_log(self) -> list[dict[str, Any]]:
        return demo.request_log(self.procountor.base_url)

    def taimer_log(self) -> list[dict[str, Any]]:
        return demo.request_log(self.taimer.base_url)

    def fault(self, rule: dict[str, Any]) -> None:
        requests.post(f"{self.procountor.base_url}/_control/faults", json=rule, timeout=10).raise_for_status()

    def ledger(self) -> Ledger:
        return connect(self.ledger_url)

    # --- runs -------------------------------------------------------------------------------------------------
    def run(self, conf: dict[str, Any] | None = None, *, home: str = "airflow", extra: dict[str, str] | None = None):
        airflow_home = self.tmp / home
        airflow_home.mkdir(exist_ok=True)
        env = airflow_dag_runner.airflow_env(
            airflow_home,
            DAG_FILE.parent,
            {
                **demo.connection_env(self.procountor.base_url, self.taimer.base_url, self.ledger_url),
                **FAST,
                **(extra or {}),
            },
        )
        log_path = self.tmp / f"{home}.log"
        conf = {"kinds": ["sales_invoice"], **(conf or {})}  # these tests' seeds hold sales invoices only
        result = airflow_dag_runner.run_dag_in_subprocess(env, dag_file=DAG_FILE, log_path=log_path, conf=conf)
        if result.get("state") != "success":
            print(log_path.read_text(encoding="utf-8")[-20000:])
        return result


def start_world(tmp_path: Path, seed: SeedResult, *, rate: int = 20, ledger_url: str | None = None) -> World:
    app = procountor_app(ProcountorSandboxSettings(rate_per_second=rate))
    procountor = serve_in_thread(app)
    taimer = serve_in_thread(taimer_app(TaimerSandboxSettings(api_key=demo.TAIMER_API_KEY, dataset=seed.taimer)))
    load_seed(seed, taimer.base_url, procountor.base_url)
    ledger_url = ledger_url or f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    migrate(ledger_url)
    world = World(procountor, taimer, seed, ledger_url, tmp_path, app)
    issue = app.state.sandbox.tokens.issue

    def recording_issue(client_id: str, ttl_seconds: int) -> str:
        token = issue(client_id, ttl_seconds)
        world.issued_tokens.append(token)
        return token

    app.state.sandbox.tokens.issue = recording_issue
    ledger = world.ledger()
    try:
        store_reference_snapshot(ledger, procountor.base_url, demo.PROCOUNTOR_CLIENT)
    finally:
        ledger.engine.dispose()
    return world


@pytest.fixture
def world_factory(tmp_path: Path) -> Iterator[Callable[..., World]]:
    started: list[World] = []

    def make(seed: SeedResult, **kwargs: Any) -> World:
        world = start_world(tmp_path, seed, **kwargs)
        started.append(world)
        return world

    yield make
    for world in started:
        world.taimer.stop()
        world.procountor.stop()


# ------------------------------------------------------------------------------------------------- assertions
def invoices_by_number(state: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Procountor's live sales invoices (not INVALIDATED) per originalInvoiceNumber, from the sandbox's own state."""
    out: dict[str, list[dict[str, Any]]] = {}
    for inv in state["invoices"]:
        live = inv.get("status") != "INVALIDATED" and inv.get("originalInvoiceNumber")
        if live and inv["type"] == "SALES_INVOICE":
            out.setdefault(inv["originalInvoiceNumber"], []).append(inv)
    return out


def assert_exactly_once(
    world: World, expected_numbers: set[str], *, written_errors: dict[str, set[str]] | None = None
) -> dict[str, dict[str, Any]]:
    """One Procountor invoice per expected Taimer number, no other; each attachment once; ledger receipt accounting
    set; Taimer's write-back equal to Procountor's state. Returns Procountor's invoice per number."""
    state = world.procountor_state()
    by_number = invoices_by_number(state)
    duplicates = {n: len(v) for n, v in by_number.items() if len(v) > 1}
    assert duplicates == {}, f"duplicate invoices: {duplicates}"
    assert set(by_number) == expected_numbers, (
        f"missing {sorted(expected_numbers - set(by_number))}, unexpected {sorted(set(by_number) - expected_numbers)}"
    )
    invoices = {n: v[0] for n, v in by_number.items()}
    taimer_docs = {str(d["number"]): d for d in world.taimer_state()["sales_invoices"]}
    receipts = {r["id"]: r for r in state["ledger_receipts"]}
    attachments_by_invoice: dict[int, Counter[str]] = {}
    for att in state["attachments"]:
        if att["referenceType"] == "INVOICE":
            attachments_by_invoice.setdefault(att["referenceId"], Counter())[att["name"]] += 1
    cost_centers = {
        item["codeName"]: item["id"]
        for dim in world.seed.procountor.dimensions
        if dim["name"] == "Kustannuspaikka"
        for item in dim["items"]
    }
    for number, inv in invoices.items():
        doc = taimer_docs[number]
        integ = doc["integration"]
        assert (integ["procountor_id"], integ["procountor_number"], integ["procountor_status"]) == (
            inv["id"],
            inv["invoiceNumber"],
            inv["status"],
        ), number
        assert integ["sync_state"] == "transferred", number
        # only a refused attachment (its own code) may be written back on an invoice that went
        refused = {EXPECTED_CODES[d] for d in world.seed.manifest.defects_of(doc["id"]) if DEFECTS[d].attachment}
        assert {e["code"] for e in integ["errors"]} == refused | (written_errors or {}).get(number, set()), number
        held = attachments_by_invoice.get(inv["id"], Counter())
        assert all(n == 1 for n in held.values()), f"{number}: an attachment twice: {held}"
        allowed = (
            {a["name"] for a in doc["attachments"]} if not world.seed.manifest.attachments_in_google_drive else set()
        )
        assert set(held) <= allowed
        entries = [t for t in receipts[inv["ledgerReceiptId"]]["transactions"] if t["transactionType"] == "ENTRY"]
        assert entries and all(t["account"] == doc["sales_account"] for t in entries), (number, entries)
        if doc.get("cost_center"):
            for t in entries:
                assert [(v["itemId"], Decimal(str(v["value"]))) for v in t["dimensionItemValues"]] == [
                    (cost_centers[doc["cost_center"]], abs(Decimal(str(t["accountingValue"]))))
                ], number
    return invoices


def valid_numbers(world: World) -> set[str]:
    defective = set(world.seed.manifest.documents)
    return {str(d.number) for d in world.seed.taimer.sales_invoices if d.id not in defective}


writes = write_requests


# ------------------------------------------------------------------------------------------------------ tests
def test_happy_path_sends_each_invoice_once_with_attachments_and_a_rerun_sends_nothing(world_factory) -> None:
    world = world_factory(outbound_seed(sales_invoices=12, attachment_share=0.6))
    first = world.run()
    assert first["state"] == "success", first
    report = first["xcom"]["report"]
    expected = valid_numbers(world)
    assert len(expected) == 12
    invoices = assert_exactly_once(world, expected)
    [row] = report["kinds"]
    assert row["kind"] == "sales_invoice" and row["counts"]["created"] == 12 and row["counts"]["extracted"] == 12
    assert report["outcome"] == "success", report["errors"]
    seeded_attachments = sum(len(d.attachments) for d in world.seed.taimer.sales_invoices)
    assert seeded_attachments > 0
    assert report["details"]["attachments"]["moved"] == seeded_attachments
    assert len([a for a in world.procountor_state()["attachments"] if a["referenceType"] == "INVOICE"]) == (
        seeded_attachments
    )
    assert report["details"]["number_map"] == {
        f"sales_invoice:{n}": {"procountor_id": inv["id"], "procountor_number": str(inv["invoiceNumber"])}
        for n, inv in invoices.items()
    }
    assert (
        len(first["asset_events"]) == 1 and first["asset_events"][0]["uri"] == "taimer_procountor://outbound-invoices"
    )

    # a rerun: nothing new is sent, Procountor and Taimer get no write at all
    p_before, t_before = len(world.procountor_log()), len(world.taimer_log())
    second = world.run()
    assert second["state"] == "success", second
    assert writes(world.procountor_log()[p_before:]) == []
    assert writes(world.taimer_log()[t_before:]) == []
    again = second["xcom"]["report"]
    counts = again["kinds"][0]["counts"]
    # documents changed within the listing's overlap window are looked at again and found already synced
    assert counts["created"] == counts["updated"] == counts["pending"] == 0
    assert counts["unchanged"] == counts["extracted"] and again["outcome"] == "success"
    assert second["asset_events"] == [] and second["tasks"]["publish"]["state"] == "skipped"
    assert_exactly_once(world, expected)


# ------------------------------------------------------------------------------------------------- fault test
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def kill_dag_runner_children() -> list[int]:
    """SIGKILL this process's ``dag_runner`` child and everything under it (a worker dying mid-task)."""
    tree = _children()
    runners = []
    for pid in tree.get(os.getpid(), []):
        try:
            if b"dag_runner" in Path(f"/proc/{pid}/cmdline").read_bytes():
                runners.append(pid)
        except OSError:
            continue
    killed: list[int] = []
    stack = list(runners)
    while stack:
        pid = stack.pop()
        stack += tree.get(pid, [])
        killed.append(pid)
    for pid in killed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return killed


def kill_after_creates(world: World, n: int) -> list[list[int]]:
    """Kill the running DAG right after the sandbox committed its ``n``-th invoice (before answering the POST)."""
    state = world.procountor_app.state.sandbox.state
    create = state.create_invoice
    seen = itertools.count(1)
    killed: list[list[int]] = []

    def create_then_maybe_kill(body: dict[str, Any]) -> dict[str, Any]:
        invoice = create(body)
        if next(seen) == n:
            killed.append(kill_dag_runner_children())
        return invoice

    state.create_invoice = create_then_maybe_kill
    return killed


FAULTS = [
    {"kind": "error_before_commit", "method": "POST", "path": "^/api/invoices$", "probability": 0.06, "seed": 1},
    {"kind": "error_after_commit", "method": "POST", "path": "^/api/invoices$", "probability": 0.05, "seed": 2},
    {"kind": "timeout_after_commit", "method": "POST", "path": "^/api/invoices$", "nth": 15, "count": 3, "seconds": 4},
    {"kind": "drop_after_commit", "method": "POST", "path": "^/api/invoices$", "probability": 0.04, "seed": 3},
    {"kind": "error_after_commit", "method": "POST", "path": "^/api/attachments$", "probability": 0.08, "seed": 4},
    {"kind": "drop_after_commit", "method": "PUT", "path": "^/api/ledgerreceipts/", "probability": 0.04, "seed": 5},
    {"kind": "error_before_commit", "method": "GET", "probability": 0.03, "seed": 6},
    {"kind": "rate_limit", "nth": 50, "count": 6},
    {"kind": "revoke_tokens", "nth": 20, "count": 1},
]


def procountor_connection(world: World, *, rate: int, read_timeout: float) -> dict[str, str]:
    client_id, secret, api_key = demo.PROCOUNTOR_CLIENT
    extra = {"api_key": api_key, "rate_per_second": rate, "connect_timeout": 2, "read_timeout": read_timeout}
    conn = {"conn_type": "http", "host": f"{world.procountor.base_url}/api", "login": client_id, "password": secret}
    return {"AIRFLOW_CONN_PROCOUNTOR_DEFAULT": json.dumps({**conn, "extra": extra})}


def secrets_found(world: World, texts: dict[str, str]) -> list[str]:
    """Which secret (client secret, API keys, issued access tokens, a bearer header) appears in which text."""
    _client, secret, api_key = demo.PROCOUNTOR_CLIENT
    values = {"client secret": secret, "api key": api_key, "taimer key": demo.TAIMER_API_KEY}
    values |= {f"token {i}": t for i, t in enumerate(world.issued_tokens)}
    found = [f"{what} in {name}" for name, text in texts.items() for what, v in values.items() if v in text]
    bearer = re.compile(r"Bearer\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]{8,}")
    return found + [f"bearer header in {name}" for name, text in texts.items() if bearer.search(text)]


def sqlite_dump(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


FOUR_KINDS = ["sales_invoice", "bill", "travel_report", "expense_report"]
MARKPAID = r"^/api/invoices/\d+/paymentevents/markpaid$"
# company-money receipts: three answers lost after commit, then two 5xx before commit in a row (one receipt may
# need all three of the run's looks at its payment events)
MARKPAID_FAULTS = [
    {"kind": "drop_after_commit", "method": "PUT", "path": MARKPAID, "nth": 2, "count": 3},
    {"kind": "error_before_commit", "method": "PUT", "path": MARKPAID, "nth": 7, "count": 2},
]


def four_kinds_seed() -> SeedResult:
    """A few hundred valid documents of the four outbound kinds, 30 % with attachments."""
    return generate(
        SeedConfig(seed=11, customers=8, projects=4, users=4, sales_invoices=90, bills=40, inbound_bills=0,
                   expense_reports=30, travel_reports=30, defect_share=0, attachment_share=0.3)
    )  # fmt: skip


def assert_every_kind_once(world: World) -> dict[tuple[str, str], dict[str, Any]]:
    """Every document marked for transfer is in Procountor once per invoice it becomes (both halves of an expense
    report), nothing else is, and Taimer's write-back names each invoice's id, number and status. Returns
    Procountor's invoice per (type, originalInvoiceNumber)."""
    procountor = created_invoices(world.procountor_state(), {inv["id"] for inv in world.seed.procountor.invoices})
    assert {k: len(v) for k, v in procountor.items() if len(v) > 1} == {}, "an invoice is in Procountor twice"
    taimer = world.taimer_state()
    expected: set[tuple[str, str]] = set()
    for (collection, doc_id), numbers in marked_for_transfer(world.seed.taimer).items():
        keys = {(OUTBOUND_TYPES[collection], n) for n in numbers}
        expected |= keys
        assert keys <= procountor.keys(), f"{collection} {doc_id}: missing {sorted(keys - procountor.keys())}"
        integration = next(d for d in taimer[collection] if d["id"] == doc_id)["integration"]
        assert integration["sync_state"] == "transferred", (collection, doc_id, integration["errors"])
        invoices = [procountor[k][0] for k in keys]
        assert written_back(collection, integration) == procountor_fields(invoices), doc_id
    assert set(procountor) == expected, f"not asked for: {sorted(set(procountor) - expected)}"
    return {k: v[0] for k, v in procountor.items()}


@pytest.mark.timeout(1200)
def test_faults_and_a_killed_load_over_all_four_kinds_end_with_every_invoice_and_payment_event_once(
    world_factory,
) -> None:
    world = world_factory(four_kinds_seed(), rate=40)
    for rule in FAULTS + MARKPAID_FAULTS:
        world.fault(rule)
    conn = procountor_connection(world, rate=40, read_timeout=2.5)
    conf = {"kinds": FOUR_KINDS}
    killed = kill_after_creates(world, 60)
    first = world.run(conf, extra=conn)
    assert killed and killed[0], "the DAG run was not killed"
    assert first["state"] == "crashed", first
    second = world.run(conf, extra=conn)
    assert second["state"] == "success", second

    fired = Counter(kind for e in world.procountor_log() for kind in e.get("faults", []))
    for kind in ("error_before_commit", "error_after_commit", "timeout_after_commit", "drop_after_commit"):
        assert fired[kind] >= 1, (kind, fired)
    assert fired["rate_limit"] == 6 and fired["revoke_tokens"] == 1

    # sales invoices: the accounting on each ledger receipt, each attachment exactly once
    invoices = assert_exactly_once(world, {str(d.number) for d in world.seed.taimer.sales_invoices})
    seeded = {(str(d.number), a.name) for d in world.seed.taimer.sales_invoices for a in d.attachments}
    assert len(seeded) > 20
    by_id = {inv["id"]: n for n, inv in invoices.items()}
    held = [
        (by_id[a["referenceId"]], a["name"])
        for a in world.procountor_state()["attachments"]
        if a["referenceType"] == "INVOICE" and a["referenceId"] in by_id
    ]
    assert sorted(held) == sorted(seeded)
    procountor = assert_every_kind_once(world)
    assert {t for t, _n in procountor} == set(OUTBOUND_TYPES.values())
    report = second["xcom"]["report"]
    assert {row["kind"] for row in report["kinds"]} >= set(FOUR_KINDS)
    assert all(row["counts"].get("pending", 0) == 0 for row in report["kinds"]), report["kinds"]

    # the company-money claims move on in Procountor: the next run marks each receipt once, despite lost answers
    company_rows = {
        part_number(r, COMPANY): [row for row in r.rows if row.payment_source.value == COMPANY]
        for r in world.seed.taimer.expense_reports
        if COMPANY in invoice_parts(r)
    }
    assert len(company_rows) >= 5 and sum(map(len, company_rows.values())) >= 10
    with procountor_client(world) as client:
        for number in company_rows:
            client.invoices.send_to_circulation(procountor["BILL_OF_CHARGES", number]["id"])
    third = world.run(conf, extra=conn)
    assert third["state"] == "success", third
    marked = Counter(kind for e in world.procountor_log() if re.match(MARKPAID, e["path"]) for kind in e["faults"])
    assert marked == {"drop_after_commit": 3, "error_before_commit": 2}, marked

    # a fourth run writes nothing anywhere
    p_before, t_before = len(world.procountor_log()), len(world.taimer_log())
    fourth = world.run(conf, extra=conn)
    assert fourth["state"] == "success", fourth
    assert writes(world.procountor_log()[p_before:]) == [] and writes(world.taimer_log()[t_before:]) == []

    state = world.procountor_state()
    events: dict[int, list[tuple[str, Decimal]]] = {}
    for e in state["payment_events"]:
        events.setdefault(e["invoiceId"], []).append((e["paymentDate"], Decimal(str(e["amount"]))))
    for number, rows in company_rows.items():
        invoice_id = procountor["BILL_OF_CHARGES", number]["id"]
        assert sorted(events.pop(invoice_id, [])) == sorted((r.receipt_date.isoformat(), r.amount) for r in rows), (
            number
        )
    assert events == {}, "a payment event on an invoice that is not a company-money claim"
    assert_every_kind_once(world)  # the company halves' new status is written back
    assert [e for e in world.procountor_log() if e["status"] == 400] == []

    texts = {
        "airflow log": (world.tmp / "airflow.log").read_text(encoding="utf-8"),
        "ledger": sqlite_dump(world.tmp / "ledger.sqlite"),
        "airflow metadata (XCom)": sqlite_dump(world.tmp / "airflow" / "airflow.db"),
        "reports": json.dumps([r["xcom"]["report"] for r in (second, third, fourth)]),
    }
    assert world.issued_tokens and "XCOM" in texts["airflow metadata (XCom)"].upper()
    assert secrets_found(world, texts) == []


# ------------------------------------------------------------------------------------------------ defect test
def test_every_sales_defect_is_caught_before_sending_and_the_valid_invoices_all_go(world_factory) -> None:
    world = world_factory(outbound_seed(seed=5, sales_invoices=40, defects=SALES_DEFECTS, attachment_share=0.4))
    manifest = world.seed.manifest
    assert {d for ds in manifest.documents.values() for d in ds} == set(SALES_DEFECTS)
    result = world.run()
    assert result["state"] == "success", result
    report = result["xcom"]["report"]

    numbers = {d.id: str(d.number) for d in world.seed.taimer.sales_invoices}
    held_back = {numbers[doc] for doc, ds in manifest.documents.items() if any(not DEFECTS[d].attachment for d in ds)}
    expected = set(numbers.values()) - held_back
    assert_exactly_once(world, expected)  # every valid invoice (and those with only a refused attachment) went
    log = world.procountor_log()
    assert [e for e in log if e["status"] == 400] == []  # nothing refused by Procountor: caught before sending

    reported = {(e["code"], e["where"]) for e in report["errors"]}
    for doc, defects in manifest.documents.items():
        for defect in defects:
            assert (EXPECTED_CODES[defect], f"sales_invoice:{numbers[doc]}") in reported, (doc, defect)
    [row] = report["kinds"]
    assert row["counts"]["invalid"] == len(held_back) and row["counts"]["created"] == len(expected)
    assert report["outcome"] == "partial"
    refused = sum(1 for ds in manifest.documents.values() for d in ds if DEFECTS[d].attachment)
    assert report["details"]["attachments"]["refused"] == refused

    # the invalid documents' errors are written back to Taimer with their codes
    taimer_docs = {d["id"]: d for d in world.taimer_state()["sales_invoices"]}
    for doc, defects in manifest.documents.items():
        integ = taimer_docs[doc]["integration"]
        document_defects = [d for d in defects if not DEFECTS[d].attachment]
        if document_defects:
            assert integ["sync_state"] == "failed" and integ["procountor_id"] is None
            assert {EXPECTED_CODES[d] for d in document_defects} <= {e["code"] for e in integ["errors"]}

    # a rerun writes nothing to either side: the errors are in Taimer already, the valid invoices in Procountor
    p_before, t_before = len(world.procountor_log()), len(world.taimer_log())
    again = world.run()
    assert again["state"] == "success", again
    assert writes(world.procountor_log()[p_before:]) == [] and writes(world.taimer_log()[t_before:]) == []
    assert "pending" not in again["xcom"]["report"]["details"]["attachments"]


# ------------------------------------------------------------------------------ dry run, concurrency, reruns
@pytest.mark.timeout(900)
def test_dry_run_writes_nothing_and_concurrent_runs_reruns_and_a_range_end_as_one_run(world_factory) -> None:
    world = world_factory(outbound_seed(seed=3, sales_invoices=15, attachment_share=0.5))
    expected = valid_numbers(world)

    dry = world.run({"dry_run": True})
    assert dry["state"] == "success", dry
    assert writes(world.procountor_log()) == [] and writes(world.taimer_log()) == []
    assert invoices_by_number(world.procountor_state()) == {}
    report = dry["xcom"]["report"]
    assert report["dry_run"] is True and report["kinds"][0]["counts"]["created"] == 0
    assert set(report["details"]["would_send"]["sales_invoice"]["create"]) == expected
    assert dry["tasks"]["publish"]["state"] == "skipped"
    assert "dry run: would send POST /invoices for sales_invoice" in (world.tmp / "airflow.log").read_text()

    # two runs started at once: each invoice once, both runs succeed
    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(lambda home: world.run(home=home), ["airflow-a", "airflow-b"])
    assert a["state"] == b["state"] == "success", (a, b)
    created = [r["xcom"]["report"]["kinds"][0]["counts"]["created"] for r in (a, b)]
    assert sum(created) == len(expected), created
    first_state = assert_exactly_once(world, expected)

    # a rerun, and a date range over everything already synced: nothing is written anywhere
    p_before, t_before = len(world.procountor_log()), len(world.taimer_log())
    rerun = world.run()
    ranged = world.run({"date_from": "2024-01-01", "date_to": "2026-12-31"})
    assert rerun["state"] == ranged["state"] == "success"
    assert writes(world.procountor_log()[p_before:]) == [] and writes(world.taimer_log()[t_before:]) == []
    range_counts = ranged["xcom"]["report"]["kinds"][0]["counts"]
    assert range_counts["extracted"] == len(expected) and range_counts["unchanged"] == len(expected)
    assert assert_exactly_once(world, expected) == first_state


# ---------------------------------------------------------------------------------------------- edit after send
def procountor_client(world: World) -> ProcountorClient:
    client_id, secret, api_key = demo.PROCOUNTOR_CLIENT
    return ProcountorClient(ProcountorSettings(f"{world.procountor.base_url}/api", client_id, secret, api_key))


def edit_rows(world: World, doc_id: str) -> None:
    """A user edits a sent invoice in Taimer: one more of the first product row, and a note."""
    doc = next(d for d in world.taimer_state()["sales_invoices"] if d["id"] == doc_id)
    rows = doc["rows"]
    row = next(r for r in rows if r["kind"] == "product")
    row["quantity"] = str(Decimal(str(row["quantity"])) + 1)
    url = f"{world.taimer.base_url}/_control/documents/sales_invoice/{doc_id}"
    requests.patch(url, json={"rows": rows, "notes": "Muutettu lähetyksen jälkeen"}, timeout=10).raise_for_status()


def test_edit_after_send_updates_unfinished_reports_a_conflict_otherwise_and_resends_an_invalidated_one(
    world_factory,
) -> None:
    world = world_factory(outbound_seed(seed=9, sales_invoices=4, attachment_share=0.5))
    first = world.run()
    assert first["state"] == "success", first
    before = assert_exactly_once(world, valid_numbers(world))
    docs = sorted(world.seed.taimer.sales_invoices, key=lambda d: d.number)
    unfinished, approved, invalidated = docs[0], docs[1], docs[2]
    with procountor_client(world) as client:
        client.invoices.approve(before[str(approved.number)]["id"])
        client.invoices.invalidate(before[str(invalidated.number)]["id"])
    edit_rows(world, unfinished.id)
    edit_rows(world, approved.id)

    second = world.run()
    assert second["state"] == "success", second
    report = second["xcom"]["report"]
    counts = report["kinds"][0]["counts"]
    assert counts["updated"] == 1 and counts["conflicts"] == 1 and counts["created"] == 0
    assert ("OUTBOUND_UPDATE_CONFLICT", f"sales_invoice:{approved.number}") in {
        (e["code"], e["where"]) for e in report["errors"]
    }
    state = world.procountor_state()
    by_number = invoices_by_number(state)
    updated = by_number[str(unfinished.number)][0]
    assert updated["id"] == before[str(unfinished.number)]["id"]  # the same invoice, updated in place
    assert updated["additionalInformation"] == "Muutettu lähetyksen jälkeen"
    assert updated["ledgerReceiptId"] != before[str(unfinished.number)]["ledgerReceiptId"]  # re-created, enriched again
    assert by_number[str(approved.number)][0]["status"] == "NOT_SENT"
    # the invalidated invoice is history until someone asks for a resend: then a new one, linked to the old
    assert str(invalidated.number) not in by_number
    third = world.run({"numbers": [str(invalidated.number)]})
    assert third["state"] == "success", third
    assert third["xcom"]["report"]["kinds"][0]["counts"]["created"] == 1
    after = assert_exactly_once(
        world, valid_numbers(world), written_errors={str(approved.number): {"OUTBOUND_UPDATE_CONFLICT"}}
    )
    old_id = before[str(invalidated.number)]["id"]
    assert after[str(invalidated.number)]["id"] != old_id
    links = next(d for d in world.taimer_state()["sales_invoices"] if d["id"] == invalidated.id)["integration"]
    assert [(link["procountor_id"], link["status"]) for link in links["linked_invoices"]] == [(old_id, "INVALIDATED")]
    total = sum(
        1 for inv in world.procountor_state()["invoices"] if inv["originalInvoiceNumber"] == str(invalidated.number)
    )
    assert total == 2  # the invalidated one and its replacement, never a third


# ------------------------------------------------------------------------------------------------- Google Drive
def test_with_google_drive_on_invoices_go_without_attachments_and_the_report_says_so(world_factory) -> None:
    world = world_factory(outbound_seed(seed=4, sales_invoices=4, attachment_share=1.0, google_drive=True))
    assert world.seed.manifest.attachments_in_google_drive
    result = world.run()
    assert result["state"] == "success", result
    assert_exactly_once(world, valid_numbers(world))
    assert [a for a in world.procountor_state()["attachments"] if a["referenceType"] == "INVOICE"] == []
    assert [e for e in world.taimer_log() if "/attachments/" in e["path"]] == []  # not even read from Taimer
    report = result["xcom"]["report"]
    seeded = {str(d.number): len(d.attachments) for d in world.seed.taimer.sales_invoices}
    assert all(seeded.values())
    not_moved = report["details"]["attachments_not_moved"]
    assert {k.split(":", 1)[1]: len(v) for k, v in not_moved.items()} == seeded
    assert report["details"]["attachments"]["not_moved"] == sum(seeded.values())
    notices = {(n["code"], n["where"]) for n in report["notices"]}
    assert {("OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE", f"sales_invoice:{n}") for n in seeded} <= notices
    for doc in world.taimer_state()["sales_invoices"]:
        assert doc["integration"]["attachments_skipped_reason"] == "google_drive"


@pytest.mark.postgres
@pytest.mark.timeout(900)
def test_two_runs_at_once_on_a_postgresql_ledger_send_each_invoice_once(world_factory, postgres_url) -> None:
    world = world_factory(outbound_seed(seed=13, sales_invoices=10, attachment_share=0.5), ledger_url=postgres_url)
    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(lambda home: world.run(home=home), ["airflow-a", "airflow-b"])
    assert a["state"] == b["state"] == "success", (a, b)
    created = [r["xcom"]["report"]["kinds"][0]["counts"]["created"] for r in (a, b)]
    assert sum(created) == 10, created
    assert_exactly_once(world, valid_numbers(world))
    # a run may end before the other has released what it holds: that is reported as pending, nothing worse
    for r in (a, b):
        assert {e["code"] for e in r["xcom"]["report"]["errors"]} <= {"OUTBOUND_SEND_PENDING"}, r["xcom"]["report"]
    rerun = world.run()
    assert rerun["state"] == "success" and rerun["xcom"]["report"]["outcome"] == "success", rerun["xcom"]["report"]
    assert_exactly_once(world, valid_numbers(world))
    ledger = world.ledger()
    try:
        assert len(ledger.runs.recent(dag_id=DAG_ID, flow="outbound")) == 3
    finally:
        ledger.engine.dispose()
