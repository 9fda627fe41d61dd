"""Typed models of what crosses the wire to Procountor (pydantic v2).

Shapes come from ``components/schemas`` of ``procountor-api.yaml``; where the public API differs from the YAML
(bank account list, products, the error body with ``field``, the token answer) they follow what the real API
answers (docs/procountor-client.md).

Conventions:

- attributes are snake_case, the wire names camelCase (``alias_generator=to_camel``); both work on input;
- ``extra="allow"``: a field Procountor adds (or one we do not model) is kept and sent back unchanged, so reading
  an invoice and PUTting it back never drops data;
- money and percentages are ``Decimal`` (sent as JSON numbers), dates ``datetime.date``; ``version`` and the other
  datetimes stay strings: they are opaque tokens we only ever send back.

``to_wire(model)`` gives the JSON body (camelCase, ``None`` left out).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel


def _decimal_to_number(value: Decimal) -> int | float:
    # An exact integer stays an int; otherwise a float, whose shortest repr equals the decimal text for the
    # <= 15 significant digits money and percentages have.
    if value == value.to_integral_value():
        return int(value)
    return float(value)


Money = Annotated[Decimal, PlainSerializer(_decimal_to_number, return_type=Any, when_used="json")]


class WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", serialize_by_alias=True, validate_by_name=True
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON body for Procountor: camelCase keys, ``None`` values left out, extra fields kept."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def to_wire(model: BaseModel | dict[str, Any]) -> dict[str, Any]:
    if isinstance(model, WireModel):
        return model.to_wire()
    if isinstance(model, BaseModel):
        return model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dict(model)


# --- invoices -------------------------------------------------------------------------------------------------


class Address(WireModel):
    """``InvoiceCounterpartyAddress`` / billing / delivery address."""

    name: str | None = None
    specifier: str | None = None
    street: str | None = None
    zip: str | None = None
    city: str | None = None
    country: str | None = None
    subdivision: str | None = None


class EInvoiceAddress(WireModel):
    operator: str | None = None
    address: str | None = None
    edi_id: str | None = None


class BankAccount(WireModel):
    """The ``BankAccount`` of the YAML: an account number (IBAN) and BIC on an invoice or counterparty."""

    account_number: str | None = None
    bic: str | None = None


class CounterParty(WireModel):
    counter_party_address: Address
    contact_person_name: str | None = None
    identifier: str | None = None
    tax_code: str | None = None
    customer_number: str | None = None
    email: str | None = None
    bank_account: BankAccount | None = None
    einvoice_address: EInvoiceAddress | None = None


class PaymentInfo(WireModel):
    payment_method: str
    currency: str
    due_date: dt.date
    currency_rate: Money
    bank_account: BankAccount | None = None
    bank_reference_code: str | None = None
    bank_reference_code_type: str | None = None
    payment_term_percentage: Money | None = None
    clearing_code: str | None = None
    new_due_date: dt.date | None = None


class ExtraInfo(WireModel):
    accounting_by_row: bool
    unit_prices_include_vat: bool


class InvoiceRow(WireModel):
    product: str
    quantity: Money
    unit: str
    unit_price: Money
    discount_percent: Money
    vat_percent: Money
    id: int | None = None
    product_id: int | None = None
    product_code: str | None = None
    vat_status: int | None = None
    comment: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    header_text: str | None = None
    explanation_text: str | None = None


class AttachmentMeta(WireModel):
    """``Attachment``: the metadata part of an attachment (the file travels separately)."""

    name: str
    reference_type: str
    reference_id: int
    send_with_invoice: bool = False
    id: int | None = None
    mime_type: str | None = None


class InvoiceSumInfo(WireModel):
    currency: str | None = None
    in_accounting_currency: bool | None = None
    excluding_vat_total: Money | None = None
    vat_sum_total: Money | None = None
    invoice_sum_total: Money | None = None


class Invoice(WireModel):
    type: str
    date: dt.date
    counter_party: CounterParty
    payment_info: PaymentInfo
    extra_info: ExtraInfo
    discount_percent: Money
    invoice_rows: list[InvoiceRow]
    invoice_channel: str
    id: int | None = None
    partner_id: int | None = None
    status: str | None = None
    billing_address: Address | None = None
    delivery_address: Address | None = None
    invoice_number: int | None = None
    vat_status: int | None = None
    original_invoice_number: str | None = Field(default=None, max_length=40)
    order_reference: str | None = None
    buyer_reference_identifier: str | None = None  # Finvoice buyer reference (finnish environments only)
    payment_date: dt.date | None = None  # the latest payment's date (read-only)
    invoice_approval_information: dict[str, Any] | None = None  # circulation: {"verifiers": [...], "acceptors": [...]}
    language: str | None = None
    additional_information: str | None = None
    notes: str | None = None
    ledger_receipt_id: int | None = None
    version: str | None = None
    attachments: list[AttachmentMeta] | None = None
    invoice_sum_info: list[InvoiceSumInfo] | None = None
    creator_id: int | None = None


class InvoiceBasicInfo(WireModel):
    """One hit of ``GET /invoices`` (``InvoiceBasicInfo``)."""

    id: int
    type: str | None = None
    status: str | None = None
    partner_id: int | None = None
    invoice_number: int | None = None
    original_invoice_number: str | None = None
    invoice_channel: str | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    created: str | None = None
    version: str | None = None
    creator_id: int | None = None
    is_offer: bool | None = None


InvoiceSummary = InvoiceBasicInfo


class InfoMessage(WireModel):
    message: str | None = None


class PaymentEvent(WireModel):
    id: int | None = None
    invoice_id: int | None = None
    type: str | None = None
    payment_date: dt.date | None = None
    status: str | None = None
    amount: Money | None = None
    currency: str | None = None
    description: str | None = None
    paid_amount: Money | None = None
    paid_currency: str | None = None


class MarkInvoiceAsPaid(WireModel):
    payment_date: dt.date
    amount: Money
    currency: str
    description: str | None = Field(default=None, max_length=140)
    payment_method_type: str | None = None


# --- ledger receipts ------------------------------------------------------------------------------------------


class DimensionItemValue(WireModel):
    dimension_id: int
    item_id: int
    value: Money


class Transaction(WireModel):
    transaction_type: str
    account: str
    accounting_value: Money
    id: int | None = None
    vat_percent: Money | None = None
    vat_type: str | None = None
    vat_status: int | None = None
    description: str | None = None
    partner_id: int | None = None
    dimension_item_values: list[DimensionItemValue] | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class LedgerReceipt(WireModel):
    type: str
    name: str
    receipt_date: dt.date
    vat_type: str
    vat_status: int
    transactions: list[Transaction]
    id: int | None = None
    status: str | None = None
    invoice_id: int | None = None
    receipt_number: int | None = None
    invoice_number: int | None = None
    version: str | None = None


# --- reference data -------------------------------------------------------------------------------------------


class LedgerAccountTranslation(WireModel):
    language_code: str | None = None
    translation: str | None = None


class LedgerAccount(WireModel):
    ledger_account_code: str
    name: str | None = None
    active: bool | None = None
    translations: list[LedgerAccountTranslation] | None = None


class DimensionItem(WireModel):
    code_name: str
    id: int | None = None
    description: str | None = None
    status: str | None = None

    @property
    def active(self) -> bool:
        """Procountor marks only inactive items, with ``status`` ``"P"``."""
        return self.status != "P"


class Dimension(WireModel):
    name: str
    id: int | None = None
    items: list[DimensionItem] = Field(default_factory=list)


class VatPercentInfo(WireModel):
    vat_percent: Money
    sales: bool | None = None
    purchase: bool | None = None


class VatCountryInfo(WireModel):
    country: str | None = None
    percentages: list[VatPercentInfo] = Field(default_factory=list)


class VatStatusInfo(WireModel):
    vat_status: int
    description: str | None = None
    sales: bool | None = None
    purchase: bool | None = None


class VatInformation(WireModel):
    """``GET /vats/default``."""

    vat_information: list[VatCountryInfo] = Field(default_factory=list)
    vat_statuses: list[VatStatusInfo] = Field(default_factory=list)


class BankAccountInfo(WireModel):
    """One of the company's own bank accounts (``GET /bankaccounts``)."""

    id: int
    account_number: str | None = None
    iban: str | None = None
    bic: str | None = None
    bank_name: str | None = None
    currency: str | None = None
    default_for_invoice: bool | None = None
    default_for_payment: bool | None = None
    status: str | None = None
    order_no: int | None = None
    version: str | None = None


