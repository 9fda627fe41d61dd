"""Typed models of the Taimer side: what the sync reads from Taimer and what it writes back.

Taimer publishes no API, so these models *are* the Taimer contract of this project. The REST implementation, the Taimer
sandbox and the seed-data generator all speak them. Stability rule: changes are additive only (new optional fields,
new enum members), so datasets written by an older seed generator keep loading.

Conventions: money and quantities are ``Decimal``, calendar dates are ``datetime.date``, Taimer ids are strings (an
export-based implementation may have non-numeric ids), Procountor ids are ``int``. Unknown fields are ignored on input
so an older client can read a newer server's answers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Amounts and quantities are bounded: at most 24 digits in all (an exponent counts as digits), so that an answer
# such as "1e999999999" is refused when read instead of failing far later; NaN and Infinity are refused too.
Quantity = Annotated[Decimal, Field(max_digits=24, allow_inf_nan=False)]
Money = Quantity
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=24)]


class TaimerModel(BaseModel):
    """Base of every Taimer model: ignore unknown fields, allow construction by field name."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, use_enum_values=False)


# --------------------------------------------------------------------------------------------------- enums


class DocumentKind(StrEnum):
    """The four kinds of documents that move from Taimer to Procountor."""

    SALES_INVOICE = "sales_invoice"
    BILL = "bill"
    EXPENSE_REPORT = "expense_report"
    TRAVEL_REPORT = "travel_report"


class SyncState(StrEnum):
    """Where a Taimer document stands in the integration.

    ``ready`` is what a user sets in Taimer by choosing "Lähetä Procountoriin"; the sync moves it on from there.
    """

    NOT_SELECTED = "not_selected"  # not marked for transfer
    READY = "ready"  # marked for transfer, not picked up yet
    IN_PROGRESS = "in_progress"  # claimed by a run
    TRANSFERRED = "transferred"  # in Procountor (UNFINISHED there)
    FAILED = "failed"  # refused: see IntegrationStatus.errors
    RECEIVED = "received"  # a bill that came from Procountor


class AttachmentStorage(StrEnum):
    TAIMER = "taimer"
    GOOGLE_DRIVE = "google_drive"


class PurchaseInvoiceViewRight(StrEnum):
    """Taimer's purchase-invoice viewing right (seed article §4): all / only assigned / pre-approve only."""

    ALL = "all"
    ASSIGNED_ONLY = "assigned_only"
    PRE_APPROVE_ONLY = "pre_approve_only"


class RowKind(StrEnum):
    PRODUCT = "product"
    HEADER = "header"  # Procountor has none: becomes a zero row with the text as product name
    DESCRIPTION = "description"


class InvoiceChannel(StrEnum):
    """How the sales invoice is delivered (maps to Procountor ``invoiceChannel``)."""

    EMAIL = "email"
    MAIL = "mail"
    EINVOICE = "einvoice"
    NO_SENDING = "no_sending"


class InvoiceLanguage(StrEnum):
    FI = "fi"
    SV = "sv"
    EN = "en"
    DA = "da"
    NO = "no"
    ET = "et"


class BillDirection(StrEnum):
    """Bills (purchase invoices) move both ways."""

    OUTBOUND = "outbound"  # entered in Taimer, sent to Procountor without accounting data
    INBOUND = "inbound"  # received in Procountor, routed to a recipient in Taimer


class ApprovalState(StrEnum):
    NONE = "none"
    APPROVED = "approved"  # approved in Taimer only
    APPROVE_IN_PROCOUNTOR = "approve_in_procountor"  # "Hyväksy Procountorissa" requested: push the approval
    APPROVED_IN_PROCOUNTOR = "approved_in_procountor"  # pushed; Procountor status APPROVED


class RoutingReason(StrEnum):
    """Why an inbound bill went to its recipient (project manager, person or default recipient)."""

    PROJECT_MANAGER = "project_manager"
    PERSON_ID = "person_id"
    DEFAULT_RECIPIENT = "default_recipient"
    UNROUTED = "unrouted"  # no rule matched and no default recipient configured


class PaymentSource(StrEnum):
    """Who paid an expense: the employee's own money (reimbursed) or company money (card; books only)."""

    OWN = "own"
    COMPANY = "company"


