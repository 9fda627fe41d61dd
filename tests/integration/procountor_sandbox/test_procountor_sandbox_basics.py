"""Spec copy, fixture model, auth, reference endpoints (validated independently against the YAML)."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from pathlib import Path

import pytest
import requests
from stdnum import iban

from sandboxes.procountor.dataset import ProcountorDataset, default_dataset
from sandboxes.procountor.schema import SPEC_PATH, SPEC_SHA256

REPO = Path(__file__).resolve().parents[3]


def test_spec_copy_is_byte_identical():
    assert hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest() == SPEC_SHA256
    assert SPEC_SHA256 == "7cf6c58616da79835c516c10882c11218a57bfe63bc3387d3f046021c18e0b2d"
    for shared in (
        Path("/work/shared/procountor/procountor-api.yaml"),
        REPO.parent / "shared/procountor/procountor-api.yaml",
    ):
        if shared.exists():
            assert shared.read_bytes() == SPEC_PATH.read_bytes()


def test_default_dataset_is_realistic_and_date_robust():
    fx = default_dataset()
    assert all(iban.is_valid(b["iban"]) for b in fx.bank_accounts)
    assert any(
        d["name"] == "Kustannuspaikka" and any(i.get("status") == "P" for i in d["items"]) for d in fx.dimensions
    )
    assert {p["type"] for p in fx.products} == {"SALES", "PURCHASE", "TRAVEL"}
    years = {fy["id"]: fy for fy in fx.fiscal_years}
    assert years[2024]["isOpen"] is False and years[2026]["isOpen"] and years[2027]["isOpen"]
    later = default_dataset(today=date(2031, 3, 1))
    assert max(fy["id"] for fy in later.fiscal_years) == 2032
    # round trip through JSON, as the seed generator and POST /_control/fixture do it
    again = ProcountorDataset.model_validate(json.loads(fx.model_dump_json()))
    assert again.vat_rates == fx.vat_rates


def test_fixture_refuses_shapes_outside_the_schema():
    data = json.loads(default_dataset().model_dump_json())
    data["persons"][0]["invoicingInfo"]["gender"] = "ROBOT"
    with pytest.raises(ValueError, match=r"persons\[0\]\.invoicingInfo\.gender"):
        ProcountorDataset.model_validate(data)


def test_token_and_auth_errors(api):
    base = api.base + "/api/oauth/token"
    ok = dict(grant_type="client_credentials", client_id="sandbox-client", client_secret="sandbox-secret",
              api_key="sandbox-api-key")  # fmt: skip
    r = requests.post(base, data=ok, timeout=5)
    assert r.status_code == 200 and r.json()["expires_in"] == 3600 and r.json()["token_type"] == "bearer"
    r = requests.post(base, data={**ok, "client_secret": "nope"}, timeout=5)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = requests.post(base, data={**ok, "api_key": "nope"}, timeout=5)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = requests.post(base, params=ok, timeout=5)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = requests.get(api.base + "/api/company", timeout=5)
    assert r.status_code == 401 and r.json() == {"errors": [{"status": 401, "message": "Unauthorized"}]}
    r = requests.get(api.base + "/api/company", headers={"Authorization": "Bearer not-a-token"}, timeout=5)
    assert r.status_code == 401


def test_token_expiry_and_revocation(api):
    api.control("PATCH", "/settings", json={"token_ttl_seconds": 1})
    api.login()
    assert api.get("/company").status_code == 200
    time.sleep(1.2)
    assert api.get("/company").status_code == 401
    api.login()
    assert api.get("/company").status_code == 200
    assert api.control("POST", "/tokens/revoke", json={}).json()["revoked"] >= 1
    assert api.get("/company").status_code == 401


REFERENCE = [
    ("/coa", "LedgerAccounts"),
    ("/persons", "PersonSearchResult"),
    ("/persons/801", "Person"),
    ("/vats/default", "VatInformation"),
    ("/company", "Company"),
    ("/fiscalyears", "FiscalYears"),
]


@pytest.mark.parametrize(("path", "schema_name"), REFERENCE)
def test_reference_endpoints_match_the_spec(api, spec_check, path, schema_name):
    r = api.get(path)
    assert r.status_code == 200
    spec_check.check(schema_name, r.json())


def test_reference_endpoints_without_yaml_schema(api, spec_check):
    dims = api.get("/dimensions").json()
    assert isinstance(dims, list) and any(d["name"] == "Kustannuspaikka" for d in dims)
    for d in dims:
        spec_check.check("Dimension", d)
    cost = api.get("/dimensions", params={"name": "kustannus"}).json()
    assert [d["name"] for d in cost] == ["Kustannuspaikka"]
    products = api.get("/products").json()
    assert {p["type"] for p in products["results"]} == {"SALES", "PURCHASE"}
    spec_check.check("SearchResultMetaData", products["meta"])
    travel = api.get("/products", params={"type": "TRAVEL"}).json()["results"]
    assert travel and all(p["type"] == "TRAVEL" for p in travel)
    banks = api.get("/bankaccounts").json()
    assert banks["results"][0]["iban"] == "FI2112345600000785"
    assert banks["meta"]["totalCount"] == 2
    persons = api.get("/persons", params={"includeInactive": "true", "size": 2}).json()
    assert persons["meta"] == {"pageNumber": 0, "pageSize": 2, "resultCount": 2, "totalCount": 4}
    assert api.get("/persons/999").status_code == 404
    vats = api.get("/vats/default").json()
    percents = {p["vatPercent"] for p in vats["vatInformation"][0]["percentages"]}
    assert {25.5, 24, 14, 13.5, 10, 0} == percents


def test_fixture_load_replaces_reference_data(api):
    data = json.loads(default_dataset().model_dump_json())
    data["company"]["name"] = "Toinen Oy"
    data["invoices"] = [{
        "type": "PURCHASE_INVOICE", "status": "RECEIVED", "date": "2026-11-01", "vatStatus": 1,
        "counterParty": {"counterPartyAddress": {"name": "Toimittaja Oy"}},
        "paymentInfo": {"paymentMethod": "BANK_TRANSFER", "currency": "EUR", "dueDate": "2026-11-30",
                        "currencyRate": 1},
        "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False}, "discountPercent": 0,
        "invoiceChannel": "NO_SENDING",
        "invoiceRows": [{"product": "Paperi", "quantity": 1, "unit": "PIECE", "unitPrice": 10, "discountPercent": 0,
                         "vatPercent": 25.5}],
    }]  # fmt: skip
    r = api.control("POST", "/fixture", json=data)
    assert r.status_code == 200, r.text
    assert api.get("/company").json()["name"] == "Toinen Oy"
    found = api.get("/invoices", params={"status": "RECEIVED", "types": "PURCHASE_INVOICE"}).json()
    assert found["meta"]["totalCount"] == 1
    inv = api.get(f"/invoices/{found['results'][0]['id']}").json()
    assert api.get(f"/ledgerreceipts/{inv['ledgerReceiptId']}").status_code == 200
    bad = {**data, "ledger_accounts": [{"ledgerAccountCode": 3000}]}
    assert api.control("POST", "/fixture", json=bad).status_code == 400
