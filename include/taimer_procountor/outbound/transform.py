"""Taimer documents into Procountor ``POST /invoices`` payloads (pure functions, no I/O).

``prepare`` dispatches on the document's kind (``PREPARERS``): a sales invoice becomes a ``SALES_INVOICE``, a bill
typed into Taimer a ``PURCHASE_INVOICE``, a travel report a ``TRAVEL_INVOICE`` and an expense report one
``BILL_OF_CHARGES`` per payment source (own money, company money), each with its own ``originalInvoiceNumber``
(``part_number``). What each mapping does, field by field, is in docs/outbound.md ("Transform").

Text that must change to fit one of Procountor's length limits is shortened and reported as a notice on the
document (``outbound.text``); nothing is dropped silently. Data the transform cannot map faithfully is left for
validation to refuse (an unknown VAT percentage, a missing customer, a bank account Procountor does not have):
the transform never guesses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from taimer_procountor.errors import DocumentError
from taimer_procountor.identifiers import normalise_iban, normalise_reference
from taimer_procountor.outbound.attachments import attachments_to_move
from taimer_procountor.outbound.context import DOMESTIC_VAT_STATUS, CostCenter, OutboundContext
from taimer_procountor.outbound.text import fit_field, stripped
from taimer_procountor.procountor.models import (
    Address,
    BankAccount,
    CounterParty,
    EInvoiceAddress,
    ExtraInfo,
    Invoice,
    InvoiceRow,
    PaymentInfo,
)
from taimer_procountor.taimer.models import (
    Attachment,
    Bill,
    Customer,
    DocumentKind,
    ExpenseReport,
    ExpenseRow,
    InvoiceChannel,
    InvoiceLanguage,
    PaymentSource,
    RowKind,
    SalesInvoice,
    SalesInvoiceRow,
    Supplier,
    TaimerDocument,
    TravelReport,
    User,
    VatRateKind,
)

CENT = Decimal("0.01")
COUNTRY_NOT_MAPPED = "OUTBOUND_COUNTRY_NOT_MAPPED"

CHANNELS: dict[InvoiceChannel, str] = {
    InvoiceChannel.EMAIL: "EMAIL",
    InvoiceChannel.MAIL: "MAIL",
    InvoiceChannel.EINVOICE: "ELECTRONIC_INVOICE",
    InvoiceChannel.NO_SENDING: "NO_SENDING",
}
LANGUAGES: dict[InvoiceLanguage, str] = {
    InvoiceLanguage.FI: "FINNISH",
    InvoiceLanguage.SV: "SWEDISH",
    InvoiceLanguage.EN: "ENGLISH",
    InvoiceLanguage.DA: "DANISH",
    InvoiceLanguage.NO: "NORWEGIAN",
    InvoiceLanguage.ET: "ESTONIAN",
}
# Taimer keeps ISO 3166-1 alpha-2 codes; Procountor names countries in upper snake case.
COUNTRIES: dict[str, str] = {
    "FI": "FINLAND",
    "AX": "ALAND_ISLANDS",
    "SE": "SWEDEN",
    "NO": "NORWAY",
    "DK": "DENMARK",
    "IS": "ICELAND",
    "EE": "ESTONIA",
    "LV": "LATVIA",
    "LT": "LITHUANIA",
    "DE": "GERMANY",
    "NL": "NETHERLANDS",
    "BE": "BELGIUM",
    "FR": "FRANCE",
    "ES": "SPAIN",
    "IT": "ITALY",
    "PL": "POLAND",
    "AT": "AUSTRIA",
    "CH": "SWITZERLAND",
    "IE": "IRELAND",
    "GB": "UNITED_KINGDOM",
    "US": "UNITED_STATES",
}


class UnsupportedDocumentKindError(ValueError):
    """``prepare`` was handed a kind that has no transform yet (code ``OUTBOUND_KIND_NOT_SUPPORTED``)."""

    code = "OUTBOUND_KIND_NOT_SUPPORTED"

    def __init__(self, kind: DocumentKind) -> None:
        super().__init__(f"{self.code}: no outbound transform for {kind.value} documents yet")
        self.kind = kind

    def to_document_error(self) -> DocumentError:
        return DocumentError(self.code, None, self.kind.value)


@dataclass(frozen=True)
class ReceiptAccounting:
    """What goes on the invoice's ledger receipt after it is created (Procountor keeps accounts and dimensions
    there, not on rows): the sales account and the cost center chosen in Taimer. ``cost_center`` is the matching
    Procountor dimension item, None when Taimer named none or Procountor has no item with ``cost_center_code``
    (validation refuses the latter)."""

    sales_account: str | None
    cost_center_code: str | None
    cost_center: CostCenter | None

    @property
    def sets_anything(self) -> bool:
        """Whether there is anything to put on the receipt (a sales account, or a cost center Procountor has)."""
        return bool(self.sales_account) or self.cost_center is not None


@dataclass(frozen=True)
class Receipt:
    """One company-money receipt of an expense report: marked paid in Procountor on its own payment date, once
    (``outbound.markpaid``). ``key`` identifies it within the report (the Taimer row id, else its position)."""

    key: str
    payment_date: date
    amount: Decimal  # gross, VAT included


@dataclass(frozen=True)
class PreparedInvoice:
    """One Procountor invoice to create from one Taimer document (an expense report yields one per payment source:
    ``part`` is ``own`` or ``company`` then, None for every other kind)."""

    kind: DocumentKind
    document_id: str  # Taimer id
    taimer_number: str
    original_invoice_number: str  # Procountor's originalInvoiceNumber; the ledger's key for this invoice
    payload: dict[str, Any]  # the JSON body of POST /invoices, valid against the spec's Invoice schema
    receipt_accounting: ReceiptAccounting | None  # sales account + cost center to set on the ledger receipt
    attachments: tuple[Attachment, ...]  # taimer Attachment models to move
    gross_total: Decimal
    notices: tuple[DocumentError, ...]  # text changed to fit etc., each with its catalogue code
    part: str | None = None  # expense reports: which payment source's half this is (PART_SUFFIXES)
    receipts: tuple[Receipt, ...] = ()  # company-money half: the receipts to mark paid, each on its own date
    row_dates: tuple[date | None, ...] = ()  # per payload row: the date it happened (receipt, mileage, per diem)


def document_kind(document: TaimerDocument) -> DocumentKind:
    """The kind of a Taimer document (a travel report is an expense report with legs, so it is asked first)."""
    if isinstance(document, SalesInvoice):
        return DocumentKind.SALES_INVOICE
    if isinstance(document, Bill):
        return DocumentKind.BILL
    if isinstance(document, TravelReport):
        return DocumentKind.TRAVEL_REPORT
    if isinstance(document, ExpenseReport):
        return DocumentKind.EXPENSE_REPORT
    raise TypeError(f"not a Taimer document: {type(document).__name__}")


def prepare(document: TaimerDocument, customer: Customer | None, ctx: OutboundContext) -> tuple[PreparedInvoice, ...]:
    """The Procountor invoices to create for ``document`` (``customer``: a sales invoice's customer, None when
    Taimer has none or the document kind has no customer). Pure: reads only its arguments."""
    kind = document_kind(document)
    preparer = PREPARERS.get(kind)
    if preparer is None:
        raise UnsupportedDocumentKindError(kind)
    return preparer(document, customer, ctx)


# --------------------------------------------------------------------------------------------------- amounts


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def row_amounts(row: dict[str, Any], invoice_discount: Decimal = Decimal(0)) -> tuple[Decimal, Decimal]:
    """(net, VAT) of one payload row as Procountor computes them (prices without VAT, each rounded to cents)."""
    amount = Decimal(str(row["quantity"])) * Decimal(str(row["unitPrice"]))
    amount *= (1 - Decimal(str(row.get("discountPercent", 0))) / 100) * (1 - invoice_discount / 100)
    net = _money(amount)
    return net, _money(net * Decimal(str(row["vatPercent"])) / 100)


def gross_total(payload: dict[str, Any]) -> Decimal:
    """The invoice's total with VAT, the way Procountor sums it (``invoiceSumInfo[].invoiceSumTotal``): with
    ``unitPricesIncludeVat`` each row's gross is its rounded amount, otherwise net plus VAT."""
    discount = Decimal(str(payload.get("discountPercent", 0)))
    rows = payload.get("invoiceRows") or []
    if (payload.get("extraInfo") or {}).get("unitPricesIncludeVat"):
        return sum((_gross_of(r, discount) for r in rows), Decimal(0))
    return sum((sum(row_amounts(r, discount), Decimal(0)) for r in rows), Decimal(0))


