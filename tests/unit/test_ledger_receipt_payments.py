"""``ledger.payments``: company-money receipts, each marked paid at most once (claim before the PUT, adopt what
Procountor already has, a live claim blocks a second worker, an expired one does not)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from taimer_procountor.ledger import PaymentState, ReceiptToPay, connect, migrate


@pytest.fixture
def ledger(sqlite_url):
    migrate(sqlite_url)
    led = connect(sqlite_url)
    yield led
    led.engine.dispose()


def _sent_claim(ledger) -> int:
    doc = ledger.outbound.upsert_outbound("expense_report", "exp-1:company", "77-Y", "h1").document
    ledger.outbound.mark_validated(doc.id, [], content_hash="h1")
    (claimed,) = ledger.outbound.claim([doc.id], "w", 60)
    ledger.outbound.mark_sending(doc.id, claimed.claim_token, ttl=60)
    ledger.outbound.record_sent(doc.id, claimed.claim_token, 5001, invoice_number="1")
    return doc.id


RECEIPTS = [
    ReceiptToPay("co1", date(2026, 10, 13), Decimal("129.00"), "EUR"),
    ReceiptToPay("co2", date(2026, 10, 15), Decimal("96.50"), "EUR"),
]


def test_receipts_are_recorded_once_and_follow_taimer_until_marked(ledger):
    doc_id = _sent_claim(ledger)
    ledger.payments.upsert_receipts(doc_id, RECEIPTS)
    ledger.payments.upsert_receipts(doc_id, RECEIPTS)
    rows = ledger.payments.receipts_of(doc_id)
    assert [(r.receipt_key, r.payment_date, r.amount, r.state) for r in rows] == [
        ("co1", date(2026, 10, 13), "129.00", PaymentState.PENDING),
        ("co2", date(2026, 10, 15), "96.50", PaymentState.PENDING),
    ]
    assert [d.id for d in ledger.payments.open_documents()] == [doc_id]
    token = ledger.payments.claim(rows[0].id)
    assert token and ledger.payments.record_marked(rows[0].id, token, 88)
    changed = [ReceiptToPay("co1", date(2026, 10, 1), Decimal("1"), "EUR"),
               ReceiptToPay("co2", date(2026, 10, 16), Decimal("96.50"), "EUR")]  # fmt: skip
    ledger.payments.upsert_receipts(doc_id, changed)
    rows = ledger.payments.receipts_of(doc_id)
    assert (rows[0].payment_date, rows[0].state, rows[0].procountor_payment_event_id) == (
        date(2026, 10, 13), PaymentState.MARKED, 88)  # fmt: skip
    assert rows[1].payment_date == date(2026, 10, 16)
    ledger.payments.upsert_receipts(doc_id, changed[:1])  # co2 left the report before it was marked
    assert [r.receipt_key for r in ledger.payments.receipts_of(doc_id)] == ["co1"]
    assert ledger.payments.open_documents() == []


def test_a_live_claim_blocks_a_second_worker_an_unknown_outcome_is_adopted_not_repeated(ledger):
    doc_id = _sent_claim(ledger)
    ledger.payments.upsert_receipts(doc_id, RECEIPTS)
    first, _second = ledger.payments.receipts_of(doc_id)
    token = ledger.payments.claim(first.id, ttl=60)
    assert token is not None and ledger.payments.claim(first.id, ttl=60) is None  # held
    assert not ledger.payments.adopt(first.id, 90)  # nor adopted under a live claim
    assert ledger.payments.record_outcome(first.id, token, PaymentState.OUTCOME_UNKNOWN, "X", "timeout")
    assert ledger.payments.adopt(first.id, 90)  # the payment events showed it: recorded, no second PUT
    row = ledger.payments.receipts_of(doc_id)[0]
    assert (row.state, row.procountor_payment_event_id, row.error_code) == (PaymentState.MARKED, 90, "X")
    assert ledger.payments.claim(first.id) is None  # marked: never claimed again


def test_an_expired_claim_is_taken_over_and_the_old_token_is_void(ledger):
    doc_id = _sent_claim(ledger)
    ledger.payments.upsert_receipts(doc_id, RECEIPTS)
    row = ledger.payments.receipts_of(doc_id)[1]
    old = ledger.payments.claim(row.id, ttl=1)
    later = datetime.now(UTC) + timedelta(seconds=5)
    new = ledger.payments.claim(row.id, ttl=60, now=later)
    assert old and new and old != new
    assert not ledger.payments.record_marked(row.id, old, 1)
    assert ledger.payments.record_marked(row.id, new, 2)
    with pytest.raises(ValueError):
        ledger.payments.record_outcome(row.id, new, PaymentState.MARKED, "X", None)