class BusinessIdentifier(WireModel):
    brn_type: str | None = None
    code: str | None = None


class Company(WireModel):
    id: int
    name: str
    country: str | None = None
    business_identifier: BusinessIdentifier | None = None
    company_currency: str | None = None


class TrackingPeriod(WireModel):
    status: str
    id: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    modified: str | None = None


class FiscalYear(WireModel):
    id: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    modified: str | None = None
    is_open: bool | None = None
    tracking_periods: list[TrackingPeriod] = Field(default_factory=list)


class Product(WireModel):
    """``GET /products`` item."""

    id: int
    name: str
    type: str | None = None
    code: str | None = None
    unit: str | None = None
    price: Money | None = None
    vat: Money | None = None
    vat_status: int | None = None
    active: bool | None = None
    default_account: str | None = None
    currency: str | None = None
    product_group_id: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    bookkeeping_account: str | None = None
    version: str | None = None


class PersonInvoicingInfo(WireModel):
    person_number: str | None = None
    identifier: str | None = None
    identifier_type: str | None = None


class PersonRegistryInfo(WireModel):
    active: bool | None = None
    email: str | None = None


class PersonPaymentInfo(WireModel):
    payment_method: str | None = None
    account_number: str | None = None
    bic: str | None = None


class Person(WireModel):
    """A person from ``GET /persons`` (basic info) or ``GET /persons/{id}`` (full). The person ``id`` equals the
    business-partner ``partnerId`` of type PERSON."""

    id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    invoicing_info: PersonInvoicingInfo | None = None
    registry_info: PersonRegistryInfo | None = None
    payment_info: PersonPaymentInfo | None = None
    version: str | None = None


class SearchResultMetaData(WireModel):
    page_number: int | None = None
    page_size: int | None = None
    result_count: int | None = None
    total_count: int | None = None


# --- errors and auth ------------------------------------------------------------------------------------------


class ErrorItem(WireModel):
    """One item of Procountor's error body ``{"errors": [{status, field, message}]}``."""

    status: int | None = None
    field: str | None = None
    message: str | None = None


class ErrorMessage(WireModel):
    """Procountor's error body (``ErrorMessage`` in the YAML)."""

    errors: list[ErrorItem] = Field(default_factory=list)


class TokenResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    access_token: str
    expires_in: int
    token_type: str | None = None
