"""The seed's defects against the real Procountor sandbox: every document defect that Procountor itself refuses
(``DEFECTS[d].procountor_code``) is refused by the sandbox with that code on that field, and the clean documents of
the same dataset are accepted. Plus the sandbox's reference-number rule.

The Taimer documents are turned into Procountor invoice bodies by a small mapper written here, the way a
straightforward sync would do it (it is not the project's outbound mapping): sales invoice → SALES_INVOICE (rows,
dates, counterparty, the invoice's bank account, e-invoice address and operator), bill → PURCHASE_INVOICE, expense
report → BILL_OF_CHARGES and travel report → TRAVEL_INVOICE with the owner's person ID as ``partnerId``. A sales
invoice's sales account and cost center are then set on its ledger receipt (docs/seed.md), and a too-large attachment
is uploaded to the created invoice.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import requests

from sandboxes.procountor.app import create_app
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import serve_in_thread
from sandboxes.seed.attachments import blob_size, render_blob
from sandboxes.seed.defects import DEFECTS, DOCUMENT_DEFECTS, OWN_VALIDATION_DEFECTS, Defect
from sandboxes.seed.generator import SeedConfig, SeedResult, generate
from taimer_procountor.identifiers import is_valid_fi_reference, rf_reference_with_check
from taimer_procountor.taimer.models import (
    Address,
    Bill,
    ExpenseReport,
    InvoiceChannel,
    RowKind,
    SalesInvoice,
    TravelReport,
)

CREDS = {"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret",
         "api_key": "sandbox-api-key"}  # fmt: skip


class Sandbox:
    """The Procountor sandbox on loopback, loaded with a seed's Procountor company, and a logged-in client."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        r = self.http.post(f"{base}/api/oauth/token", data=CREDS, timeout=5)
        assert r.status_code == 200, r.text
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def load(self, seed: SeedResult) -> None:
        r = requests.post(
            f"{self.base}/_control/fixture",
            data=seed.procountor_json(),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert r.status_code == 200, r.text[:500]

    def post_invoice(self, body: dict[str, Any]) -> requests.Response:
        return self.http.post(f"{self.base}/api/invoices", json=body, timeout=10)


@pytest.fixture(scope="module")
def sandbox():
    server = serve_in_thread(create_app(ProcountorSandboxSettings(rate_per_second=0)))
    try:
        yield Sandbox(server.base_url)
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------------- reference rule

SMALL_CLEAN = SeedConfig(seed=11, sales_invoices=3, bills=2, expense_reports=0, travel_reports=0, defect_share=0)


@pytest.fixture(scope="module")
def clean_seed(sandbox: Sandbox) -> SeedResult:
    seed = generate(SMALL_CLEAN)
    sandbox.load(seed)
    return seed


def _minimal_sales_body(seed: SeedResult) -> dict[str, Any]:
    inv = seed.taimer.sales_invoices[0]
    return {
        "type": "SALES_INVOICE",
        "status": "UNFINISHED",
        "date": inv.invoice_date.isoformat(),
        "counterParty": {"counterPartyAddress": {"name": "Asiakas Oy", "country": "FINLAND"}},
        "paymentInfo": {"paymentMethod": "BANK_TRANSFER", "currency": "EUR", "dueDate": inv.due_date.isoformat(),
                        "currencyRate": 1, "bankAccount": {"accountNumber": seed.taimer.company.bank_accounts[0].iban}},
        "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False},
        "discountPercent": 0,
        "invoiceChannel": "NO_SENDING",
        "language": "FINNISH",
        "vatStatus": 1,
        "invoiceRows": [{"product": "Konsultointi", "quantity": 1, "unit": "HOUR", "unitPrice": 100,
                         "discountPercent": 0, "vatPercent": 0}],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("reference", "accepted"),
    [
        ("1234561", True),  # 6·7 + 5·3 + 4·1 + 3·7 + 2·3 + 1·1 = 89 → check 1
        ("1234 5672", True),  # grouped; 118 → check 2
        ("RF18539007547034", True),  # ISO 11649's published example
        (rf_reference_with_check("1234561"), True),
        ("1234562", False),  # wrong check digit: the sandbox must refuse it
        ("123", False),  # too short
        ("RF19539007547034", False),  # wrong RF check digits
        ("12345678901234567890123", False),  # too long
    ],
)
def test_seed_sandbox_validates_a_given_bank_reference_code(
    sandbox: Sandbox, clean_seed: SeedResult, reference: str, accepted: bool
) -> None:
    body = _minimal_sales_body(clean_seed)
    body["paymentInfo"]["bankReferenceCode"] = reference
    r = sandbox.post_invoice(body)
    if accepted:
        assert r.status_code == 200, r.text
        assert r.json()["paymentInfo"]["bankReferenceCode"] == reference
    else:
        assert r.status_code == 400, r.text
        assert r.json()["errors"] == [
            {"status": 400, "field": "paymentInfo.bankReferenceCode", "message": "ERROR_BANK_REFERENCE_CODE"}
        ]


def test_seed_sandbox_generates_a_reference_for_an_empty_one_and_none_when_omitted(
    sandbox: Sandbox, clean_seed: SeedResult
) -> None:
    body = _minimal_sales_body(clean_seed)
    omitted = sandbox.post_invoice(copy.deepcopy(body))
    assert omitted.status_code == 200, omitted.text
    assert not omitted.json()["paymentInfo"].get("bankReferenceCode")
    body["paymentInfo"]["bankReferenceCode"] = ""
    generated = sandbox.post_invoice(body)
    assert generated.status_code == 200, generated.text
    assert is_valid_fi_reference(generated.json()["paymentInfo"]["bankReferenceCode"])


# --------------------------------------------------------------------------------------------------- the mapper

LANGUAGES = {"fi": "FINNISH", "sv": "SWEDISH", "en": "ENGLISH", "da": "DANISH", "no": "NORWEGIAN", "et": "ESTONIAN"}
CHANNELS = {"email": "EMAIL", "mail": "MAIL", "einvoice": "ELECTRONIC_INVOICE", "no_sending": "NO_SENDING"}
COUNTRIES = {"FI": "FINLAND", "SE": "SWEDEN", "EE": "ESTONIA"}


def _num(value: Decimal | int | float) -> float:
    return float(value)


def _address(name: str, address: Address) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "country": COUNTRIES.get(address.country, "FINLAND")}
    for key, value in (("street", address.street), ("zip", address.postal_code), ("city", address.city)):
        if value:
            out[key] = value
    return out