def _gross_of(row: dict[str, Any], invoice_discount: Decimal) -> Decimal:
    amount = Decimal(str(row["quantity"])) * Decimal(str(row["unitPrice"]))
    return _money(amount * (1 - Decimal(str(row.get("discountPercent", 0))) / 100) * (1 - invoice_discount / 100))


# --------------------------------------------------------------------------------------------------- sales invoices


def _text_row_vat(invoice: SalesInvoice, row: SalesInvoiceRow, ctx: OutboundContext) -> Decimal:
    """Header and description rows carry no amount, but Procountor wants a VAT % on every row. They take the first
    percentage, in this order, that is in use for sales and valid on the invoice date: the invoice's product rows'
    (so a text row brings in no percentage the invoice does not already use), the row's own, 0. When none is, the
    row's own, for validation to name."""
    candidates = [r.vat_percent for r in invoice.rows if r.kind is RowKind.PRODUCT] + [row.vat_percent, Decimal(0)]
    for percent in candidates:
        if ctx.vat_in_use(percent, VatRateKind.SALES) and ctx.vat_valid_on(percent, invoice.invoice_date):
            return percent
    return row.vat_percent


def sales_row(
    row: SalesInvoiceRow, index: int, text_vat: Decimal, ctx: OutboundContext, notices: list[DocumentError]
) -> InvoiceRow:
    """One Taimer row as one Procountor row.

    - product row: its name, quantity, unit, price, discount and VAT; ``productId`` when Taimer maps the row's
      work type or product to a Procountor product; its description lines as the ``comment`` (the first line
      first, further lines after it on their own lines).
    - header row: Procountor has none, so a row with zero quantity and price whose product name is the header text.
    - description row: likewise a zero row; its first line is the product name, further lines the comment.
    """
    path = f"invoiceRows[{index}]"
    lines = [line for line in row.description_lines if line]
    if row.kind is RowKind.PRODUCT:
        comment = "\n".join(lines) or None
        return InvoiceRow(
            product=row.name,
            product_id=ctx.procountor_product_for(row.product_id, row.work_type_id),
            quantity=row.quantity,
            unit=row.unit,
            unit_price=row.unit_price,
            discount_percent=row.discount_percent,
            vat_percent=row.vat_percent,
            comment=fit_field(comment, "comment", f"{path}.comment", notices),
        )
    if row.kind is RowKind.HEADER:
        product, comment = row.name, "\n".join(lines) or None
    else:
        product, comment = (lines[0] if lines else row.name), "\n".join(lines[1:]) or None
    return InvoiceRow(
        product=product,
        quantity=Decimal(0),
        unit=row.unit,
        unit_price=Decimal(0),
        discount_percent=Decimal(0),
        vat_percent=text_vat,
        comment=fit_field(comment, "comment", f"{path}.comment", notices),
    )


