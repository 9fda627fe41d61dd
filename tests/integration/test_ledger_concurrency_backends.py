"""Two real worker processes against one ledger (SQLite file and PostgreSQL): every document is claimed and sent
exactly once; plus the core protocol on each backend."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta

import pytest

from taimer_procountor.ledger import ClaimLost, DocState, LookupRequired, connect, migrate

N_DOCS = 40

WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    from taimer_procountor.ledger import connect

    url, worker, go, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ledger = connect(url)
    ledger.outbound.count_by_state()  # connected and imported: tell the parent, then wait for the start signal
    open(go + "." + worker, "w").close()
    deadline = time.monotonic() + 60
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.005)
    # Both workers extract the same documents (concurrent upserts of the same rows) ...
    for i in range(n):
        doc = ledger.outbound.upsert_outbound("sales_invoice", f"S{i}", str(1000 + i), f"h{i}").document
        ledger.outbound.mark_validated(doc.id, [])
    # ... then claim -> send -> record in a loop until nothing is left.
    sent = []
    while True:
        claimed = ledger.outbound.claim_next(worker, 60, limit=2)
        if not claimed:
            break
        for doc in claimed:
            ledger.outbound.mark_sending(doc.id, doc.claim_token)
            time.sleep(0.003)  # the POST /invoices round trip, outside any ledger transaction
            ledger.outbound.record_sent(doc.id, doc.claim_token, 100000 + doc.id, invoice_number=str(doc.id))
            sent.append(doc.id)
    print(json.dumps(sent))
    """
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    migrate(url)
    return url


@pytest.mark.slow
def test_two_processes_claim_every_document_exactly_once(db_url, tmp_path):
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, db_url, f"worker-{k}", str(go), str(N_DOCS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in (1, 2)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"go.worker-{k}").exists() for k in (1, 2)) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # both are ready: start them together so their claims interleave
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    a, b = (set(r) for r in results)
    assert len(results[0]) == len(a) and len(results[1]) == len(b), "a worker sent one document twice"
    assert a.isdisjoint(b), f"claimed by both workers: {sorted(a & b)}"
    ledger = connect(db_url)
    try:
        docs = ledger.outbound.outbound_documents()
        assert len(docs) == N_DOCS
        assert a | b == {d.id for d in docs}
        assert all(d.state == DocState.SENT and d.attempt_count == 1 for d in docs)
        assert all(d.procountor_invoice_id == 100000 + d.id and d.claim_token is None for d in docs)
    finally:
        ledger.dispose()
    print(f"worker-1 sent {len(a)}, worker-2 sent {len(b)} of {N_DOCS}")


def test_protocol_on_backend(db_url):
    t0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    ledger = connect(db_url)
    try:
        doc = ledger.outbound.upsert_outbound("expense_invoice", "E1", "E-1", "h1").document
        assert ledger.outbound.mark_validated(doc.id, [])
        [a] = ledger.outbound.claim([doc.id], "a", 60, now=t0)
        ledger.outbound.mark_sending(doc.id, a.claim_token, now=t0)
        assert ledger.outbound.claim([doc.id], "b", 60, now=t0 + timedelta(seconds=59)) == []
        [b] = ledger.outbound.claim([doc.id], "b", 60, now=t0 + timedelta(seconds=61))
        assert b.lookup_required and b.claim_expires_at == t0 + timedelta(seconds=121)
        with pytest.raises(LookupRequired):
            ledger.outbound.mark_sending(doc.id, b.claim_token, now=t0 + timedelta(seconds=62))
        with pytest.raises(ClaimLost):
            ledger.outbound.mark_sending(doc.id, a.claim_token, now=t0 + timedelta(seconds=62))
        ledger.outbound.record_sent(doc.id, b.claim_token, 77, invoice_number="9")
        assert ledger.outbound.upsert_outbound("expense_invoice", "E1", "E-1", "h2").flagged
        assert ledger.outbound.get_outbound(doc.id).state == DocState.SENT

        flow = "inbound_payments"
        ledger.inbound.advance_watermark(flow, datetime(2025, 5, 1), overlap=timedelta(minutes=5))
        assert ledger.inbound.advance_watermark(flow, datetime(2024, 1, 1)).value == datetime(2025, 5, 1)

        items = [{"id": 1, "name": "Helsinki"}, {"id": 2, "name": "Tampere"}]
        assert ledger.reference.save_reference_snapshot("cost_centers", items).added == ["1", "2"]
        assert not ledger.reference.save_reference_snapshot("cost_centers", items).has_changes
        ledger.reference.mark_reference_pushed("cost_centers", items)
        assert ledger.reference.pending_reference_pushes("cost_centers", items) == []

        r1 = ledger.runs.start_run("dag", "manual__1", "reference")
        r2 = ledger.runs.start_run("dag", "manual__1", "reference")
        assert r1.id == r2.id and r2.attempts == 2
        assert ledger.inbound.upsert_inbound_mapping("purchase_invoice", 5, "t5").created
    finally:
        ledger.dispose()
