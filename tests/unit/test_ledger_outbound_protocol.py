"""Outbound documents on a real SQLite ledger: upsert/flag, validation, claim -> send -> record, lookup before
repost, claim expiry takeover, attachments at most once, redaction of stored errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from taimer_procountor.ledger import (
    AttachmentState,
    ClaimLost,
    DocState,
    DuplicateInvoiceError,
    LookupRequired,
    connect,
    content_hash,
    migrate,
)
from taimer_procountor.redaction import register_secret

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def ledger(sqlite_url):
    migrate(sqlite_url)
    led = connect(sqlite_url)
    yield led
    led.dispose()


def _valid_doc(ledger, source_id="S1", number="1001", digest="h1", source_type="sales_invoice"):
    doc = ledger.outbound.upsert_outbound(source_type, source_id, number, digest).document
    assert ledger.outbound.mark_validated(doc.id, [])
    return doc


def test_upsert_is_idempotent_and_resets_unsent_document_on_change(ledger):
    first = ledger.outbound.upsert_outbound("sales_invoice", "S1", "1001", "h1", details={"customer": "Oy Ab"})
    again = ledger.outbound.upsert_outbound("sales_invoice", "S1", "1001", "h1")
    assert first.created and not again.created and not again.content_changed
    assert first.document.id == again.document.id
    assert ledger.outbound.mark_validated(first.document.id, [])
    changed = ledger.outbound.upsert_outbound("sales_invoice", "S1", "1001", "h2")
    assert changed.reset and changed.content_changed and not changed.flagged
    assert changed.document.state == DocState.DISCOVERED and changed.document.content_hash == "h2"
    assert changed.document.details == {"customer": "Oy Ab"}


def test_changed_after_send_is_flagged_not_reset(ledger):
    doc = _valid_doc(ledger)
    [claimed] = ledger.outbound.claim([doc.id], "w1", 60)
    ledger.outbound.mark_sending(doc.id, claimed.claim_token)
    ledger.outbound.record_sent(doc.id, claimed.claim_token, 9001, invoice_number="55")
    res = ledger.outbound.upsert_outbound("sales_invoice", "S1", "1001", "h2")
    assert res.flagged and not res.reset
    got = ledger.outbound.get_outbound(doc.id)
    assert got.state == DocState.SENT and got.changed_after_send
    assert got.content_hash == "h1" and got.latest_content_hash == "h2" and got.procountor_invoice_id == 9001
    # Not claimable: a flagged document is never resent blindly.
    assert ledger.outbound.claim_next("w2", 60, limit=10) == []
    # Updating the UNFINISHED invoice with PUT clears the flag.
    assert ledger.outbound.record_updated(doc.id, "h2", version="v2")
    assert not ledger.outbound.get_outbound(doc.id).changed_after_send
    assert ledger.outbound.outbound_documents(changed_after_send=True) == []


def test_change_while_claimed_is_flagged_when_recorded(ledger):
    doc = _valid_doc(ledger)
    [c] = ledger.outbound.claim([doc.id], "w1", 60)
    res = ledger.outbound.upsert_outbound("sales_invoice", "S1", "1001", "h9")
    assert not res.reset and res.document.state == DocState.CLAIMED
    ledger.outbound.mark_sending(doc.id, c.claim_token)
    sent = ledger.outbound.record_sent(doc.id, c.claim_token, 1)
    assert sent.changed_after_send


def test_invalid_documents_are_never_claimed(ledger):
    doc = ledger.outbound.upsert_outbound("travel_invoice", "T1", "7", "h").document
    errors = [{"code": "PERSON_ID_MISSING", "field": "personId", "message": "Matti Meikäläinen has no person ID"}]
    assert ledger.outbound.mark_validated(doc.id, errors)
    got = ledger.outbound.get_outbound(doc.id)
    assert got.state == DocState.INVALID and got.last_error_code == "PERSON_ID_MISSING"
    assert got.validation_errors == errors
    assert ledger.outbound.claim_next("w", 60, limit=5) == []
    # A stale validation (the content changed meanwhile) does not overwrite the state.
    ledger.outbound.upsert_outbound("travel_invoice", "T1", "7", "h-new")
    assert not ledger.outbound.mark_validated(doc.id, [], content_hash="h")
    assert ledger.outbound.mark_validated(doc.id, [], content_hash="h-new")
    assert [d.id for d in ledger.outbound.claim_next("w", 60)] == [doc.id]


def test_claim_send_record_happy_path_counts_attempts(ledger):
    docs = [_valid_doc(ledger, f"S{i}", str(1000 + i), f"h{i}") for i in range(3)]
    claimed = ledger.outbound.claim_next("w1", 60, limit=2, now=T0)
    assert [d.id for d in claimed] == [docs[0].id, docs[1].id]
    assert all(d.state == DocState.CLAIMED and d.claimed_by == "w1" for d in claimed)
    assert [d.id for d in ledger.outbound.claim([d.id for d in docs], "w2", 60, now=T0)] == [docs[2].id]
    for d in claimed:
        ledger.outbound.mark_sending(d.id, d.claim_token, now=T0)
        ledger.outbound.record_sent(d.id, d.claim_token, 500 + d.id, invoice_number=str(d.id), now=T0)
    got = ledger.outbound.get_outbound(docs[0].id)
    assert got.state == DocState.SENT and got.attempt_count == 1 and got.claim_token is None
    assert got.sent_at == T0 and not got.lookup_required
    assert ledger.outbound.record_enriched(got.id, ledger_receipt_id=77)
    assert not ledger.outbound.record_enriched(got.id)  # repeat: no-op
    assert ledger.outbound.record_attached(got.id)
    assert ledger.outbound.record_written_back(got.id)
    final = ledger.outbound.get_outbound(got.id)
    assert final.state == DocState.WRITTEN_BACK and final.procountor_ledger_receipt_id == 77
    assert ledger.outbound.count_by_state()["written_back"] == 1


def test_outcome_unknown_needs_lookup_before_repost(ledger):
    doc = _valid_doc(ledger)
    [c] = ledger.outbound.claim([doc.id], "w1", 60)
    ledger.outbound.mark_sending(doc.id, c.claim_token)
    assert ledger.outbound.record_outcome_unknown(doc.id, c.claim_token, "TIMEOUT_AFTER_POST", "read timed out")
    assert [d.id for d in ledger.outbound.documents_needing_lookup()] == [doc.id]
    [c2] = ledger.outbound.claim_next("w2", 60)
    assert c2.lookup_required and c2.attempt_count == 1
    with pytest.raises(LookupRequired):
        ledger.outbound.mark_sending(doc.id, c2.claim_token)
    # Lookup by originalInvoiceNumber found nothing: posting again is allowed.
    ledger.outbound.record_lookup_absent(doc.id, c2.claim_token)
    ledger.outbound.mark_sending(doc.id, c2.claim_token)
    ledger.outbound.record_sent(doc.id, c2.claim_token, 42)
    got = ledger.outbound.get_outbound(doc.id)
    assert got.attempt_count == 2 and got.state == DocState.SENT and ledger.outbound.documents_needing_lookup() == []


def test_lookup_found_records_sent_without_repost(ledger):
    doc = _valid_doc(ledger)
    [c] = ledger.outbound.claim([doc.id], "w1", 60)
    ledger.outbound.mark_sending(doc.id, c.claim_token)
    ledger.outbound.record_outcome_unknown(doc.id, c.claim_token, "HTTP_502")
    [c2] = ledger.outbound.claim_next("w2", 60)
    ledger.outbound.record_sent(doc.id, c2.claim_token, 4242, invoice_number="12")
    got = ledger.outbound.get_outbound(doc.id)
    assert got.state == DocState.SENT and got.attempt_count == 1 and got.procountor_invoice_id == 4242
    # Same answer again: no-op; a different invoice id means a duplicate and is refused loudly.
    assert ledger.outbound.record_sent(doc.id, None, 4242).procountor_invoice_id == 4242
    with pytest.raises(DuplicateInvoiceError):
        ledger.outbound.record_sent(doc.id, None, 9999)


def test_failure_codes_and_retryable(ledger):
    a, b = _valid_doc(ledger, "A", "1"), _valid_doc(ledger, "B", "2")
    ca, cb = ledger.outbound.claim([a.id, b.id], "w", 60)
    errs = [{"status": "INVALID", "field": "invoiceDate", "message": "CLOSED_FISCAL_PERIOD"}]
    assert ledger.outbound.record_failure(a.id, ca.claim_token, "CLOSED_FISCAL_PERIOD", "period closed", errs)
    assert ledger.outbound.record_failure(b.id, cb.claim_token, "HTTP_429", "rate limited before send", retryable=True)
    ga, gb = ledger.outbound.get_outbound(a.id), ledger.outbound.get_outbound(b.id)
    assert ga.state == DocState.FAILED and ga.last_error_code == "CLOSED_FISCAL_PERIOD" and ga.errors == errs
    assert gb.state == DocState.VALID and gb.last_error_code == "HTTP_429"
    # The lost-claim holder cannot record anything.
    assert not ledger.outbound.record_failure(a.id, ca.claim_token, "X")
    # A person asks to re-send: back to DISCOVERED, validated again before any claim.
    assert ledger.outbound.reset_for_resend([a.id]) == 1
    assert ledger.outbound.get_outbound(a.id).state == DocState.DISCOVERED


def test_claim_expiry_takeover(ledger):
    doc = _valid_doc(ledger)
    [a] = ledger.outbound.claim([doc.id], "worker-a", 60, now=T0)
    assert ledger.outbound.claim([doc.id], "worker-b", 60, now=T0 + timedelta(seconds=30)) == []
    [b] = ledger.outbound.claim([doc.id], "worker-b", 60, now=T0 + timedelta(seconds=61))
    assert b.claimed_by == "worker-b" and b.claim_token != a.claim_token
    assert not b.lookup_required  # A never said it was posting
    with pytest.raises(ClaimLost):
        ledger.outbound.mark_sending(doc.id, a.claim_token, now=T0 + timedelta(seconds=62))
    ledger.outbound.mark_sending(doc.id, b.claim_token, now=T0 + timedelta(seconds=62))
    assert ledger.outbound.get_outbound(doc.id).state == DocState.SENDING


def test_takeover_of_a_crashed_sender_requires_lookup(ledger):
    doc = _valid_doc(ledger)
    [a] = ledger.outbound.claim([doc.id], "worker-a", 60, now=T0)
    ledger.outbound.mark_sending(doc.id, a.claim_token, now=T0)  # ... and worker-a crashes after the POST
    assert ledger.outbound.documents_needing_lookup(now=T0 + timedelta(seconds=10)) == []  # claim still live
    assert [d.id for d in ledger.outbound.documents_needing_lookup(now=T0 + timedelta(seconds=61))] == [doc.id]
    [b] = ledger.outbound.claim_next("worker-b", 60, now=T0 + timedelta(seconds=61))
    assert b.lookup_required
    with pytest.raises(LookupRequired):
        ledger.outbound.mark_sending(doc.id, b.claim_token, now=T0 + timedelta(seconds=62))
    # worker-a was only slow, not dead: its answer arrives late and is still recorded (facts win) ...
    ledger.outbound.record_sent(doc.id, a.claim_token, 31337, now=T0 + timedelta(seconds=63))
    # ... so worker-b, which lost its claim with that, can never post a second invoice.
    with pytest.raises(ClaimLost):
        ledger.outbound.record_lookup_absent(doc.id, b.claim_token, now=T0 + timedelta(seconds=64))
    with pytest.raises(ClaimLost):
        ledger.outbound.mark_sending(doc.id, b.claim_token, now=T0 + timedelta(seconds=64))
    assert ledger.outbound.get_outbound(doc.id).procountor_invoice_id == 31337


def test_release_claim_returns_document(ledger):
    doc = _valid_doc(ledger)
    [c] = ledger.outbound.claim([doc.id], "w", 60)
    assert ledger.outbound.release_claim(doc.id, c.claim_token)
    assert ledger.outbound.get_outbound(doc.id).state == DocState.VALID
    assert len(ledger.outbound.claim_next("w", 60)) == 1


def test_max_attempts_and_source_type_filter(ledger):
    s = _valid_doc(ledger, "S", "1")
    _valid_doc(ledger, "P", "2", source_type="purchase_invoice")
    ledger.outbound.upsert_outbound("purchase_invoice", "P9", "9", "h")
    [c] = ledger.outbound.claim_next("w", 60, source_type="sales_invoice", limit=5)
    assert c.id == s.id
    ledger.outbound.mark_sending(s.id, c.claim_token)
    ledger.outbound.record_outcome_unknown(s.id, c.claim_token, "TIMEOUT")
    assert ledger.outbound.claim_next("w", 60, source_type="sales_invoice", max_attempts=1) == []


def test_attachments_at_most_once(ledger):
    doc = _valid_doc(ledger)
    att = ledger.attachments.upsert_attachment(
        doc.id, "A1", "kuitti.pdf", size=1234, content_hash="ah", mime_type="application/pdf"
    )
    again = ledger.attachments.upsert_attachment(doc.id, "A1", "kuitti.pdf", size=1234, content_hash="ah")
    assert att.id == again.id
    big = ledger.attachments.upsert_attachment(doc.id, "A2", "video.mp4", size=20_000_000)
    assert ledger.attachments.skip_attachment(big.id, "ATTACHMENT_TYPE_NOT_ALLOWED", "video/mp4 is not gif/jpg/pdf/txt")

    c1 = ledger.attachments.claim_attachment(att.id, "w1", 60, now=T0)
    assert c1 is not None and ledger.attachments.claim_attachment(att.id, "w2", 60, now=T0) is None
    ledger.attachments.mark_attachment_uploading(att.id, c1.claim_token, now=T0)
    assert ledger.attachments.record_attachment_outcome_unknown(att.id, c1.claim_token, "TIMEOUT")
    c2 = ledger.attachments.claim_attachment(att.id, "w2", 60, now=T0)
    assert c2 is not None and c2.lookup_required
    with pytest.raises(LookupRequired):
        ledger.attachments.mark_attachment_uploading(att.id, c2.claim_token, now=T0)
    # The invoice's attachment list shows it: record without uploading again.
    ledger.attachments.record_attachment_uploaded(att.id, c2.claim_token, 880)
    assert ledger.attachments.claim_attachment(att.id, "w3", 60) is None
    states = {a.taimer_attachment_id: a.state for a in ledger.attachments.attachments_of(doc.id)}
    assert states == {"A1": AttachmentState.UPLOADED, "A2": AttachmentState.SKIPPED}

    [c] = ledger.outbound.claim([doc.id], "w", 60)
    ledger.outbound.mark_sending(doc.id, c.claim_token)
    ledger.outbound.record_sent(doc.id, c.claim_token, 1)
    assert ledger.outbound.record_enriched(doc.id)
    assert ledger.outbound.record_attached(doc.id)


def test_the_steps_after_the_send_are_recorded_only_in_order(ledger):
    doc = _sent_doc(ledger)
    assert not ledger.outbound.record_attached(doc.id)  # not enriched yet
    assert ledger.outbound.record_written_back(doc.id)  # stamped ...
    assert ledger.outbound.get_outbound(doc.id).state == DocState.SENT  # ... but the enrichment is still owed
    # the enrichment failed while the attachments and the write-back went through: the document stays SENT
    held = ledger.outbound.record_finished(doc.id, enriched=False, attach=True, written_back=True)
    assert (held.state, held.attached) == (DocState.SENT, True)
    done = ledger.outbound.record_finished(doc.id, enriched=True, attach=True, written_back=True)
    assert done.state == DocState.WRITTEN_BACK


def test_an_update_puts_a_written_back_document_back_to_sent_for_its_new_receipt(ledger):
    doc = _sent_doc(ledger)
    ledger.outbound.record_finished(doc.id, enriched=True, attach=True, written_back=True)
    assert ledger.outbound.record_updated(doc.id, "h-new", ledger_receipt_id=9002)
    row = ledger.outbound.get_outbound(doc.id)
    assert (row.state, row.procountor_ledger_receipt_id, row.content_hash) == (DocState.SENT, 9002, "h-new")


def test_owed_after_send_is_every_step_still_owed_and_only_that(ledger):
    owed_states = {}
    for n, steps in enumerate(([], ["enrich"], ["enrich", "attach"], ["enrich", "attach", "write"])):
        doc = _valid_doc(ledger, source_id=f"S{n}", number=f"10{n}")
        [c] = ledger.outbound.claim([doc.id], "w", 60)
        ledger.outbound.mark_sending(doc.id, c.claim_token)
        ledger.outbound.record_sent(doc.id, c.claim_token, 500 + n)
        if steps:
            ledger.outbound.record_finished(
                doc.id, enriched=True, attach="attach" in steps, written_back="write" in steps
            )
        owed_states[doc.id] = ledger.outbound.get_outbound(doc.id).state
    done = next(i for i, state in owed_states.items() if state == DocState.WRITTEN_BACK)
    _valid_doc(ledger, source_id="S-unsent", number="199")  # not in Procountor: nothing owed after a send
    other = _valid_doc(ledger, source_id="B1", number="299", source_type="purchase_invoice")
    [c] = ledger.outbound.claim([other.id], "w", 60)
    ledger.outbound.mark_sending(other.id, c.claim_token)
    ledger.outbound.record_sent(other.id, c.claim_token, 600)
    assert sorted(owed_states.values()) == sorted(
        [DocState.SENT, DocState.ENRICHED, DocState.ATTACHED, DocState.WRITTEN_BACK]
    )

    def owed() -> list[int]:
        return [d.id for d in ledger.outbound.owed_after_send("sales_invoice")]

    assert owed() == sorted(i for i in owed_states if i != done)
    # a written-back document with an attachment still open (an update conflict, then an unknown upload) is owed
    att = ledger.attachments.upsert_attachment(done, "A9", "late.pdf")
    assert owed() == sorted(owed_states)
    c = ledger.attachments.claim_attachment(att.id, "w", 60)
    ledger.attachments.mark_attachment_uploading(att.id, c.claim_token)
    ledger.attachments.record_attachment_failure(att.id, c.claim_token, "PROCOUNTOR_BAD_REQUEST")  # refused: done
    assert owed() == sorted(i for i in owed_states if i != done)


def test_record_attached_refuses_open_attachments(ledger):
    doc = _valid_doc(ledger)
    ledger.attachments.upsert_attachment(doc.id, "A1", "a.txt")
    [c] = ledger.outbound.claim([doc.id], "w", 60)
    ledger.outbound.mark_sending(doc.id, c.claim_token)
    ledger.outbound.record_sent(doc.id, c.claim_token, 1)
    with pytest.raises(ValueError, match="attachment"):
        ledger.outbound.record_attached(doc.id)


def test_error_details_are_redacted(ledger, sqlite_url):
    secret = "tok-3f9a8b7c6d5e-SECRET"
    register_secret(secret)
    doc = _valid_doc(ledger)
    [c] = ledger.outbound.claim([doc.id], "w", 60)
    errs = [{"status": "INVALID", "field": "x", "message": f"Bearer {secret} rejected"}]
    ledger.outbound.record_failure(doc.id, c.claim_token, "ERROR_OPERATOR", f"POST failed with header {secret}", errs)
    ledger.runs.start_run("dag", "run", "outbound")
    ledger.runs.finish_run("dag", "run", "outbound", "failed", errors=[{"detail": secret}])
    with ledger.engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("outbound_document", "flow_run")
            for row in conn.execute(text(f"select * from {table}"))  # noqa: S608 - fixed table names
        )
    assert "***" in dump and secret not in dump


def test_content_hash_ignores_key_order():
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


def _sent_doc(ledger, invoice_id=501, receipt_id=9001):
    doc = _valid_doc(ledger)
    [c] = ledger.outbound.claim([doc.id], "w1", 60)
    ledger.outbound.mark_sending(doc.id, c.claim_token)
    ledger.outbound.record_sent(doc.id, c.claim_token, invoice_id, invoice_number="77", ledger_receipt_id=receipt_id)
    return doc


def test_record_updated_forgets_the_old_receipt_when_the_answer_names_none(ledger):
    doc = _sent_doc(ledger, receipt_id=9001)
    assert ledger.outbound.record_updated(doc.id, "h-new")
    assert ledger.outbound.get_outbound(doc.id).procountor_ledger_receipt_id is None  # read from the invoice


def test_record_updated_keeps_the_new_ledger_receipt_id(ledger):
    doc = _sent_doc(ledger)
    ledger.outbound.upsert_outbound("sales_invoice", "S1", "1001", "h2")
    assert ledger.outbound.record_updated(doc.id, "h2", version="v2", ledger_receipt_id=9002)
    row = ledger.outbound.get_outbound(doc.id)
    assert (row.procountor_ledger_receipt_id, row.procountor_version, row.procountor_invoice_id) == (9002, "v2", 501)


def test_unlink_invalidated_forgets_the_invoice_keeps_the_link_and_reopens_attachments(ledger):
    doc = _sent_doc(ledger)
    att = ledger.attachments.upsert_attachment(doc.id, "A1", "kuitti.pdf", size=10)
    claimed = ledger.attachments.claim_attachment(att.id, "w1", 60)
    ledger.attachments.mark_attachment_uploading(att.id, claimed.claim_token)
    ledger.attachments.record_attachment_uploaded(att.id, claimed.claim_token, 3001)
    assert ledger.outbound.unlink_invalidated(doc.id, "h3")
    row = ledger.outbound.get_outbound(doc.id)
    assert row.state == DocState.DISCOVERED and row.procountor_invoice_id is None
    assert row.details["replaced_invoices"] == [501] and row.content_hash == "h3"
    [a] = ledger.attachments.attachments_of(doc.id)
    assert a.state == AttachmentState.PENDING and a.procountor_attachment_id is None
    assert not ledger.outbound.unlink_invalidated(doc.id, "h3")  # nothing in Procountor any more: no-op
    # sent again: a new id is recorded without a DuplicateInvoiceError, the old one stays linked
    assert ledger.outbound.mark_validated(doc.id, [], content_hash="h3")
    [c] = ledger.outbound.claim([doc.id], "w2", 60)
    ledger.outbound.mark_sending(doc.id, c.claim_token)
    again = ledger.outbound.record_sent(doc.id, c.claim_token, 502)
    assert again.procountor_invoice_id == 502 and again.details["replaced_invoices"] == [501]


def test_record_sent_remembers_which_run_sent_it_and_a_repeat_keeps_it(ledger):
    doc = _valid_doc(ledger)
    [c] = ledger.outbound.claim([doc.id], "w1", 60)
    ledger.outbound.mark_sending(doc.id, c.claim_token)
    ledger.outbound.record_sent(doc.id, c.claim_token, 601, sent_by="run-1")
    ledger.outbound.record_sent(doc.id, None, 601, sent_by="run-2")  # a repeat is a no-op
    assert ledger.outbound.get_outbound(doc.id).details["sent_by"] == "run-1"


def test_claim_with_send_commits_sending_at_once_unless_a_lookup_is_owed(ledger):
    fresh = _valid_doc(ledger, "S1", "1001", "h1")
    crashed = _valid_doc(ledger, "S2", "1002", "h2")
    [a] = ledger.outbound.claim([crashed.id], "worker-a", 60, now=T0)
    ledger.outbound.mark_sending(crashed.id, a.claim_token, now=T0)  # ... and worker-a dies after its POST
    later = T0 + timedelta(seconds=61)
    got = {d.id: d for d in ledger.outbound.claim([fresh.id, crashed.id], "w", 60, send=True, now=later)}
    sending, owed = got[fresh.id], got[crashed.id]
    assert sending.state == DocState.SENDING and sending.lookup_required and sending.attempt_count == 1
    assert sending.last_attempt_at == later and sending.claim_expires_at == later + timedelta(seconds=60)
    assert owed.state == DocState.CLAIMED and owed.lookup_required and owed.attempt_count == 1  # not posted again
    with pytest.raises(LookupRequired):
        ledger.outbound.mark_sending(crashed.id, owed.claim_token, now=later)
    # a crash right after that commit: the taker-over must look the invoice up before any POST
    [b] = ledger.outbound.claim([fresh.id], "w2", 60, send=True, now=later + timedelta(seconds=61))
    assert b.state == DocState.CLAIMED and b.lookup_required


def test_record_finished_records_the_steps_after_the_send_in_one_go(ledger):
    doc = _sent_doc(ledger)
    done = ledger.outbound.record_finished(doc.id, enriched=True, attach=True, written_back=True, ledger_receipt_id=77)
    assert (done.state, done.attached) == (DocState.WRITTEN_BACK, True)
    row = ledger.outbound.get_outbound(doc.id)
    assert row.procountor_ledger_receipt_id == 77
    assert None not in (row.enriched_at, row.attached_at, row.written_back_at)


def test_record_finished_with_an_open_attachment_or_no_enrichment_does_not_write_back(ledger):
    doc = _sent_doc(ledger)
    att = ledger.attachments.upsert_attachment(doc.id, "A1", "a.txt")
    held = ledger.outbound.record_finished(doc.id, enriched=True, attach=True, written_back=True)
    assert (held.state, held.attached) == (DocState.ENRICHED, False)
    assert ledger.outbound.get_outbound(doc.id).written_back_at is None
    assert ledger.attachments.skip_attachment(att.id, "ATTACHMENT_TYPE_NOT_ALLOWED")
    again = ledger.outbound.record_finished(doc.id, enriched=True, attach=True, written_back=True)
    assert (again.state, again.attached) == (DocState.WRITTEN_BACK, True)
    # the write-back to Taimer failed: the other steps are recorded, written_back_at is not
    other = _valid_doc(ledger, "S2", "1002", "h2")
    [c] = ledger.outbound.claim([other.id], "w", 60, send=True)
    ledger.outbound.record_sent(other.id, c.claim_token, 502)
    failed = ledger.outbound.record_finished(other.id, enriched=True, attach=True, written_back=False)
    assert (failed.state, failed.attached) == (DocState.ATTACHED, True)
    assert ledger.outbound.get_outbound(other.id).written_back_at is None
