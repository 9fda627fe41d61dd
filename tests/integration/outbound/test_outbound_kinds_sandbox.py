"""Purchase invoices, travel and expense reports at library level, against a real Procountor sandbox on loopback.

A seeded batch of bills, travel and expense reports carries every defect of those kinds. ``prepare`` +
``validate_batch`` (the context built from the sandbox's reference data through the reference fetch and the ledger)
catch each defect with its own code, attachment defects while the bytes stream (``read_attachment``). Every
invoice judged valid is POSTed through the real client and accepted with Procountor's own total equal to ours; the
request log shows no 400. (Through the DAG: tests/e2e/test_outbound_kinds_e2e.py.)
"""

from __future__ import annotations

import pytest

from sandboxes.seed.attachments import iter_blob
from sandboxes.seed.defects import DEFECTS, DOCUMENT_DEFECTS, OUTBOUND_EXPECTED_CODES
from sandboxes.seed.generator import SeedConfig, generate
from taimer_procountor.errors import CATALOGUE
from taimer_procountor.ledger import PaymentState, connect, migrate
from taimer_procountor.ledger.payments import ReceiptToPay
from taimer_procountor.outbound.attachments import AttachmentRefusedError, read_attachment
from taimer_procountor.outbound.extract import ledger_source_id
from taimer_procountor.outbound.markpaid import WATERMARK, mark_company_receipts
from taimer_procountor.outbound.transform import PART_SUFFIXES, prepare
from taimer_procountor.outbound.validate import validate_batch
from taimer_procountor.taimer.models import DocumentKind, PaymentSource

from .conftest import request_log

KINDS = (DocumentKind.BILL, DocumentKind.TRAVEL_REPORT, DocumentKind.EXPENSE_REPORT)
TYPES = {
    DocumentKind.BILL: "PURCHASE_INVOICE",
    DocumentKind.TRAVEL_REPORT: "TRAVEL_INVOICE",
    DocumentKind.EXPENSE_REPORT: "BILL_OF_CHARGES",
}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_every_defect_of_the_kind_has_its_own_expected_catalogue_code(kind):
    expected = OUTBOUND_EXPECTED_CODES[kind]
    assert set(expected) == {d for d in DOCUMENT_DEFECTS if kind in DEFECTS[d].kinds}
    assert set(expected.values()) <= set(CATALOGUE)
    assert len(set(expected.values())) == len(expected)


@pytest.fixture(scope="module")
def seeded():
    return generate(SeedConfig(seed=11, sales_invoices=0, bills=40, expense_reports=36, travel_reports=36,
                               defect_share=0.6, attachment_share=0.3))  # fmt: skip


def _documents(seeded, kind):
    return {
        DocumentKind.BILL: seeded.taimer.bills,
        DocumentKind.TRAVEL_REPORT: seeded.taimer.travel_reports,
        DocumentKind.EXPENSE_REPORT: seeded.taimer.expense_reports,
    }[kind]


def test_each_defect_is_caught_and_every_valid_invoice_is_accepted(seeded, seeded_context, client, procountor):
    manifest = seeded.manifest
    ctx = seeded_context(seeded)
    before = len(request_log(procountor))
    posted = 0
    for kind in KINDS:
        documents = _documents(seeded, kind)
        expected = OUTBOUND_EXPECTED_CODES[kind]
        planted = {d for doc in documents for d in manifest.defects_of(doc.id)}
        assert planted == set(expected), f"the seed must plant every {kind.value} defect"
        batch = [(doc, None, prepare(doc, None, ctx)) for doc in documents]
        errors = validate_batch(batch, ctx)
        refused: set[str] = set()
        for doc, _customer, prepared in batch:
            defects = manifest.defects_of(doc.id)
            document_defects = [d for d in defects if not DEFECTS[d].attachment]
            codes = {e.code for e in errors[doc.id]}
            if document_defects:
                assert codes == {expected[d] for d in document_defects}, (doc.id, defects, errors[doc.id])
                continue
            assert errors[doc.id] == (), (doc.id, errors[doc.id])
            for item in prepared:
                created = client.invoices.create(item.payload)
                posted += 1
                assert created.type == TYPES[kind] and created.status == "UNFINISHED"
                assert created.original_invoice_number == item.original_invoice_number
                assert created.invoice_sum_info[0].invoice_sum_total == item.gross_total
                for attachment in item.attachments:
                    chunks = iter_blob(seeded.taimer.attachment_blobs[attachment.id], chunk_size=65536)
                    try:
                        read_attachment(attachment.name, attachment.size, chunks)
                    except AttachmentRefusedError as exc:
                        refused.add(exc.code)
            got = {expected[d] for d in defects if DEFECTS[d].attachment}
            assert got <= refused or not got
        assert refused == {expected[d] for d in expected if DEFECTS[d].attachment}, kind
    assert posted > 20
    log = request_log(procountor)[before:]
    assert [e for e in log if e["status"] == 400] == []


