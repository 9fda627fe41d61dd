"""The outbound load (extract -> validate -> load of sales invoices) against both sandboxes, each in its own process.

1. rate: N seeded sales invoices (20 % with attachments) loaded at the sandbox's default limit of 20 requests/s:
   Procountor requests per invoice against the floor (1 POST, + 2 for the ledger receipt when the invoice has a sales
   account or cost center, + 1 per attachment; reference reads ≤ 0.05 per invoice), achieved rate / limit and the
   sandbox's violations, and wall time / floor (our requests / rate), the start-up (reference fetch, extract,
   validate) printed apart;
2. memory: the peak resident memory of the process that runs the pipeline, after its imports and per step, at two
   sizes (limit lifted: the rate changes how long the load takes, not what it holds); ``--tracemalloc`` adds the
   peak of Python allocations per step (exact, several times slower);
3. against a bare loop: limit lifted, our load vs a loop that sends the same prepared requests (POST /invoices,
   GET + PUT /ledgerreceipts, POST /attachments) from the same number of threads, in alternating rounds; and vs a
   bare loop that also makes the load's Taimer requests (mode "bare_all": the document, each customer once, the
   attachment content, the write-back), the fair comparison for what the load has to do. ``--processes 1,2`` runs
   each side in one and in two processes (the threads shared out between them; the load's processes share one
   ledger through the claim protocol, as two workers would).

``--ledger postgresql`` puts the ledger in a fresh PostgreSQL database per run instead of a SQLite file.

The pipeline runs in a spawned child process (its memory is measured there, apart from the seed and the sandboxes).
Arrival times, statuses and violations come from the Procountor sandbox's request log and counters.

    .venv/bin/python bench/outbound.py [--quick] [--invoices N] [--memory 2000,20000] [--rounds R]
        [--parts rate,memory,bare] [--processes 1,2] [--ledger sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import requests
from _common import PG_ADMIN_URL, banner, database, env, pg_reachable, table

from sandboxes.outbound_scenario import outbound_seed, store_reference_snapshot
from sandboxes.runner import serve_in_process
from sandboxes.seed.__main__ import post_fixture

CREDENTIALS = ("sandbox-client", "sandbox-secret", "sandbox-api-key")
TAIMER_KEY = "taimer-sandbox-key"
KIND = "sales_invoice"
RATE = 20  # the sandbox's default limit, and Procountor's
NO_LIMIT = 1_000_000.0  # client-side rate when the sandbox's limit is off (the limiter still runs)
# one prepared invoice of the bare loop: the prepared payload, its attachments (name, content, MIME type), and the
# Taimer document id, customer id and attachment ids (mode "bare_all" reads them in the loop)
Work = tuple[Any, list[tuple[str, bytes, str]], tuple[str, str | None, list[str]]]
CLOCK = "clock_seconds"  # a step's own time, when it measures itself (``_in_processes``)
CONCURRENCY = 4  # the load's default thread count (outbound.steps, TAIMER_PROCOUNTOR_OUTBOUND_CONCURRENCY)
ATTACHMENT_SHARE = 0.2
TIMEOUT = (5.0, 60.0)


@dataclass(frozen=True)
class Spec:
    """What one child run does: ``mode`` "load" (our pipeline), "bare" (its Procountor requests, a bare loop) or
    "bare_all" (its Procountor and Taimer requests, a bare loop)."""

    mode: str
    procountor_url: str
    taimer_url: str
    ledger_url: str
    rate: float
    concurrency: int = CONCURRENCY
    trace_memory: bool = False
    processes: int = 1  # the load (or the bare loop) split over this many processes, ``concurrency`` threads in all


# ============================================================================================ in the child process


def _taimer(spec: Spec) -> Any:
    from taimer_procountor.taimer.rest import TaimerRestAdapter

    return TaimerRestAdapter(requests.Session(), spec.taimer_url + "/api/v1", TAIMER_KEY, rate_per_second=None)


def _client(spec: Spec) -> Any:
    from taimer_procountor.procountor import ProcountorClient, ProcountorSettings

    client_id, secret, api_key = CREDENTIALS
    return ProcountorClient(
        ProcountorSettings(spec.procountor_url + "/api", client_id, secret, api_key, rate_per_second=spec.rate)
    )


def run_child(spec: Spec) -> dict[str, Any]:
    """One run in a fresh process: the reference snapshot into a new ledger, then extract, validate and load
    (mode "load"), or a bare loop (modes "bare", "bare_all"). Returns seconds (and peak MB) per step and what was
    done."""
    import tracemalloc

    from taimer_procountor.ledger import connect, migrate

    steps: dict[str, dict[str, float]] = {}
    # What every run imports anyway (validation builds a great-expectations batch on pandas), imported before the
    # baseline so that the growth above it is what the documents cost.
    import great_expectations  # noqa: F401
    import pandas  # noqa: F401

    baseline_mb = _peak_rss_mb()
    if spec.trace_memory:
        tracemalloc.start()

    def step(name: str, fn: Any) -> Any:
        if spec.trace_memory:
            tracemalloc.reset_peak()
        started = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - started
        if isinstance(out, dict) and CLOCK in out:  # timed inside: processes started before the clock
            seconds = out.pop(CLOCK)
        steps[name] = {"seconds": seconds, "peak_rss_mb": _peak_rss_mb()}
        if spec.trace_memory:
            steps[name]["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        return out

    migrate(spec.ledger_url)
    ledger = connect(spec.ledger_url)
    taimer = _taimer(spec)
    step("reference", lambda: store_reference_snapshot(ledger, spec.procountor_url, CREDENTIALS))
    out = (_load if spec.mode == "load" else _bare)(spec, ledger, taimer, step)
    out["steps"] = steps
    out["baseline_rss_mb"] = baseline_mb
    out["maxrss_mb"] = _peak_rss_mb()
    ledger.engine.dispose()
    return out


def _peak_rss_mb() -> float:
    """This process's peak resident set so far: ``VmHWM`` (Linux), which starts afresh with the process's own
    address space. ``ru_maxrss`` does not: Linux keeps it across fork and exec, so a spawned child reports at least
    the parent's peak at the fork (the parent holds the generated seed: 339 MB at 20,000 invoices)."""
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(spec: Spec, ledger: Any, taimer: Any, step: Any) -> dict[str, Any]:
    from taimer_procountor.outbound.extract import Selection
    from taimer_procountor.outbound.steps import CONCURRENCY_ENV, extract_step, load_step, validate_step

    extracted = step("extract", lambda: extract_step(ledger, taimer, KIND, Selection()))
    doc_ids = extracted["doc_ids"]
    validated = step("validate", lambda: validate_step(ledger, taimer, KIND, doc_ids))
    os.environ[CONCURRENCY_ENV] = str(spec.concurrency)
    load_started = dt.datetime.now().isoformat(timespec="milliseconds")
    if spec.processes > 1:
        loaded = step("load", _in_processes(spec, _load_chunk, _split(doc_ids, spec.processes)))
    else:
        with _client(spec) as client:
            loaded = step("load", lambda: load_step(ledger, taimer, client, KIND, doc_ids, worker="bench"))
    return {
        "documents": len(doc_ids),
        "valid": validated["valid"],
        "outcomes": loaded["counts"],
        "attachments": loaded["attachments"],
        "errors": Counter(e["code"] for e in loaded["errors"]),
        "load_started": load_started,
    }


