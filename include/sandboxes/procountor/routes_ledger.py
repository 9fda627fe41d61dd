"""Ledger receipts: read, full update with version, per-transaction dimensions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandboxes.procountor.errors import ApiError, err
from sandboxes.procountor.http import read_json, respond
from sandboxes.procountor.rules import validate_dimension_values, validate_transactions

router = APIRouter()


@router.get("/api/ledgerreceipts/{receipt_id}")
async def get_receipt(receipt_id: int, request: Request) -> Response:
    return respond(request, "LedgerReceipt", request.app.state.sandbox.state.get_receipt(receipt_id))


@router.put("/api/ledgerreceipts/{receipt_id}")
async def put_receipt(receipt_id: int, request: Request) -> Response:
    sb = request.app.state.sandbox
    body = await read_json(request, "LedgerReceipt")
    sb.state.get_receipt(receipt_id)
    errors = validate_transactions(body, sb.state.ref)
    if errors:
        raise ApiError(400, errors)
    return respond(request, "LedgerReceipt", sb.state.update_receipt(receipt_id, body))


@router.put("/api/ledgerreceipts/{receipt_id}/transactions/{transaction_id}/dimensions")
async def put_dimensions(receipt_id: int, transaction_id: int, request: Request) -> Response:
    sb = request.app.state.sandbox
    body = await read_json(request, "DimensionItemValueList")
    n, tx = sb.state.transaction_index(receipt_id, transaction_id)
    errors = []
    if not sb.state.ref.account_active(tx["account"]):
        errors.append(err(f"transactions[{n}].account", "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION"))
    errors += validate_dimension_values(
        body["dimensionItemValues"], tx["accountingValue"], sb.state.ref, f"transactions[{n}].dimensionItemValues"
    )
    if errors:
        raise ApiError(400, errors)
    receipt = sb.state.set_dimensions(receipt_id, transaction_id, body["dimensionItemValues"])
    return respond(request, "LedgerReceipt", receipt)