def counterparty_address(customer: Customer | Supplier | None, path: str, notices: list[DocumentError]) -> Address:
    """A customer's (or a bill's supplier's) name and address, fitted to Procountor's lengths."""
    if customer is None:
        return Address(name="")  # validation refuses the invoice (OUTBOUND_CUSTOMER_MISSING)
    addr = customer.address
    country = COUNTRIES.get((addr.country or "").strip().upper())
    if addr.country and country is None:
        notices.append(DocumentError(COUNTRY_NOT_MAPPED, f"{path}.country", addr.country))
    return Address(
        name=fit_field(customer.name, "name", f"{path}.name", notices),
        street=fit_field(addr.street, "street", f"{path}.street", notices),
        zip=fit_field(addr.postal_code, "zip", f"{path}.zip", notices),
        city=fit_field(addr.city, "city", f"{path}.city", notices),
        country=country,
    )


def sales_counterparty(
    invoice: SalesInvoice, customer: Customer | None, notices: list[DocumentError]
) -> tuple[CounterParty, Address | None]:
    """The customer as counterparty, and the billing address (the same, for e-invoices: Procountor wants the
    address in both places for the e-invoice channel)."""
    address = counterparty_address(customer, "counterParty.counterPartyAddress", notices)
    einvoice = None
    if customer is not None and invoice.channel is InvoiceChannel.EINVOICE:
        einvoice = EInvoiceAddress(
            operator=stripped(customer.einvoice_operator), address=stripped(customer.einvoice_address)
        )
    party = CounterParty(
        counter_party_address=address,
        identifier=stripped(customer.business_id) if customer is not None else None,
        email=stripped(customer.email) if customer is not None else None,
        einvoice_address=einvoice,
    )
    billing = address.model_copy() if einvoice is not None else None
    return party, billing


