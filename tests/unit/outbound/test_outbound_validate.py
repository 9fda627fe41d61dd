"""Each validation rule's code fires on a minimal bad invoice and on nothing else, in one batch with good
invoices of every channel (so the GX failures are also shown to map back to the right document and row)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from taimer_procountor.errors import CATALOGUE
from taimer_procountor.outbound.context import OutboundContext
from taimer_procountor.outbound.transform import prepare
from taimer_procountor.outbound.validate import RULES, validate_batch
from taimer_procountor.taimer.models import (
    Address,
    DocumentKind,
    InvoiceChannel,
    RowKind,
    SalesInvoiceRow,
    TravelReport,
)

from .conftest import INACTIVE_IBAN


def _spoil_row(**changes):
    def spoil(inv, cust):
        inv.rows[1] = inv.rows[1].model_copy(update=changes)
        return inv, cust

    return spoil


def _inv(**changes):
    def spoil(inv, cust):
        return inv.model_copy(update=changes), cust

    return spoil


def _cust(**changes):
    def spoil(inv, cust):
        return inv, cust.model_copy(update=changes)

    return spoil


def _both(inv_changes, cust_changes):
    def spoil(inv, cust):
        return inv.model_copy(update=inv_changes), cust.model_copy(update=cust_changes)

    return spoil


# (case id, the one code expected, the field it names, how the good invoice is spoiled)
CASES = [
    ("no-rows", "OUTBOUND_NO_ROWS", "invoiceRows", _inv(rows=[])),
    ("long-number", "OUTBOUND_ORIGINAL_NUMBER_TOO_LONG", "originalInvoiceNumber", _inv(number=10**41)),
    ("due-before", "OUTBOUND_DUE_DATE_BEFORE_INVOICE_DATE", "paymentInfo.dueDate", _inv(due_date=date(2026, 5, 3))),
    ("closed-period", "OUTBOUND_CLOSED_FISCAL_PERIOD", "date",
     _inv(invoice_date=date(2025, 2, 10), due_date=date(2025, 2, 24))),
    ("no-fiscal-year", "OUTBOUND_CLOSED_FISCAL_PERIOD", "date",
     _inv(invoice_date=date(2031, 2, 10), due_date=date(2031, 2, 24))),
    ("usd", "OUTBOUND_CURRENCY_NOT_SUPPORTED", "paymentInfo.currency", _inv(currency="USD")),
    ("foreign-bank", "OUTBOUND_BANK_ACCOUNT_NOT_IN_PROCOUNTOR", "paymentInfo.bankAccount.accountNumber",
     _inv(bank_account_iban="FI3880042992782206")),
    ("inactive-bank", "OUTBOUND_BANK_ACCOUNT_INACTIVE", "paymentInfo.bankAccount.accountNumber",
     _inv(bank_account_iban=INACTIVE_IBAN)),
    ("vat-17", "OUTBOUND_VAT_PERCENT_NOT_IN_USE", "invoiceRows[1].vatPercent", _spoil_row(vat_percent=Decimal(17))),
    ("vat-24-late", "OUTBOUND_VAT_PERCENT_NOT_VALID_ON_DATE", "invoiceRows[1].vatPercent",
     _spoil_row(vat_percent=Decimal(24))),
    ("vat-14-late", "OUTBOUND_VAT_PERCENT_NOT_VALID_ON_DATE", "invoiceRows[1].vatPercent",
     _spoil_row(vat_percent=Decimal(14))),
    ("vat-13.5-early", "OUTBOUND_VAT_PERCENT_NOT_VALID_ON_DATE", "invoiceRows[1].vatPercent",
     lambda inv, cust: _spoil_row(vat_percent=Decimal("13.5"))(
         *_inv(invoice_date=date(2025, 6, 2), due_date=date(2025, 6, 16))(inv, cust))),
    ("unknown-account", "OUTBOUND_SALES_ACCOUNT_UNKNOWN", "salesAccount", _inv(sales_account="3333")),
    ("inactive-account", "OUTBOUND_SALES_ACCOUNT_INACTIVE", "salesAccount", _inv(sales_account="3990")),
    ("unknown-cost-center", "OUTBOUND_COST_CENTER_UNKNOWN", "costCenter", _inv(cost_center="999")),
    ("inactive-cost-center", "OUTBOUND_COST_CENTER_INACTIVE", "costCenter", _inv(cost_center="900")),
    ("unknown-product", "OUTBOUND_PRODUCT_NOT_IN_PROCOUNTOR", "invoiceRows[1].productId",
     _spoil_row(product_id="tp-gone")),
    ("inactive-product", "OUTBOUND_PRODUCT_NOT_IN_PROCOUNTOR", "invoiceRows[1].productId",
     _spoil_row(product_id="tp-old")),
    ("nameless-row", "OUTBOUND_ROW_NAME_MISSING", "invoiceRows[1].product", _spoil_row(name="")),
    ("no-customer", "OUTBOUND_CUSTOMER_MISSING", "counterParty",
     lambda inv, cust: (inv.model_copy(update={"channel": InvoiceChannel.NO_SENDING}), None)),
    ("bad-business-id", "OUTBOUND_BUSINESS_ID_INVALID", "counterParty.identifier", _cust(business_id="7654321-0")),
    ("bad-business-id-form", "OUTBOUND_BUSINESS_ID_INVALID", "counterParty.identifier", _cust(business_id="7654321")),
    ("einvoice-no-address", "OUTBOUND_EINVOICE_ADDRESS_MISSING", "counterParty.einvoiceAddress",
     _both({"channel": InvoiceChannel.EINVOICE}, {"einvoice_address": None})),
    ("einvoice-bad-operator", "OUTBOUND_EINVOICE_OPERATOR_INVALID", "counterParty.einvoiceAddress.operator",
     _both({"channel": InvoiceChannel.EINVOICE}, {"einvoice_operator": "003799999999"})),
    ("email-missing", "OUTBOUND_EMAIL_MISSING", "counterParty.email", _cust(email=None)),
    ("email-invalid", "OUTBOUND_EMAIL_INVALID", "counterParty.email", _cust(email="laskut.asiakas.fi")),
    ("mail-no-street", "OUTBOUND_CUSTOMER_ADDRESS_MISSING", "counterParty.counterPartyAddress",
     _both({"channel": InvoiceChannel.MAIL}, {"address": Address(postal_code="33100", city="Tampere")})),
    ("bad-reference", "OUTBOUND_REFERENCE_NUMBER_INVALID", "paymentInfo.bankReferenceCode",
     _inv(reference_number="10017")),
    ("not-cp1252", "OUTBOUND_TEXT_NOT_CP1252", "invoiceRows[1].comment",
     _spoil_row(description_lines=["Valmis ✓"])),
]  # fmt: skip

GOOD_VARIANTS = {
    "good-email": {},
    "good-mail": {"channel": InvoiceChannel.MAIL},
    "good-einvoice": {"channel": InvoiceChannel.EINVOICE},
    "good-no-sending": {"channel": InvoiceChannel.NO_SENDING, "reference_number": None, "cost_center": None},
    # characters of Windows-1252 that Latin-1 lacks, and an RF reference
    "good-cp1252": {"notes": "Hinta 100 € – Šiauliai, Žižek, œuvre, “quoted”", "reference_number": "RF18539007547034"},
}


@pytest.fixture(scope="module")
def batch_result(make_invoice, make_customer, ctx):
    batch = []
    for n, (case, _code, _field, spoil) in enumerate(CASES):
        inv, cust = spoil(make_invoice(id=case, number=2000 + n), make_customer())
        batch.append((inv, cust, prepare(inv, cust, ctx)))
    for n, (case, changes) in enumerate(GOOD_VARIANTS.items()):
        inv = make_invoice(id=case, number=3000 + n, **changes)
        cust = make_customer()
        batch.append((inv, cust, prepare(inv, cust, ctx)))
    return validate_batch(batch, ctx)


@pytest.mark.parametrize(("case", "code", "field"), [c[:3] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_fires_alone_on_its_bad_invoice(batch_result, case, code, field):
    assert [(e.code, e.field) for e in batch_result[case]] == [(code, field)]


@pytest.mark.parametrize("case", sorted(GOOD_VARIANTS))
def test_good_invoices_pass(batch_result, case):
    assert batch_result[case] == ()


def test_errors_carry_the_offending_value(batch_result):
    detail = {case: batch_result[case][0].detail for case in ("vat-17", "unknown-account", "einvoice-bad-operator")}
    assert detail == {"vat-17": "17", "unknown-account": "3333", "einvoice-bad-operator": "003799999999"}
    assert "U+2713" in batch_result["not-cp1252"][0].detail


def test_every_rule_has_a_case_and_a_catalogue_entry():
    assert {rule.code for rule in RULES} <= set(CATALOGUE)
    # the sales rules have their cases here; the other kinds' rules are tested in test_outbound_kinds.py
    codes = {rule.code for rule in RULES if DocumentKind.SALES_INVOICE in rule.kinds}
    separate = {"OUTBOUND_BANK_ACCOUNT_MISSING", "OUTBOUND_VAT_STATUS_NOT_IN_USE"}  # their own tests below
    assert codes == {c[1] for c in CASES} | separate
    assert len({rule.code for rule in RULES}) == len(RULES)  # one rule, one code


def test_bank_account_missing_when_neither_invoice_nor_company_has_one(make_invoice, make_customer, ctx):
    company = ctx.company.model_copy(update={"bank_accounts": []})
    bare = OutboundContext(**{**ctx.__dict__, "company": company})
    inv, cust = make_invoice(bank_account_iban=None), make_customer()
    result = validate_batch([(inv, cust, prepare(inv, cust, bare))], bare)
    assert [(e.code, e.field) for e in result["si-1"]] == [
        ("OUTBOUND_BANK_ACCOUNT_MISSING", "paymentInfo.bankAccount.accountNumber")
    ]


def test_vat_status_not_in_use_for_sales(make_invoice, make_customer, ctx):
    from taimer_procountor.taimer.models import VatRateKind

    no_status = OutboundContext(**{**ctx.__dict__, "vat_statuses": {VatRateKind.SALES: frozenset({2, 3})}})
    inv, cust = make_invoice(), make_customer()
    result = validate_batch([(inv, cust, prepare(inv, cust, no_status))], no_status)
    assert [(e.code, e.field, e.detail) for e in result["si-1"]] == [
        ("OUTBOUND_VAT_STATUS_NOT_IN_USE", "vatStatus", "1")
    ]


def test_several_faults_of_one_invoice_are_all_reported_once(make_invoice, make_customer, ctx):
    inv = make_invoice(sales_account="3333", due_date=date(2026, 5, 1))
    inv.rows.append(SalesInvoiceRow(kind=RowKind.PRODUCT, name="Lisä ✓", quantity=1, vat_percent=Decimal(17)))
    cust = make_customer(business_id="7654321-0")
    result = validate_batch([(inv, cust, prepare(inv, cust, ctx))], ctx)
    assert [e.code for e in result["si-1"]] == [
        "OUTBOUND_DUE_DATE_BEFORE_INVOICE_DATE",
        "OUTBOUND_VAT_PERCENT_NOT_IN_USE",
        "OUTBOUND_SALES_ACCOUNT_UNKNOWN",
        "OUTBOUND_BUSINESS_ID_INVALID",
        "OUTBOUND_TEXT_NOT_CP1252",
    ]


def test_a_kind_without_a_transform_is_refused_with_its_code(ctx, monkeypatch):
    from taimer_procountor.outbound.transform import PREPARERS

    monkeypatch.delitem(PREPARERS, DocumentKind.TRAVEL_REPORT)
    travel = TravelReport(id="t1", owner_user_id="u-1", report_date=date(2026, 5, 4))
    assert [e.code for e in validate_batch([(travel, None, ())], ctx)["t1"]] == ["OUTBOUND_KIND_NOT_SUPPORTED"]


def test_an_empty_batch_is_valid(ctx):
    assert validate_batch([], ctx) == {}


def test_foreign_customers_identifier_is_not_judged_as_a_finnish_business_id(make_invoice, make_customer, ctx):
    cust = make_customer(
        business_id="SE556677889901",
        address=Address(street="Drottninggatan 1", postal_code="11151", city="Stockholm", country="SE"),
    )
    inv = make_invoice(due_date=date(2026, 5, 4) + timedelta(days=30))
    assert validate_batch([(inv, cust, prepare(inv, cust, ctx))], ctx)["si-1"] == ()
