"""The defect test at library level, against a real Procountor sandbox on loopback.

A seeded batch carries every sales-invoice defect of the seed generator. ``prepare`` + ``validate_batch`` (with the
context built from the sandbox's reference data through the reference fetch and the ledger) catch each defect with
its own code; an attachment defect is caught by the attachment content rules (``read_attachment``) while the
attachment's bytes stream,
and its invoice still goes. Every invoice judged valid is POSTed through the real ``ProcountorClient`` with its
attachments that passed, and is accepted; the sandbox's request log shows no 400 at all. Totals agree with
Procountor's own sums. (The same through the DAG is the outbound e2e test's.)
"""

from __future__ import annotations

import pytest

from sandboxes.seed.attachments import iter_blob
from sandboxes.seed.defects import DEFECTS, DOCUMENT_DEFECTS, OUTBOUND_EXPECTED_CODES, Defect
from sandboxes.seed.generator import SeedConfig, generate
from taimer_procountor.errors import CATALOGUE
from taimer_procountor.outbound.attachments import AttachmentRefusedError, read_attachment
from taimer_procountor.outbound.transform import prepare
from taimer_procountor.outbound.validate import validate_batch
from taimer_procountor.procountor.models import AttachmentMeta
from taimer_procountor.taimer.models import DocumentKind

from .conftest import request_log

EXPECTED = OUTBOUND_EXPECTED_CODES[DocumentKind.SALES_INVOICE]
SALES_DEFECTS = [d for d in DOCUMENT_DEFECTS if DocumentKind.SALES_INVOICE in DEFECTS[d].kinds]


def test_every_sales_defect_has_an_expected_catalogue_code():
    assert set(EXPECTED) == set(SALES_DEFECTS)
    assert set(EXPECTED.values()) <= set(CATALOGUE)
    assert len(set(EXPECTED.values())) == len(EXPECTED)  # each defect its own code


@pytest.fixture(scope="module")
def seeded():
    return generate(SeedConfig(seed=7, sales_invoices=60, bills=0, expense_reports=0, travel_reports=0,
                               defect_share=0.4, attachment_share=0.4))  # fmt: skip


def test_each_defect_is_caught_with_its_code_and_every_valid_invoice_is_accepted(
    seeded, seeded_context, client, procountor
):
    manifest = seeded.manifest
    planted = {d for defects in manifest.documents.values() for d in defects}
    assert planted == set(SALES_DEFECTS), "the seed must plant every sales defect"

    ctx = seeded_context(seeded)
    customers = {c.id: c for c in seeded.taimer.customers}
    batch = [
        (inv, customers.get(inv.customer_id), prepare(inv, customers.get(inv.customer_id), ctx))
        for inv in seeded.taimer.sales_invoices
    ]
    errors = validate_batch(batch, ctx)
    assert set(errors) == {inv.id for inv in seeded.taimer.sales_invoices}

    before = len(request_log(procountor))
    attachment_codes: dict[str, set[str]] = {}
    posted = 0
    for invoice, _customer, prepared in batch:
        defects = manifest.defects_of(invoice.id)
        document_defects = [d for d in defects if not DEFECTS[d].attachment]
        codes = {e.code for e in errors[invoice.id]}
        if document_defects:
            assert codes == {EXPECTED[d] for d in document_defects}, (invoice.id, defects, errors[invoice.id])
            continue
        assert errors[invoice.id] == (), (invoice.id, errors[invoice.id])
        (item,) = prepared
        created = client.invoices.create(item.payload)
        posted += 1
        assert created.id is not None and created.status == "UNFINISHED"
        assert created.original_invoice_number == item.original_invoice_number
        assert created.invoice_sum_info and created.invoice_sum_info[0].invoice_sum_total == item.gross_total
        for attachment in item.attachments:
            chunks = iter_blob(seeded.taimer.attachment_blobs[attachment.id], chunk_size=65536)
            try:
                content = read_attachment(attachment.name, attachment.size, chunks)
            except AttachmentRefusedError as refused:
                attachment_codes.setdefault(invoice.id, set()).add(refused.code)
                continue
            client.attachments.upload(
                AttachmentMeta(name=attachment.name, reference_type="INVOICE", reference_id=created.id), content
            )
        expected_refused = {EXPECTED[d] for d in defects if DEFECTS[d].attachment}
        assert attachment_codes.get(invoice.id, set()) == expected_refused, (invoice.id, defects)

    assert posted == sum(1 for inv in seeded.taimer.sales_invoices if not any(
        not DEFECTS[d].attachment for d in manifest.defects_of(inv.id)))  # fmt: skip
    log = request_log(procountor)[before:]
    assert [entry for entry in log if entry["status"] == 400] == []
    posts = [e for e in log if e["method"] == "POST" and e["path"] == "/api/invoices"]
    assert len(posts) == posted and all(e["status"] == 200 for e in posts)
    uploads = [e for e in log if e["method"] == "POST" and e["path"] == "/api/attachments"]
    assert uploads and all(e["status"] == 200 for e in uploads)
    caught_attachment_defects = {code for codes in attachment_codes.values() for code in codes}
    assert caught_attachment_defects == {EXPECTED[d] for d in SALES_DEFECTS if DEFECTS[d].attachment}


def test_a_company_bank_account_missing_from_procountor_stops_every_sales_invoice(seeded_context):
    seeded = generate(SeedConfig(seed=8, sales_invoices=6, bills=0, expense_reports=0, travel_reports=0,
                                 defect_share=0, defects=[Defect.COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR]))  # fmt: skip
    ctx = seeded_context(seeded)
    customers = {c.id: c for c in seeded.taimer.customers}
    batch = [(inv, customers[inv.customer_id], prepare(inv, customers[inv.customer_id], ctx))
             for inv in seeded.taimer.sales_invoices]  # fmt: skip
    errors = validate_batch(batch, ctx)
    assert {doc: [e.code for e in errs] for doc, errs in errors.items()} == {
        inv.id: ["OUTBOUND_BANK_ACCOUNT_NOT_IN_PROCOUNTOR"] for inv in seeded.taimer.sales_invoices
    }