def invoice_bank_account(invoice: SalesInvoice, ctx: OutboundContext) -> str | None:
    """The IBAN to put on the invoice (normalised): the invoice's own, else the company's first in Taimer."""
    if invoice.bank_account_iban:
        return normalise_iban(invoice.bank_account_iban)
    for account in ctx.company.bank_accounts:
        if account.iban:
            return normalise_iban(account.iban)
    return None


def sales_payment_info(invoice: SalesInvoice, ctx: OutboundContext) -> PaymentInfo:
    iban = invoice_bank_account(invoice, ctx)
    reference = normalise_reference(invoice.reference_number) if invoice.reference_number else ""
    return PaymentInfo(
        payment_method="BANK_TRANSFER",
        currency=invoice.currency,
        due_date=invoice.due_date,
        currency_rate=Decimal(1),
        bank_account=BankAccount(account_number=iban) if iban else None,
        # "" asks Procountor to generate a reference number; a given one is checked by validation first.
        bank_reference_code=reference,
        bank_reference_code_type=("RF" if reference.startswith("RF") else "FI") if reference else None,
    )


def prepare_sales_invoice(
    invoice: SalesInvoice, customer: Customer | None, ctx: OutboundContext
) -> tuple[PreparedInvoice, ...]:
    """A Taimer sales invoice (+ its customer) as one Procountor ``SALES_INVOICE``."""
    notices: list[DocumentError] = []
    rows = [sales_row(row, i, _text_row_vat(invoice, row, ctx), ctx, notices) for i, row in enumerate(invoice.rows)]
    party, billing = sales_counterparty(invoice, customer, notices)
    extra: dict[str, Any] = {}
    for key, value in (
        ("orderReference", invoice.your_reference),
        ("sellerReferenceIdentifier", invoice.our_reference),
        ("additionalInformation", invoice.notes),
    ):
        if value:
            extra[key] = fit_field(value, key, key, notices)
    model = Invoice(
        type="SALES_INVOICE",
        date=invoice.invoice_date,
        counter_party=party,
        billing_address=billing,
        payment_info=sales_payment_info(invoice, ctx),
        extra_info=ExtraInfo(accounting_by_row=False, unit_prices_include_vat=False),
        discount_percent=Decimal(0),
        invoice_rows=rows,
        invoice_channel=CHANNELS[invoice.channel],
        language=LANGUAGES[invoice.language],
        vat_status=DOMESTIC_VAT_STATUS,
        **extra,
    )
    payload = model.to_wire()
    original = str(invoice.number)
    payload["originalInvoiceNumber"] = original  # set after the model: validation judges its length
    attachments, attachment_notices = attachments_to_move(invoice.attachments, ctx.company)
    notices.extend(attachment_notices)
    accounting = None
    if invoice.sales_account or invoice.cost_center:
        accounting = ReceiptAccounting(
            sales_account=invoice.sales_account,
            cost_center_code=invoice.cost_center,
            cost_center=ctx.cost_centers.get(invoice.cost_center) if invoice.cost_center else None,
        )
    return (
        PreparedInvoice(
            kind=DocumentKind.SALES_INVOICE,
            document_id=invoice.id,
            taimer_number=str(invoice.number),
            original_invoice_number=original,
            payload=payload,
            receipt_accounting=accounting,
            attachments=attachments,
            gross_total=gross_total(payload),
            notices=tuple(notices),
        ),
    )


