"""Where the outbound load's time goes: CPU per invoice of each process, and of ours by kind of work.

The load of ``bench/outbound.py`` (seeded sales invoices, limit lifted, extract and validate first) runs in a spawned
child process; around its load step this script reads the CPU time of that process and of both sandboxes (Linux
``/proc``), and splits the load's own CPU time into kinds of work by timing, in every thread, the calls that do it
(``time.thread_time``, exclusive: a call inside another counts for the inner one):

- Procountor HTTP / Taimer HTTP: ``ProcountorClient.request``, the Taimer adapter's requests and attachment reads
  (``requests``, the retry and rate-limit wrappers, JSON);
- ledger: every method of ``ledger.outbound`` and ``ledger.attachments`` (SQLAlchemy and SQLite);
- pydantic: model construction, validation, dumps and copies;
- transform: ``transform.prepare``, ``prepared_part``, ``with_accounting``, ``sniff``; hashing: ``document_hash``;
- other: the rest of the load (its own logic, thread switches).

The process is one Python process with 4 threads, so its CPU per invoice bounds its rate (one core at most):
see docs/benchmarks.md, section 4.

    .venv/bin/python bench/outbound_profile.py [--invoices 300] [--threads 4] [--by-method]
"""

from __future__ import annotations

import argparse
import functools
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import requests
from _common import banner, database, table
from outbound import CREDENTIALS, KIND, NO_LIMIT, Spec, Stack, _client, _taimer, store_reference_snapshot

OTHER = "other (load logic, threads)"


@dataclass(frozen=True)
class Job:
    spec: Spec
    sandbox_pids: dict[str, int]
    by_method: bool


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_by_module(*modules: str) -> dict[str, int]:
    """Pids of this process's children running ``python -m <module>``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if ppid == os.getpid():
            for module in modules:
                if module.encode() in argv:
                    found[module] = int(entry.name)
    return found


class Timers:
    """Exclusive CPU time per kind of work, per thread: entering a timed call charges the time so far to the kind
    on top of this thread's stack."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self._local = threading.local()
        self._lock = threading.Lock()

    def _charge(self) -> list[str]:
        local = self._local
        if not hasattr(local, "stack"):
            local.stack, local.mark = [OTHER], time.thread_time()
        now = time.thread_time()
        with self._lock:
            self.seconds[local.stack[-1]] += now - local.mark
        local.mark = now
        return local.stack

    def wrap(self, owner: Any, name: str, kind: str) -> None:
        original = owner.__dict__.get(name, getattr(owner, name))
        is_classmethod = isinstance(original, classmethod)
        fn: Callable[..., Any] = original.__func__ if is_classmethod else original

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._charge().append(kind)
            try:
                return fn(*args, **kwargs)
            finally:
                self._charge().pop()

        setattr(owner, name, classmethod(timed) if is_classmethod else timed)


def install(timers: Timers, *, by_method: bool) -> None:
    import pydantic

    from taimer_procountor.ledger.attachments import AttachmentRepository
    from taimer_procountor.ledger.outbound import OutboundRepository
    from taimer_procountor.outbound import attachments, extract, load, transform
    from taimer_procountor.procountor.client import ProcountorClient
    from taimer_procountor.taimer.rest import TaimerRestAdapter

    for repo in (OutboundRepository, AttachmentRepository):
        for name, value in list(vars(repo).items()):
            if callable(value) and not name.startswith("__"):
                timers.wrap(repo, name, f"ledger {name}" if by_method else "ledger (SQLAlchemy + SQLite)")
    for owner, name in ((TaimerRestAdapter, "_send"), (TaimerRestAdapter, "_json"), (attachments, "read_attachment")):
        timers.wrap(owner, name, "Taimer HTTP")
    timers.wrap(ProcountorClient, "request", "Procountor HTTP")
    for name in ("model_validate", "model_dump", "model_copy", "__init__"):
        timers.wrap(pydantic.BaseModel, name, "pydantic")
    transforms = ((transform, "prepare"), (load, "prepared_part"), (load, "with_accounting"), (attachments, "sniff"))
    for owner, name in transforms:
        timers.wrap(owner, name, "transform")
    for owner in (extract, load):
        timers.wrap(owner, "document_hash", "hashing")


def run_child(job: Job) -> dict[str, Any]:
    from taimer_procountor.ledger import connect, migrate
    from taimer_procountor.outbound.extract import Selection
    from taimer_procountor.outbound.steps import CONCURRENCY_ENV, extract_step, load_step, validate_step

    spec = job.spec
    migrate(spec.ledger_url)
    ledger = connect(spec.ledger_url)
    taimer = _taimer(spec)
    store_reference_snapshot(ledger, spec.procountor_url, CREDENTIALS)
    doc_ids = extract_step(ledger, taimer, KIND, Selection())["doc_ids"]
    validate_step(ledger, taimer, KIND, doc_ids)
    os.environ[CONCURRENCY_ENV] = str(spec.concurrency)
    timers = Timers()
    install(timers, by_method=job.by_method)
    pids = {"ours": os.getpid(), **job.sandbox_pids}
    before = {name: process_cpu(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    with _client(spec) as client:
        loaded = load_step(ledger, taimer, client, KIND, doc_ids, worker="profile")
    wall = time.perf_counter() - started
    cpu = {name: process_cpu(pid) - before[name] for name, pid in pids.items()}
    ledger.engine.dispose()
    return {"invoices": len(doc_ids), "counts": loaded["counts"], "wall": wall, "cpu": cpu, "kinds": timers.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--by-method", action="store_true", help="the ledger split by repository method")
    args = parser.parse_args()
    banner("Outbound load profile: CPU per invoice (limit lifted)", quick=False)
    stack = Stack()
    try:
        pids = children_by_module("sandboxes.procountor", "sandboxes.taimer")
        stack.seed(args.invoices)
        control = stack.procountor.base_url + "/_control/settings"
        requests.patch(control, json={"rate_per_second": 0}, timeout=10).raise_for_status()
        sandboxes = {"Procountor sandbox": pids["sandboxes.procountor"], "Taimer sandbox": pids["sandboxes.taimer"]}
        with database("sqlite") as ledger_url, ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            spec = Spec("load", stack.procountor.base_url, stack.taimer.base_url, ledger_url, NO_LIMIT, args.threads)
            r = pool.submit(run_child, Job(spec, sandboxes, args.by_method)).result()
    finally:
        stack.close()
    n = r["invoices"]
    assert r["counts"].get("created") == n, r["counts"]
    per = {name: 1000 * s / n for name, s in r["cpu"].items()}
    rows: list[list[Any]] = [[f"process: {name}", ms, ""] for name, ms in per.items()]
    rows.append(["all three processes", sum(per.values()), f"2 cores / that = {2000 / sum(per.values()):.0f}/s"])
    traced = sum(r["kinds"].values())
    for kind, seconds in r["kinds"].most_common():
        rows.append([f"  ours: {kind}", 1000 * seconds / n, f"{100 * seconds / traced:.0f} %"])
    table(
        f"{n} invoices, {args.threads} threads: {n / r['wall']:.1f} invoices/s; CPU ms per invoice "
        f"(ours at most one core: 1000 / {per['ours']:.1f} = {1000 / per['ours']:.0f}/s)",
        ["", "ms / invoice", ""],
        rows,
    )
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
