"""Properties over seeded sales invoices (seeds and sizes drawn by hypothesis; the reference context comes from a
real sandbox through the reference fetch and the ledger): every payload ``prepare`` makes, valid or defective,
validates against the spec's ``Invoice`` schema, is plain JSON and keeps the Taimer number as
``originalInvoiceNumber``; and a batch without defects is judged valid whole and accepted by Procountor."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandboxes.procountor.schema import schema_errors
from sandboxes.seed.generator import SeedConfig, generate
from taimer_procountor.outbound.transform import prepare
from taimer_procountor.outbound.validate import validate_batch

from .conftest import request_log


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(min_value=0, max_value=100_000),
    count=st.integers(min_value=1, max_value=25),
    defect_share=st.sampled_from([0.0, 0.2, 0.6]),
    einvoice_share=st.sampled_from([0.0, 0.25, 1.0]),
    google_drive=st.booleans(),
)
def test_every_prepared_payload_validates_against_the_invoice_schema(
    seeded_context, seed, count, defect_share, einvoice_share, google_drive
):
    result = generate(
        SeedConfig(
            seed=seed,
            sales_invoices=count,
            bills=0,
            expense_reports=0,
            travel_reports=0,
            defect_share=defect_share,
            einvoice_share=einvoice_share,
            google_drive=google_drive,
        )
    )
    ctx = seeded_context(result)
    customers = {c.id: c for c in result.taimer.customers}
    for invoice in result.taimer.sales_invoices:
        for prepared in prepare(invoice, customers.get(invoice.customer_id), ctx):
            assert schema_errors("Invoice", prepared.payload) == [], (invoice.id, prepared.payload)
            assert json.loads(json.dumps(prepared.payload)) == prepared.payload
            assert prepared.payload["originalInvoiceNumber"] == prepared.original_invoice_number == str(invoice.number)
            assert len(prepared.payload["invoiceRows"]) == len(invoice.rows)
            if google_drive:
                assert prepared.attachments == ()
                assert "OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE" in {n.code for n in prepared.notices}
            else:
                assert [a.id for a in prepared.attachments] == [a.id for a in invoice.attachments]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=100_000), count=st.integers(min_value=1, max_value=20))
def test_clean_seeded_invoices_are_all_valid_and_procountor_accepts_them(
    seeded_context, client, procountor, seed, count
):
    """No false refusals: a seeded batch without defects passes validation whole, and the sandbox accepts every
    payload (no 400 in its request log)."""
    result = generate(
        SeedConfig(seed=seed, sales_invoices=count, bills=0, expense_reports=0, travel_reports=0, defect_share=0)
    )
    ctx = seeded_context(result)
    customers = {c.id: c for c in result.taimer.customers}
    batch = [
        (inv, customers[inv.customer_id], prepare(inv, customers[inv.customer_id], ctx))
        for inv in result.taimer.sales_invoices
    ]
    errors = validate_batch(batch, ctx)
    assert {doc: found for doc, found in errors.items() if found} == {}
    for _invoice, _customer, prepared in batch:
        for item in prepared:
            created = client.invoices.create(item.payload)
            assert created.invoice_sum_info[0].invoice_sum_total == item.gross_total
    log = request_log(procountor, path="/api/invoices")
    assert [e for e in log if e["status"] == 400] == []