def test_an_expense_report_is_split_by_payment_source_with_receipts_on_the_company_half(seeded, seeded_context):
    ctx = seeded_context(seeded)
    mixed = next(
        r for r in seeded.taimer.expense_reports
        if {row.payment_source for row in r.rows} == set(PaymentSource) and not seeded.manifest.defects_of(r.id)
    )  # fmt: skip
    own, company = prepare(mixed, None, ctx)
    assert (own.part, company.part) == ("own", "company")
    assert own.original_invoice_number == f"{mixed.number}{PART_SUFFIXES['own']}"
    assert company.original_invoice_number == f"{mixed.number}{PART_SUFFIXES['company']}"
    company_rows = [r for r in mixed.rows if r.payment_source is PaymentSource.COMPANY]
    assert [(r.payment_date, r.amount) for r in company.receipts] == [(r.receipt_date, r.amount) for r in company_rows]
    assert own.receipts == ()
    assert len(own.payload["invoiceRows"]) + len(company.payload["invoiceRows"]) == len(mixed.rows)
    owner = next(u for u in seeded.taimer.users if u.id == mixed.owner_user_id)
    assert own.payload["partnerId"] == company.payload["partnerId"] == owner.procountor_person_id


def test_a_receipt_held_by_a_live_claim_keeps_the_markpaid_watermark_until_it_is_settled(
    seeded, seeded_context, client, tmp_path
):
    """A receipt another worker holds (or a crashed run's claim, not expired yet) is left alone, and the
    version-date watermark stays where it was, so the next run's search finds the claim again; once the claim is
    settled, the next run marks that receipt and only then moves the watermark."""
    ctx = seeded_context(seeded)
    mixed = next(
        r for r in seeded.taimer.expense_reports
        if sum(row.payment_source is PaymentSource.COMPANY for row in r.rows) >= 2
        and not seeded.manifest.defects_of(r.id)
    )  # fmt: skip
    company = next(p for p in prepare(mixed, None, ctx) if p.part == "company")
    invoice = client.invoices.create(company.payload)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    migrate(url)
    ledger = connect(url)
    try:
        source_id = ledger_source_id(mixed.id, "company")
        doc_id = ledger.outbound.upsert_outbound(
            "expense_report", source_id, company.original_invoice_number, "h"
        ).document.id
        ledger.outbound.mark_validated(doc_id, [])
        [claimed] = ledger.outbound.claim([doc_id], "test", 60)
        ledger.outbound.mark_sending(doc_id, claimed.claim_token)
        ledger.outbound.record_sent(doc_id, claimed.claim_token, int(invoice.id))
        currency = mixed.currency
        ledger.payments.upsert_receipts(
            doc_id, [ReceiptToPay(r.key, r.payment_date, r.amount, currency) for r in company.receipts]
        )
        client.invoices.send_to_circulation(int(invoice.id))
        held, *others = ledger.payments.receipts_of(doc_id)
        token = ledger.payments.claim(held.id, ttl=300)  # another worker, mid-PUT
        assert token is not None

        first = mark_company_receipts(ledger, client)
        states = {r.id: r.state for r in ledger.payments.receipts_of(doc_id)}
        assert states == {held.id: PaymentState.MARKING, **{r.id: PaymentState.MARKED for r in others}}
        assert first.counts["marked"] == len(others)
        assert ledger.inbound.watermark_read_from(WATERMARK) is None  # the claim is looked for again next run

        ledger.payments.record_outcome(held.id, token, PaymentState.OUTCOME_UNKNOWN, "X", "the worker died")
        mark_company_receipts(ledger, client)
        assert {r.state for r in ledger.payments.receipts_of(doc_id)} == {PaymentState.MARKED}
        assert ledger.inbound.watermark_read_from(WATERMARK) is not None
        events = client.invoices.payment_events(int(invoice.id))
        assert sorted((e.payment_date, e.amount) for e in events) == sorted(
            (r.payment_date, r.amount) for r in company.receipts
        )  # one event per receipt: the held one marked once, after its claim was settled
    finally:
        ledger.engine.dispose()
