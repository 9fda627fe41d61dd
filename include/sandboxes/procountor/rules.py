"""Procountor's business validation of invoices, ledger receipts and payments (beyond the JSON schemas).

Codes used (Procountor's own where known; docs/sandbox-procountor.md lists them): ``DUE_DATE_BEFORE_BILL_DATE``,
``CLOSED_FISCAL_PERIOD``, ``ERROR_OPERATOR``, ``ERROR_BRN_CODE``, ``ERROR_VATSTATUS_VATPERC``,
``ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION``,
``DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE``; sandbox-chosen (documented in
docs/sandbox-procountor.md): ``ERROR_VAT_PERCENTAGE``, ``INVALID_CHARACTERS``, ``ERROR_BANK_ACCOUNT``,
``ERROR_BANK_REFERENCE_CODE``, ``DIMENSION_VALUES_DO_NOT_MATCH_TRANSACTION_VALUE``, ``ERROR_PRODUCT_NOT_FOUND``,
``ERROR_PERSON_NOT_FOUND``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from stdnum.fi import alv, ytunnus

from sandboxes.procountor.errors import blank, err
from taimer_procountor.identifiers import is_valid_reference, normalise_iban

if TYPE_CHECKING:
    from sandboxes.procountor.state import Reference

SALES_TYPES = frozenset({"SALES_INVOICE", "SALES_ORDER"})
PERSON_TYPES = frozenset({"TRAVEL_INVOICE", "BILL_OF_CHARGES"})
_YTUNNUS_LIKE = re.compile(r"^\d{6,7}-?\d$")
_ALV_LIKE = re.compile(r"^FI\d{8}$", re.IGNORECASE)


def side_of(invoice_type: str) -> str:
    return "sales" if invoice_type in SALES_TYPES else "purchase"


def cp1252_errors(node: Any, path: str = "") -> list[dict[str, Any]]:
    """``INVALID_CHARACTERS`` for every string (or key) that Windows-1252 cannot encode."""
    out: list[dict[str, Any]] = []
    if isinstance(node, str):
        try:
            node.encode("cp1252")
        except UnicodeEncodeError:
            out.append(err(path or "<body>", "INVALID_CHARACTERS"))
    elif isinstance(node, dict):
        for k, v in node.items():
            out += cp1252_errors(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += cp1252_errors(v, f"{path}[{i}]")
    return out


def business_id_error(identifier: str | None) -> bool:
    """True when ``identifier`` looks like a Finnish business ID (1234567-8, FI12345678) but fails its check digit."""
    if not identifier:
        return False
    value = identifier.strip()
    if _YTUNNUS_LIKE.match(value):
        return not ytunnus.is_valid(value if "-" in value else f"{value[:-1]}-{value[-1]}")
    if _ALV_LIKE.match(value):
        return not alv.is_valid(value)
    return False


def _d(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def validate_invoice(body: dict[str, Any], ref: Reference) -> list[dict[str, Any]]:
    """Business-rule violations of an invoice body that already passed the ``Invoice`` schema."""
    errors: list[dict[str, Any]] = []
    inv_type = body["type"]
    side = side_of(inv_type)
    if inv_type == "PERIODIC_TAX_RETURN":
        errors.append(err("type", "Value of the 'type' field is invalid: PERIODIC_TAX_RETURN is read-only"))
    if body.get("invoiceChannel") in ("EDIFACT", "PAPER_INVOICE"):
        errors.append(err("invoiceChannel", "Value of the 'invoiceChannel' field is invalid: not allowed in POST/PUT"))
    rows = body.get("invoiceRows") or []
    if not rows:
        errors.append(err("invoiceRows", "Invoice must have at least one invoice row"))
    errors += cp1252_errors(body)
    if inv_type in SALES_TYPES and not body.get("language"):
        errors.append(blank("language"))
    inv_date = _parse_date(body.get("date"))
    due = _parse_date((body.get("paymentInfo") or {}).get("dueDate"))
    if inv_date and due and due < inv_date:
        errors.append(err("paymentInfo.dueDate", "DUE_DATE_BEFORE_BILL_DATE"))
    if inv_date and not ref.period_open(inv_date):
        errors.append(err("date", "CLOSED_FISCAL_PERIOD"))

    # VAT: status of the invoice and of each row, and percentages valid on the invoice date for sales/purchase.
    inv_status = body.get("vatStatus")
    if inv_status is None and inv_type not in PERSON_TYPES:
        errors.append(blank("vatStatus"))
    elif inv_status is not None and not ref.vat_status_allowed(inv_status, side):
        errors.append(err("vatStatus", "ERROR_VATSTATUS_VATPERC"))
    for i, row in enumerate(rows):
        pct = _d(row["vatPercent"])
        if inv_date and not ref.vat_percent_valid(pct, side, inv_date):
            errors.append(err(f"invoiceRows[{i}].vatPercent", "ERROR_VAT_PERCENTAGE"))
        row_status = row.get("vatStatus", inv_status)
        if (row.get("vatStatus") is not None and not ref.vat_status_allowed(row["vatStatus"], side)) or (
            row_status in ref.zero_rate_vat_statuses and pct != 0
        ):
            errors.append(err(f"invoiceRows[{i}].vatStatus", "ERROR_VATSTATUS_VATPERC"))
        if row.get("productId") is not None and row["productId"] not in ref.products:
            errors.append(err(f"invoiceRows[{i}].productId", "ERROR_PRODUCT_NOT_FOUND"))

    cp = body.get("counterParty") or {}
    if inv_type in SALES_TYPES and body.get("invoiceChannel") == "ELECTRONIC_INVOICE":
        ea = cp.get("einvoiceAddress") or {}
        if not ea.get("address"):
            errors.append(blank("counterParty.einvoiceAddress.address"))
        if not ea.get("operator"):
            errors.append(blank("counterParty.einvoiceAddress.operator"))
        elif ea["operator"].strip().upper() not in ref.operators:
            errors.append(err("counterParty.einvoiceAddress.operator", "ERROR_OPERATOR"))
    if inv_type in SALES_TYPES and body.get("invoiceChannel") == "EMAIL" and not cp.get("email"):
        errors.append(blank("counterParty.email"))
    if inv_type not in PERSON_TYPES and business_id_error(cp.get("identifier")):
        errors.append(err("counterParty.identifier", "ERROR_BRN_CODE"))
    if inv_type in PERSON_TYPES and body.get("partnerId") is not None and body["partnerId"] not in ref.persons:
        errors.append(err("partnerId", "ERROR_PERSON_NOT_FOUND"))

    pay = body.get("paymentInfo") or {}
    reference = pay.get("bankReferenceCode")
    if reference and not is_valid_reference(reference):  # "" asks Procountor to generate one; omitted means none
        errors.append(err("paymentInfo.bankReferenceCode", "ERROR_BANK_REFERENCE_CODE"))
    if inv_type in SALES_TYPES and pay.get("paymentMethod") != "CASH":
        account = (pay.get("bankAccount") or {}).get("accountNumber")
        if not account:
            errors.append(blank("paymentInfo.bankAccount.accountNumber"))
        elif normalise_iban(account) not in ref.company_ibans:
            errors.append(err("paymentInfo.bankAccount.accountNumber", "ERROR_BANK_ACCOUNT"))
    return errors


def validate_dimension_values(values: list[dict[str, Any]], tx_value: Any, ref: Reference, field: str):
    """Violations of one transaction's ``dimensionItemValues``."""
    errors: list[dict[str, Any]] = []
    sums: dict[int, Decimal] = defaultdict(Decimal)
    pairs: set[tuple[int, int]] = set()
    for v in values:
        key = (v["dimensionId"], v["itemId"])
        if not ref.dimension_item_active(*key) or key in pairs:
            errors.append(err(field, "DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE"))
            return errors
        pairs.add(key)
        sums[v["dimensionId"]] += _d(v["value"])
    target = abs(_d(tx_value)).quantize(Decimal("0.01"))
    for total in sums.values():
        if abs(total).quantize(Decimal("0.01")) != target:
            errors.append(err(field, "DIMENSION_VALUES_DO_NOT_MATCH_TRANSACTION_VALUE"))
            break
    return errors