def _payment(currency: str, due: date, iban: str | None, reference: str | None, bic: str | None = None):
    pay: dict[str, Any] = {"paymentMethod": "BANK_TRANSFER", "currency": currency, "dueDate": due.isoformat(),
                           "currencyRate": 1}  # fmt: skip
    if iban:
        pay["bankAccount"] = {"accountNumber": iban, **({"bic": bic} if bic else {})}
    if reference is not None:
        pay["bankReferenceCode"] = reference
    return pay


class Mapper:
    """Taimer document → Procountor invoice body, the way a straightforward sync would map it."""

    def __init__(self, seed: SeedResult) -> None:
        t = seed.taimer
        self.company = t.company
        self.customers = {c.id: c for c in t.customers}
        self.users = {u.id: u for u in t.users}
        self.product_ids = {p.id: p.procountor_product_id for p in t.products}
        self.product_ids.update({w.id: w.procountor_product_id for w in t.work_types})
        self.person_ibans = {
            p["id"]: (p.get("paymentInfo") or {}).get("accountNumber") for p in seed.procountor.persons
        }
        self.cost_centers = {
            item["codeName"]: (dim["id"], item["id"])
            for dim in seed.procountor.dimensions
            if dim["name"] == "Kustannuspaikka"
            for item in dim.get("items", [])
        }

    def body(self, doc: SalesInvoice | Bill | ExpenseReport) -> dict[str, Any]:
        if isinstance(doc, SalesInvoice):
            return self.sales(doc)
        if isinstance(doc, Bill):
            return self.bill(doc)
        return self.report(doc)

    def sales(self, inv: SalesInvoice) -> dict[str, Any]:
        customer = self.customers[inv.customer_id]
        address = _address(customer.name, customer.address)
        cp: dict[str, Any] = {"counterPartyAddress": address}
        if customer.business_id:
            cp["identifier"] = customer.business_id
        if customer.email:
            cp["email"] = customer.email
        if inv.channel is InvoiceChannel.EINVOICE:
            cp["einvoiceAddress"] = {"address": customer.einvoice_address, "operator": customer.einvoice_operator}
        rows = []
        for row in inv.rows:
            if row.kind is RowKind.PRODUCT:
                out: dict[str, Any] = {"product": row.name, "quantity": _num(row.quantity), "unit": row.unit,
                                       "unitPrice": _num(row.unit_price), "discountPercent": _num(row.discount_percent),
                                       "vatPercent": _num(row.vat_percent)}  # fmt: skip
                product_id = self.product_ids.get(row.product_id or row.work_type_id or "")
                if product_id is not None:
                    out["productId"] = product_id
                if row.description_lines:
                    out["comment"] = row.description_lines[0]  # the first description line (docs/seed.md)
            else:  # header and description rows: zero rows carrying the text (Procountor has no header rows)
                out = {"product": row.name or " ".join(row.description_lines), "quantity": 0, "unit": row.unit,
                       "unitPrice": 0, "discountPercent": 0, "vatPercent": _num(row.vat_percent)}  # fmt: skip
            rows.append(out)
        iban = inv.bank_account_iban or self.company.bank_accounts[0].iban
        return {
            "type": "SALES_INVOICE",
            "status": "UNFINISHED",
            "date": inv.invoice_date.isoformat(),
            "counterParty": cp,
            "billingAddress": address,
            "paymentInfo": _payment(inv.currency, inv.due_date, iban, inv.reference_number or ""),
            "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False},
            "discountPercent": 0,
            "invoiceChannel": CHANNELS[inv.channel.value],
            "language": LANGUAGES[inv.language.value],
            "vatStatus": 1,
            "originalInvoiceNumber": str(inv.number),
            "invoiceRows": rows,
        }

    def bill(self, bill: Bill) -> dict[str, Any]:
        cp: dict[str, Any] = {"counterPartyAddress": _address(bill.supplier.name, bill.supplier.address)}
        if bill.supplier.business_id:
            cp["identifier"] = bill.supplier.business_id
        rows = []
        for row in bill.rows:
            out: dict[str, Any] = {"product": row.name, "quantity": _num(row.quantity), "unit": row.unit,
                                   "unitPrice": _num(row.unit_price), "discountPercent": _num(row.discount_percent),
                                   "vatPercent": _num(row.vat_percent)}  # fmt: skip
            if row.description:
                out["comment"] = row.description
            rows.append(out)
        return {
            "type": "PURCHASE_INVOICE",
            "status": "UNFINISHED",
            "date": bill.invoice_date.isoformat(),
            "counterParty": cp,
            "paymentInfo": _payment(
                bill.currency, bill.due_date, bill.supplier.iban, bill.reference_number, bill.supplier.bic
            ),
            "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False},
            "discountPercent": 0,
            "invoiceChannel": "NO_SENDING",
            "vatStatus": 1,
            "originalInvoiceNumber": bill.supplier_invoice_number or bill.number or bill.id,
            "invoiceRows": rows,
        }

    def report(self, report: ExpenseReport) -> dict[str, Any]:
        owner = self.users[report.owner_user_id]
        rows: list[dict[str, Any]] = [
            {"product": row.description, "quantity": 1, "unit": "PIECE", "unitPrice": _num(row.amount),
             "discountPercent": 0, "vatPercent": _num(row.vat_percent)}
            for row in report.rows
        ]  # fmt: skip
        if isinstance(report, TravelReport):
            for km in report.mileage_rows:
                rows.append({"productId": km.procountor_product_id, "product": km.description or "Kilometrikorvaus",
                             "quantity": _num(km.kilometres), "unit": "KILOMETER", "unitPrice": _num(km.rate_per_km),
                             "discountPercent": 0, "vatPercent": 0})  # fmt: skip
            for pd in report.per_diem_rows:
                rows.append({"productId": pd.procountor_product_id, "product": "Päiväraha", "unit": "DAY",
                             "quantity": _num(pd.quantity), "unitPrice": _num(pd.rate), "discountPercent": 0,
                             "vatPercent": 0})  # fmt: skip
        body: dict[str, Any] = {
            "type": "TRAVEL_INVOICE" if isinstance(report, TravelReport) else "BILL_OF_CHARGES",
            "status": "UNFINISHED",
            "date": report.report_date.isoformat(),
            "counterParty": {"counterPartyAddress": {"name": owner.name}},
            "paymentInfo": _payment(
                report.currency, report.report_date, self.person_ibans.get(owner.procountor_person_id), None
            ),
            "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": True},
            "discountPercent": 0,
            "invoiceChannel": "NO_SENDING",
            "originalInvoiceNumber": f"{report.id}",
            "invoiceRows": rows,
        }
        if owner.procountor_person_id is not None:
            body["partnerId"] = owner.procountor_person_id
        return body

    def receipt_update(self, inv: SalesInvoice, receipt: dict[str, Any]) -> dict[str, Any] | None:
        """The invoice's ledger receipt with its sales account and cost center set on the ENTRY transactions."""
        if not inv.sales_account and not inv.cost_center:
            return None
        updated = copy.deepcopy(receipt)
        for tx in updated["transactions"]:
            if tx["transactionType"] != "ENTRY":
                continue
            if inv.sales_account:
                tx["account"] = inv.sales_account
            if inv.cost_center:
                dimension_id, item_id = self.cost_centers[inv.cost_center]
                tx["dimensionItemValues"] = [
                    {"dimensionId": dimension_id, "itemId": item_id, "value": abs(tx["accountingValue"])}
                ]
        return updated