# --------------------------------------------------------------------------------------------------- purchase invoices


def supplier_counterparty(bill: Bill, notices: list[DocumentError]) -> CounterParty:
    """The supplier as counterparty: name and address, business ID (checked by validation)."""
    address = counterparty_address(bill.supplier, "counterParty.counterPartyAddress", notices)
    return CounterParty(counter_party_address=address, identifier=stripped(bill.supplier.business_id))


def bill_payment_info(bill: Bill) -> PaymentInfo:
    """Paid to the supplier's account (the bill's IBAN, normalised) with the supplier's reference number. Without a
    reference the field is left out: an empty one would ask Procountor to generate a reference of its own."""
    iban = normalise_iban(bill.supplier.iban) if bill.supplier.iban else None
    reference = normalise_reference(bill.reference_number) if bill.reference_number else None
    return PaymentInfo(
        payment_method="BANK_TRANSFER",
        currency=bill.currency,
        due_date=bill.due_date,
        currency_rate=Decimal(1),
        bank_account=BankAccount(account_number=iban, bic=stripped(bill.supplier.bic)) if iban else None,
        bank_reference_code=reference,
        bank_reference_code_type=("RF" if reference.startswith("RF") else "FI") if reference else None,
    )


def prepare_bill(bill: Bill, customer: Customer | None, ctx: OutboundContext) -> tuple[PreparedInvoice, ...]:
    """A bill typed into Taimer as one Procountor ``PURCHASE_INVOICE``, without accounting data (it is booked in
    Procountor); it lands ``UNFINISHED`` like every invoice we create. The supplier's own invoice number goes in
    ``additionalInformation``: ``originalInvoiceNumber`` carries the Taimer number, our key for finding it again."""
    notices: list[DocumentError] = []
    rows = [
        InvoiceRow(
            product=row.name,
            quantity=row.quantity,
            unit=row.unit,
            unit_price=row.unit_price,
            discount_percent=row.discount_percent,
            vat_percent=row.vat_percent,
            comment=fit_field(stripped(row.description), "comment", f"invoiceRows[{i}].comment", notices),
        )
        for i, row in enumerate(bill.rows)
    ]
    info = f"{SUPPLIER_NUMBER_LABEL}: {bill.supplier_invoice_number}" if bill.supplier_invoice_number else None
    model = Invoice(
        type="PURCHASE_INVOICE",
        date=bill.invoice_date,
        counter_party=supplier_counterparty(bill, notices),
        payment_info=bill_payment_info(bill),
        extra_info=ExtraInfo(accounting_by_row=False, unit_prices_include_vat=False),
        discount_percent=Decimal(0),
        invoice_rows=rows,
        invoice_channel="NO_SENDING",
        vat_status=DOMESTIC_VAT_STATUS,
        additional_information=fit_field(info, "additionalInformation", "additionalInformation", notices),
    )
    payload = model.to_wire()
    original = str(bill.number or bill.id)
    payload["originalInvoiceNumber"] = original
    attachments, attachment_notices = attachments_to_move(bill.attachments, ctx.company)
    notices.extend(attachment_notices)
    return (
        PreparedInvoice(
            kind=DocumentKind.BILL,
            document_id=bill.id,
            taimer_number=original,
            original_invoice_number=original,
            payload=payload,
            receipt_accounting=None,
            attachments=attachments,
            gross_total=gross_total(payload),
            notices=tuple(notices),
            row_dates=tuple(bill.invoice_date for _ in rows),
        ),
    )