def validate_transactions(receipt: dict[str, Any], ref: Reference) -> list[dict[str, Any]]:
    """Accounts, VAT percentages and dimension items of a ledger receipt's transactions."""
    errors: list[dict[str, Any]] = []
    receipt_date = _parse_date(receipt.get("receiptDate"))
    side = (receipt.get("vatType") or "SALES").lower()
    errors += cp1252_errors(receipt)
    if receipt_date and not ref.period_open(receipt_date):
        errors.append(err("receiptDate", "CLOSED_FISCAL_PERIOD"))
    for n, tx in enumerate(receipt.get("transactions") or []):
        account_ok = ref.account_active(tx["account"])
        pct = _d(tx.get("vatPercent", 0))
        tx_side = (tx.get("vatType") or side).lower()
        if (tx.get("transactionType") in ("REVERSING_ENTRY", "RECONCILIATION_ENTRY") and pct != 0) or (
            pct != 0 and receipt_date and not ref.vat_percent_valid(pct, tx_side, receipt_date)
        ):
            account_ok = False
        if not account_ok:
            errors.append(err(f"transactions[{n}].account", "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION"))
        errors += validate_dimension_values(
            tx.get("dimensionItemValues") or [], tx["accountingValue"], ref, f"transactions[{n}].dimensionItemValues"
        )
    return errors
