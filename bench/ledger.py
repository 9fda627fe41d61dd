"""The ledger's outbound protocol on SQLite and PostgreSQL.

1. per document upsert_outbound -> mark_validated -> claim_next -> mark_sending -> record_sent (five transactions)
   vs a bare loop doing one INSERT and four UPDATEs by primary key, each in its own transaction, on the same engine:
   protocol/bare throughput is what the protocol's safety (conditional updates, row locks, ORM) costs;
2. claim throughput (claim_next -> mark_sending -> record_sent until nothing is left) with two worker processes vs
   one, on documents prepared as VALID; every document must end SENT exactly once.

PostgreSQL is used when reachable at $TP_TEST_PG_URL (default postgresql+psycopg2://root@127.0.0.1:5432/test); the
benchmark creates its own database there and drops it afterwards.

    .venv/bin/python bench/ledger.py [--quick]
"""

from __future__ import annotations

import multiprocessing as mp
import time
import uuid
from datetime import UTC, datetime

from _common import banner, best, database, parse_args, pg_reachable, table, timed
from sqlalchemy import event, text

from taimer_procountor.ledger import DocState, Ledger, connect
from taimer_procountor.ledger.engine import BEGIN_OPTION

RATE_FLOOR = 20  # Procountor's documented limit: one POST /invoices per document at best 20 documents per second

BARE_DDL = {
    "sqlite": "CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, source_id VARCHAR(128) UNIQUE, state VARCHAR(32),"
    " claim_token VARCHAR(64), invoice_id BIGINT, updated_at TIMESTAMP)",
    "postgresql": "CREATE TABLE bench_bare (id SERIAL PRIMARY KEY, source_id VARCHAR(128) UNIQUE, state VARCHAR(32),"
    " claim_token VARCHAR(64), invoice_id BIGINT, updated_at TIMESTAMP)",
}
BARE_UPDATES = (
    "UPDATE bench_bare SET state = 'valid', updated_at = :now WHERE id = :id",
    "UPDATE bench_bare SET state = 'claimed', claim_token = :token, updated_at = :now WHERE id = :id",
    "UPDATE bench_bare SET state = 'sending', updated_at = :now WHERE id = :id",
    "UPDATE bench_bare SET state = 'sent', claim_token = NULL, invoice_id = :inv, updated_at = :now WHERE id = :id",
)


def protocol(ledger: Ledger, prefix: str, n: int) -> None:
    for i in range(n):
        doc = ledger.outbound.upsert_outbound("bench", f"{prefix}-{i}", str(i), f"hash-{i}").document
        ledger.outbound.mark_validated(doc.id, [])
        [claimed] = ledger.outbound.claim_next("bench", 300, limit=1, source_type="bench")
        ledger.outbound.mark_sending(claimed.id, claimed.claim_token)
        ledger.outbound.record_sent(claimed.id, claimed.claim_token, 100_000 + claimed.id, invoice_number=str(i))


def bare(ledger: Ledger, prefix: str, n: int) -> None:
    """The floor: the same number of transactions, each one plain statement by primary key."""
    engine = ledger.engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}) if ledger.is_sqlite else ledger.engine
    insert = text(
        "INSERT INTO bench_bare (source_id, state, updated_at) VALUES (:sid, 'discovered', :now) RETURNING id"
    )
    updates = [text(sql) for sql in BARE_UPDATES]
    for i in range(n):
        now = datetime.now(UTC).replace(tzinfo=None)
        with engine.begin() as conn:
            doc_id = conn.execute(insert, {"sid": f"{prefix}-{i}", "now": now}).scalar_one()
        for stmt in updates:
            with engine.begin() as conn:
                conn.execute(stmt, {"id": doc_id, "now": now, "token": uuid.uuid4().hex, "inv": 100_000 + doc_id})


