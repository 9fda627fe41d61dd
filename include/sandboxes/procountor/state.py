"""The sandbox's in-memory state: one company's reference data (``Reference``) and what clients create (``State``).

All mutation happens under ``State.lock`` (an RLock), so the app can be hit by many client threads at once.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import threading
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandboxes.procountor.dataset import ProcountorDataset
from sandboxes.procountor.errors import ApiError, bad_request, err, forbidden, not_found
from sandboxes.procountor.rules import SALES_TYPES, side_of
from taimer_procountor.identifiers import fi_reference_with_check, normalise_iban

CENT = Decimal("0.01")
READ_ONLY_INVOICE_FIELDS = (
    "id", "status", "invoiceNumber", "ledgerReceiptId", "created", "attachments", "invoiceSumInfo", "creatorId",
    "paymentDate", "sum", "invoiceOperatorInfo",
)  # fmt: skip
EDITABLE_STATUSES = {"sales": {"UNFINISHED"}, "purchase": {"UNFINISHED", "RECEIVED"}}
RECEIPT_EDITABLE = {"UNFINISHED", "RECEIVED", "VERIFIED", "NOT_SENT"}
ACCOUNTING_FIELDS = ("invoiceRows", "discountPercent", "extraInfo", "vatStatus", "date", "type")
_PAYMENT_TYPES = {
    "CASH": "CASH", "CHARGE_CARD": "CHARGECARD", "CREDIT_LOSS": "CREDITLOSS", "SET_OFF": "SETOFF",
    "ADJUSTMENT": "ADJUSTMENT", "CORRECTION": "CORRECTION", "BANK_STATEMENT": "BANKSTATEMENT",
    "CREDIT_NOTE": "COMPENSATIONINVOICE", "EXTERNAL_BANK_TRANSFER": "BANKTRANSFERELSEWHERE",
}  # fmt: skip

# (from statuses, to status) per action, for sales types and for purchase/travel/expense types
# (docs/procountor-client.md, "Invoice actions").
SALES_TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "approve": ({"UNFINISHED"}, "NOT_SENT"),
    "send": ({"NOT_SENT", "SENT"}, "SENT"),
    "unfinished": ({"NOT_SENT", "APPROVED", "SENT"}, "UNFINISHED"),
    "invalidate": ({"UNFINISHED", "NOT_SENT", "SENT", "APPROVED"}, "INVALIDATED"),
}
PURCHASE_TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "sendToCirculation": ({"UNFINISHED"}, "RECEIVED"),
    "verify": ({"RECEIVED"}, "VERIFIED"),
    "approve": ({"RECEIVED", "VERIFIED"}, "APPROVED"),
    "reject": ({"RECEIVED", "VERIFIED"}, "PAYMENT_DENIED"),
    "unfinished": ({"RECEIVED", "VERIFIED", "APPROVED", "PAYMENT_DENIED"}, "UNFINISHED"),
    "invalidate": ({"UNFINISHED", "RECEIVED", "VERIFIED", "APPROVED", "PAYMENT_DENIED"}, "INVALIDATED"),
}
NEEDS_OPEN_PERIOD = {"unfinished", "invalidate"}
MARKPAID_REFUSED = {"UNFINISHED", "INVALIDATED", "PAYMENT_DENIED", "MARKED_PAID", "PAID"}


def now_naive() -> datetime:
    return datetime.now().replace(microsecond=0)


def fmt_dt(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Reference:
    """Lookups over a dataset, built once per load."""

    def __init__(self, dataset: ProcountorDataset) -> None:
        self.dataset = dataset
        self.accounts = {a["ledgerAccountCode"]: a for a in dataset.ledger_accounts}
        self.dimension_items: dict[tuple[int, int], bool] = {}
        for dim in dataset.dimensions:
            for item in dim.get("items", []):
                self.dimension_items[(dim["id"], item["id"])] = item.get("status") != "P"
        self.products = {p["id"]: p for p in dataset.products}
        self.persons = {p["id"]: p for p in dataset.persons}
        self.vat_rates = dataset.vat_rates
        self.vat_statuses = {s["vatStatus"]: s for s in dataset.vat_statuses}
        self.zero_rate_vat_statuses = set(dataset.zero_rate_vat_statuses)
        self.company_ibans = {
            normalise_iban(b.get("iban")) for b in dataset.bank_accounts if b.get("status", "ACTIVE") == "ACTIVE"
        }
        self.operators = {o.strip().upper() for o in dataset.einvoice_operators}
        self.periods: list[tuple[date, date, bool]] = []
        for fy in dataset.fiscal_years:
            fy_open = fy.get("isOpen", True)
            for tp in fy.get("trackingPeriods") or []:
                self.periods.append(
                    (date.fromisoformat(tp["startDate"]), date.fromisoformat(tp["endDate"]),
                     fy_open and tp["status"] == "OPEN")
                )  # fmt: skip
            if not fy.get("trackingPeriods"):
                self.periods.append((date.fromisoformat(fy["startDate"]), date.fromisoformat(fy["endDate"]), fy_open))

    def period_open(self, day: date) -> bool:
        """True when ``day`` falls in an open tracking period of an open fiscal year (no fiscal year: closed)."""
        return any(start <= day <= end and is_open for start, end, is_open in self.periods)

    def vat_percent_valid(self, pct: Decimal, side: str, day: date) -> bool:
        return any(r.percent == pct and getattr(r, side) and r.valid_on(day) for r in self.vat_rates)

    def vat_status_allowed(self, status: int, side: str) -> bool:
        info = self.vat_statuses.get(status)
        return bool(info and info.get(side, False)) if self.vat_statuses else True

    def account_active(self, code: str) -> bool:
        acc = self.accounts.get(code)
        return bool(acc and acc.get("active", True))

    def dimension_item_active(self, dimension_id: int, item_id: int) -> bool:
        return self.dimension_items.get((dimension_id, item_id), False)


class State:
    def __init__(self, dataset: ProcountorDataset) -> None:
        self.lock = threading.RLock()
        self.load(dataset)

    # --- loading --------------------------------------------------------------------------------------------------
    def load(self, dataset: ProcountorDataset) -> None:
        with self.lock:
            self.ref = Reference(dataset)
            self.invoices: dict[int, dict[str, Any]] = {}
            self.receipts: dict[int, dict[str, Any]] = {}
            self.attachments: dict[int, dict[str, Any]] = {}
            self.attachment_bytes: dict[int, bytes] = {}
            self.payment_events: dict[int, list[dict[str, Any]]] = {}
            self._invoice_ids = itertools.count(10001)
            self._invoice_numbers = itertools.count(1)
            self._receipt_ids = itertools.count(20001)
            self._receipt_numbers = itertools.count(1)
            self._tx_ids = itertools.count(500001)
            self._attachment_ids = itertools.count(30001)
            self._event_ids = itertools.count(40001)
            self.invoices_created = 0
            for inv in dataset.invoices:
                self._load_existing(copy.deepcopy(inv))

    def _load_existing(self, inv: dict[str, Any]) -> None:
        inv_id = inv.get("id") or next(self._invoice_ids)
        inv["id"] = inv_id
        inv.setdefault("status", "RECEIVED")
        inv.setdefault("invoiceNumber", next(self._invoice_numbers))
        stamp = fmt_dt(now_naive())
        inv.setdefault("created", stamp)
        inv.setdefault("version", stamp)
        inv.setdefault("attachments", [])
        inv["invoiceSumInfo"] = [self._sum_info(inv)]
        self._number_rows(inv)
        self.invoices[inv_id] = inv
        if not inv.get("ledgerReceiptId"):
            inv["ledgerReceiptId"] = self._build_receipt(inv)["id"]
        self._invoice_ids = itertools.count(max(max(self.invoices) + 1, next(self._invoice_ids)))
        self._invoice_numbers = itertools.count(
            max(max(i["invoiceNumber"] for i in self.invoices.values()) + 1, next(self._invoice_numbers))
        )

    def add_received(self, inv: dict[str, Any]) -> dict[str, Any]:
        """A purchase invoice that arrives (e-invoice, scan): stored as it is (``RECEIVED`` unless it says otherwise)
        with its ledger receipt, ``version`` now and later than any earlier one (the event simulation)."""
        with self.lock:
            if inv.get("id") in self.invoices:
                raise ApiError(400, [err("id", f"invoice {inv['id']} exists")])
            inv = copy.deepcopy(inv)
            inv.pop("version", None)
            inv.pop("created", None)
            self._load_existing(inv)
            self._bump(inv)
            return copy.deepcopy(inv)

    # --- helpers --------------------------------------------------------------------------------------------------
    @staticmethod
    def _bump(obj: dict[str, Any]) -> None:
        """New ``version``: now, but always later than the previous one (so a stale version is always detected)."""
        new = now_naive()
        prev = obj.get("version")
        if prev:
            prev_dt = datetime.fromisoformat(prev)
            if new <= prev_dt:
                new = prev_dt + timedelta(seconds=1)
        obj["version"] = fmt_dt(new)

    def _number_rows(self, inv: dict[str, Any]) -> None:
        for row in inv.get("invoiceRows") or []:
            row["id"] = next(self._tx_ids)

    @staticmethod
    def _row_amounts(inv: dict[str, Any]) -> list[tuple[dict[str, Any], Decimal, Decimal]]:
        """(row, net, vat) per row, after row and invoice discounts."""
        out = []
        includes_vat = bool((inv.get("extraInfo") or {}).get("unitPricesIncludeVat"))
        inv_disc = dec(inv.get("discountPercent", 0))
        for row in inv.get("invoiceRows") or []:
            pct = dec(row.get("vatPercent", 0))
            amount = dec(row["quantity"]) * dec(row["unitPrice"])
            amount *= (1 - dec(row.get("discountPercent", 0)) / 100) * (1 - inv_disc / 100)
            if includes_vat:
                gross = money(amount)
                net = money(gross / (1 + pct / 100))
                vat = gross - net
            else:
                net = money(amount)
                vat = money(net * pct / 100)
            out.append((row, net, vat))
        return out

    def _sum_info(self, inv: dict[str, Any]) -> dict[str, Any]:
        amounts = self._row_amounts(inv)
        net = sum((a[1] for a in amounts), Decimal("0"))
        vat = sum((a[2] for a in amounts), Decimal("0"))
        currency = (inv.get("paymentInfo") or {}).get("currency", "EUR")
        return {
            "currency": currency,
            "inAccountingCurrency": currency == self.ref.dataset.company.get("companyCurrency", "EUR"),
            "excludingVatTotal": net,
            "vatSumTotal": vat,
            "invoiceSumTotal": net + vat,
        }

    def invoice_total(self, inv: dict[str, Any]) -> Decimal:
        return dec(inv["invoiceSumInfo"][0]["invoiceSumTotal"])

    def _accounts_for(self, inv_type: str) -> tuple[str, str]:
        d = self.ref.dataset.default_accounts
        return {
            "SALES_INVOICE": (d.sales_receivable, d.sales_entry),
            "SALES_ORDER": (d.sales_receivable, d.sales_entry),
            "PURCHASE_INVOICE": (d.purchase_payable, d.purchase_entry),
            "PURCHASE_ORDER": (d.purchase_payable, d.purchase_entry),
            "TRAVEL_INVOICE": (d.travel_payable, d.travel_entry),
            "BILL_OF_CHARGES": (d.expense_payable, d.expense_entry),
        }.get(inv_type, (d.purchase_payable, d.purchase_entry))

    def _build_receipt(self, inv: dict[str, Any]) -> dict[str, Any]:
        """A ledger receipt for ``inv``: one REVERSING_ENTRY (receivable/payable, gross) and ENTRY rows (net, with
        VAT percent/type/status) per VAT percent, or per row with ``accountingByRow`` (product default account)."""
        inv_type = inv["type"]
        side = side_of(inv_type)
        sign = Decimal(1) if side == "sales" else Decimal(-1)  # sales: debit receivable; purchase: credit payable
        contra, entry_account = self._accounts_for(inv_type)
        vat_status = inv.get("vatStatus") or 1
        by_row = bool((inv.get("extraInfo") or {}).get("accountingByRow"))
        groups: dict[Any, dict[str, Any]] = {}
        for idx, (row, net, _vat) in enumerate(self._row_amounts(inv)):
            account = entry_account
            product = self.ref.products.get(row.get("productId")) if row.get("productId") is not None else None
            if by_row and product:
                account = product.get("defaultAccount") or product.get("bookkeepingAccount") or entry_account
            key = idx if by_row else str(dec(row.get("vatPercent", 0)))
            g = groups.setdefault(
                key,
                {"account": account, "net": Decimal("0"), "vatPercent": dec(row.get("vatPercent", 0)),
                 "vatStatus": row.get("vatStatus", vat_status), "description": row.get("product", "")[:255]},
            )  # fmt: skip
            g["net"] += net
        total = self.invoice_total(inv)
        transactions = [
            {"id": next(self._tx_ids), "transactionType": "REVERSING_ENTRY", "account": contra,
             "accountingValue": sign * total, "vatPercent": Decimal("0"), "description": "",
             "dimensionItemValues": []}
        ]  # fmt: skip
        for g in groups.values():
            transactions.append(
                {"id": next(self._tx_ids), "transactionType": "ENTRY", "account": g["account"],
                 "accountingValue": -sign * g["net"], "vatPercent": g["vatPercent"], "vatType": side.upper(),
                 "vatStatus": g["vatStatus"], "description": g["description"], "dimensionItemValues": []}
            )  # fmt: skip
        receipt = {
            "id": next(self._receipt_ids),
            "type": inv_type if inv_type != "PURCHASE_ORDER" else "PURCHASE_ORDER",
            "status": inv["status"],
            "name": ((inv.get("counterParty") or {}).get("counterPartyAddress") or {}).get("name", "")[:80],
            "receiptDate": inv["date"],
            "vatType": side.upper(),
            "vatStatus": vat_status,
            "invoiceId": inv["id"],
            "receiptNumber": next(self._receipt_numbers),
            "invoiceNumber": inv["invoiceNumber"],
            "version": inv.get("version") or fmt_dt(now_naive()),
            "transactions": transactions,
            "attachments": [],
        }
        self.receipts[receipt["id"]] = receipt
        return receipt

    # --- invoices -------------------------------------------------------------------------------------------------
    def create_invoice(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            inv = copy.deepcopy(body)
            for key in (*READ_ONLY_INVOICE_FIELDS, "version"):
                inv.pop(key, None)
            inv["id"] = next(self._invoice_ids)
            inv["invoiceNumber"] = next(self._invoice_numbers)
            inv["status"] = "UNFINISHED"
            stamp = fmt_dt(now_naive())
            inv["created"] = stamp
            inv["version"] = stamp
            inv["creatorId"] = 1
            inv["attachments"] = []
            pay = inv.get("paymentInfo") or {}
            if pay.get("bankReferenceCode") == "":
                pay["bankReferenceCode"] = fi_reference_with_check(str(1000 + inv["invoiceNumber"]))
            self._number_rows(inv)
            inv["invoiceSumInfo"] = [self._sum_info(inv)]
            inv["ledgerReceiptId"] = self._build_receipt(inv)["id"]
            self.invoices[inv["id"]] = inv
            self.invoices_created += 1
            return copy.deepcopy(inv)

    def get_invoice(self, invoice_id: int) -> dict[str, Any]:
        with self.lock:
            inv = self.invoices.get(invoice_id)
            if inv is None:
                raise not_found("Invoice")
            return copy.deepcopy(inv)

    def update_invoice(self, invoice_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            inv = self.invoices.get(invoice_id)
            if inv is None:
                raise not_found("Invoice")
            if inv["status"] not in EDITABLE_STATUSES[side_of(inv["type"])]:
                raise forbidden()
            if not body.get("version"):
                raise ApiError(400, [err("version", "Value of the 'version' cannot be blank.")])
            if body["version"] != inv["version"]:
                raise bad_request("version", "ERROR_VERSION_CONFLICT")
            if body["type"] != inv["type"]:
                raise bad_request("type", "Value of the 'type' field is invalid: the type of an invoice cannot change")
            new = copy.deepcopy(body)
            for key in (*READ_ONLY_INVOICE_FIELDS, "partnerId", "version"):
                new.pop(key, None)
            for key in (*READ_ONLY_INVOICE_FIELDS, "partnerId", "version"):
                if key in inv:
                    new[key] = inv[key]
            pay = new.get("paymentInfo") or {}
            if pay.get("bankReferenceCode") == "":
                pay["bankReferenceCode"] = fi_reference_with_check(str(1000 + inv["invoiceNumber"]))
            self._number_rows(new)
            new["invoiceSumInfo"] = [self._sum_info(new)]
            accounting_changed = (
                any(new.get(k) != inv.get(k) for k in ACCOUNTING_FIELDS if k != "invoiceRows")
                or (_strip_ids(new.get("invoiceRows")) != _strip_ids(inv.get("invoiceRows")))
                or (new.get("paymentInfo") or {}).get("currency") != (inv.get("paymentInfo") or {}).get("currency")
            )
            self._bump(new)
            if accounting_changed:
                old_receipt = self.receipts.pop(inv["ledgerReceiptId"], None)
                receipt = self._build_receipt(new)
                if old_receipt:
                    receipt["attachments"] = old_receipt.get("attachments", [])
                new["ledgerReceiptId"] = receipt["id"]
            self.invoices[invoice_id] = new
            return copy.deepcopy(new)

    def transition(self, invoice_id: int, action: str, *, by_person: bool = False) -> dict[str, Any]:
        """One status action. A purchase invoice whose circulation names verifiers is approved from ``VERIFIED``
        only (403 from ``RECEIVED``), unless ``by_person`` (a person acting in Procountor's UI: the event
        simulation)."""
        with self.lock:
            inv = self.invoices.get(invoice_id)
            if inv is None:
                raise not_found("Invoice")
            table = SALES_TRANSITIONS if inv["type"] in SALES_TYPES else PURCHASE_TRANSITIONS
            if action not in table:
                raise forbidden()
            sources, target = table[action]
            if inv["status"] not in sources:
                raise forbidden()
            if (
                action == "approve"
                and not by_person
                and inv["status"] == "RECEIVED"
                and ((inv.get("invoiceApprovalInformation") or {}).get("verifiers"))
            ):
                raise forbidden()
            if action in NEEDS_OPEN_PERIOD and not self.ref.period_open(date.fromisoformat(inv["date"])):
                raise forbidden()
            if action == "approve" and inv["type"] in SALES_TYPES and inv.get("invoiceChannel") == "NO_SENDING":
                target = "APPROVED"
            self._set_status(inv, target)
            return copy.deepcopy(inv)

    def _set_status(self, inv: dict[str, Any], status: str) -> None:
        inv["status"] = status
        self._bump(inv)
        receipt = self.receipts.get(inv.get("ledgerReceiptId"))
        if receipt is not None:
            receipt["status"] = status
            self._bump(receipt)

    def mark_paid(self, invoice_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            inv = self.invoices.get(invoice_id)
            if inv is None:
                raise not_found("Invoice")
            if inv["status"] in MARKPAID_REFUSED or inv["type"] in ("SALES_ORDER", "PURCHASE_ORDER"):
                raise forbidden()
            errors = []
            currency = (inv.get("paymentInfo") or {}).get("currency", "EUR")
            if body["currency"] != currency:
                errors.append(err("currency", "Value of the 'currency' field is invalid: must be the invoice currency"))
            pay_date = date.fromisoformat(body["paymentDate"])
            if not self.ref.period_open(pay_date):
                errors.append(err("paymentDate", "CLOSED_FISCAL_PERIOD"))
            if dec(body["amount"]) == 0:
                errors.append(err("amount", "Value of the 'amount' field is invalid: must not be zero"))
            if errors:
                raise ApiError(400, errors)
            event = {
                "id": next(self._event_ids),
                "invoiceId": invoice_id,
                "type": _PAYMENT_TYPES.get(body.get("paymentMethodType") or "", "BANKTRANSFERELSEWHERE"),
                "paymentDate": body["paymentDate"],
                "status": "MARKED_PAID",
                "amount": dec(body["amount"]),
                "currency": body["currency"],
            }
            if body.get("description") and inv["type"] in SALES_TYPES:
                event["description"] = body["description"]
            return self.add_payment_event(inv, event, "MARKED_PAID")

    def add_payment_event(self, inv: dict[str, Any], event: dict[str, Any], full_status: str) -> dict[str, Any]:
        """Record ``event`` on the invoice: ``full_status`` once the events add up to its total, else
        ``PARTLY_PAID``; ``paymentDate`` is the latest event's date."""
        with self.lock:
            events = self.payment_events.setdefault(inv["id"], [])
            events.append(event)
            paid = sum((dec(e["amount"]) for e in events), Decimal("0"))
            inv["paymentDate"] = max(e["paymentDate"] for e in events)
            self._set_status(inv, full_status if paid >= self.invoice_total(inv) else "PARTLY_PAID")
            return copy.deepcopy(event)

    def list_payment_events(self, invoice_id: int) -> list[dict[str, Any]]:
        with self.lock:
            if invoice_id not in self.invoices:
                raise not_found("Invoice")
            return copy.deepcopy(self.payment_events.get(invoice_id, []))

    def all_invoices(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.invoices.values())

    # --- ledger receipts ------------------------------------------------------------------------------------------
    def get_receipt(self, receipt_id: int) -> dict[str, Any]:
        with self.lock:
            receipt = self.receipts.get(receipt_id)
            if receipt is None:
                raise not_found("Ledger receipt")
            return copy.deepcopy(receipt)

    def _editable_receipt(self, receipt_id: int) -> dict[str, Any]:
        receipt = self.receipts.get(receipt_id)
        if receipt is None:
            raise not_found("Ledger receipt")
        if receipt["status"] not in RECEIPT_EDITABLE:
            raise forbidden()
        return receipt

    def update_receipt(self, receipt_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            receipt = self._editable_receipt(receipt_id)
            if not body.get("version"):
                raise ApiError(400, [err("version", "Value of the 'version' cannot be blank.")])
            if body["version"] != receipt["version"]:
                raise bad_request("version", "ERROR_VERSION_CONFLICT")
            if body["type"] != receipt["type"]:
                raise bad_request("type", "Value of the 'type' field is invalid: the type of a receipt cannot change")
            known = {tx["id"] for tx in receipt["transactions"]}
            errors = []
            for n, tx in enumerate(body["transactions"]):
                if tx.get("id") is not None and tx["id"] not in known:
                    errors.append(
                        err(f"transactions[{n}].id", "Value of the 'id' field is invalid: unknown transaction")
                    )
            if errors:
                raise ApiError(400, errors)
            new = copy.deepcopy(body)
            for key in ("id", "status", "invoiceId", "receiptNumber", "invoiceNumber", "attachments"):
                new[key] = receipt[key]
            for tx in new["transactions"]:
                if tx.get("id") is None:
                    tx["id"] = next(self._tx_ids)
                tx.setdefault("dimensionItemValues", [])
            self._bump(new)
            self.receipts[receipt_id] = new
            return copy.deepcopy(new)

    def set_dimensions(self, receipt_id: int, tx_id: int, values: list[dict[str, Any]]) -> dict[str, Any]:
        with self.lock:
            receipt = self._editable_receipt(receipt_id)
            tx = next((t for t in receipt["transactions"] if t["id"] == tx_id), None)
            if tx is None:
                raise not_found("Transaction")
            tx["dimensionItemValues"] = copy.deepcopy(values)
            self._bump(receipt)
            return copy.deepcopy(receipt)

    def transaction_index(self, receipt_id: int, tx_id: int) -> tuple[int, dict[str, Any]]:
        with self.lock:
            receipt = self.receipts.get(receipt_id)
            if receipt is None:
                raise not_found("Ledger receipt")
            for n, tx in enumerate(receipt["transactions"]):
                if tx["id"] == tx_id:
                    return n, copy.deepcopy(tx)
            raise not_found("Transaction")

    # --- attachments ----------------------------------------------------------------------------------------------
    def add_attachment(self, meta: dict[str, Any], data: bytes) -> dict[str, Any]:
        with self.lock:
            ref_type, ref_id = meta["referenceType"], meta["referenceId"]
            owner: dict[str, Any] | None = None
            if ref_type == "INVOICE":
                owner = self.invoices.get(ref_id)
            elif ref_type == "LEDGERRECEIPT":
                owner = self.receipts.get(ref_id)
            if ref_type in ("INVOICE", "LEDGERRECEIPT") and owner is None:
                raise bad_request("referenceId", "Value of the 'referenceId' field is invalid: not found")
            if meta.get("sendWithInvoice") and not (
                ref_type == "INVOICE" and owner and owner["type"] in ("SALES_INVOICE", "SALES_ORDER", "PURCHASE_ORDER")
            ):
                raise bad_request("sendWithInvoice", "Value of the 'sendWithInvoice' field is invalid for this receipt")
            stored = {
                "id": next(self._attachment_ids),
                "name": meta["name"],
                "referenceType": ref_type,
                "referenceId": ref_id,
                "mimeType": meta["mimeType"],
                "sendWithInvoice": bool(meta.get("sendWithInvoice")),
            }
            self.attachments[stored["id"]] = stored
            self.attachment_bytes[stored["id"]] = data
            if owner is not None:
                owner.setdefault("attachments", []).append(dict(stored))
            return dict(stored)

    def get_attachment(self, attachment_id: int) -> tuple[dict[str, Any], bytes]:
        with self.lock:
            meta = self.attachments.get(attachment_id)
            if meta is None:
                raise not_found("Attachment")
            return dict(meta), self.attachment_bytes[attachment_id]

    # --- control --------------------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(
                {
                    "invoices": list(self.invoices.values()),
                    "ledger_receipts": list(self.receipts.values()),
                    "attachments": [
                        {
                            **m,
                            "size": len(self.attachment_bytes[i]),
                            "sha256": hashlib.sha256(self.attachment_bytes[i]).hexdigest(),
                        }
                        for i, m in self.attachments.items()
                    ],
                    "payment_events": [e for events in self.payment_events.values() for e in events],
                }
            )


def _strip_ids(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "id"} for r in rows or []]
