"""The sales-invoice transform, mapping by mapping: header fields, counterparty per channel, rows (header,
description, product mapping, comments), bank account fallback, text fitted with notices, attachments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from taimer_procountor.outbound.transform import (
    PREPARERS,
    UnsupportedDocumentKindError,
    document_kind,
    gross_total,
    prepare,
)
from taimer_procountor.taimer.models import (
    Address,
    Attachment,
    AttachmentStorage,
    Bill,
    DocumentKind,
    ExpenseReport,
    InvoiceChannel,
    InvoiceLanguage,
    RowKind,
    SalesInvoiceRow,
    Supplier,
    TravelReport,
)

from .conftest import COMPANY_IBAN, OPERATOR, SECOND_IBAN


def one(invoice, customer, ctx):
    prepared = prepare(invoice, customer, ctx)
    assert len(prepared) == 1
    return prepared[0]


def test_header_fields_of_a_sales_invoice(make_invoice, make_customer, ctx):
    inv = make_invoice(notes="Kiitos tilauksesta", language=InvoiceLanguage.SV)
    p = one(inv, make_customer(), ctx)
    body = p.payload
    assert (p.kind, p.document_id, p.taimer_number, p.original_invoice_number) == (
        DocumentKind.SALES_INVOICE,
        "si-1",
        "1001",
        "1001",
    )
    assert body["type"] == "SALES_INVOICE" and body["originalInvoiceNumber"] == "1001"
    assert body["date"] == "2026-05-04" and body["paymentInfo"]["dueDate"] == "2026-05-18"
    assert body["invoiceChannel"] == "EMAIL" and body["language"] == "SWEDISH"
    assert body["paymentInfo"]["currency"] == "EUR" and body["paymentInfo"]["currencyRate"] == 1
    assert body["paymentInfo"]["paymentMethod"] == "BANK_TRANSFER"
    assert body["paymentInfo"]["bankReferenceCode"] == "10016"
    assert body["paymentInfo"]["bankReferenceCodeType"] == "FI"
    assert body["orderReference"] == "Tilaus 4711"
    assert body["sellerReferenceIdentifier"] == "Maija Meikäläinen"
    assert body["additionalInformation"] == "Kiitos tilauksesta"
    assert body["vatStatus"] == 1 and body["discountPercent"] == 0
    assert body["extraInfo"] == {"accountingByRow": False, "unitPricesIncludeVat": False}
    assert "status" not in body and "id" not in body
    assert p.notices == ()


def test_receipt_accounting_carries_sales_account_and_the_cost_center_item(make_invoice, make_customer, ctx):
    p = one(make_invoice(), make_customer(), ctx)
    assert p.receipt_accounting is not None
    assert p.receipt_accounting.sales_account == "3000"
    assert p.receipt_accounting.cost_center_code == "100"
    assert (p.receipt_accounting.cost_center.dimension_id, p.receipt_accounting.cost_center.item_id) == (7, 71)
    bare = one(make_invoice(sales_account=None, cost_center=None), make_customer(), ctx)
    assert bare.receipt_accounting is None
    unknown = one(make_invoice(cost_center="999"), make_customer(), ctx)
    assert unknown.receipt_accounting.cost_center is None and unknown.receipt_accounting.cost_center_code == "999"


def test_rf_reference_and_no_reference(make_invoice, make_customer, ctx):
    rf = one(make_invoice(reference_number="rf18 5390 0754 7034"), make_customer(), ctx).payload["paymentInfo"]
    assert (rf["bankReferenceCode"], rf["bankReferenceCodeType"]) == ("RF18539007547034", "RF")
    none = one(make_invoice(reference_number=None), make_customer(), ctx).payload["paymentInfo"]
    assert none["bankReferenceCode"] == "" and "bankReferenceCodeType" not in none  # "": Procountor generates one


def test_counterparty_from_the_customer(make_invoice, make_customer, ctx):
    party = one(make_invoice(), make_customer(), ctx).payload["counterParty"]
    assert party["counterPartyAddress"] == {
        "name": "Asiakas Oy",
        "street": "Hämeenkatu 5",
        "zip": "33100",
        "city": "Tampere",
        "country": "FINLAND",
    }
    assert party["identifier"] == "7654321-2" and party["email"] == "laskut@asiakas.fi"
    assert "einvoiceAddress" not in party  # e-mail channel: no e-invoice address


@pytest.mark.parametrize(
    ("channel", "wire"),
    [
        (InvoiceChannel.EMAIL, "EMAIL"),
        (InvoiceChannel.MAIL, "MAIL"),
        (InvoiceChannel.EINVOICE, "ELECTRONIC_INVOICE"),
        (InvoiceChannel.NO_SENDING, "NO_SENDING"),
    ],
)
def test_channels(channel, wire, make_invoice, make_customer, ctx):
    body = one(make_invoice(channel=channel), make_customer(), ctx).payload
    assert body["invoiceChannel"] == wire
    if channel is InvoiceChannel.EINVOICE:
        assert body["counterParty"]["einvoiceAddress"] == {"operator": OPERATOR, "address": "003776543212"}
        assert body["billingAddress"] == body["counterParty"]["counterPartyAddress"]
    else:
        assert "einvoiceAddress" not in body["counterParty"] and "billingAddress" not in body


def test_header_row_becomes_a_zero_row_with_the_text_as_product_name(make_invoice, make_customer, ctx):
    rows = one(make_invoice(), make_customer(), ctx).payload["invoiceRows"]
    assert rows[0] == {
        "product": "Toukokuu 2026",
        "quantity": 0,
        "unit": "PIECE",
        "unitPrice": 0,
        "discountPercent": 0,
        "vatPercent": 25.5,  # the invoice's product row's percentage
    }


def test_text_rows_never_take_a_bad_product_percentage(make_invoice, make_customer, product_row, ctx):
    rows = [
        SalesInvoiceRow(kind=RowKind.HEADER, name="Otsikko", vat_percent=Decimal("0")),
        product_row(vat_percent=Decimal("17")),
    ]
    payload = one(make_invoice(rows=rows), make_customer(), ctx).payload
    assert payload["invoiceRows"][0]["vatPercent"] == 0  # its own 0 %, not the product row's unknown 17 %


def test_description_lines_become_the_row_comment(make_invoice, make_customer, product_row, ctx):
    rows = [
        product_row(description_lines=["Ensimmäinen rivi", "toinen rivi"]),
        product_row(description_lines=[]),
        SalesInvoiceRow(kind=RowKind.DESCRIPTION, description_lines=["Pelkkä kuvaus", "ja jatko"]),
    ]
    out = one(make_invoice(rows=rows), make_customer(), ctx).payload["invoiceRows"]
    assert out[0]["comment"] == "Ensimmäinen rivi\ntoinen rivi"  # the first line first, nothing dropped
    assert "comment" not in out[1]
    assert out[2]["product"] == "Pelkkä kuvaus" and out[2]["comment"] == "ja jatko"
    assert (out[2]["quantity"], out[2]["unitPrice"]) == (0, 0)


def test_a_comment_over_512_characters_is_shortened_with_a_notice(make_invoice, make_customer, product_row, ctx):
    long_line = "Työselostus " * 60  # 720 characters
    p = one(make_invoice(rows=[product_row(description_lines=[long_line])]), make_customer(), ctx)
    comment = p.payload["invoiceRows"][0]["comment"]
    assert len(comment) <= 512 and comment.endswith("...") and long_line.startswith(comment[:-3])
    assert [(n.code, n.field) for n in p.notices] == [("OUTBOUND_ROW_COMMENT_SHORTENED", "invoiceRows[0].comment")]
    assert p.notices[0].context == {"original_length": str(len(long_line)), "limit": "512"}


def test_other_length_limits_are_fitted_with_notices(make_invoice, make_customer, ctx):
    customer = make_customer(
        name="Pitkä Nimi " * 10, address=Address(street="Katu 1", postal_code="00100", city="X" * 50)
    )
    p = one(make_invoice(your_reference="R" * 100), customer, ctx)
    party = p.payload["counterParty"]["counterPartyAddress"]
    for text, limit in ((party["name"], 80), (party["city"], 40), (p.payload["orderReference"], 70)):
        assert len(text) <= limit and text.endswith("...")
    assert sorted((n.code, n.field) for n in p.notices) == [
        ("OUTBOUND_TEXT_SHORTENED", "counterParty.counterPartyAddress.city"),
        ("OUTBOUND_TEXT_SHORTENED", "counterParty.counterPartyAddress.name"),
        ("OUTBOUND_TEXT_SHORTENED", "orderReference"),
    ]


def test_products_are_mapped_through_the_reference_data(make_invoice, make_customer, product_row, ctx):
    rows = [
        product_row(product_id="tp-1"),
        product_row(product_id="tp-1", work_type_id="wt-1"),  # the work type's mapping wins
        product_row(product_id="tp-unmapped"),
        product_row(product_id=None),
    ]
    out = one(make_invoice(rows=rows), make_customer(), ctx).payload["invoiceRows"]
    assert [r.get("productId") for r in out] == [7001, 7002, None, None]


def test_bank_account_from_the_invoice_else_the_company(make_invoice, make_customer, ctx):
    own = one(make_invoice(bank_account_iban="fi18 4006 0010 0033 31"), make_customer(), ctx)
    assert own.payload["paymentInfo"]["bankAccount"] == {"accountNumber": SECOND_IBAN}  # normalised
    fallback = one(make_invoice(bank_account_iban=None), make_customer(), ctx)
    assert fallback.payload["paymentInfo"]["bankAccount"] == {"accountNumber": COMPANY_IBAN}


def test_gross_total_is_summed_as_procountor_sums_it(make_invoice, make_customer, product_row, ctx):
    rows = [
        product_row(quantity=Decimal("3"), unit_price=Decimal("33.33"), vat_percent=Decimal("25.5")),
        product_row(quantity=Decimal("1"), unit_price=Decimal("10.005"), discount_percent=Decimal("10"),
                    vat_percent=Decimal("14")),
    ]  # fmt: skip
    p = one(make_invoice(rows=rows), make_customer(), ctx)
    # 99.99 + 25.50 (24.997 rounded) ; 9.0045 -> 9.00 + 1.26
    assert p.gross_total == Decimal("125.49") + Decimal("10.26")
    assert gross_total(p.payload) == p.gross_total


def test_attachments_move_unless_google_drive(make_invoice, make_customer, ctx):
    atts = [
        Attachment(id="a1", name="erittely.pdf", size=1000),
        Attachment(id="a2", name="kuva.jpg", size=2000, storage=AttachmentStorage.GOOGLE_DRIVE),
    ]
    p = one(make_invoice(attachments=atts), make_customer(), ctx)
    assert [a.id for a in p.attachments] == ["a1"]
    assert [n.code for n in p.notices] == ["OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE"]
    drive = ctx.company.model_copy(update={"attachments_in_google_drive": True})
    p = one(make_invoice(attachments=atts[:1]), make_customer(), type(ctx)(**{**ctx.__dict__, "company": drive}))
    assert p.attachments == ()
    assert [(n.code, n.field) for n in p.notices] == [("OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE", "attachments")]
    assert "erittely.pdf" in p.notices[0].detail


def test_unmapped_country_leaves_the_country_out_with_a_notice(make_invoice, make_customer, ctx):
    customer = make_customer(address=Address(street="Rue 1", postal_code="75001", city="Paris", country="ZZ"))
    p = one(make_invoice(), customer, ctx)
    assert "country" not in p.payload["counterParty"]["counterPartyAddress"]
    assert [(n.code, n.detail) for n in p.notices] == [("OUTBOUND_COUNTRY_NOT_MAPPED", "ZZ")]


def test_a_missing_customer_still_gives_a_payload_for_validation_to_refuse(make_invoice, ctx):
    p = one(make_invoice(), None, ctx)
    assert p.payload["counterParty"] == {"counterPartyAddress": {"name": ""}}


def test_dispatch_on_kind_every_kind_has_a_transform_and_a_missing_one_is_refused(make_invoice, ctx, monkeypatch):
    assert set(PREPARERS) == set(DocumentKind)
    from datetime import date

    bill = Bill(id="b1", supplier=Supplier(name="T Oy"), invoice_date=date(2026, 1, 2), due_date=date(2026, 1, 9))
    expense = ExpenseReport(id="e1", owner_user_id="u-1", report_date=date(2026, 1, 2))
    travel = TravelReport(id="t1", owner_user_id="u-1", report_date=date(2026, 1, 2))
    assert [document_kind(d) for d in (make_invoice(), bill, expense, travel)] == [
        DocumentKind.SALES_INVOICE,
        DocumentKind.BILL,
        DocumentKind.EXPENSE_REPORT,
        DocumentKind.TRAVEL_REPORT,
    ]
    monkeypatch.delitem(PREPARERS, DocumentKind.TRAVEL_REPORT)
    with pytest.raises(UnsupportedDocumentKindError) as caught:
        prepare(travel, None, ctx)
    assert caught.value.to_document_error().code == "OUTBOUND_KIND_NOT_SUPPORTED"


def test_every_operator_the_procountor_sandbox_takes_is_a_known_operator():
    from sandboxes.procountor.dataset import default_dataset
    from sandboxes.seed.generator import BAD_OPERATOR
    from taimer_procountor.outbound.context import EINVOICE_OPERATORS, normalise_operator

    assert {normalise_operator(o) for o in default_dataset().einvoice_operators} <= EINVOICE_OPERATORS
    assert normalise_operator(BAD_OPERATOR) not in EINVOICE_OPERATORS