def bench_protocol(url: str, n: int, rounds: int) -> list[object]:
    ledger = connect(url)
    try:
        with ledger.engine.begin() as conn:
            conn.execute(text(BARE_DDL[ledger.dialect]))
        statements = [0]  # SQL statements the driver ran (BEGIN included), to explain the ratio

        def count(*_: object) -> None:
            statements[0] += 1

        event.listen(ledger.engine, "before_cursor_execute", count)
        protocol(ledger, "warm", 5)  # warm up and count
        per_doc_protocol, statements[0] = statements[0] / 5, 0
        bare(ledger, "warm", 5)
        per_doc_bare = statements[0] / 5
        event.remove(ledger.engine, "before_cursor_execute", count)
        t_protocol, t_bare = [], []
        for r in range(rounds):  # interleaved, so background load hits both alike
            t_bare.append(timed(lambda r=r: bare(ledger, f"r{r}", n))[0])
            t_protocol.append(timed(lambda r=r: protocol(ledger, f"r{r}", n))[0])
        sent = ledger.outbound.count_by_state(source_type="bench").get(DocState.SENT.value, 0)
        assert sent == (rounds * n + 5), sent  # every document went all the way
    finally:
        ledger.dispose()
    bare_rate, protocol_rate = n / best(t_bare), n / best(t_protocol)
    return [
        ledger.dialect,
        n,
        per_doc_bare,
        per_doc_protocol,
        bare_rate,
        protocol_rate,
        protocol_rate / bare_rate,
        protocol_rate / RATE_FLOOR,
    ]


def claim_worker(url: str, name: str, ready, go, results) -> None:
    ledger = connect(url)
    ledger.outbound.count_by_state()  # connected and warm
    ready.put(name)
    go.wait()
    start, sent = time.monotonic(), 0
    while docs := ledger.outbound.claim_next(name, 300, limit=1, source_type="claim"):
        for doc in docs:
            ledger.outbound.mark_sending(doc.id, doc.claim_token)
            ledger.outbound.record_sent(doc.id, doc.claim_token, 200_000 + doc.id)
            sent += 1
    results.put((name, sent, start, time.monotonic()))
    ledger.dispose()


def claim_run(url: str, n: int, workers: int, round_no: int) -> float:
    """Prepare ``n`` VALID documents, let ``workers`` processes drain them; seconds from the first worker's start to
    the last one's end."""
    ledger = connect(url)
    try:
        for i in range(n):
            doc = ledger.outbound.upsert_outbound("claim", f"c{round_no}-{i}", str(i), "h").document
            ledger.outbound.mark_validated(doc.id, [])
        ctx = mp.get_context("spawn")
        ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        procs = [ctx.Process(target=claim_worker, args=(url, f"w{k}", ready, go, results)) for k in range(workers)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=60)
        go.set()
        done = [results.get(timeout=300) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        counts = ledger.outbound.count_by_state(source_type="claim")
    finally:
        ledger.dispose()
    assert sum(d[1] for d in done) == n, done  # each document claimed and sent by exactly one worker
    assert counts == {DocState.SENT.value: n * (round_no + 1)}, counts
    return max(d[3] for d in done) - min(d[2] for d in done)


def bench_claims(url: str, dialect: str, n: int, rounds: int) -> list[object]:
    one, two = [], []
    for r in range(rounds):
        one.append(claim_run(url, n, 1, 2 * r))
        two.append(claim_run(url, n, 2, 2 * r + 1))
    return [dialect, n, n / best(one), n / best(two), best(one) / best(two)]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    banner("Ledger outbound protocol vs bare SQL; claim throughput, one vs two processes", args.quick)
    backends = ["sqlite"] + (["postgresql"] if pg_reachable() else [])
    sizes = (
        {"sqlite": (60, 100), "postgresql": (40, 60)}
        if args.quick
        else {"sqlite": (300, 300), "postgresql": (150, 200)}
    )
    rounds = 1 if args.quick else 3
    protocol_rows, claim_rows = [], []
    for backend in backends:
        n_protocol, n_claim = sizes[backend]
        with database(backend) as url:
            protocol_rows.append(bench_protocol(url, n_protocol, rounds))
            claim_rows.append(bench_claims(url, protocol_rows[-1][0], n_claim, rounds))
    table(
        f"Outbound protocol per document, 5 transactions each (best of {rounds} interleaved rounds)",
        [
            "backend",
            "docs",
            "bare SQL/doc",
            "protocol SQL/doc",
            "bare docs/s",
            "protocol docs/s",
            "RATIO protocol/bare",
            f"headroom over {RATE_FLOOR}/s",
        ],
        protocol_rows,
    )
    table(
        f"Claim -> mark_sending -> record_sent, documents prepared VALID (best of {rounds})",
        ["backend", "docs", "1 process docs/s", "2 processes docs/s", "RATIO 2/1"],
        claim_rows,
    )


if __name__ == "__main__":
    main()