def _bare(spec: Spec, ledger: Any, taimer: Any, step: Any) -> dict[str, Any]:
    """The same Procountor requests our load sends, prepared beforehand and sent by a bare ``requests`` loop from
    ``concurrency`` threads: per invoice POST /invoices, then (with accounting) GET and PUT its ledger receipt, then
    POST /attachments for each attachment. The receipt's PUT body is the GET answer with the accounting set (the
    same ``with_accounting`` the load uses: it needs the receipt Procountor made).

    Mode "bare_all" also sends, inside the loop, the Taimer requests the load makes: GET the document (and each
    customer once), GET each attachment's content, PATCH the write-back; only the transform is done beforehand."""
    from taimer_procountor.outbound.attachments import HEAD_BYTES, AttachmentRefusedError, read_attachment, sniff
    from taimer_procountor.outbound.extract import CustomerCache, read_document
    from taimer_procountor.outbound.steps import build_context
    from taimer_procountor.outbound.transform import prepare
    from taimer_procountor.taimer.models import DocumentKind

    def prepare_all() -> list[Work]:
        ctx = build_context(ledger, taimer)
        customers = CustomerCache(taimer)
        work = []
        for summary in taimer.iter_ready(DocumentKind.SALES_INVOICE):
            document, customer = read_document(taimer, DocumentKind.SALES_INVOICE, summary.id, customers=customers)
            (prepared,) = prepare(document, customer, ctx)
            files = []
            for att in prepared.attachments:
                try:
                    content = read_attachment(att.name, att.size, taimer.iter_attachment_content(att.id))
                except AttachmentRefusedError:
                    continue  # the load refuses it too: neither side sends it
                files.append((att.name, content, sniff(content[:HEAD_BYTES]).mime_type))
            work.append((prepared, files, (document.id, document.customer_id, [a.id for a in prepared.attachments])))
        return work

    work = step("prepare", prepare_all)
    load_started = dt.datetime.now().isoformat(timespec="milliseconds")
    chunks = _split(work, spec.processes)
    loaded = step(
        "load", _in_processes(spec, _bare_chunk, chunks) if spec.processes > 1 else lambda: _bare_send(spec, work)
    )
    return {"documents": len(work), "outcomes": loaded["counts"], "load_started": load_started}


