"""The control API under ``/_control`` (not part of Procountor's API; no auth, no rate limit, no faults)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, ValidationError

from sandboxes.faults import add_fault_control_routes
from sandboxes.procountor import events
from sandboxes.procountor.dataset import ProcountorDataset
from sandboxes.procountor.errors import ApiError, err
from sandboxes.procountor.http import json_response, read_json, respond

router = APIRouter(prefix="/_control")


def _sb(request: Request):
    return request.app.state.sandbox


def _invalid(exc: ValidationError) -> ApiError:
    return ApiError(
        400, [err(".".join(map(str, e["loc"])) or None, e["msg"][:300]) for e in exc.errors(include_url=False)[:20]]
    )


@router.get("/health")
async def health() -> Response:
    return json_response({"status": "ok"})


@router.post("/reset")
async def reset(request: Request) -> Response:
    _sb(request).reset()
    return json_response({"status": "reset"})


@router.post("/fixture")
async def load_dataset(request: Request) -> Response:
    body = await read_json(request)
    try:
        dataset = ProcountorDataset.model_validate(body)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    _sb(request).reset(dataset)
    return json_response({"status": "loaded", "invoices": len(dataset.invoices)})


@router.get("/state")
async def state(request: Request) -> Response:
    return json_response(_sb(request).state.snapshot())


@router.get("/stats")
async def stats(request: Request) -> Response:
    return json_response(_sb(request).stats())


# POST/GET/DELETE /faults, DELETE /faults/{id}, GET /requests: the shape every sandbox shares (sandboxes.faults).
add_fault_control_routes(router, lambda request: _sb(request).faults, lambda request: _sb(request).request_log())


@router.post("/tokens/revoke")
async def revoke_tokens(request: Request) -> Response:
    body = await read_json(request, optional=True) or {}
    count = _sb(request).tokens.revoke(body.get("client_id"))
    return json_response({"revoked": count})


@router.patch("/settings")
async def patch_settings(request: Request) -> Response:
    """Change ``rate_per_second``, ``token_ttl_seconds``, ``retry_after_seconds``, ``timeout_fault_seconds`` live."""
    sb = _sb(request)
    body = await read_json(request)
    allowed = {"rate_per_second", "token_ttl_seconds", "retry_after_seconds", "timeout_fault_seconds"}
    unknown = set(body) - allowed
    if unknown:
        raise ApiError(400, [err(k, "not a live setting") for k in sorted(unknown)])
    for key, value in body.items():
        setattr(sb.settings, key, value)
    if "rate_per_second" in body:
        sb.limiter.rate = int(body["rate_per_second"])
    return json_response({k: getattr(sb.settings, k) for k in sorted(allowed)})


# --- event simulation (sandboxes.procountor.events): what people and banks do in Procountor ----------------------
@router.post("/events/received-invoices")
async def event_received_invoice(request: Request) -> Response:
    """A purchase e-invoice arrives (``RECEIVED``). Body: ``received_invoice``'s fields, all optional
    (``project_number``, ``person_id``, ``verifiers`` [user ids], ``supplier``, ``day``, ``rows``, ``invoice_id``,
    ``supplier_invoice_number``). Answers the stored invoice (schema ``Invoice``)."""
    body = await read_json(request, optional=True) or {}
    try:
        fields = ReceivedInvoiceEvent.model_validate(body)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    invoice = events.receive_invoice(
        _sb(request).state, events.received_invoice(**fields.model_dump(exclude_none=True))
    )
    return respond(request, "Invoice", invoice)


@router.post("/events/invoices/{invoice_id}/payments")
async def event_bank_payment(invoice_id: int, request: Request) -> Response:
    """A bank (reference) payment of ``amount`` on ``paymentDate`` (default today): answers the ``PaymentEvent``."""
    body = await read_json(request)
    try:
        payment = BankPaymentEvent.model_validate(body)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    event = events.bank_payment(_sb(request).state, invoice_id, payment.amount, payment.paymentDate)
    return respond(request, "PaymentEvent", event)


@router.post("/events/invoices/{invoice_id}/{action}")
async def event_user_action(invoice_id: int, action: str, request: Request) -> Response:
    """A person acts in Procountor's UI: ``approve``, ``verify``, ``reject``, ``invalidate``, ``unfinished``,
    ``send``, ``sendToCirculation``. Answers the invoice."""
    return respond(request, "Invoice", events.user_action(_sb(request).state, invoice_id, action))


class ReceivedInvoiceEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_id: int | None = None
    supplier: str | None = None
    business_id: str | None = None
    iban: str | None = None
    day: date | None = None
    rows: list[dict[str, Any]] | None = None
    project_number: str | None = None
    person_id: int | None = None
    verifiers: list[int] | None = None
    supplier_invoice_number: str | None = None


class BankPaymentEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal
    paymentDate: date | None = None