# --------------------------------------------------------------------------------------------------- the defects

PROCOUNTOR_REFUSES = [d for d in DOCUMENT_DEFECTS if DEFECTS[d].procountor_code is not None]


@pytest.fixture(scope="module")
def defective_seed(sandbox: Sandbox) -> SeedResult:
    seed = generate(
        SeedConfig(
            seed=7,
            sales_invoices=60,
            bills=30,
            expense_reports=20,
            travel_reports=20,
            customers=10,
            projects=6,
            defect_share=0.5,
            defects=PROCOUNTOR_REFUSES,
        )
    )
    sandbox.load(seed)
    return seed


def _documents(seed: SeedResult) -> dict[str, SalesInvoice | Bill | ExpenseReport]:
    t = seed.taimer
    return {d.id: d for d in [*t.sales_invoices, *t.bills, *t.expense_reports, *t.travel_reports]}


def _field_pattern(field: str) -> re.Pattern[str]:
    return re.compile(re.escape(field).replace(re.escape("[n]"), r"\[\d+\]") + "$")


def submit(sandbox: Sandbox, mapper: Mapper, seed: SeedResult, doc: Any) -> tuple[str, requests.Response]:
    """Send ``doc`` as a sync would: the invoice, then (sales) the ledger receipt's account and cost center, then
    attachments over the size limit. Returns the step that answered (``invoice``/``ledger``/``attachment``/``done``)
    and that answer."""
    r = sandbox.post_invoice(mapper.body(doc))
    if r.status_code != 200:
        return "invoice", r
    invoice = r.json()
    if isinstance(doc, SalesInvoice):
        got = sandbox.http.get(f"{sandbox.base}/api/ledgerreceipts/{invoice['ledgerReceiptId']}", timeout=10)
        assert got.status_code == 200, got.text
        update = mapper.receipt_update(doc, got.json())
        if update is not None:
            r = sandbox.http.put(f"{sandbox.base}/api/ledgerreceipts/{update['id']}", json=update, timeout=10)
            if r.status_code != 200:
                return "ledger", r
    for att in doc.attachments:
        blob = seed.taimer.attachment_blobs[att.id]
        if blob_size(blob) <= 10_000_000:
            continue  # a minimal sync sends only what it must here; the size rule is what is being checked
        meta = {"name": att.name, "referenceType": "INVOICE", "referenceId": invoice["id"],
                "mimeType": att.mime_type or "application/pdf", "sendWithInvoice": False}  # fmt: skip
        r = sandbox.http.post(
            f"{sandbox.base}/api/attachments",
            files={
                "meta": (None, json.dumps(meta), "application/json"),
                "file": (att.name, render_blob(blob), meta["mimeType"]),
            },
            timeout=60,
        )
        if r.status_code != 200:
            return "attachment", r
    return "done", r


