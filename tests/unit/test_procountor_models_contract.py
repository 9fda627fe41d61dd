"""Contract tests: what the client serializes (and what it parses) validates against the YAML's components/schemas.

The validator (the ``yaml_schema_errors`` fixture of tests/conftest.py) is independent of the sandbox's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from taimer_procountor.procountor.models import (
    Address,
    AttachmentMeta,
    CounterParty,
    DimensionItemValue,
    ExtraInfo,
    Invoice,
    InvoiceRow,
    LedgerReceipt,
    MarkInvoiceAsPaid,
    PaymentInfo,
    Transaction,
)


def sample_invoice() -> Invoice:
    return Invoice(
        type="SALES_INVOICE",
        date=date(2026, 3, 2),
        status="UNFINISHED",
        counter_party=CounterParty(
            counter_party_address=Address(
                name="Asiakas Oy", street="Katu 1", zip="00100", city="Helsinki", country="FINLAND"
            ),
            identifier="1234567-1",
        ),
        payment_info=PaymentInfo(
            payment_method="BANK_TRANSFER",
            currency="EUR",
            due_date=date(2026, 3, 16),
            currency_rate=Decimal("1"),
            bank_account={"accountNumber": "FI2112345600000785"},
            bank_reference_code="",
        ),
        extra_info=ExtraInfo(accounting_by_row=False, unit_prices_include_vat=False),
        discount_percent=Decimal("0"),
        invoice_rows=[
            InvoiceRow(
                product="Konsultointi",
                quantity=Decimal("7.5"),
                unit="HOUR",
                unit_price=Decimal("95.00"),
                discount_percent=Decimal("0"),
                vat_percent=Decimal("25.5"),
                comment="Maaliskuu",
            ),
        ],
        invoice_channel="NO_SENDING",
        vat_status=1,
        language="FINNISH",
        original_invoice_number="TAIMER-1001",
    )


def test_serialized_invoice_validates_against_the_invoice_schema(yaml_schema_errors):
    validate = yaml_schema_errors
    body = sample_invoice().to_wire()
    assert body["invoiceRows"][0]["unitPrice"] == 95  # a JSON number, camelCase
    assert body["invoiceRows"][0]["vatPercent"] == 25.5
    assert body["paymentInfo"]["bankReferenceCode"] == ""  # empty string kept: Procountor generates one
    assert "id" not in body  # None left out
    assert validate("Invoice", body) == []


def test_the_validator_used_here_does_reject_a_broken_invoice(yaml_schema_errors):
    validate = yaml_schema_errors
    body = sample_invoice().to_wire()
    del body["paymentInfo"]["currency"]
    body["invoiceRows"][0]["unitPrice"] = "ninety-five"
    errors = validate("Invoice", body)
    assert any("currency" in e for e in errors)
    assert any("unitPrice" in e for e in errors)


def test_other_request_bodies_validate(yaml_schema_errors):
    validate = yaml_schema_errors
    assert (
        validate(
            "MarkInvoiceAsPaid",
            MarkInvoiceAsPaid(payment_date=date(2026, 3, 5), amount=Decimal("12.40"), currency="EUR").to_wire(),
        )
        == []
    )
    assert (
        validate("DimensionItemValue", DimensionItemValue(dimension_id=1, item_id=2, value=Decimal("10")).to_wire())
        == []
    )
    meta = AttachmentMeta(name="lasku.pdf", reference_type="INVOICE", reference_id=5, mime_type="application/pdf")
    assert validate("Attachment", meta.to_wire()) == []
    receipt = LedgerReceipt(
        id=9,
        type="SALES_INVOICE",
        name="Asiakas Oy",
        receipt_date=date(2026, 3, 2),
        vat_type="SALES",
        vat_status=1,
        version="2026-03-02T10:00:00",
        transactions=[
            Transaction(
                transaction_type="ENTRY",
                account="3000",
                accounting_value=Decimal("-712.5"),
                dimension_item_values=[DimensionItemValue(dimension_id=1, item_id=2, value=Decimal("712.5"))],
            )
        ],
    )
    assert validate("LedgerReceipt", receipt.to_wire()) == []


def test_unknown_fields_round_trip_unchanged():
    wire = sample_invoice().to_wire()
    wire["someNewField"] = {"nested": [1, 2.5, "x"]}
    wire["invoiceRows"][0]["futureRowFlag"] = True
    again = Invoice.model_validate(wire).to_wire()
    assert again["someNewField"] == {"nested": [1, 2.5, "x"]}
    assert again["invoiceRows"][0]["futureRowFlag"] is True
    assert again == wire


def test_decimals_keep_their_value_through_json():
    row = InvoiceRow.model_validate(
        {"product": "p", "quantity": 3, "unit": "PIECE", "unitPrice": 0.1, "discountPercent": 0, "vatPercent": 13.5}
    )
    assert row.unit_price == Decimal("0.1")
    assert row.vat_percent == Decimal("13.5")
    assert row.to_wire()["unitPrice"] == 0.1


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ("ErrorMessage", {"errors": [{"status": 400, "message": "ERROR_VATSTATUS_VATPERC"}]}),
        ("SearchResultMetaData", {"pageNumber": 0, "pageSize": 50, "resultCount": 2}),
    ],
)
def test_reference_shapes_validate(schema, instance, yaml_schema_errors):
    validate = yaml_schema_errors
    assert validate(schema, instance) == []