def _bare_send(spec: Spec, work: list[Work]) -> dict[str, Any]:
    """Send prepared invoices as the bare loop does, from ``concurrency`` threads on one session per side."""
    from taimer_procountor.outbound.load import with_accounting
    from taimer_procountor.procountor.models import AttachmentMeta, LedgerReceipt
    from taimer_procountor.taimer.contract import API_KEY_HEADER, KIND_PATHS
    from taimer_procountor.taimer.models import DocumentKind

    taimer_too = spec.mode == "bare_all"
    taimer = requests.Session()
    taimer.headers.update({API_KEY_HEADER: TAIMER_KEY, "Accept": "application/json"})
    documents = f"{spec.taimer_url}/api/v1/{KIND_PATHS[DocumentKind.SALES_INVOICE]}"
    customers_seen: set[str] = set()
    customers_lock = threading.Lock()

    def from_taimer(document_id: str, customer_id: str | None, attachment_ids: list[str]) -> None:
        taimer.get(f"{documents}/{document_id}", timeout=TIMEOUT).raise_for_status()
        with customers_lock:
            first = customer_id is not None and customer_id not in customers_seen
            customers_seen.add(customer_id or "")
        if first:
            taimer.get(f"{spec.taimer_url}/api/v1/customers/{customer_id}", timeout=TIMEOUT).raise_for_status()
        for attachment_id in attachment_ids:
            url = f"{spec.taimer_url}/api/v1/attachments/{attachment_id}/content"
            with taimer.get(url, stream=True, timeout=TIMEOUT) as r:
                r.raise_for_status()
                for _chunk in r.iter_content(chunk_size=65536):
                    pass

    session = requests.Session()
    client_id, secret, api_key = CREDENTIALS
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "api_key": api_key}
    api = spec.procountor_url + "/api"
    token = session.post(api + "/oauth/token", data=form, timeout=TIMEOUT).json()["access_token"]
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    sent: Counter[str] = Counter()

    def one(item: Work) -> None:
        prepared, files, (document_id, customer_id, attachment_ids) = item
        if taimer_too:
            from_taimer(document_id, customer_id, attachment_ids)
        r = session.post(api + "/invoices", json=prepared.payload, timeout=TIMEOUT)
        r.raise_for_status()
        invoice = r.json()
        accounting = prepared.receipt_accounting
        if accounting is not None and (accounting.sales_account or accounting.cost_center is not None):
            path = f"{api}/ledgerreceipts/{invoice['ledgerReceiptId']}"
            got = session.get(path, timeout=TIMEOUT)
            got.raise_for_status()
            wanted = with_accounting(LedgerReceipt.model_validate(got.json()), accounting)
            if wanted is not None:
                session.put(path, json=wanted.to_wire(), timeout=TIMEOUT).raise_for_status()
        for name, content, mime in files:
            meta = AttachmentMeta(
                name=name, reference_type="INVOICE", reference_id=invoice["id"], mime_type=mime, send_with_invoice=True
            ).to_wire()
            meta.pop("id", None)
            parts = {"meta": (None, json.dumps(meta).encode(), "application/json"), "file": (name, content, mime)}
            session.post(api + "/attachments", files=parts, timeout=TIMEOUT).raise_for_status()
        if taimer_too:
            back = {
                "sync_state": "transferred",
                "procountor_id": invoice["id"],
                "procountor_number": invoice.get("invoiceNumber"),
                "procountor_status": invoice.get("status"),
                "errors": [],
            }
            taimer.patch(f"{documents}/{document_id}/integration", json=back, timeout=TIMEOUT).raise_for_status()
        sent["created"] += 1

    with ThreadPoolExecutor(max_workers=spec.concurrency) as pool:
        list(pool.map(one, work))
    return {"counts": dict(sent), "errors": []}