@pytest.mark.parametrize("defect", PROCOUNTOR_REFUSES, ids=str)
def test_seed_defect_is_refused_by_the_procountor_sandbox_with_its_code_and_field(
    sandbox: Sandbox, defective_seed: SeedResult, defect: Defect
) -> None:
    info = DEFECTS[defect]
    docs = _documents(defective_seed)
    mapper = Mapper(defective_seed)
    ids = defective_seed.manifest.documents_with(defect)
    assert {defective_seed.manifest.document_kinds[i] for i in ids} == set(info.kinds), "plant it on every kind"
    patterns = [_field_pattern(f) for f in info.procountor_fields]
    expected_step = "ledger" if info.procountor_fields[0].startswith("transactions") else (
        "attachment" if info.procountor_fields == ("file",) else "invoice")  # fmt: skip
    for doc_id in ids:
        step, r = submit(sandbox, mapper, defective_seed, docs[doc_id])
        assert (step, r.status_code) == (expected_step, 400), f"{doc_id}: {step} {r.status_code} {r.text[:300]}"
        errors = r.json()["errors"]
        # the defect's own answer is there, and nothing else is wrong with the document
        assert errors, doc_id
        for e in errors:
            assert e["message"] == info.procountor_code, f"{doc_id}: {errors}"
            assert any(p.match(e.get("field") or "") for p in patterns), f"{doc_id}: {errors}"