SUPPLIER_NUMBER_LABEL = "Toimittajan laskunumero"

# --------------------------------------------------------------------------------------------------- travel and expense

# Expense reports become one invoice per payment source; each half's originalInvoiceNumber is the Taimer number plus
# its suffix (O = omalla rahalla, own money; Y = yrityksen rahalla, company money). Travel reports are one invoice.
OWN, COMPANY = PaymentSource.OWN.value, PaymentSource.COMPANY.value
PART_SUFFIXES: dict[str, str] = {OWN: "-O", COMPANY: "-Y"}


def report_number(report: ExpenseReport) -> str:
    return str(report.number if report.number is not None else report.id)


def part_number(report: ExpenseReport, part: str | None) -> str:
    """The ``originalInvoiceNumber`` of one half of an expense report (the Taimer number when ``part`` is None)."""
    return report_number(report) + (PART_SUFFIXES[part] if part is not None else "")


def invoice_parts(document: TaimerDocument) -> tuple[str | None, ...]:
    """The Procountor invoices a document becomes, by part: an expense report one per payment source its rows use
    (own money first; a report without rows still has its own-money half, for validation to refuse), every other
    kind one (None)."""
    if document_kind(document) is not DocumentKind.EXPENSE_REPORT:
        return (None,)
    assert isinstance(document, ExpenseReport)
    sources = {row.payment_source.value for row in document.rows}
    return tuple(p for p in (OWN, COMPANY) if p in sources) or (OWN,)


def owner_of(report: ExpenseReport, ctx: OutboundContext) -> User | None:
    return ctx.users.get(report.owner_user_id)


def transferrer_of(report: ExpenseReport, ctx: OutboundContext) -> User | None:
    """The user transferring the report: Taimer's ``transferring_user_id``, the owner when it names nobody."""
    return ctx.users.get(report.transferring_user_id or report.owner_user_id)


def person_counterparty(report: ExpenseReport, ctx: OutboundContext, notices: list[DocumentError]) -> CounterParty:
    """The person whose report it is, by the name Procountor's person register has for their person ID (Taimer's
    user name when the ID is unknown; validation refuses the report then)."""
    owner = owner_of(report, ctx)
    person = ctx.persons.get(owner.procountor_person_id) if owner and owner.procountor_person_id else None
    name = (person.name if person and person.name else None) or (owner.name if owner else report.owner_user_id)
    path = "counterParty.counterPartyAddress.name"
    return CounterParty(counter_party_address=Address(name=fit_field(name, "name", path, notices) or ""))


def receipt_row(row: ExpenseRow) -> InvoiceRow:
    """A receipt as one row: its amount with VAT (``unitPricesIncludeVat``), its payment date in the comment (the
    day a person looks for when marking a company-money receipt paid)."""
    return InvoiceRow(
        product=stripped(row.description) or RECEIPT_NAME,
        product_id=row.procountor_product_id,
        quantity=Decimal(1),
        unit="PIECE",
        unit_price=row.amount,
        discount_percent=Decimal(0),
        vat_percent=row.vat_percent,
        comment=f"{PAID_ON_LABEL} {row.receipt_date:%d.%m.%Y}",
    )