# ------------------------------------------------------------------------------ the load split over processes


def _split(items: list[Any], parts: int) -> list[list[Any]]:
    """``items`` in ``parts`` disjoint slices of (nearly) equal size, in order."""
    size, extra = divmod(len(items), parts)
    bounds = [k * size + min(k, extra) for k in range(parts + 1)]
    return [items[bounds[k] : bounds[k + 1]] for k in range(parts)]


def _threads_of(spec: Spec, index: int) -> int:
    """The threads of process ``index``: ``concurrency`` shared out, so the whole has as many as one process."""
    size, extra = divmod(spec.concurrency, spec.processes)
    return max(1, size + (1 if index < extra else 0))


def _load_chunk(spec: Spec, index: int, doc_ids: list[int]) -> Any:
    """In a load process: ready to run ``load_step`` over its disjoint slice (the ledger's claim protocol is what lets
    processes share one ledger: two mapped load tasks, or two workers, would do the same)."""
    from taimer_procountor.ledger import connect
    from taimer_procountor.outbound.steps import CONCURRENCY_ENV, load_step

    os.environ[CONCURRENCY_ENV] = str(_threads_of(spec, index))
    ledger, taimer, client = connect(spec.ledger_url), _taimer(spec), _client(spec)
    ledger.outbound.count_by_state()  # connected

    def run() -> dict[str, Any]:
        with client:
            return load_step(ledger, taimer, client, KIND, doc_ids, worker=f"bench-{index}")

    return run


def _bare_chunk(spec: Spec, index: int, work: list[Any]) -> Any:
    from dataclasses import replace

    return lambda: _bare_send(replace(spec, concurrency=_threads_of(spec, index), processes=1), work)


def _chunk_worker(spec: Spec, make: Any, index: int, chunk: list[Any], ready: Any, go: Any, results: Any) -> None:
    # imports and connections before the clock starts, as the one process has them from its earlier steps
    import taimer_procountor.outbound.attachments
    import taimer_procountor.outbound.load
    import taimer_procountor.outbound.steps
    import taimer_procountor.outbound.transform  # noqa: F401

    run = make(spec, index, chunk)
    ready.put(index)
    go.wait()
    out = run()
    codes = [e["code"] for e in out.get("errors", [])]
    results.put({"counts": out["counts"], "attachments": out.get("attachments", {}), "errors": codes})


def _in_processes(spec: Spec, make: Any, chunks: list[list[Any]]) -> Any:
    """A step function that runs ``make(spec, index, chunk)()`` in one spawned process per chunk, all let go at once
    after each has imported and connected; its time (``CLOCK``) runs from then to the last result. Counts are
    summed."""

    def run_all() -> dict[str, Any]:
        ctx = get_context("spawn")
        ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        procs = [
            ctx.Process(target=_chunk_worker, args=(spec, make, k, chunk, ready, go, results))
            for k, chunk in enumerate(chunks)
        ]
        for proc in procs:
            proc.start()
        for _ in procs:
            ready.get(timeout=120)
        go.set()
        started = time.perf_counter()
        done = [results.get(timeout=3600) for _ in procs]
        seconds = time.perf_counter() - started
        for proc in procs:
            proc.join(timeout=60)
        counts: Counter[str] = Counter()
        attachments: Counter[str] = Counter()
        for d in done:
            counts.update(d["counts"])
            attachments.update(d["attachments"])
        errors = [{"code": c} for d in done for c in d["errors"]]
        return {"counts": dict(counts), "attachments": dict(attachments), "errors": errors, CLOCK: seconds}

    return run_all


# ============================================================================================ in the parent process