def test_seed_clean_documents_of_the_defective_dataset_are_accepted(
    sandbox: Sandbox, defective_seed: SeedResult
) -> None:
    mapper = Mapper(defective_seed)
    clean = [d for i, d in _documents(defective_seed).items() if i not in defective_seed.manifest.documents]
    kinds = {type(d).__name__ for d in clean}
    assert kinds == {"SalesInvoice", "Bill", "ExpenseReport", "TravelReport"} and len(clean) > 40
    with_ledger = 0
    for doc in clean:
        step, r = submit(sandbox, mapper, defective_seed, doc)
        assert (step, r.status_code) == ("done", 200), f"{doc.id}: {step} {r.status_code} {r.text[:300]}"
        with_ledger += isinstance(doc, SalesInvoice) and bool(doc.sales_account or doc.cost_center)
    assert with_ledger > 5  # the ledger step really ran on clean sales invoices


def test_seed_own_validation_defects_are_the_rest() -> None:
    # the defects Procountor accepts are exactly those listed in docs/seed.md as the integration's own validation
    assert set(OWN_VALIDATION_DEFECTS) == {
        Defect.MISSING_PERSON_ID,
        Defect.MISSING_TRANSFERRER_PERSON_ID,
        Defect.UNKNOWN_COST_CENTER,
        Defect.FORBIDDEN_ATTACHMENT_TYPE,
        Defect.DISGUISED_ATTACHMENT_TYPE,
    }
    assert set(PROCOUNTOR_REFUSES) | set(OWN_VALIDATION_DEFECTS) == set(DOCUMENT_DEFECTS)
    assert all(DEFECTS[d].procountor_fields for d in PROCOUNTOR_REFUSES)