RECEIPT_NAME = "Kuitti"
PAID_ON_LABEL = "Maksupäivä"


def _report_invoice(
    report: ExpenseReport,
    ctx: OutboundContext,
    *,
    invoice_type: str,
    rows: list[InvoiceRow],
    notices: list[DocumentError],
) -> dict[str, Any]:
    """The payload shared by travel invoices and expense claims: the person as counterparty (``partnerId`` = the
    owner's Procountor person ID), the report date, rows with VAT included, no VAT status (Procountor needs none
    for these types), not sent anywhere."""
    owner = owner_of(report, ctx)
    model = Invoice(
        type=invoice_type,
        date=report.report_date,
        counter_party=person_counterparty(report, ctx, notices),
        partner_id=owner.procountor_person_id if owner is not None else None,
        payment_info=PaymentInfo(
            payment_method="BANK_TRANSFER",
            currency=report.currency,
            due_date=report.report_date,
            currency_rate=Decimal(1),
        ),
        extra_info=ExtraInfo(accounting_by_row=False, unit_prices_include_vat=True),
        discount_percent=Decimal(0),
        invoice_rows=rows,
        invoice_channel="NO_SENDING",
        additional_information=fit_field(
            stripped(report.title), "additionalInformation", "additionalInformation", notices
        ),
    )
    return model.to_wire()


def prepare_travel_report(
    report: TravelReport, customer: Customer | None, ctx: OutboundContext
) -> tuple[PreparedInvoice, ...]:
    """A travel report as one ``TRAVEL_INVOICE``: its legs as ``travelInformationItems``, per-diem and mileage rows
    through their Procountor travel products, receipts as rows (every receipt, whoever paid it)."""
    notices: list[DocumentError] = []
    rows: list[InvoiceRow] = []
    dates: list[date | None] = []
    allowances = [(r, PER_DIEM_NAME, r.quantity, "DAY", r.rate, None) for r in report.per_diem_rows] + [
        (r, MILEAGE_NAME, r.kilometres, "KILOMETER", r.rate_per_km, stripped(r.description))
        for r in report.mileage_rows
    ]
    for allowance, default_name, quantity, unit, price, comment in allowances:
        product = ctx.travel_products.get(allowance.procountor_product_id or -1)
        rows.append(
            InvoiceRow(
                product=(product.name if product and product.name else default_name),
                product_id=allowance.procountor_product_id,
                quantity=quantity,
                unit=unit,
                unit_price=price,
                discount_percent=Decimal(0),
                vat_percent=Decimal(0),
                comment=fit_field(comment, "comment", f"invoiceRows[{len(rows)}].comment", notices),
            )
        )
        dates.append(allowance.date)
    for row in report.rows:
        rows.append(receipt_row(row))
        dates.append(row.receipt_date)
    payload = _report_invoice(report, ctx, invoice_type="TRAVEL_INVOICE", rows=rows, notices=notices)
    payload["travelInformationItems"] = [
        {
            "departure": fit_field(f"{leg.departure:%d.%m.%Y %H:%M} {leg.from_place or ''}".strip(), "departure",
                                   f"travelInformationItems[{i}].departure", notices),
            "arrival": fit_field(f"{leg.arrival:%d.%m.%Y %H:%M}", "arrival", f"travelInformationItems[{i}].arrival",
                                 notices),
            "places": fit_field(leg.places, "places", f"travelInformationItems[{i}].places", notices),
            "purpose": fit_field(leg.purpose, "purpose", f"travelInformationItems[{i}].purpose", notices),
        }
        for i, leg in enumerate(report.legs)
    ]  # fmt: skip
    original = part_number(report, None)
    payload["originalInvoiceNumber"] = original
    attachments, attachment_notices = attachments_to_move(report.attachments, ctx.company)
    notices.extend(attachment_notices)
    return (
        PreparedInvoice(
            kind=DocumentKind.TRAVEL_REPORT,
            document_id=report.id,
            taimer_number=report_number(report),
            original_invoice_number=original,
            payload=payload,
            receipt_accounting=None,
            attachments=attachments,
            gross_total=gross_total(payload),
            notices=tuple(notices),
            row_dates=tuple(dates),
        ),
    )