class PerDiemKind(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    MEAL = "meal"
    FOREIGN = "foreign"


class VatRateKind(StrEnum):
    SALES = "sales"
    PURCHASE = "purchase"


class ReferenceKind(StrEnum):
    ACCOUNTS = "accounts"
    COST_CENTERS = "cost_centers"
    PRODUCTS = "products"
    VAT_RATES = "vat_rates"
    PERSON_IDS = "person_ids"


# --------------------------------------------------------------------------------------------------- company, people


class Address(TaimerModel):
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "FI"  # ISO 3166-1 alpha-2


class BankAccount(TaimerModel):
    iban: str
    bic: str | None = None
    name: str | None = None


class CompanySettings(TaimerModel):
    name: str
    business_id: str  # Y-tunnus, e.g. 1234567-8
    address: Address = Field(default_factory=Address)
    bank_accounts: list[BankAccount] = Field(default_factory=list)
    sales_invoice_start_number: int = 1
    attachments_in_google_drive: bool = False
    default_purchase_invoice_recipient_user_id: str | None = None
    currency: str = "EUR"


class User(TaimerModel):
    id: str
    name: str
    email: str | None = None
    personal_identifier: str | None = None  # henkilötunnus; personal data, never logged
    procountor_person_id: int | None = None
    can_receive_purchase_invoices: bool = False
    purchase_invoice_view_right: PurchaseInvoiceViewRight = PurchaseInvoiceViewRight.ASSIGNED_ONLY
    active: bool = True


class Customer(TaimerModel):
    id: str
    name: str
    business_id: str | None = None
    address: Address = Field(default_factory=Address)
    email: str | None = None
    einvoice_address: str | None = None
    einvoice_operator: str | None = None
    language: InvoiceLanguage = InvoiceLanguage.FI


class Project(TaimerModel):
    id: str
    number: str
    name: str
    manager_user_id: str | None = None
    customer_id: str | None = None


class Product(TaimerModel):
    """A product in Taimer's product register, with the Procountor product it maps to (account steering)."""

    id: str
    name: str
    code: str | None = None
    unit: str = "PIECE"
    unit_price: Money = Decimal("0")
    vat_percent: Percent = Decimal("25.5")
    procountor_product_id: int | None = None
    account: str | None = None  # ledger account code, e.g. "3000"


class WorkType(TaimerModel):
    """A Taimer work type; mapping it to a Procountor product gives per-work-type tracking in Procountor."""

    id: str
    name: str
    procountor_product_id: int | None = None
    account: str | None = None


# --------------------------------------------------------------------------------------------------- integration fields


class IntegrationError(TaimerModel):
    """One error written back to a Taimer document: a catalogue code, the field, and a text for people."""

    code: str
    field: str | None = None
    message: str | None = None


class LinkedProcountorInvoice(TaimerModel):
    """One Procountor invoice made from a Taimer document (an expense report can become two: own/company money)."""

    procountor_id: int
    procountor_number: int | None = None
    payment_source: PaymentSource | None = None
    status: str | None = None  # Procountor status, e.g. UNFINISHED, PAID


class IntegrationStatus(TaimerModel):
    """The integration fields on every Taimer document (written back by the sync)."""

    sync_state: SyncState = SyncState.NOT_SELECTED
    procountor_id: int | None = None
    procountor_number: int | None = None
    procountor_status: str | None = None
    linked_invoices: list[LinkedProcountorInvoice] = Field(default_factory=list)
    errors: list[IntegrationError] = Field(default_factory=list)
    paid_amount: Money | None = None
    paid_date: date | None = None
    attachments_skipped_reason: str | None = None  # e.g. "google_drive"
    updated_at: datetime | None = None


class IntegrationUpdate(TaimerModel):
    """A partial write-back: only the fields that are set (``model_fields_set``) change on the document."""

    sync_state: SyncState | None = None
    procountor_id: int | None = None
    procountor_number: int | None = None
    procountor_status: str | None = None
    linked_invoices: list[LinkedProcountorInvoice] | None = None
    errors: list[IntegrationError] | None = None
    paid_amount: Money | None = None
    paid_date: date | None = None
    attachments_skipped_reason: str | None = None
    approval_state: ApprovalState | None = None  # bills only: e.g. approved_in_procountor after the push


# --------------------------------------------------------------------------------------------------- attachments


class Attachment(TaimerModel):
    """Attachment metadata. Content is served separately (``TaimerAdapter.iter_attachment_content``)."""

    id: str
    name: str
    size: int = Field(ge=0)
    storage: AttachmentStorage = AttachmentStorage.TAIMER
    mime_type: str | None = None  # what Taimer *claims*; the sync judges content by magic bytes


class InlineBlob(TaimerModel):
    """Attachment content carried in the dataset itself (base64)."""

    model_config = ConfigDict(extra="forbid")
    source: Literal["inline"] = "inline"
    data_b64: str


class SyntheticBlob(TaimerModel):
    """Attachment content described by a recipe; ``sandboxes.seed.attachments.render_blob`` makes the bytes."""

    model_config = ConfigDict(extra="forbid")
    source: Literal["synthetic"] = "synthetic"
    kind: str  # e.g. "pdf", "jpg", "gif", "txt", "png", "exe_renamed_pdf" (the seed generator defines them)
    size: int = Field(ge=0)
    seed: int = 0


AttachmentBlob = InlineBlob | SyntheticBlob


# --------------------------------------------------------------------------------------------------- sales invoices


class SalesInvoiceRow(TaimerModel):
    id: str | None = None
    kind: RowKind = RowKind.PRODUCT
    name: str = ""  # product name, or the header text for header rows
    description_lines: list[str] = Field(default_factory=list)
    product_id: str | None = None
    work_type_id: str | None = None
    quantity: Quantity = Decimal("0")
    unit: str = "PIECE"
    unit_price: Money = Decimal("0")
    vat_percent: Percent = Decimal("0")
    discount_percent: Percent = Decimal("0")


class SalesInvoice(TaimerModel):
    id: str
    number: int
    invoice_date: date
    due_date: date
    customer_id: str
    project_id: str | None = None
    currency: str = "EUR"
    language: InvoiceLanguage = InvoiceLanguage.FI
    channel: InvoiceChannel = InvoiceChannel.NO_SENDING
    reference_number: str | None = None
    sales_account: str | None = None  # ledger account code, set per invoice
    cost_center: str | None = None  # cost-center dimension item code
    bank_account_iban: str | None = None
    our_reference: str | None = None
    your_reference: str | None = None
    notes: str | None = None
    rows: list[SalesInvoiceRow] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    integration: IntegrationStatus = Field(default_factory=IntegrationStatus)
    updated_at: datetime | None = None


# --------------------------------------------------------------------------------------------------- bills


class Supplier(TaimerModel):
    name: str
    business_id: str | None = None
    address: Address = Field(default_factory=Address)
    iban: str | None = None
    bic: str | None = None


class BillRow(TaimerModel):
    id: str | None = None
    name: str = ""
    description: str | None = None
    quantity: Quantity = Decimal("1")
    unit: str = "PIECE"
    unit_price: Money = Decimal("0")
    vat_percent: Percent = Decimal("0")
    discount_percent: Percent = Decimal("0")


class Bill(TaimerModel):
    """A purchase invoice. Outbound ones are typed into Taimer; inbound ones come from Procountor and are routed."""

    id: str
    direction: BillDirection = BillDirection.OUTBOUND
    number: str | None = None  # Taimer's own bill number
    supplier_invoice_number: str | None = None
    supplier: Supplier
    invoice_date: date
    due_date: date
    currency: str = "EUR"
    reference_number: str | None = None
    total_net: Money | None = None
    total_vat: Money | None = None
    total_gross: Money | None = None
    rows: list[BillRow] = Field(default_factory=list)
    project_number: str | None = None  # routing rule 1
    person_id: int | None = None  # routing rule 2 (Procountor person ID)
    approval_state: ApprovalState = ApprovalState.NONE
    approved_by_user_id: str | None = None
    approved_at: datetime | None = None
    recipient_user_id: str | None = None
    routing_reason: RoutingReason | None = None
    procountor_id: int | None = None  # identity of an inbound bill (upsert key)
    procountor_status: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    integration: IntegrationStatus = Field(default_factory=IntegrationStatus)
    updated_at: datetime | None = None


class BillUpsert(TaimerModel):
    """A bill coming from Procountor: created, or updated when a bill with the same ``procountor_id`` exists."""

    procountor_id: int
    procountor_status: str | None = None
    supplier_invoice_number: str | None = None
    supplier: Supplier
    invoice_date: date
    due_date: date
    currency: str = "EUR"
    reference_number: str | None = None
    total_net: Money | None = None
    total_vat: Money | None = None
    total_gross: Money | None = None
    rows: list[BillRow] = Field(default_factory=list)
    project_number: str | None = None
    person_id: int | None = None
    recipient_user_id: str | None = None
    routing_reason: RoutingReason | None = None
    procountor_number: int | None = None


class BillUpsertResult(TaimerModel):
    bill: Bill
    created: bool


class ApprovalToPush(TaimerModel):
    """An inbound bill approved in Taimer with "Hyväksy Procountorissa": approve it in Procountor."""

    bill_id: str
    procountor_id: int
    approved_by_user_id: str | None = None
    approved_at: datetime | None = None


# --------------------------------------------------------------------------------------------------- travel and expense


class ExpenseRow(TaimerModel):
    id: str | None = None
    receipt_date: date  # the payment date on the receipt: company-money rows are marked paid on this date
    description: str = ""
    amount: Money  # gross, VAT included
    vat_percent: Percent = Decimal("0")
    payment_source: PaymentSource = PaymentSource.OWN
    account: str | None = None
    procountor_product_id: int | None = None
    attachment_ids: list[str] = Field(default_factory=list)


class TravelLeg(TaimerModel):
    departure: datetime
    arrival: datetime
    from_place: str | None = None
    places: str  # destinations, free text (Procountor ≤255)
    purpose: str


class MileageRow(TaimerModel):
    id: str | None = None
    date: date
    description: str = ""
    vehicle: str = "car"
    kilometres: Quantity
    rate_per_km: Money
    procountor_product_id: int | None = None


class PerDiemRow(TaimerModel):
    id: str | None = None
    date: date
    kind: PerDiemKind = PerDiemKind.FULL
    quantity: Quantity = Decimal("1")  # days
    rate: Money
    country: str = "FI"
    procountor_product_id: int | None = None


class ExpenseReport(TaimerModel):
    id: str
    number: int | None = None
    owner_user_id: str
    transferring_user_id: str | None = None
    report_date: date
    title: str = ""
    currency: str = "EUR"
    project_id: str | None = None
    rows: list[ExpenseRow] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    integration: IntegrationStatus = Field(default_factory=IntegrationStatus)
    updated_at: datetime | None = None


class TravelReport(ExpenseReport):
    """A travel report: legs, mileage and per-diem rows, plus receipts like an expense report."""

    legs: list[TravelLeg] = Field(default_factory=list)
    mileage_rows: list[MileageRow] = Field(default_factory=list)
    per_diem_rows: list[PerDiemRow] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------- reference data


class ReferenceAccount(TaimerModel):
    number: str  # ledgerAccountCode
    name: str
    active: bool = True


class ReferenceCostCenter(TaimerModel):
    code: str  # dimension item codeName
    name: str | None = None  # description
    dimension_id: int | None = None
    item_id: int | None = None
    active: bool = True


class ReferenceProduct(TaimerModel):
    procountor_product_id: int
    name: str
    code: str | None = None
    type: str = "SALES"  # SALES / PURCHASE / TRAVEL
    unit: str | None = None
    price: Money | None = None
    vat_percent: Quantity | None = None
    account: str | None = None
    active: bool = True


class VatRate(TaimerModel):
    percent: Quantity
    kind: VatRateKind
    valid_from: date | None = None
    valid_to: date | None = None


class PersonIdMatch(TaimerModel):
    """A Procountor person and the Taimer user it was matched to (``user_id`` None: no match)."""

    person_id: int
    name: str
    email: str | None = None
    user_id: str | None = None


class ReferenceData(TaimerModel):
    accounts: list[ReferenceAccount] = Field(default_factory=list)
    cost_centers: list[ReferenceCostCenter] = Field(default_factory=list)
    products: list[ReferenceProduct] = Field(default_factory=list)
    vat_rates: list[VatRate] = Field(default_factory=list)
    person_ids: list[PersonIdMatch] = Field(default_factory=list)


class ReferenceWriteResult(TaimerModel):
    kind: ReferenceKind
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    users_updated: int = 0  # person IDs only: users whose Procountor person ID was set from a match


class DocumentSummary(TaimerModel):
    """One line of a document listing (ready for transfer, or changed since a time); fetch the whole document by id."""

    kind: DocumentKind
    id: str
    number: str | None = None
    sync_state: SyncState = SyncState.NOT_SELECTED
    updated_at: datetime | None = None


TaimerDocument = SalesInvoice | Bill | ExpenseReport | TravelReport

DOCUMENT_MODELS: dict[DocumentKind, type[TaimerModel]] = {
    DocumentKind.SALES_INVOICE: SalesInvoice,
    DocumentKind.BILL: Bill,
    DocumentKind.EXPENSE_REPORT: ExpenseReport,
    DocumentKind.TRAVEL_REPORT: TravelReport,
}
