"""Transform and validation of purchase invoices, travel and expense reports (no I/O): the mappings, the split of
an expense report by payment source, person IDs each with its own code naming the person."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest

from taimer_procountor.outbound.context import OutboundContext, Person, TravelProduct
from taimer_procountor.outbound.transform import PART_SUFFIXES, SUPPLIER_NUMBER_LABEL, gross_total, prepare
from taimer_procountor.outbound.validate import validate_batch
from taimer_procountor.taimer.models import (
    Address,
    Bill,
    BillRow,
    ExpenseReport,
    ExpenseRow,
    MileageRow,
    PaymentSource,
    PerDiemRow,
    Supplier,
    TravelLeg,
    TravelReport,
    User,
)

SUPPLIER_IBAN = "FI4950009420028730"


@pytest.fixture
def kctx(ctx: OutboundContext) -> OutboundContext:
    users = {
        "u-1": User(id="u-1", name="Maija Meikäläinen", procountor_person_id=801),
        "u-2": User(id="u-2", name="Matti Virtanen", procountor_person_id=802),
        "u-nopid": User(id="u-nopid", name="Ville Vailla", procountor_person_id=None),
        "u-unknown": User(id="u-unknown", name="Outi Outo", procountor_person_id=999),
        "u-gone": User(id="u-gone", name="Pekka Entinen", procountor_person_id=804),
    }
    persons = {
        801: Person(801, "Maija Meikäläinen", True),
        802: Person(802, "Matti Virtanen", True),
        804: Person(804, "Pekka Entinen", False),
    }
    travel = {
        721: TravelProduct(721, "Kotimaan kokopäiväraha", True, date(2026, 1, 1), None),
        723: TravelProduct(723, "Kilometrikorvaus", True, date(2026, 1, 1), None),
        720: TravelProduct(720, "Kokopäiväraha 2025", True, date(2025, 1, 1), date(2025, 12, 31)),
    }
    products = {**ctx.procountor_products, 720: True, 721: True, 723: True}
    return dataclasses.replace(ctx, users=users, persons=persons, travel_products=travel, procountor_products=products)


def expense(**overrides) -> ExpenseReport:
    fields = {
        "id": "exp-1",
        "number": 77,
        "owner_user_id": "u-1",
        "transferring_user_id": "u-2",
        "report_date": date(2026, 5, 20),
        "title": "Kulut toukokuu",
        "rows": [
            ExpenseRow(id="r1", receipt_date=date(2026, 5, 2), description="Taksi", amount=Decimal("25.50"),
                       vat_percent=Decimal("13.5")),
            ExpenseRow(id="r2", receipt_date=date(2026, 5, 5), description="Lounas", amount=Decimal("12.40"),
                       vat_percent=Decimal("13.5"), payment_source=PaymentSource.COMPANY),
            ExpenseRow(id="r3", receipt_date=date(2026, 5, 9), description="Juna", amount=Decimal("40.00"),
                       vat_percent=Decimal("13.5"), payment_source=PaymentSource.COMPANY),
        ],
    }  # fmt: skip
    fields.update(overrides)
    return ExpenseReport(**fields)


def travel(**overrides) -> TravelReport:
    fields = {
        "id": "trv-1",
        "number": 5,
        "owner_user_id": "u-1",
        "transferring_user_id": "u-1",
        "report_date": date(2026, 6, 3),
        "title": "Asiakastapaaminen, Oulu",
        "legs": [
            TravelLeg(departure=datetime(2026, 6, 1, 7, 15), arrival=datetime(2026, 6, 1, 19, 0),
                      from_place="Helsinki", places="Oulu", purpose="Asiakastapaaminen"),
            TravelLeg(departure=datetime(2026, 6, 2, 8, 0), arrival=datetime(2026, 6, 2, 18, 30),
                      from_place="Oulu", places="Kemi", purpose="Asennus"),
        ],
        "mileage_rows": [MileageRow(id="km1", date=date(2026, 6, 1), description="Helsinki-Oulu",
                                    kilometres=Decimal("600"), rate_per_km=Decimal("0.55"), procountor_product_id=723)],
        "per_diem_rows": [PerDiemRow(id="pd1", date=date(2026, 6, 1), rate=Decimal("54"), procountor_product_id=721),
                          PerDiemRow(id="pd2", date=date(2026, 6, 2), rate=Decimal("54"), procountor_product_id=721)],
    }  # fmt: skip
    fields.update(overrides)
    return TravelReport(**fields)


def bill(**overrides) -> Bill:
    fields = {
        "id": "bill-1",
        "number": "O-1",
        "supplier_invoice_number": "48213",
        "supplier": Supplier(name="Toimittaja Oy", business_id="7654321-2", iban="fi49 5000 9420 0287 30",
                             bic="OKOYFIHH", address=Address(street="Katu 1", postal_code="00100", city="Helsinki")),
        "invoice_date": date(2026, 5, 4),
        "due_date": date(2026, 5, 18),
        "reference_number": "10016",
        "rows": [BillRow(name="Lisenssi", description="Toukokuu", quantity=Decimal(2), unit_price=Decimal("49"),
                         vat_percent=Decimal("25.5"))],
    }  # fmt: skip
    fields.update(overrides)
    return Bill(**fields)


def codes(document, ctx) -> list[str]:
    return [e.code for e in validate_batch([(document, None, prepare(document, None, ctx))], ctx)[document.id]]


def test_a_bill_is_a_purchase_invoice_to_the_supplier_without_accounting(kctx):
    (p,) = prepare(bill(), None, kctx)
    body = p.payload
    assert body["type"] == "PURCHASE_INVOICE" and body["originalInvoiceNumber"] == "O-1"
    assert body["counterParty"]["identifier"] == "7654321-2"
    assert body["counterParty"]["counterPartyAddress"]["name"] == "Toimittaja Oy"
    assert body["paymentInfo"]["bankAccount"] == {"accountNumber": SUPPLIER_IBAN, "bic": "OKOYFIHH"}
    assert body["paymentInfo"]["bankReferenceCode"] == "10016"
    assert body["additionalInformation"] == f"{SUPPLIER_NUMBER_LABEL}: 48213"
    assert body["vatStatus"] == 1 and p.receipt_accounting is None
    assert p.gross_total == Decimal("122.99")  # 98.00 + 24.99 VAT
    assert codes(bill(), kctx) == []


def test_a_bill_without_reference_leaves_the_field_out_and_bad_supplier_data_is_refused(kctx):
    (p,) = prepare(bill(reference_number=None), None, kctx)
    assert "bankReferenceCode" not in p.payload["paymentInfo"]  # "" would make Procountor generate one
    bad = bill(supplier=Supplier(name="T Oy", business_id="7654321-3", iban="FI4950009420028731"))
    assert sorted(codes(bad, kctx)) == ["OUTBOUND_BUSINESS_ID_INVALID", "OUTBOUND_SUPPLIER_IBAN_INVALID"]
    assert codes(bill(supplier=Supplier(name="T Oy")), kctx) == ["OUTBOUND_SUPPLIER_IBAN_MISSING"]


def test_a_travel_report_carries_legs_partner_travel_products_and_receipts(kctx):
    report = travel(rows=[ExpenseRow(id="r1", receipt_date=date(2026, 6, 1), description="Pysäköinti",
                                     amount=Decimal("12.00"), vat_percent=Decimal("25.5"))])  # fmt: skip
    (p,) = prepare(report, None, kctx)
    body = p.payload
    assert body["type"] == "TRAVEL_INVOICE" and body["partnerId"] == 801 and "vatStatus" not in body
    assert body["originalInvoiceNumber"] == "5"
    assert body["travelInformationItems"] == [
        {"departure": "01.06.2026 07:15 Helsinki", "arrival": "01.06.2026 19:00", "places": "Oulu",
         "purpose": "Asiakastapaaminen"},
        {"departure": "02.06.2026 08:00 Oulu", "arrival": "02.06.2026 18:30", "places": "Kemi", "purpose": "Asennus"},
    ]  # fmt: skip
    rows = body["invoiceRows"]
    assert [(r["productId"], r["unit"], r["quantity"]) for r in rows[:3]] == [
        (721, "DAY", 1), (721, "DAY", 1), (723, "KILOMETER", 600)]  # fmt: skip
    assert rows[3]["product"] == "Pysäköinti" and body["extraInfo"]["unitPricesIncludeVat"] is True
    assert p.gross_total == Decimal("108") + Decimal("330.00") + Decimal("12.00") == gross_total(body)
    assert codes(report, kctx) == []


def test_travel_products_must_be_given_and_valid_on_the_row_date_and_legs_fit_procountor(kctx):
    report = travel(per_diem_rows=[PerDiemRow(id="pd1", date=date(2026, 6, 1), rate=Decimal("54"),
                                              procountor_product_id=720),
                                   PerDiemRow(id="pd2", date=date(2026, 6, 2), rate=Decimal("54"))])  # fmt: skip
    assert codes(report, kctx) == ["OUTBOUND_TRAVEL_PRODUCT_NOT_VALID", "OUTBOUND_TRAVEL_PRODUCT_MISSING"]
    long_place = "Rovaniemi " * 10
    leg = TravelLeg(departure=datetime(2026, 6, 1, 7), arrival=datetime(2026, 6, 1, 9), from_place=long_place,
                    places="x" * 300, purpose="p")  # fmt: skip
    (p,) = prepare(travel(legs=[leg]), None, kctx)
    item = p.payload["travelInformationItems"][0]
    assert len(item["departure"]) <= 40 and item["departure"].endswith("...") and len(item["places"]) <= 255
    assert {n.field for n in p.notices} == {"travelInformationItems[0].departure", "travelInformationItems[0].places"}


def test_an_expense_report_splits_into_an_own_and_a_company_money_claim(kctx):
    own, company = prepare(expense(), None, kctx)
    assert [p.payload["type"] for p in (own, company)] == ["BILL_OF_CHARGES", "BILL_OF_CHARGES"]
    assert own.original_invoice_number == "77" + PART_SUFFIXES["own"] == "77-O"
    assert company.original_invoice_number == "77" + PART_SUFFIXES["company"] == "77-Y"
    assert [r["product"] for r in own.payload["invoiceRows"]] == ["Taksi"]
    assert [r["product"] for r in company.payload["invoiceRows"]] == ["Lounas", "Juna"]
    assert [(r.key, r.payment_date, r.amount) for r in company.receipts] == [
        ("r2", date(2026, 5, 5), Decimal("12.40")), ("r3", date(2026, 5, 9), Decimal("40.00"))]  # fmt: skip
    assert own.receipts == () and company.gross_total == Decimal("52.40")
    assert own.payload["partnerId"] == company.payload["partnerId"] == 801
    assert company.payload["invoiceRows"][0]["comment"] == "Maksupäivä 05.05.2026"
    assert codes(expense(), kctx) == []


def test_one_payment_source_gives_one_claim_and_attachments_follow_their_receipts(kctx):
    from taimer_procountor.taimer.models import Attachment

    atts = [Attachment(id="a1", name="taksi.pdf", size=10), Attachment(id="a2", name="juna.pdf", size=10),
            Attachment(id="a3", name="muu.pdf", size=10)]  # fmt: skip
    report = expense(attachments=atts)
    report.rows[0].attachment_ids = ["a1"]
    report.rows[2].attachment_ids = ["a2"]
    own, company = prepare(report, None, kctx)
    assert [a.id for a in own.attachments] == ["a1", "a3"] and [a.id for a in company.attachments] == ["a2"]
    (only,) = prepare(expense(rows=expense().rows[1:]), None, kctx)
    assert only.part == "company" and only.original_invoice_number == "77-Y"


@pytest.mark.parametrize(
    ("owner", "transferrer", "code", "named"),
    [
        ("u-nopid", "u-2", "OUTBOUND_OWNER_PERSON_ID_MISSING", "Ville Vailla (Taimer user u-nopid)"),
        ("u-1", "u-nopid", "OUTBOUND_TRANSFERRER_PERSON_ID_MISSING", "Ville Vailla (Taimer user u-nopid)"),
        ("u-unknown", "u-2", "OUTBOUND_PERSON_ID_UNKNOWN", "Outi Outo (Taimer user u-unknown): person ID 999"),
        ("u-1", "u-gone", "OUTBOUND_PERSON_INACTIVE", "Pekka Entinen (Taimer user u-gone): person ID 804"),
    ],
)
def test_each_person_id_problem_has_its_own_code_naming_the_person(kctx, owner, transferrer, code, named):
    for report in (expense(owner_user_id=owner, transferring_user_id=transferrer),
                   travel(owner_user_id=owner, transferring_user_id=transferrer)):  # fmt: skip
        (error,) = validate_batch([(report, None, prepare(report, None, kctx))], kctx)[report.id]
        assert error.code == code and named in (error.detail or "")


def test_receipts_need_an_amount_and_company_receipts_an_open_payment_date(kctx):
    report = expense()
    report.rows[0].amount = Decimal(0)
    report.rows[1].receipt_date = date(2025, 2, 1)  # closed period in the test context
    assert sorted(codes(report, kctx)) == [
        "OUTBOUND_RECEIPT_AMOUNT_MISSING",
        "OUTBOUND_RECEIPT_DATE_CLOSED_PERIOD",
        "OUTBOUND_VAT_PERCENT_NOT_VALID_ON_DATE",  # on the receipt's own date: 13.5 % was 14 % before 2026
    ]
