"""ProcountorClient against the Procountor sandbox (a child process) over loopback.

1. paged invoice search: the client's ``invoices.search`` vs a bare ``requests`` loop doing the same GETs with a
   token (sandbox rate limit off): client/bare throughput is the client's overhead;
2. POST /invoices: ``invoices.create`` vs a bare loop posting the same body (sandbox rate limit off);
3. rate: sandbox limit 20/s, client configured at 20/s, 1, 4 and 8 threads sharing the client: achieved rate /
   configured rate (from the sandbox's arrival times) and the sandbox's violation count (goal: 0).

    .venv/bin/python bench/procountor_client.py [--quick]
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from _common import banner, best, env, parse_args, table, timed

from sandboxes.procountor.dataset import default_dataset
from sandboxes.procountor.examples import example_invoice
from sandboxes.runner import serve_in_process
from taimer_procountor.procountor import ProcountorClient, ProcountorSettings

CLIENT_ID, SECRET, API_KEY = "sandbox-client", "sandbox-secret", "sandbox-api-key"
TIMEOUT = (5.0, 30.0)
NO_LIMIT = 1_000_000.0  # client-side rate when the sandbox's limit is off (the limiter still runs)


class Sandbox:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.api = base_url + "/api"

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.base}/_control{path}", timeout=(5, 120), **kwargs)
        response.raise_for_status()
        return response.json()

    def client(self, rate: float) -> ProcountorClient:
        settings = ProcountorSettings(
            base_url=self.api, client_id=CLIENT_ID, client_secret=SECRET, api_key=API_KEY, rate_per_second=rate
        )
        return ProcountorClient(settings)

    def bare_session(self) -> requests.Session:
        """A keep-alive session holding a bearer token, as a hand-written loop would have."""
        session = requests.Session()
        data = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET, "api_key": API_KEY}
        token = session.post(self.api + "/oauth/token", data=data, timeout=TIMEOUT).json()["access_token"]
        session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
        return session


def interleaved(rounds: int, bare: Callable[[], int], client: Callable[[], int], expect: int) -> tuple[float, float]:
    """Best seconds of ``bare`` and of ``client`` over ``rounds`` alternating runs (background load hits both alike).
    Each returns how many items it handled; a wrong count would make the numbers meaningless."""
    bare(), client()  # warm up: token, connection, code paths
    t_bare, t_client = [], []
    for _ in range(rounds):
        for fn, times in ((bare, t_bare), (client, t_client)):
            seconds, count = timed(fn)
            assert count == expect, (count, expect)
            times.append(seconds)
    return best(t_bare), best(t_client)


def row(case: str, requests_per_round: int, items: int, t_bare: float, t_client: float) -> list[Any]:
    return [
        case,
        requests_per_round,
        items / t_bare,
        items / t_client,
        requests_per_round / t_bare,
        requests_per_round / t_client,
        t_bare / t_client,
    ]


def bench_search(sb: Sandbox, invoices: int, rounds: int) -> list[list[Any]]:
    """One paged search over every invoice per round, at two page sizes."""
    rows = []
    for size in (200, 20):
        with sb.client(NO_LIMIT) as client, sb.bare_session() as session:

            def with_client(size: int = size, client: ProcountorClient = client) -> int:
                return sum(1 for _ in client.invoices.search(page_size=size))

            def bare(size: int = size, session: requests.Session = session) -> int:
                seen = page = 0
                while True:
                    r = session.get(sb.api + "/invoices", params={"page": page, "size": size}, timeout=TIMEOUT)
                    r.raise_for_status()
                    results = r.json()["results"]
                    seen += len(results)
                    if len(results) < size:
                        return seen
                    page += 1

            t_bare, t_client = interleaved(rounds, bare, with_client, invoices)
        rows.append(row(f"search, page size {size}", invoices // size + 1, invoices, t_bare, t_client))
    return rows


def bench_post(sb: Sandbox, posts: int, rounds: int) -> list[Any]:
    invoice = example_invoice("BENCH-POST")
    body = invoice.to_wire()
    with sb.client(NO_LIMIT) as client, sb.bare_session() as session:

        def with_client() -> int:
            return sum(client.invoices.create(invoice).id is not None for _ in range(posts))

        def bare() -> int:
            done = 0
            for _ in range(posts):
                r = session.post(sb.api + "/invoices", json=body, timeout=TIMEOUT)
                r.raise_for_status()
                done += r.json()["id"] is not None
            return done

        t_bare, t_client = interleaved(rounds, bare, with_client, posts)
    return row("POST /invoices", posts, posts, t_bare, t_client)


def max_in_window(stamps: list[float], window: float = 1.0) -> int:
    stamps = sorted(stamps)
    most = j = 0
    for i, t in enumerate(stamps):
        while t - stamps[j] >= window:
            j += 1
        most = max(most, i - j + 1)
    return most


def bench_rate(sb: Sandbox, total: int, threads: int, rate: int) -> list[Any]:
    """``total`` GET /company from ``threads`` threads sharing one client, the sandbox's limit equal to the client's
    rate; arrival times and 429s from the sandbox's own request log and counters."""
    sb.control("POST", "/reset")  # clears the request log and the violation counters (tokens stay valid)
    sb.control("PATCH", "/settings", json={"rate_per_second": rate})
    with sb.client(rate) as client, ThreadPoolExecutor(max_workers=threads) as pool:
        client.company()  # log in first: the measured requests all carry a token
        sb.control("POST", "/reset")
        elapsed, names = timed(lambda: list(pool.map(lambda _: client.company().name, range(total))))
    assert len(set(names)) == 1 and len(names) == total  # every call got the company
    log = [e for e in sb.control("GET", "/requests") if e["path"].startswith("/api/")]
    violations = sb.control("GET", "/stats")["rate_limit"]["violations_total"]
    stamps = sorted(dt.datetime.fromisoformat(e["time"]).timestamp() for e in log)
    # Evenly spaced grants, no bursts: the sustained rate is the arrivals after the first over the time they span.
    sustained = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    return [
        threads,
        len(log),
        elapsed,
        sustained,
        max_in_window(stamps),
        violations,
        sum(1 for e in log if e["status"] == 429),
        sustained / rate,
    ]


