"""JSON-Schema validators over Procountor's OpenAPI 3.1 document, compiled once per process.

The YAML in ``spec/`` is a byte-for-byte copy of ``shared/procountor/procountor-api.yaml``. It is loaded once, and
one in-memory adjustment is made before it is used: OpenAPI 3.0's ``nullable: true`` (which the document still uses
although it declares 3.1, and which Draft 2020-12 ignores) becomes ``type: [<type>, "null"]``, because the real API
sends ``null`` for empty references (``partnerId``, ``ledgerReceiptId``). Formats ``date`` and ``date-time`` are
checked, the latter in Procountor's naive ``YYYY-MM-DDTHH:MM:SS`` form.

Where the YAML has no schema for something the public API sends (``/bankaccounts``, ``/products``, ``/oauth/token``,
the error body with ``field``), ``OWN_SCHEMAS`` defines one from what the real API answers;
docs/sandbox-procountor.md lists them.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "spec" / "procountor-api.yaml"
SPEC_SHA256 = "7cf6c58616da79835c516c10882c11218a57bfe63bc3387d3f046021c18e0b2d"
SPEC_URI = "urn:procountor:api"
OWN_URI = "urn:procountor:sandbox"

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _check_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_RE.match(value):
        return False
    date.fromisoformat(value)
    return True


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _check_datetime(value: object) -> bool:
    return not isinstance(value, str) or bool(_DATETIME_RE.match(value))


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}


def _paged(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"results": {"type": "array", "items": item}, "meta": _ref("SearchResultMetaData")},
        "required": ["results", "meta"],
    }


# Sandbox-own schemas, from what the real API answers where the YAML (written for the "Nemo" host) has none.
_BANK_ACCOUNT_INFO = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "accountNumber": {"type": "string"},
        "iban": {"type": "string"},
        "bic": {"type": "string"},
        "bankName": {"type": "string"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "defaultForInvoice": {"type": "boolean"},
        "defaultForPayment": {"type": "boolean"},
        "status": {"enum": ["ACTIVE", "INACTIVE"]},
        "orderNo": {"type": "integer"},
        "associatedAccounts": {"type": "array"},
        "version": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "accountNumber", "iban", "currency", "status"],
}
_PRODUCT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "type": {"enum": ["SALES", "PURCHASE", "TRAVEL"]},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "code": {"type": "string", "maxLength": 40},
        "unit": {"type": "string"},
        "discount": {"type": "number"},
        "price": {"type": "number"},
        "vat": {"type": "number"},
        "vatStatus": {"type": ["integer", "null"]},
        "active": {"type": "boolean"},
        "defaultAccount": {"type": "string"},
        "currency": {"type": "string"},
        "productGroupId": {"type": ["integer", "null"]},
        "productLocalizations": {"type": "array"},
        "startDate": {"type": "string", "format": "date"},
        "endDate": {"type": "string", "format": "date"},
        "bookkeepingAccount": {"type": "string"},
        "version": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "type", "name"],
}
_ERROR_ITEM = {
    "type": "object",
    "properties": {"status": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}},
    "required": ["status", "message"],
}
OWN_SCHEMAS: dict[str, Any] = {
    "BankAccountInfo": _BANK_ACCOUNT_INFO,
    "BankAccountSearchResult": _paged({"$ref": "#/$defs/BankAccountInfo"}),
    "Product": _PRODUCT,
    "ProductSearchResult": _paged({"$ref": "#/$defs/Product"}),
    "DimensionList": {"type": "array", "items": _ref("Dimension")},
    "ProcountorErrors": {
        "type": "object",
        "properties": {"errors": {"type": "array", "items": _ERROR_ITEM, "minItems": 1}},
        "required": ["errors"],
    },
    "TokenResponse": {
        "type": "object",
        "properties": {
            "access_token": {"type": "string", "minLength": 16},
            "token_type": {"const": "bearer"},
            "expires_in": {"type": "integer", "minimum": 1},
        },
        "required": ["access_token", "token_type", "expires_in"],
    },
    "OAuthError": {
        "type": "object",
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
        "required": ["error"],
    },
    "Person": _ref("Person"),
}


def _fix_nullable(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _fix_nullable(v) for k, v in node.items()}
        if out.get("nullable") is True and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_fix_nullable(v) for v in node]
    return node


def spec_sha256() -> str:
    return hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def spec_document() -> dict[str, Any]:
    """The OpenAPI document as loaded (with the ``nullable`` adjustment)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open("rb") as fh:
        raw = yaml.load(fh, Loader=loader)  # noqa: S506 - SafeLoader/CSafeLoader only
    return _fix_nullable(raw)


@lru_cache(maxsize=1)
def registry() -> Registry:
    own = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": OWN_URI, "$defs": OWN_SCHEMAS}
    return Registry().with_resources(
        [
            (SPEC_URI, Resource.from_contents(spec_document(), default_specification=DRAFT202012)),
            (OWN_URI, DRAFT202012.create_resource(own)),
        ]
    )


_validators: dict[str, Draft202012Validator] = {}
_vlock = threading.Lock()


def validator(name: str) -> Draft202012Validator:
    """Compiled validator for ``name``: a ``components/schemas`` name of the YAML, or ``own:<Name>`` for
    ``OWN_SCHEMAS``. Built once and cached."""
    v = _validators.get(name)
    if v is not None:
        return v
    with _vlock:
        v = _validators.get(name)
        if v is None:
            if name.startswith("own:"):
                ref = f"{OWN_URI}#/$defs/{name[4:]}"
                if name[4:] not in OWN_SCHEMAS:
                    raise KeyError(name)
            else:
                if name not in spec_document()["components"]["schemas"]:
                    raise KeyError(name)
                ref = f"{SPEC_URI}#/components/schemas/{name}"
            v = Draft202012Validator({"$ref": ref}, registry=registry(), format_checker=FORMAT_CHECKER)
            _validators[name] = v
    return v


def field_path(error: ValidationError, prefix: str = "") -> str:
    """``invoiceRows[3].vatPercent`` style path of a validation error (a missing required property is named)."""
    parts: list[str] = [prefix] if prefix else []
    for p in error.absolute_path:
        if isinstance(p, int):
            if parts:
                parts[-1] = f"{parts[-1]}[{p}]"
            else:
                parts.append(f"[{p}]")
        else:
            parts.append(str(p))
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [r for r in error.validator_value if r not in error.instance]
        if missing:
            parts.append(missing[0])
    return ".".join(parts)


def schema_errors(name: str, instance: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Procountor-shaped 400 error items for every violation of ``name`` by ``instance`` (empty when valid)."""
    out: list[dict[str, Any]] = []
    for err in sorted(validator(name).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        path = field_path(err, prefix)
        if err.validator == "required":
            msg = f"Value of the '{path}' cannot be blank."
        else:
            msg = f"Value of the '{path}' field is invalid: {err.message[:200]}"
        out.append({"status": 400, "field": path, "message": msg})
    return out


class ResponseSchemaError(RuntimeError):
    """A response the sandbox was about to send does not match its schema: a sandbox bug."""


def check_response(name: str, body: Any) -> None:
    """Raise ``ResponseSchemaError`` if ``body`` does not validate against ``name``."""
    errs = list(validator(name).iter_errors(body))
    if errs:
        first = errs[0]
        raise ResponseSchemaError(
            f"sandbox response does not match schema {name}: {field_path(first) or '<root>'}: {first.message[:300]}"
        )


def deep_copy(obj: Any) -> Any:
    return copy.deepcopy(obj)
