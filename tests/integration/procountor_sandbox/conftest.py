"""Shared fixtures of the Procountor sandbox tests: one sandbox on loopback per session, reset before each test,
an authenticated client, and an independent OpenAPI-schema check (its own loader, not the sandbox's schema module)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sandboxes.procountor.app import create_app
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import serve_in_thread

SPEC_COPY = Path(__file__).resolve().parents[3] / "include/sandboxes/procountor/spec/procountor-api.yaml"
CREDS = {"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret",
         "api_key": "sandbox-api-key"}  # fmt: skip


def _nullable(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
    elif isinstance(node, list):
        node = [_nullable(v) for v in node]
    return node


class SpecCheck:
    """Validate a JSON document against ``components/schemas/<name>`` of the YAML."""

    def __init__(self) -> None:
        doc = _nullable(yaml.safe_load(SPEC_COPY.read_text(encoding="utf-8")))
        self.registry = Registry().with_resource("urn:t", Resource.from_contents(doc, DRAFT202012))
        self._cache: dict[str, Draft202012Validator] = {}

    def errors(self, name: str, instance: Any) -> list[str]:
        v = self._cache.get(name)
        if v is None:
            v = Draft202012Validator({"$ref": f"urn:t#/components/schemas/{name}"}, registry=self.registry)
            self._cache[name] = v
        return [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(instance)]

    def check(self, name: str, instance: Any) -> None:
        errs = self.errors(name, instance)
        assert not errs, f"{name}: {errs[:3]}"


class Api:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.token: str | None = None

    def login(self) -> str:
        r = self.http.post(self.base + "/api/oauth/token", data=CREDS, timeout=5)
        assert r.status_code == 200, r.text
        self.token = r.json()["access_token"]
        return self.token

    def _h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.base + "/api" + path, headers=self._h(), timeout=kw.pop("timeout", 5), **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.http.post(self.base + "/api" + path, headers=self._h(), timeout=kw.pop("timeout", 5), **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.http.put(self.base + "/api" + path, headers=self._h(), timeout=kw.pop("timeout", 5), **kw)

    def control(self, method: str, path: str, **kw: Any) -> requests.Response:
        return requests.request(method, self.base + "/_control" + path, timeout=5, **kw)


@pytest.fixture(scope="session")
def sandbox_server():
    app = create_app(ProcountorSandboxSettings(rate_per_second=0))
    server = serve_in_thread(app)
    server.app = app  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture(scope="session")
def spec_check() -> SpecCheck:
    return SpecCheck()


@pytest.fixture
def api(sandbox_server) -> Api:
    client = Api(sandbox_server.base_url)
    assert client.control("POST", "/reset").status_code == 200
    client.control("PATCH", "/settings", json={"rate_per_second": 0, "token_ttl_seconds": 3600,
                                                "retry_after_seconds": None})  # fmt: skip
    client.login()
    return client


def sales_invoice(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "SALES_INVOICE",
        "status": "UNFINISHED",
        "date": "2026-11-20",
        "counterParty": {"identifier": "1234567-1", "counterPartyAddress": {"name": "Asiakas Oy", "country": "FINLAND"},
                         "email": "laskut@asiakas.example"},
        "paymentInfo": {"paymentMethod": "BANK_TRANSFER", "currency": "EUR", "dueDate": "2026-12-04",
                        "currencyRate": 1, "bankAccount": {"accountNumber": "FI21 1234 5600 0007 85"},
                        "bankReferenceCode": ""},
        "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False},
        "discountPercent": 0,
        "invoiceChannel": "EMAIL",
        "language": "FINNISH",
        "vatStatus": 1,
        "originalInvoiceNumber": "T-1001",
        "invoiceRows": [
            {"product": "Konsultointi", "quantity": 2, "unit": "HOUR", "unitPrice": 100, "discountPercent": 0,
             "vatPercent": 25.5, "comment": "Marraskuu"},
            {"product": "Kirjat", "quantity": 1, "unit": "PIECE", "unitPrice": 40, "discountPercent": 0,
             "vatPercent": 13.5},
        ],
    }  # fmt: skip
    body.update(copy.deepcopy(overrides))
    return body


def purchase_invoice(inv_type: str = "PURCHASE_INVOICE", **overrides: Any) -> dict[str, Any]:
    body = sales_invoice(type=inv_type, invoiceChannel="NO_SENDING", originalInvoiceNumber="B-1")
    body.pop("language")
    body["paymentInfo"]["bankAccount"] = {"accountNumber": "FI4950009420028730", "bic": "OKOYFIHH"}
    body["paymentInfo"].pop("bankReferenceCode")
    if inv_type in ("TRAVEL_INVOICE", "BILL_OF_CHARGES"):
        body.pop("vatStatus")
        body["partnerId"] = 801
        body["counterParty"] = {"counterPartyAddress": {"name": "Maija Meikäläinen"}}
    body.update(copy.deepcopy(overrides))
    return body


@pytest.fixture
def bodies():
    """``bodies.sales(**overrides)`` / ``bodies.purchase(type, **overrides)``: valid invoice bodies to start from."""
    import types

    return types.SimpleNamespace(sales=sales_invoice, purchase=purchase_invoice)


@pytest.fixture
def create_invoice(api):
    """``create_invoice(body) -> dict``: POST the body, assert 200, return the created invoice."""

    def create(body: dict[str, Any]) -> dict[str, Any]:
        r = api.post("/invoices", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    return create


@pytest.fixture
def error_fields(yaml_schema_errors):
    """``error_fields(response, status=400) -> {(field, message)}`` of an error answer. The body must match the
    YAML's error body (``ErrorMessage``: ``{"errors": [ApiError]}``, checked by the independent validator of
    tests/conftest.py) and hold at least one item, each with the answer's HTTP status and a message."""

    def fields(r: requests.Response, status: int = 400) -> set[tuple[str | None, str]]:
        assert r.status_code == status, r.text
        body = r.json()
        assert yaml_schema_errors("ErrorMessage", body) == [], body
        assert body["errors"], body
        for item in body["errors"]:
            assert item["status"] == status and isinstance(item["message"], str) and item["message"], item
            assert set(item) <= {"status", "field", "message"}, item
        return {(e.get("field"), e["message"]) for e in body["errors"]}

    return fields
