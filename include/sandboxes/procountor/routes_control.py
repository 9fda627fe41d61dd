"""The control API under ``/_control`` (not part of Procountor's API; no auth, no rate limit, no faults)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from sandboxes.faults import add_fault_control_routes
from sandboxes.procountor.dataset import ProcountorDataset
from sandboxes.procountor.errors import ApiError, err
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
