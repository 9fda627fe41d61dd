"""Reference data: /coa, /dimensions, /products, /persons, /vats/default, /bankaccounts, /company, /fiscalyears."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandboxes.procountor.errors import ApiError, err, not_found
from sandboxes.procountor.http import paginate, query_list, respond

router = APIRouter()


def _ref(request: Request):
    return request.app.state.sandbox.state.ref


@router.get("/api/coa")
async def coa(request: Request) -> Response:
    return respond(request, "LedgerAccounts", {"ledgerAccounts": copy.deepcopy(_ref(request).dataset.ledger_accounts)})


@router.get("/api/dimensions")
async def dimensions(request: Request) -> Response:
    name = (request.query_params.get("name") or "").lower()
    code = (request.query_params.get("codeName") or "").lower()
    out = []
    for dim in copy.deepcopy(_ref(request).dataset.dimensions):
        if name and name not in dim["name"].lower():
            continue
        if code:
            dim["items"] = [i for i in dim.get("items", []) if code in i["codeName"].lower()]
        out.append(dim)
    return respond(request, "own:DimensionList", out)


@router.get("/api/products")
async def products(request: Request) -> Response:
    types = query_list(request, "type") or ["SALES", "PURCHASE"]
    if not set(types) <= {"SALES", "PURCHASE", "TRAVEL"}:
        raise ApiError(400, [err("type", f"Value of the 'type' field is invalid: {','.join(types)}")])
    name = (request.query_params.get("name") or "").lower()
    code = request.query_params.get("code")
    active = request.query_params.get("active")
    items = [
        p
        for p in _ref(request).dataset.products
        if p["type"] in types
        and (not name or name in p["name"].lower())
        and (code is None or p.get("code") == code)
        and (active is None or p.get("active", True) == (active.lower() == "true"))
    ]
    items = sorted(copy.deepcopy(items), key=lambda p: p["id"], reverse=request.query_params.get("orderById") == "DESC")
    page, meta = paginate(items, request)
    return respond(request, "own:ProductSearchResult", {"results": page, "meta": meta})


def _person_basic(p: dict[str, Any]) -> dict[str, Any]:
    addr = p.get("deliveryAddress") or {}
    inv = p.get("invoicingInfo") or {}
    return {
        "id": p["id"],
        "lastName": p["lastName"],
        "firstName": p.get("firstName", ""),
        "deliveryAddress": {k: addr[k] for k in ("street", "zip", "city", "country") if k in addr},
        "invoicingInfo": {k: inv[k] for k in ("personNumber", "identifier", "identifierType") if k in inv},
        "registryInfo": {"active": (p.get("registryInfo") or {}).get("active", True)},
    }


@router.get("/api/persons")
async def persons(request: Request) -> Response:
    number = request.query_params.get("personNumber") or ""
    include_inactive = (request.query_params.get("includeInactive") or "false").lower() == "true"
    items = [
        _person_basic(p)
        for p in _ref(request).dataset.persons
        if (include_inactive or (p.get("registryInfo") or {}).get("active", True))
        and number in (p.get("invoicingInfo") or {}).get("personNumber", "")
    ]
    items.sort(key=lambda p: p["id"], reverse=request.query_params.get("orderById") == "DESC")
    page, meta = paginate(items, request)
    return respond(request, "PersonSearchResult", {"results": page, "meta": meta})


@router.get("/api/persons/{person_id}")
async def person(person_id: int, request: Request) -> Response:
    found = _ref(request).persons.get(person_id)
    if found is None:
        raise not_found("Person")
    return respond(request, "Person", copy.deepcopy(found))


@router.get("/api/vats/default")
async def vats_default(request: Request) -> Response:
    ref = _ref(request)
    merged: dict[Any, dict[str, Any]] = {}
    for rate in ref.vat_rates:
        entry = merged.setdefault(rate.percent, {"vatPercent": rate.percent, "sales": False, "purchase": False})
        entry["sales"] = entry["sales"] or rate.sales
        entry["purchase"] = entry["purchase"] or rate.purchase
    country = (ref.dataset.company.get("country") or "FINLAND").replace("_", " ").title()
    body = {
        "vatInformation": [
            {"country": country, "percentages": sorted(merged.values(), key=lambda e: -e["vatPercent"])}
        ],
        "vatStatuses": copy.deepcopy(ref.dataset.vat_statuses),
    }
    return respond(request, "VatInformation", body)


@router.get("/api/bankaccounts")
async def bank_accounts(request: Request) -> Response:
    items = copy.deepcopy(_ref(request).dataset.bank_accounts)
    if request.query_params.get("orderById"):
        items.sort(key=lambda b: b["id"], reverse=request.query_params["orderById"].upper() == "DESC")
    else:
        items.sort(key=lambda b: (b.get("orderNo", 0), b["id"]))
    page, meta = paginate(items, request)
    return respond(request, "own:BankAccountSearchResult", {"results": page, "meta": meta})


@router.get("/api/company")
async def company(request: Request) -> Response:
    return respond(request, "Company", copy.deepcopy(_ref(request).dataset.company))


@router.get("/api/fiscalyears")
async def fiscal_years(request: Request) -> Response:
    years = sorted(copy.deepcopy(_ref(request).dataset.fiscal_years), key=lambda y: y["startDate"], reverse=True)
    return respond(request, "FiscalYears", {"fiscalYears": years})