PER_DIEM_NAME = "Päiväraha"
MILEAGE_NAME = "Kilometrikorvaus"


def receipt_key(row: ExpenseRow, index: int) -> str:
    return row.id or f"#{index + 1}"


def prepare_expense_report(
    report: ExpenseReport, customer: Customer | None, ctx: OutboundContext
) -> tuple[PreparedInvoice, ...]:
    """An expense report as one ``BILL_OF_CHARGES`` per payment source: the own-money rows (paid to the employee)
    and the company-money rows (books only; each receipt is marked paid later on its own payment date). Attachments
    go with the half whose receipts they belong to; those no receipt names go with the first half."""
    out = []
    for part in invoice_parts(report):
        notices: list[DocumentError] = []
        indexed = [(i, r) for i, r in enumerate(report.rows) if r.payment_source.value == part]
        rows = [receipt_row(row) for _i, row in indexed]
        payload = _report_invoice(
            report,
            ctx,
            invoice_type="BILL_OF_CHARGES",
            rows=rows,
            notices=notices,
        )
        original = part_number(report, part)
        payload["originalInvoiceNumber"] = original
        attachments, attachment_notices = attachments_to_move(part_attachments(report, part), ctx.company)
        notices.extend(attachment_notices)
        receipts = company_receipts(report) if part == COMPANY else ()
        out.append(
            PreparedInvoice(
                kind=DocumentKind.EXPENSE_REPORT,
                document_id=report.id,
                taimer_number=report_number(report),
                original_invoice_number=original,
                payload=payload,
                receipt_accounting=None,
                attachments=attachments,
                gross_total=gross_total(payload),
                notices=tuple(notices),
                part=part,
                receipts=receipts,
                row_dates=tuple(row.receipt_date for _i, row in indexed),
            )
        )
    return tuple(out)


def part_attachments(document: TaimerDocument, part: str | None) -> list[Attachment]:
    """The attachments that go with one part of a document: for an expense report's half, those its receipts
    name, and those no receipt names with the first half; every attachment otherwise."""
    attachments = list(getattr(document, "attachments", None) or [])
    if part is None or not isinstance(document, ExpenseReport):
        return attachments
    named = {a for row in document.rows for a in row.attachment_ids}
    mine = {a for row in document.rows if row.payment_source.value == part for a in row.attachment_ids}
    first = part == invoice_parts(document)[0]
    return [a for a in attachments if a.id in mine or (first and a.id not in named)]


def company_receipts(report: ExpenseReport) -> tuple[Receipt, ...]:
    """The company-money receipts of an expense report, in row order, each to be marked paid on its own date."""
    return tuple(
        Receipt(receipt_key(row, i), row.receipt_date, _money(row.amount))
        for i, row in enumerate(report.rows)
        if row.payment_source is PaymentSource.COMPANY
    )


def prepared_part(prepared: Sequence[PreparedInvoice], part: str | None) -> PreparedInvoice | None:
    """The invoice of ``part`` among a document's prepared invoices (None: the report no longer has that half)."""
    return next((p for p in prepared if p.part == part), None)


Preparer = Callable[[Any, Customer | None, OutboundContext], tuple[PreparedInvoice, ...]]

# One transform per document kind.
PREPARERS: dict[DocumentKind, Preparer] = {
    DocumentKind.SALES_INVOICE: prepare_sales_invoice,
    DocumentKind.BILL: prepare_bill,
    DocumentKind.TRAVEL_REPORT: prepare_travel_report,
    DocumentKind.EXPENSE_REPORT: prepare_expense_report,
}