class Stack:
    """Both sandboxes as child processes, and the seed of one size loaded into them afresh for every run."""

    def __init__(self, ledger: str = "sqlite") -> None:
        self.ledger = ledger  # the ledger's backend: "sqlite" or "postgresql" (a fresh database per run)
        with env(
            PROCOUNTOR_SANDBOX_VALIDATE_RESPONSES="0",
            PROCOUNTOR_SANDBOX_REQUEST_LOG_SIZE="1000000",
            PROCOUNTOR_SANDBOX_RATE_PER_SECOND=str(RATE),
        ):
            self.procountor = serve_in_process("sandboxes.procountor")
        with env(TAIMER_SANDBOX_API_KEY=TAIMER_KEY):
            self.taimer = serve_in_process("sandboxes.taimer")
        self._seeds: dict[int, tuple[str, str, dict[str, float]]] = {}

    def seed(self, invoices: int) -> dict[str, float]:
        """Generate (once per size) and load both fixtures; returns the floor of this seed's Procountor requests."""
        if invoices not in self._seeds:
            result = outbound_seed(seed=11, sales_invoices=invoices, attachment_share=ATTACHMENT_SHARE)
            floor = Counter()
            for invoice in result.taimer.sales_invoices:
                floor["post"] += 1
                floor["receipt"] += 2 if (invoice.sales_account or invoice.cost_center) else 0
                floor["attachments"] += len(invoice.attachments)
                floor["with_attachments"] += 1 if invoice.attachments else 0
            self._seeds[invoices] = (result.procountor_json(), result.taimer_json(), dict(floor))
        procountor_json, taimer_json, floor = self._seeds[invoices]
        post_fixture(self.procountor.base_url, procountor_json)  # also clears the request log and counters
        post_fixture(self.taimer.base_url, taimer_json)
        return floor

    def run(
        self,
        mode: str,
        invoices: int,
        *,
        rate: float,
        trace_memory: bool = False,
        threads: int = CONCURRENCY,
        processes: int = 1,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        floor = self.seed(invoices)
        seeding = time.perf_counter() - started
        limit = RATE if rate != NO_LIMIT else 0
        control = self.procountor.base_url + "/_control"
        requests.patch(control + "/settings", json={"rate_per_second": limit}, timeout=10).raise_for_status()
        with database(self.ledger) as ledger_url, ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            spec = Spec(mode, self.procountor.base_url, self.taimer.base_url, ledger_url, rate, threads,
                        trace_memory, processes)  # fmt: skip
            out = pool.submit(run_child, spec).result()
        log = requests.get(control + "/requests", timeout=60).json()
        stats = requests.get(control + "/stats", timeout=10).json()
        out.update(floor=floor, seeding_seconds=seeding, invoices=invoices, limit=limit)
        out["requests"] = requests_of_load(log, out["load_started"])
        taimer_log = requests.get(self.taimer.base_url + "/_control/requests", timeout=60).json()
        out["taimer_requests"] = sum(1 for e in taimer_log if e["time"] >= out["load_started"])
        out["violations"] = stats["rate_limit"]["violations_total"]
        return out

    def close(self) -> None:
        self.procountor.stop()
        self.taimer.stop()


def requests_of_load(log: list[dict[str, Any]], since: str) -> dict[str, Any]:
    """The load's Procountor requests by kind, their statuses and their sustained arrival rate."""
    entries = [e for e in log if e["path"].startswith("/api/") and e["time"] >= since]
    kinds: Counter[str] = Counter()
    for e in entries:
        path, method = e["path"], e["method"]
        if path == "/api/oauth/token":
            kinds["token"] += 1
        elif path == "/api/invoices" and method == "POST":
            kinds["post"] += 1
        elif path.startswith("/api/ledgerreceipts"):
            kinds["receipt"] += 1
        elif path == "/api/attachments" and method == "POST":
            kinds["attachments"] += 1
        elif path.startswith("/api/invoices"):
            kinds["invoice_reads"] += 1
        elif method == "GET":
            kinds["reference_reads"] += 1
        else:
            kinds["other"] += 1
    stamps = sorted(dt.datetime.fromisoformat(e["time"]).timestamp() for e in entries)
    sustained = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
    return {
        "total": len(entries),
        "kinds": dict(kinds),
        "statuses": dict(Counter(str(e["status"]) for e in entries)),
        "sustained": sustained,
    }


def median_run(runs: list[dict[str, Any]], key: Any) -> dict[str, Any]:
    """The run whose ``key`` is the median (an odd number of runs; with an even one, the lower middle)."""
    ordered = sorted(runs, key=key)
    return ordered[(len(ordered) - 1) // 2]


def rate_part(stack: Stack, invoices: int, rounds: int, threads: int = CONCURRENCY) -> None:
    runs = [stack.run("load", invoices, rate=RATE, threads=threads) for _ in range(rounds)]
    for r in runs:
        assert r["outcomes"].get("created") == invoices, (r["outcomes"], r.get("errors"))
    ratio = [r["requests"]["sustained"] / RATE for r in runs]
    wall = [r["steps"]["load"]["seconds"] / (r["requests"]["total"] / RATE) for r in runs]
    m = median_run(runs, lambda r: r["steps"]["load"]["seconds"])
    floor = m["floor"]
    kinds = m["requests"]["kinds"]
    floor_total = floor["post"] + floor["receipt"] + floor["attachments"]
    total = m["requests"]["total"]
    start_up = sum(m["steps"][s]["seconds"] for s in ("reference", "extract", "validate"))
    rows: list[list[Any]] = [
        ["invoices (with attachments)", f"{invoices} ({floor['with_attachments']})", ""],
        ["Procountor requests in the load (median run)", total, f"{kinds}"],
        ["  floor: POST + receipt GET/PUT + attachments", floor_total, f"{floor}"],
        [
            "RATIO requests per invoice / floor per invoice",
            total / floor_total,
            f"{total / invoices:.3f} / {floor_total / invoices:.3f} per invoice",
        ],
        ["reference reads per invoice (goal <= 0.05)", kinds.get("reference_reads", 0) / invoices, ""],
        ["statuses", str(m["requests"]["statuses"]), ""],
        ["Taimer requests per invoice in the load (reads, write-back)", m["taimer_requests"] / invoices, ""],
        ["RATIO achieved rate / limit (goal >= 0.95)", statistics.median(ratio), _range(ratio)],
        [
            "sandbox violations (goal 0), every run",
            max(r["violations"] for r in runs),
            str([r["violations"] for r in runs]),
        ],
        ["load wall time, s", m["steps"]["load"]["seconds"], ""],
        ["RATIO wall / (our requests / 20 per s) (goal <= 1.05)", statistics.median(wall), _range(wall)],
        ["RATIO wall / (floor requests / 20 per s)", m["steps"]["load"]["seconds"] / (floor_total / RATE), ""],
        [
            "start-up apart: reference + extract + validate, s",
            start_up,
            _steps(m, ("reference", "extract", "validate")),
        ],
        ["seeding both sandboxes, s (not ours)", m["seeding_seconds"], ""],
    ]
    table(f"1. Rate: {invoices} sales invoices at {RATE}/s, {threads} threads, median of {rounds} runs",
          ["measure", "value", "detail"], rows)  # fmt: skip


def memory_part(stack: Stack, sizes: list[int], *, trace: bool) -> None:
    """Peak resident memory of the pipeline's process (and, with ``trace``, tracemalloc's peak of Python
    allocations per step: exact, but it slows the run several times)."""
    rows = []
    growth = {}
    for n in sizes:
        r = stack.run("load", n, rate=NO_LIMIT, trace_memory=trace)
        assert r["outcomes"].get("created") == n, (r["outcomes"], r.get("errors"))
        growth[n] = r["maxrss_mb"] - r["baseline_rss_mb"]
        row = [n, r["baseline_rss_mb"], r["maxrss_mb"], growth[n]]
        row += [r["steps"][s]["peak_rss_mb"] for s in ("reference", "extract", "validate", "load")]
        if trace:
            row += [r["steps"][s]["peak_mb"] for s in ("extract", "validate", "load")]
        rows.append([*row, r["steps"]["load"]["seconds"]])
    small, large = sizes[0], sizes[-1]
    headers = ["invoices", "RSS after imports", "peak RSS", "growth", "after reference", "extract", "validate", "load"]
    if trace:
        headers += ["traced extract", "traced validate", "traced load"]
    table(
        f"2. Peak memory (MB) of the pipeline's process, limit lifted; RATIO peak RSS {large} / {small} = "
        f"{rows[-1][2] / rows[0][2]:.2f} (goal <= 1.2); growth above the imports {growth[large]:.0f} / "
        f"{growth[small]:.0f} MB",
        [*headers, "load s"],
        rows,
    )


BARE_MODES = (("bare", "bare loop, Procountor requests"), ("bare_all", "bare loop, Procountor + Taimer requests"))


def bare_part(stack: Stack, invoices: int, rounds: int, processes: list[int]) -> None:
    """Our load against the bare loops, each split over P processes with CONCURRENCY threads in all (the same
    requests in flight), modes alternating within each round."""
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for _ in range(rounds):
        for p in processes:
            for mode in (*(m for m, _ in BARE_MODES), "load"):
                r = stack.run(mode, invoices, rate=NO_LIMIT, processes=p)
                assert r["outcomes"].get("created") == invoices, (mode, p, r["outcomes"], r.get("errors"))
                runs.setdefault((mode, p), []).append(r)

    def per_s(r: dict[str, Any]) -> float:
        return invoices / r["steps"]["load"]["seconds"]

    def ratio(mode: str, p: int) -> str:
        values = [per_s(o) / per_s(b) for o, b in zip(runs[("load", p)], runs[(mode, p)], strict=True)]
        return f"{statistics.median(values):.2f} {_range(values)}"

    rows = []
    for p in processes:
        for mode, name in (*BARE_MODES, ("load", "our load")):
            got = runs[(mode, p)]
            rows.append(
                [
                    f"{name}, {p} process{'es' if p > 1 else ''}",
                    statistics.median(per_s(r) for r in got),
                    statistics.median(r["requests"]["total"] for r in got),
                    statistics.median(r["taimer_requests"] for r in got),
                    ratio("bare", p) if mode == "load" else "",
                    ratio("bare_all", p) if mode == "load" else "",
                ]
            )
    table(
        f"3. Limit lifted, {invoices} invoices, {CONCURRENCY} threads in all, {rounds} alternating rounds (medians); "
        "RATIO ours / bare at the same processes (goal >= 0.8)",
        ["loop", "invoices/s", "Procountor requests", "Taimer requests", "RATIO ours / bare", "ours / bare_all"],
        rows,
    )


def _range(values: list[float]) -> str:
    return f"range {min(values):.3f}-{max(values):.3f}"


def _steps(run: dict[str, Any], names: tuple[str, ...]) -> str:
    return ", ".join(f"{n} {run['steps'][n]['seconds']:.1f} s" for n in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts: about a minute")
    parser.add_argument("--invoices", type=int, help="invoices of the rate and bare parts (default 2000; quick 100)")
    parser.add_argument("--memory", help="two sizes for the memory part (default 2000,20000; quick 100,400)")
    parser.add_argument("--rounds", type=int, help="runs of the rate and bare parts (default 3; quick 1)")
    parser.add_argument("--parts", default="rate,memory,bare", help="which parts to run (comma-separated)")
    parser.add_argument("--threads", default=str(CONCURRENCY), help="rate part: the load's thread counts, e.g. 4,8")
    parser.add_argument("--processes", default="1,2", help="bare part: processes the load and the bare loop run in")
    parser.add_argument("--ledger", choices=("sqlite", "postgresql"), default="sqlite", help="the ledger's backend")
    parser.add_argument("--tracemalloc", action="store_true", help="memory part: also trace Python allocations")
    args = parser.parse_args()
    invoices = args.invoices or (100 if args.quick else 2000)
    sizes = [int(n) for n in (args.memory or ("100,400" if args.quick else "2000,20000")).split(",")]
    rounds = args.rounds or (1 if args.quick else 3)
    parts = set(args.parts.split(","))
    banner("Outbound load against the Procountor and Taimer sandboxes (child processes)", args.quick)
    if args.ledger == "postgresql" and not pg_reachable():
        raise SystemExit(f"--ledger postgresql: no PostgreSQL at {PG_ADMIN_URL}")
    stack = Stack(args.ledger)
    try:
        if "rate" in parts:
            for threads in (int(t) for t in args.threads.split(",")):
                rate_part(stack, invoices, rounds, threads)
        if "memory" in parts:
            memory_part(stack, sizes, trace=args.tracemalloc)
        if "bare" in parts:
            bare_part(stack, invoices, rounds, [int(p) for p in args.processes.split(",")])
    finally:
        stack.close()
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
