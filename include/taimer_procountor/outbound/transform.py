"""Taimer documents into Procountor ``POST /invoices`` payloads (pure functions, no I/O).

``prepare`` dispatches on the document's kind; only sales invoices are built so far (purchase, travel and expense
invoices plug in to ``PREPARERS`` with the same shape; an expense report will yield two invoices, one per payment
source). What the sales mapping does, field by field, is in docs/outbound.md ("Transform").

Text that must change to fit one of Procountor's length limits is shortened and reported as a notice on the
document (``outbound.text``); nothing is dropped silently. Data the transform cannot map faithfully is left for
validation to refuse (an unknown VAT percentage, a missing customer, a bank account Procountor does not have):
the transform never guesses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    InvoiceChannel,
    InvoiceLanguage,
    RowKind,
    SalesInvoice,
    SalesInvoiceRow,
    TaimerDocument,
    TravelReport,
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


@dataclass(frozen=True)
class PreparedInvoice:
    """One Procountor invoice to create from one Taimer document (an expense report will yield two)."""

    kind: DocumentKind
    document_id: str  # Taimer id
    taimer_number: str
    original_invoice_number: str  # Procountor's originalInvoiceNumber; the ledger's key for this invoice
    payload: dict[str, Any]  # the JSON body of POST /invoices, valid against the spec's Invoice schema
    receipt_accounting: ReceiptAccounting | None  # sales account + cost center to set on the ledger receipt
    attachments: tuple[Attachment, ...]  # taimer Attachment models to move
    gross_total: Decimal
    notices: tuple[DocumentError, ...]  # text changed to fit etc., each with its catalogue code


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
    """The invoice's total with VAT, the way Procountor sums it (``invoiceSumInfo[].invoiceSumTotal``)."""
    discount = Decimal(str(payload.get("discountPercent", 0)))
    return sum((sum(row_amounts(r, discount), Decimal(0)) for r in payload.get("invoiceRows") or []), Decimal(0))


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


def counterparty_address(customer: Customer | None, path: str, notices: list[DocumentError]) -> Address:
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


Preparer = Callable[[Any, Customer | None, OutboundContext], tuple[PreparedInvoice, ...]]

# One transform per document kind; the kinds of the next issue (bills, travel and expense reports) add theirs here.
PREPARERS: dict[DocumentKind, Preparer] = {
    DocumentKind.SALES_INVOICE: prepare_sales_invoice,
}