def rate_table(sb: Sandbox, total: int, rounds: int, rate: int = 20) -> None:
    rows = []
    for threads in (1, 4, 8):
        runs = [bench_rate(sb, total, threads, rate) for _ in range(rounds)]
        runs.sort(key=lambda r: r[-1])
        median = runs[len(runs) // 2]
        rows.append([*median, max(r[5] for r in runs), f"{runs[0][-1]:.3f}-{runs[-1][-1]:.3f}"])
    table(
        f"Rate: sandbox limit {rate}/s, client at {rate}/s, {total} GET /company per run, median of {rounds} runs "
        f"(arrival times from the sandbox's request log)",
        [
            "threads",
            "requests",
            "wall s",
            "req/s",
            "most in any 1 s",
            "violations",
            "429s",
            "RATIO achieved/configured",
            "violations, worst run",
            "ratio range",
        ],
        rows,
    )


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    banner("ProcountorClient vs bare requests, Procountor sandbox in a child process", args.quick)
    # Many short rounds, alternating: the best of them is the steadiest number on a machine shared with other work.
    invoices, rounds, posts = (500, 6, 20) if args.quick else (1000, 20, 25)
    rate_total, rate_rounds = (60, 1) if args.quick else (200, 3)
    fixture = default_dataset().model_dump(mode="json")
    body = example_invoice("x").to_wire()
    fixture["invoices"] = [dict(body, originalInvoiceNumber=f"FIX-{i}") for i in range(invoices)]
    # No rate limit and no response validation in the sandbox, so the server does as little as it can and what
    # differs between the two loops is the client.
    with env(PROCOUNTOR_SANDBOX_RATE_PER_SECOND="0", PROCOUNTOR_SANDBOX_VALIDATE_RESPONSES="0"):
        server = serve_in_process("sandboxes.procountor")
    with server:
        sb = Sandbox(server.base_url)
        t_load, _ = timed(lambda: sb.control("POST", "/fixture", data=json.dumps(fixture)))
        print(f"loaded {invoices} invoices through /_control/fixture in {t_load:.2f} s")
        rows = bench_search(sb, invoices, rounds)
        rows.append(bench_post(sb, posts, rounds))
        table(
            f"Throughput, sandbox limit off (best of {rounds} interleaved rounds)",
            ["case", "reqs/round", "bare items/s", "client items/s", "bare req/s", "client req/s", "RATIO client/bare"],
            rows,
        )
        rate_table(sb, rate_total, rate_rounds)


if __name__ == "__main__":
    main()
