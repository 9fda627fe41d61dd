"""Invoices: search, create, read, update, status actions, payment events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandboxes.procountor.errors import ApiError, err
from sandboxes.procountor.http import paginate, query_int, query_list, read_json, respond
from sandboxes.procountor.rules import validate_invoice

router = APIRouter()

BASIC_FIELDS = (
    "id", "partnerId", "type", "status", "invoiceNumber", "originalInvoiceNumber", "invoiceChannel", "date",
    "created", "version", "invoiceSumInfo", "creatorId", "counterParty",
)  # fmt: skip
INVOICE_TYPES = {"SALES_INVOICE", "SALES_ORDER", "PURCHASE_INVOICE", "PURCHASE_ORDER", "TRAVEL_INVOICE",
                 "BILL_OF_CHARGES", "PERIODIC_TAX_RETURN"}  # fmt: skip
ORDER_KEYS = {"orderById": "id", "orderByDate": "date", "orderByCreated": "created", "orderByVersion": "version"}


def _basic(inv: dict[str, Any]) -> dict[str, Any]:
    out = {k: inv[k] for k in BASIC_FIELDS if k in inv and inv[k] is not None}
    pay = inv.get("paymentInfo") or {}
    if pay.get("dueDate"):
        out["dueDate"] = pay["dueDate"]
    return out


def _date_param(request: Request, name: str, kind: type) -> Any:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw) if kind is date else datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ApiError(400, [err(name, f"Value of the '{name}' field is invalid: {raw!r}")]) from exc


def _filters(request: Request):
    statuses = query_list(request, "status")
    types = query_list(request, "types")
    if types and not set(types) <= INVOICE_TYPES:
        raise ApiError(400, [err("types", f"Value of the 'types' field is invalid: {','.join(types)}")])
    channels = query_list(request, "invoiceChannel")
    d_from, d_to = _date_param(request, "startDate", date), _date_param(request, "endDate", date)
    v_from, v_to = _date_param(request, "versionStartDate", datetime), _date_param(request, "versionEndDate", datetime)
    c_from, c_to = _date_param(request, "createdStartDate", datetime), _date_param(request, "createdEndDate", datetime)
    due_from, due_to = _date_param(request, "dueStartDate", date), _date_param(request, "dueEndDate", date)
    original = request.query_params.get("originalInvoiceNumber")
    number = query_int(request, "invoiceNumber")
    partner = query_int(request, "businessPartnerId")
    term = (request.query_params.get("searchTerm") or "").lower()

    def keep(inv: dict[str, Any]) -> bool:
        if statuses and inv["status"] not in statuses:
            return False
        if types and inv["type"] not in types:
            return False
        if channels and inv.get("invoiceChannel") not in channels:
            return False
        day = date.fromisoformat(inv["date"])
        if (d_from and day < d_from) or (d_to and day > d_to):
            return False
        version = datetime.fromisoformat(inv["version"])
        if (v_from and version < v_from) or (v_to and version > v_to):
            return False
        created = datetime.fromisoformat(inv["created"])
        if (c_from and created < c_from) or (c_to and created > c_to):
            return False
        due_raw = (inv.get("paymentInfo") or {}).get("dueDate")
        if due_from or due_to:
            due = date.fromisoformat(due_raw) if due_raw else None
            if due is None or (due_from and due < due_from) or (due_to and due > due_to):
                return False
        if original is not None and inv.get("originalInvoiceNumber") != original:
            return False
        if number is not None and inv["invoiceNumber"] != number:
            return False
        if partner is not None and inv.get("partnerId") != partner:
            return False
        if term:
            name = ((inv.get("counterParty") or {}).get("counterPartyAddress") or {}).get("name", "")
            hay = f"{name}\n{inv['invoiceNumber']}\n{inv.get('additionalInformation', '')}".lower()
            if term not in hay:
                return False
        return True

    return keep


@router.get("/api/invoices")
async def search_invoices(request: Request) -> Response:
    sb = request.app.state.sandbox
    keep = _filters(request)
    order_param, order_key = "orderById", "id"
    for param, key in ORDER_KEYS.items():
        if param in request.query_params:
            order_param, order_key = param, key
            break
    direction = (request.query_params.get(order_param) or "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise ApiError(400, [err(order_param, f"Value of the '{order_param}' field is invalid: {direction}")])
    with sb.state.lock:
        found = [_basic(inv) for inv in sb.state.all_invoices() if keep(inv)]
    found.sort(key=lambda i: (i[order_key], i["id"]), reverse=direction == "DESC")
    page, meta = paginate(found, request, default_order="DESC")
    return respond(request, "InvoiceSearchResult", {"results": page, "meta": meta})


@router.post("/api/invoices")
async def create_invoice(request: Request) -> Response:
    sb = request.app.state.sandbox
    body = await read_json(request, "Invoice")
    errors = validate_invoice(body, sb.state.ref)
    if errors:
        raise ApiError(400, errors)
    return respond(request, "Invoice", sb.state.create_invoice(body))


@router.get("/api/invoices/{invoice_id}")
async def get_invoice(invoice_id: int, request: Request) -> Response:
    return respond(request, "Invoice", request.app.state.sandbox.state.get_invoice(invoice_id))


@router.put("/api/invoices/{invoice_id}")
async def update_invoice(invoice_id: int, request: Request) -> Response:
    sb = request.app.state.sandbox
    body = await read_json(request, "Invoice")
    sb.state.get_invoice(invoice_id)  # 404 before validation of a body for a missing invoice
    errors = validate_invoice(body, sb.state.ref)
    if errors:
        raise ApiError(400, errors)
    return respond(request, "Invoice", sb.state.update_invoice(invoice_id, body))


def _action(name: str):
    async def handler(invoice_id: int, request: Request) -> Response:
        sb = request.app.state.sandbox
        await read_json(request, "CheckingEvent", optional=True)
        sb.state.transition(invoice_id, name)
        return respond(request, "InfoMessage", {"message": f"Invoice {invoice_id}: {name} done"})

    handler.__name__ = f"invoice_{name}"
    return handler


for _name in ("approve", "verify", "send", "sendToCirculation", "unfinished", "invalidate", "reject"):
    router.add_api_route(f"/api/invoices/{{invoice_id}}/{_name}", _action(_name), methods=["PUT"])


@router.get("/api/invoices/{invoice_id}/paymentevents")
async def payment_events(invoice_id: int, request: Request) -> Response:
    events = request.app.state.sandbox.state.list_payment_events(invoice_id)
    page, meta = paginate(events, request)
    return respond(request, "PaymentEventSearchResult", {"results": page, "meta": meta})


@router.put("/api/invoices/{invoice_id}/paymentevents/markpaid")
async def mark_paid(invoice_id: int, request: Request) -> Response:
    sb = request.app.state.sandbox
    body = await read_json(request, "MarkInvoiceAsPaid")
    return respond(request, "PaymentEvent", sb.state.mark_paid(invoice_id, body))
