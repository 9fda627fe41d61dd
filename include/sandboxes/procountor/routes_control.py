"""The control API under ``/_control`` (not part of Procountor's API; no auth, no rate limit, no faults)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from sandboxes.procountor.errors import ApiError, err
from sandboxes.procountor.faults import FaultRule
from sandboxes.procountor.fixture import ProcountorFixture
from sandboxes.procountor.http import json_response, read_json

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
async def load_fixture(request: Request) -> Response:
    body = await read_json(request)
    try:
        fixture = ProcountorFixture.model_validate(body)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    _sb(request).reset(fixture)
    return json_response({"status": "loaded", "invoices": len(fixture.invoices)})


@router.get("/state")
async def state(request: Request) -> Response:
    return json_response(_sb(request).state.snapshot())


@router.get("/requests")
async def requests_log(request: Request) -> Response:
    entries = _sb(request).request_log()
    path = request.query_params.get("path")
    if path:
        entries = [e for e in entries if path in e["path"]]
    limit = request.query_params.get("limit")
    if limit:
        entries = entries[-int(limit) :]
    return json_response(entries)


@router.get("/stats")
async def stats(request: Request) -> Response:
    return json_response(_sb(request).stats())


@router.post("/faults")
async def add_fault(request: Request) -> Response:
    body = await read_json(request)
    rules: list[Any] = body if isinstance(body, list) else [body]
    try:
        parsed = [FaultRule.model_validate(r) for r in rules]
    except ValidationError as exc:
        raise _invalid(exc) from exc
    added = [_sb(request).faults.add(r) for r in parsed]
    return json_response(added if isinstance(body, list) else added[0])


@router.get("/faults")
async def list_faults(request: Request) -> Response:
    return json_response(_sb(request).faults.list())


@router.delete("/faults")
async def clear_faults(request: Request) -> Response:
    _sb(request).faults.clear()
    return json_response({"status": "cleared"})


@router.delete("/faults/{rule_id}")
async def delete_fault(rule_id: int, request: Request) -> Response:
    if not _sb(request).faults.remove(rule_id):
        raise ApiError(404, [err(None, "Fault rule not found", 404)])
    return json_response({"status": "deleted"})


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
