"""Validation before anything is sent: every rule a Procountor invoice must pass, judged on the whole batch.

The data-level rules are great-expectations expectations run on two pandas DataFrames built from the batch (one
line per Procountor invoice, one per invoice row) in an ephemeral GX context: each expectation carries its
catalogue code in ``meta``, and every failing line maps back to its document (and row) through the frame's index.
Rules GX does not fit, check digits and the Windows-1252 walk over every string of the payload, are plain checks.
Each rule declares the document kinds it applies to, so the kinds of the next issue reuse the same list.

A document is valid when ``validate_batch`` gives it no error. Attachments are not judged here: a refused
attachment does not hold its invoice (``outbound.attachments``). The rules and their codes are listed in
docs/outbound.md ("Validation").

GX and pandas are imported inside the functions only: DAG files import this package and GX takes seconds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from taimer_procountor.errors import DocumentError
from taimer_procountor.finnish_vat import FINNISH_VAT_VALIDITY, as_percent
from taimer_procountor.identifiers import is_valid_business_id, is_valid_iban, is_valid_reference, normalise_iban
from taimer_procountor.outbound.context import OutboundContext, normalise_operator
from taimer_procountor.outbound.text import cp1252_offenders, strings, stripped
from taimer_procountor.outbound.transform import PREPARERS, PreparedInvoice, document_kind, owner_of, transferrer_of
from taimer_procountor.taimer.models import (
    Bill,
    Customer,
    DocumentKind,
    ExpenseReport,
    MileageRow,
    PaymentSource,
    PerDiemRow,
    TaimerDocument,
    TravelReport,
    User,
    VatRateKind,
)

if TYPE_CHECKING:
    import pandas as pd

BatchItem = tuple[TaimerDocument, Customer | None, tuple[PreparedInvoice, ...]]

SALES = frozenset({DocumentKind.SALES_INVOICE})
BILLS = frozenset({DocumentKind.BILL})
INVOICED = frozenset({DocumentKind.SALES_INVOICE, DocumentKind.BILL})  # documents with a due date and a reference
REPORTS = frozenset({DocumentKind.TRAVEL_REPORT, DocumentKind.EXPENSE_REPORT})  # a person's, with a person ID
TRAVEL = frozenset({DocumentKind.TRAVEL_REPORT})
ALL_KINDS = frozenset(DocumentKind)
SALES_SIDE_KINDS = SALES

INVOICE_FRAME = "invoice"  # one line per Procountor invoice
ROW_FRAME = "row"  # one line per invoice row
PLAIN = "plain"  # a Python check over the document and its payloads

EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_FI_BUSINESS_ID_LIKE = re.compile(r"^(FI)?\d{6,8}(-?\d)?$", re.IGNORECASE)


def vat_side(kind: DocumentKind) -> VatRateKind:
    """Which of Procountor's VAT lists a kind's rows must use: sales invoices the sales side, the rest purchase."""
    return VatRateKind.SALES if kind in SALES_SIDE_KINDS else VatRateKind.PURCHASE


# --------------------------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Line:
    """One failing line of a frame: the document, the invoice (index into the document's prepared invoices) and,
    for row rules, the row."""

    document_id: str
    invoice: int
    row: int | None = None


PlainCheck = Callable[
    [TaimerDocument, Customer | None, tuple[PreparedInvoice, ...], OutboundContext], list[DocumentError]
]
Expectations = Callable[[OutboundContext, DocumentKind, "pd.DataFrame"], list[Any]]


@dataclass(frozen=True)
class Rule:
    """One validation rule: its catalogue code, the kinds it applies to, what it checks (for people: docs and
    the report), and how. ``frame`` says where it runs (``INVOICE_FRAME``/``ROW_FRAME``: GX expectations from
    ``expectations``; ``PLAIN``: ``check``). ``field``: the payload field it names (``{row}`` is the row index).
    ``unless``: a code that, raised on the same line, makes this one redundant (an unknown account is not also
    reported inactive)."""

    code: str
    kinds: frozenset[DocumentKind]
    checks: str
    frame: str
    field: str | None = None
    column: str | None = None  # the frame column whose value goes into the error's detail
    expectations: Expectations | None = None
    check: PlainCheck | None = None
    unless: str | None = None


def _gx() -> Any:
    import great_expectations as gx

    return gx


When = tuple[str, Any]  # (column, value): the expectation looks only at the lines where column == value


def _when(when: When | None) -> dict[str, Any]:
    """GX's row condition for ``when`` (built here, not at import: GX is imported only when validation runs)."""
    if when is None:
        return {}
    from great_expectations.expectations.row_conditions import Column

    column, value = when
    return {"row_condition": Column(column) == value}


def _in_set(column: str, values: Iterable[Any], when: When | None = None) -> Expectations:
    def build(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
        expectation = _gx().expectations.ExpectColumnValuesToBeInSet
        return [expectation(column=column, value_set=sorted(values), **_when(when))]

    return build


def _not_null(*columns: str, when: When | None = None) -> Expectations:
    def build(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
        return [_gx().expectations.ExpectColumnValuesToNotBeNull(column=c, **_when(when)) for c in columns]

    return build


def _rows_at_least_one(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return [_gx().expectations.ExpectColumnValuesToBeBetween(column="row_count", min_value=1)]


def _original_number_length(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return [
        _gx().expectations.ExpectColumnValueLengthsToBeBetween(
            column="original_invoice_number", min_value=1, max_value=40
        )
    ]


def _due_not_before_date(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return [
        _gx().expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="due_date", column_B="invoice_date", or_equal=True, ignore_row_if="either_value_is_missing"
        )
    ]


def _open_days(ctx: OutboundContext, frame: pd.DataFrame) -> list[str]:
    """The open days (ISO) between the batch's first and last invoice date: the set the period rule checks."""
    days = [date.fromisoformat(d) for d in frame["invoice_day"].dropna()]
    if not days:
        return []
    out, day = [], min(days)
    while day <= max(days):
        if ctx.period_open(day):
            out.append(day.isoformat())
        day += timedelta(days=1)
    return out


def _period_open(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return _in_set("invoice_day", _open_days(ctx, frame))(ctx, kind, frame)


def _bank_known(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return _in_set("bank_account", ctx.bank_accounts | ctx.inactive_bank_accounts)(ctx, kind, frame)


def _bank_active(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return _in_set("bank_account", ctx.bank_accounts)(ctx, kind, frame)


def _vat_in_use(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    values = {str(p) for p in ctx.vat_percentages.get(vat_side(kind), frozenset())}
    return _in_set("vat_percent", values)(ctx, kind, frame)


def _vat_on_date(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    """One expectation per rate-limited Finnish percentage: rows with it must fall in its validity."""
    if not ctx.finnish_vat_dates:
        return []
    import pandas as pd

    gx = _gx()
    out = []
    for percent, (valid_from, valid_to) in FINNISH_VAT_VALIDITY.items():
        if valid_from is None and valid_to is None:
            continue
        for column in ("invoice_date", "row_date"):  # Procountor judges the invoice date; we also the row's own
            out.append(
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column=column,
                    min_value=pd.Timestamp(valid_from) if valid_from else None,
                    max_value=pd.Timestamp(valid_to) if valid_to else None,
                    **_when(("vat_percent", str(as_percent(percent)))),
                )
            )
    return out


def _company_currency(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return _in_set("currency", {ctx.company.currency.upper()})(ctx, kind, frame)


def _vat_status(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return _in_set("vat_status", ctx.vat_statuses.get(vat_side(kind), frozenset()))(ctx, kind, frame)


def _accounts(active_only: bool) -> Expectations:
    def build(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
        values = {n for n, active in ctx.ledger_accounts.items() if active or not active_only}
        return _in_set("sales_account", values)(ctx, kind, frame)

    return build


def _cost_centers(active_only: bool) -> Expectations:
    def build(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
        values = {c for c, item in ctx.cost_centers.items() if item.active or not active_only}
        return _in_set("cost_center", values)(ctx, kind, frame)

    return build


def _products(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    values = {pid for pid, active in ctx.procountor_products.items() if active}
    return _in_set("procountor_product_id", values)(ctx, kind, frame)


def _row_named(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return [_gx().expectations.ExpectColumnValueLengthsToBeBetween(column="product", min_value=1)]


def _operator_known(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return _in_set("einvoice_operator", ctx.einvoice_operators, when=("channel", "ELECTRONIC_INVOICE"))(
        ctx, kind, frame
    )


def _email_format(ctx: OutboundContext, kind: DocumentKind, frame: pd.DataFrame) -> list[Any]:
    return [_gx().expectations.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL_RE)]


# --- plain checks ---------------------------------------------------------------------------------------------


def _business_id(
    document: TaimerDocument, customer: Customer | None, prepared: tuple[PreparedInvoice, ...], ctx: OutboundContext
) -> list[DocumentError]:
    """A Finnish customer's (sales) or supplier's (bill) business ID must be ``NNNNNNN-C`` with the right check
    digit (``identifiers.py``); a foreign one's identifier is not ours to judge, unless it is shaped like a Finnish
    one."""
    party = document.supplier if isinstance(document, Bill) else customer
    if party is None or not (party.business_id or "").strip():
        return []
    value = (party.business_id or "").strip()
    finnish = (party.address.country or "FI").upper() == "FI" or bool(_FI_BUSINESS_ID_LIKE.match(value))
    if finnish and not is_valid_business_id(value):
        return [DocumentError("OUTBOUND_BUSINESS_ID_INVALID", "counterParty.identifier", value)]
    return []


def _reference(
    document: TaimerDocument, customer: Customer | None, prepared: tuple[PreparedInvoice, ...], ctx: OutboundContext
) -> list[DocumentError]:
    out = []
    for p in prepared:
        code = (p.payload.get("paymentInfo") or {}).get("bankReferenceCode")
        if code and not is_valid_reference(code):
            out.append(DocumentError("OUTBOUND_REFERENCE_NUMBER_INVALID", "paymentInfo.bankReferenceCode", code))
    return out


def _cp1252(
    document: TaimerDocument, customer: Customer | None, prepared: tuple[PreparedInvoice, ...], ctx: OutboundContext
) -> list[DocumentError]:
    out = []
    for p in prepared:
        for path, text in strings(p.payload):
            bad = cp1252_offenders(text)
            if bad:
                shown = " ".join(f"U+{ord(c):04X}" for c in bad)
                out.append(DocumentError("OUTBOUND_TEXT_NOT_CP1252", path, f"characters {shown}", {"characters": bad}))
    return out


def _supplier_iban(
    document: TaimerDocument, customer: Customer | None, prepared: tuple[PreparedInvoice, ...], ctx: OutboundContext
) -> list[DocumentError]:
    """A purchase invoice is paid to the supplier's account: the bill's IBAN must be there and valid."""
    assert isinstance(document, Bill)
    iban = (document.supplier.iban or "").strip()
    field = "paymentInfo.bankAccount.accountNumber"
    if not iban:
        return [DocumentError("OUTBOUND_SUPPLIER_IBAN_MISSING", field)]
    if not is_valid_iban(iban):
        return [DocumentError("OUTBOUND_SUPPLIER_IBAN_INVALID", field, iban)]
    return []


def person_label(user: User | None, user_id: str | None) -> str:
    """How an error names a person: name and Taimer user id (never a personal identifier)."""
    return f"{user.name} (Taimer user {user.id})" if user is not None else f"Taimer user {user_id or '-'} (not found)"


def _person_ids(
    document: TaimerDocument, customer: Customer | None, prepared: tuple[PreparedInvoice, ...], ctx: OutboundContext
) -> list[DocumentError]:
    """The owner and the transferring user each need a Procountor person ID that is in the person register and
    active there; each failure names the person."""
    assert isinstance(document, ExpenseReport)
    out = []
    for role, user, user_id, missing in (
        ("owner", owner_of(document, ctx), document.owner_user_id, "OUTBOUND_OWNER_PERSON_ID_MISSING"),
        (
            "transferrer",
            transferrer_of(document, ctx),
            document.transferring_user_id or document.owner_user_id,
            "OUTBOUND_TRANSFERRER_PERSON_ID_MISSING",
        ),
    ):
        label = person_label(user, user_id)
        field = "partnerId" if role == "owner" else "transferringUser"
        pid = user.procountor_person_id if user is not None else None
        if pid is None:
            out.append(DocumentError(missing, field, f"{role} {label}", {"role": role}))
        elif pid not in ctx.persons:
            out.append(DocumentError("OUTBOUND_PERSON_ID_UNKNOWN", field, f"{role} {label}: person ID {pid}"))
        elif not ctx.persons[pid].active:
            out.append(DocumentError("OUTBOUND_PERSON_INACTIVE", field, f"{role} {label}: person ID {pid}"))
    return out


def _travel_products(
    document: TaimerDocument, customer: Customer | None, prepared: tuple[PreparedInvoice, ...], ctx: OutboundContext
) -> list[DocumentError]:
    """Per-diem and mileage rows go through Procountor's travel products: each names one, and it is a TRAVEL
    product valid on the row's date (an id not in the register at all is ``OUTBOUND_PRODUCT_NOT_IN_PROCOUNTOR``'s)."""
    assert isinstance(document, TravelReport)
    out = []
    rows: list[PerDiemRow | MileageRow] = [*document.per_diem_rows, *document.mileage_rows]  # the transform's order
    for n, row in enumerate(rows):
        field = f"invoiceRows[{n}].productId"
        pid = row.procountor_product_id
        if pid is None:
            out.append(DocumentError("OUTBOUND_TRAVEL_PRODUCT_MISSING", field, row.id))
        elif pid in ctx.procountor_products and not (
            pid in ctx.travel_products and ctx.travel_products[pid].valid_on(row.date)
        ):
            out.append(DocumentError("OUTBOUND_TRAVEL_PRODUCT_NOT_VALID", field, f"{pid} on {row.date.isoformat()}"))
    return out


def _receipts(
    document: TaimerDocument, customer: Customer | None, prepared: tuple[PreparedInvoice, ...], ctx: OutboundContext
) -> list[DocumentError]:
    """Every receipt has an amount; a company-money receipt's payment date is in an open period (it is marked paid
    on that date; when the report's own date is closed, that is the one error to fix)."""
    assert isinstance(document, ExpenseReport)
    out = []
    report_open = ctx.period_open(document.report_date)
    for n, row in enumerate(document.rows):
        if row.amount == 0:
            out.append(DocumentError("OUTBOUND_RECEIPT_AMOUNT_MISSING", f"rows[{n}].amount", row.id))
        if report_open and row.payment_source is PaymentSource.COMPANY and not ctx.period_open(row.receipt_date):
            out.append(
                DocumentError(
                    "OUTBOUND_RECEIPT_DATE_CLOSED_PERIOD", f"rows[{n}].receipt_date", row.receipt_date.isoformat()
                )
            )
    return out


RULES: tuple[Rule, ...] = (
    Rule("OUTBOUND_NO_ROWS", ALL_KINDS, "at least one row", INVOICE_FRAME, "invoiceRows", None, _rows_at_least_one),
    Rule(
        "OUTBOUND_ORIGINAL_NUMBER_TOO_LONG",
        ALL_KINDS,
        "originalInvoiceNumber is 1-40 characters",
        INVOICE_FRAME,
        "originalInvoiceNumber",
        "original_invoice_number",
        _original_number_length,
    ),
    Rule(
        "OUTBOUND_DUE_DATE_BEFORE_INVOICE_DATE",
        INVOICED,
        "due date not before the invoice date",
        INVOICE_FRAME,
        "paymentInfo.dueDate",
        "due_day",
        _due_not_before_date,
    ),
    Rule(
        "OUTBOUND_CLOSED_FISCAL_PERIOD",
        ALL_KINDS,
        "invoice date in an open fiscal year and period",
        INVOICE_FRAME,
        "date",
        "invoice_day",
        _period_open,
    ),
    Rule(
        "OUTBOUND_CURRENCY_NOT_SUPPORTED",
        ALL_KINDS,
        "the invoice's currency is the company's (no exchange rate is known to send)",
        INVOICE_FRAME,
        "paymentInfo.currency",
        "currency",
        _company_currency,
    ),
    Rule(
        "OUTBOUND_BANK_ACCOUNT_MISSING",
        SALES,
        "a bank account (the invoice's, else the company's)",
        INVOICE_FRAME,
        "paymentInfo.bankAccount.accountNumber",
        None,
        _not_null("bank_account"),
    ),
    Rule(
        "OUTBOUND_BANK_ACCOUNT_NOT_IN_PROCOUNTOR",
        SALES,
        "bank account (IBAN normalised) is one of Procountor's",
        INVOICE_FRAME,
        "paymentInfo.bankAccount.accountNumber",
        "bank_account",
        _bank_known,
    ),
    Rule(
        "OUTBOUND_BANK_ACCOUNT_INACTIVE",
        SALES,
        "bank account is active in Procountor",
        INVOICE_FRAME,
        "paymentInfo.bankAccount.accountNumber",
        "bank_account",
        _bank_active,
        unless="OUTBOUND_BANK_ACCOUNT_NOT_IN_PROCOUNTOR",
    ),
    Rule(
        "OUTBOUND_VAT_PERCENT_NOT_IN_USE",
        ALL_KINDS,
        "every row's VAT % is in use in Procountor for the invoice's side (sales/purchase)",
        ROW_FRAME,
        "invoiceRows[{row}].vatPercent",
        "vat_percent",
        _vat_in_use,
    ),
    Rule(
        "OUTBOUND_VAT_PERCENT_NOT_VALID_ON_DATE",
        ALL_KINDS,
        "every row's VAT % is valid on the invoice date (finnish_vat.py)",
        ROW_FRAME,
        "invoiceRows[{row}].vatPercent",
        "vat_percent",
        _vat_on_date,
        unless="OUTBOUND_VAT_PERCENT_NOT_IN_USE",
    ),
    Rule(
        "OUTBOUND_VAT_STATUS_NOT_IN_USE",
        INVOICED,
        "the invoice's VAT status (1, domestic) is in use in Procountor for its side",
        INVOICE_FRAME,
        "vatStatus",
        "vat_status",
        _vat_status,
    ),
    Rule(
        "OUTBOUND_SALES_ACCOUNT_UNKNOWN",
        SALES,
        "sales account is in Procountor's chart of accounts",
        INVOICE_FRAME,
        "salesAccount",
        "sales_account",
        _accounts(active_only=False),
    ),
    Rule(
        "OUTBOUND_SALES_ACCOUNT_INACTIVE",
        SALES,
        "sales account is active",
        INVOICE_FRAME,
        "salesAccount",
        "sales_account",
        _accounts(active_only=True),
        unless="OUTBOUND_SALES_ACCOUNT_UNKNOWN",
    ),
    Rule(
        "OUTBOUND_COST_CENTER_UNKNOWN",
        SALES,
        "cost center is an item of Procountor's cost-center dimension",
        INVOICE_FRAME,
        "costCenter",
        "cost_center",
        _cost_centers(active_only=False),
    ),
    Rule(
        "OUTBOUND_COST_CENTER_INACTIVE",
        SALES,
        "cost center is active",
        INVOICE_FRAME,
        "costCenter",
        "cost_center",
        _cost_centers(active_only=True),
        unless="OUTBOUND_COST_CENTER_UNKNOWN",
    ),
    Rule(
        "OUTBOUND_PRODUCT_NOT_IN_PROCOUNTOR",
        ALL_KINDS,
        "a row's mapped Procountor product is in the product register and active",
        ROW_FRAME,
        "invoiceRows[{row}].productId",
        "procountor_product_id",
        _products,
    ),
    Rule(
        "OUTBOUND_ROW_NAME_MISSING",
        ALL_KINDS,
        "every row has a product name",
        ROW_FRAME,
        "invoiceRows[{row}].product",
        None,
        _row_named,
    ),
    Rule(
        "OUTBOUND_CUSTOMER_MISSING",
        SALES,
        "the customer exists in Taimer",
        INVOICE_FRAME,
        "counterParty",
        None,
        _not_null("customer_id"),
    ),
    Rule(
        "OUTBOUND_BUSINESS_ID_INVALID",
        SALES | BILLS,
        "customer's (sales) or supplier's (bill) business ID has a valid check digit (identifiers.py)",
        PLAIN,
        "counterParty.identifier",
        check=_business_id,
    ),
    Rule(
        "OUTBOUND_SUPPLIER_IBAN_MISSING",
        BILLS,
        "the supplier's IBAN is on the bill and valid (OUTBOUND_SUPPLIER_IBAN_INVALID)",
        PLAIN,
        "paymentInfo.bankAccount.accountNumber",
        check=_supplier_iban,
    ),
    Rule(
        "OUTBOUND_OWNER_PERSON_ID_MISSING",
        REPORTS,
        "owner and transferring user have a Procountor person ID (OUTBOUND_TRANSFERRER_PERSON_ID_MISSING) that is "
        "in the person register (OUTBOUND_PERSON_ID_UNKNOWN) and active (OUTBOUND_PERSON_INACTIVE)",
        PLAIN,
        "partnerId",
        check=_person_ids,
    ),
    Rule(
        "OUTBOUND_TRAVEL_PRODUCT_MISSING",
        TRAVEL,
        "per-diem and mileage rows name a travel product valid on the row's date (OUTBOUND_TRAVEL_PRODUCT_NOT_VALID)",
        PLAIN,
        "invoiceRows[{row}].productId",
        check=_travel_products,
    ),
    Rule(
        "OUTBOUND_RECEIPT_AMOUNT_MISSING",
        REPORTS,
        "every receipt has an amount; company-money receipts are dated in an open period "
        "(OUTBOUND_RECEIPT_DATE_CLOSED_PERIOD)",
        PLAIN,
        "rows[{row}].amount",
        check=_receipts,
    ),
    Rule(
        "OUTBOUND_EINVOICE_ADDRESS_MISSING",
        SALES,
        "e-invoice channel: the customer's e-invoice address and operator are set",
        INVOICE_FRAME,
        "counterParty.einvoiceAddress",
        None,
        _not_null("einvoice_address", "einvoice_operator", when=("channel", "ELECTRONIC_INVOICE")),
    ),
    Rule(
        "OUTBOUND_EINVOICE_OPERATOR_INVALID",
        SALES,
        "e-invoice channel: the operator is a known e-invoice operator",
        INVOICE_FRAME,
        "counterParty.einvoiceAddress.operator",
        "einvoice_operator",
        _operator_known,
    ),
    Rule(
        "OUTBOUND_EMAIL_MISSING",
        SALES,
        "e-mail channel: the customer's e-mail is set",
        INVOICE_FRAME,
        "counterParty.email",
        None,
        _not_null("email", when=("channel", "EMAIL")),
    ),
    Rule(
        "OUTBOUND_EMAIL_INVALID",
        SALES,
        "the customer's e-mail, when set, is an address",
        INVOICE_FRAME,
        "counterParty.email",
        None,
        _email_format,
    ),
    Rule(
        "OUTBOUND_CUSTOMER_ADDRESS_MISSING",
        SALES,
        "mail and e-invoice channels: the customer's street, postal code and city are set",
        INVOICE_FRAME,
        "counterParty.counterPartyAddress",
        None,
        _not_null("street", "zip", "city", when=("needs_address", True)),
    ),
    Rule(
        "OUTBOUND_REFERENCE_NUMBER_INVALID",
        INVOICED,
        "reference number, when set, is a valid Finnish or RF reference (identifiers.py)",
        PLAIN,
        "paymentInfo.bankReferenceCode",
        check=_reference,
    ),
    Rule(
        "OUTBOUND_TEXT_NOT_CP1252",
        ALL_KINDS,
        "every text of the payload is within Windows-1252",
        PLAIN,
        "<field>",
        check=_cp1252,
    ),
)


def rules_for(kind: DocumentKind) -> tuple[Rule, ...]:
    return tuple(rule for rule in RULES if kind in rule.kinds)


# --------------------------------------------------------------------------------------------------- frames


def invoice_line(
    document: TaimerDocument, customer: Customer | None, index: int, prepared: PreparedInvoice
) -> dict[str, Any]:
    """One line of the invoice frame, read from the payload (what is sent) plus what only the document holds."""
    payload = prepared.payload
    party = payload.get("counterParty") or {}
    address = party.get("counterPartyAddress") or {}
    einvoice = party.get("einvoiceAddress") or {}
    pay = payload.get("paymentInfo") or {}
    channel = payload.get("invoiceChannel")
    accounting = prepared.receipt_accounting
    return {
        "document_id": prepared.document_id,
        "invoice": index,
        "original_invoice_number": prepared.original_invoice_number,
        "invoice_day": payload.get("date"),
        "due_day": pay.get("dueDate"),
        "bank_account": normalise_iban((pay.get("bankAccount") or {}).get("accountNumber")) or None,
        "channel": channel,
        "currency": (pay.get("currency") or "").upper() or None,
        "customer_id": customer.id if customer is not None else None,
        "street": stripped(address.get("street")),
        "zip": stripped(address.get("zip")),
        "city": stripped(address.get("city")),
        "needs_address": channel in ("MAIL", "ELECTRONIC_INVOICE"),
        "email": stripped(party.get("email")),
        "einvoice_operator": normalise_operator(einvoice.get("operator")) or None,
        "einvoice_address": stripped(einvoice.get("address")),
        "row_count": len(payload.get("invoiceRows") or []),
        "vat_status": payload.get("vatStatus"),
        "sales_account": accounting.sales_account if accounting is not None else None,
        "cost_center": accounting.cost_center_code if accounting is not None else None,
    }


def _row_day(dates: Sequence[date | None], n: int) -> str | None:
    day = dates[n] if n < len(dates) else None
    return day.isoformat() if day is not None else None


def row_lines(index: int, prepared: PreparedInvoice) -> list[dict[str, Any]]:
    payload = prepared.payload
    dates = prepared.row_dates
    return [
        {
            "document_id": prepared.document_id,
            "invoice": index,
            "row": n,
            "invoice_day": payload.get("date"),
            "row_day": _row_day(dates, n) or payload.get("date"),
            "vat_percent": str(as_percent(row.get("vatPercent", 0))),
            "product": row.get("product") or "",
            "procountor_product_id": row.get("productId"),
        }
        for n, row in enumerate(payload.get("invoiceRows") or [])
    ]


def frames(batch: Sequence[BatchItem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The invoice frame and the row frame of ``batch`` (documents of one kind)."""
    import pandas as pd

    invoices: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for document, customer, prepared in batch:
        for index, item in enumerate(prepared):
            invoices.append(invoice_line(document, customer, index, item))
            rows.extend(row_lines(index, item))
    invoice_frame = pd.DataFrame(invoices)
    row_frame = pd.DataFrame(rows)
    for frame in (invoice_frame, row_frame):
        if "invoice_day" in frame:
            frame["invoice_date"] = pd.to_datetime(frame["invoice_day"], errors="coerce")
    if "row_day" in row_frame:
        row_frame["row_date"] = pd.to_datetime(row_frame["row_day"], errors="coerce")
    if "due_day" in invoice_frame:
        invoice_frame["due_date"] = pd.to_datetime(invoice_frame["due_day"], errors="coerce")
    if "procountor_product_id" in row_frame:
        row_frame["procountor_product_id"] = row_frame["procountor_product_id"].astype("Int64")
    return invoice_frame, row_frame


# --------------------------------------------------------------------------------------------------- running GX


def _gx_context() -> Any:
    """An ephemeral GX context: in memory, no progress bars, no usage statistics."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _run_frame(
    gx_context: Any, name: str, frame: pd.DataFrame, rules: Sequence[Rule], ctx: OutboundContext, kind: DocumentKind
) -> dict[str, list[int]]:
    """Run ``rules`` on ``frame`` as one expectation suite; the failing frame indices per rule code."""
    if frame.empty or not rules:
        return {}
    gx = _gx()
    suite = gx.ExpectationSuite(name=f"outbound-{kind.value}-{name}")
    for rule in rules:
        assert rule.expectations is not None
        for expectation in rule.expectations(ctx, kind, frame):
            expectation.meta = {"code": rule.code}
            suite.add_expectation(expectation)
    suite = gx_context.suites.add(suite)
    source = gx_context.data_sources.add_pandas(f"outbound-{kind.value}-{name}")
    batch = (
        source.add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe(name)
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    failed: dict[str, list[int]] = {}
    for item in result.results:
        code = item.expectation_config.meta["code"]
        info = item.exception_info or {}
        if info.get("raised_exception"):  # a rule that could not run is our bug: never let it pass silently
            raise RuntimeError(f"validation rule {code} failed to run: {info.get('exception_message')}")
        failed.setdefault(code, []).extend(int(i) for i in (item.result or {}).get("unexpected_index_list") or [])
    return failed


def _errors_from_frame(
    frame: pd.DataFrame, failed: Mapping[str, list[int]], rules: Sequence[Rule]
) -> dict[Line, list[DocumentError]]:
    """The failing frame indices per code as errors per line, leaving out what a rule's ``unless`` covers."""
    import pandas as pd

    by_code = {rule.code: rule for rule in rules}
    lines: dict[str, dict[Line, int]] = {}
    for code, indices in failed.items():
        for i in indices:
            record = frame.loc[i]
            row = int(record["row"]) if "row" in frame.columns else None
            lines.setdefault(code, {})[Line(str(record["document_id"]), int(record["invoice"]), row)] = i
    raised: dict[Line, list[DocumentError]] = {}
    for code, hit in lines.items():
        rule = by_code[code]
        for line, i in hit.items():
            if rule.unless and line in lines.get(rule.unless, {}):
                continue
            value = frame.loc[i, rule.column] if rule.column is not None else None
            detail = None if value is None or bool(pd.isna(value)) else str(value)
            field = (rule.field or "").format(row=line.row)
            raised.setdefault(line, []).append(DocumentError(code, field or None, detail))
    return raised


def validate_batch(batch: Sequence[BatchItem], ctx: OutboundContext) -> dict[str, tuple[DocumentError, ...]]:
    """The errors of each document of ``batch``, keyed by Taimer document id; an empty tuple means valid.

    One GX run per document kind and frame; plain checks per document. Errors are in rule order per document,
    each (code, field) once."""
    errors: dict[str, list[DocumentError]] = {str(doc.id): [] for doc, _c, _p in batch}
    by_kind: dict[DocumentKind, list[BatchItem]] = {}
    for item in batch:
        kind = document_kind(item[0])
        if kind not in PREPARERS:
            errors[str(item[0].id)].append(DocumentError("OUTBOUND_KIND_NOT_SUPPORTED", None, kind.value))
            continue
        by_kind.setdefault(kind, []).append(item)
    gx_context = _gx_context() if by_kind else None
    for kind, items in by_kind.items():
        rules = rules_for(kind)
        invoice_frame, row_frame = frames(items)
        for name, frame in ((INVOICE_FRAME, invoice_frame), (ROW_FRAME, row_frame)):
            frame_rules = [r for r in rules if r.frame == name]
            failed = _run_frame(gx_context, name, frame, frame_rules, ctx, kind)
            for line, found in _errors_from_frame(frame, failed, frame_rules).items():
                errors[line.document_id].extend(found)
        for document, customer, prepared in items:
            for rule in rules:
                if rule.frame == PLAIN and rule.check is not None:
                    errors[str(document.id)].extend(rule.check(document, customer, prepared, ctx))
    order = {rule.code: n for n, rule in enumerate(RULES)}
    out: dict[str, tuple[DocumentError, ...]] = {}
    for doc_id, found in errors.items():
        unique: dict[tuple[str, str | None], DocumentError] = {}
        for error in sorted(found, key=lambda e: order.get(e.code, -1)):
            unique.setdefault((error.code, error.field), error)
        out[doc_id] = tuple(unique.values())
    return out
