"""``create_app(settings=None) -> FastAPI``: the Procountor sandbox (docs/sandbox-procountor.md)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandboxes.procountor import (
    routes_attachments,
    routes_auth,
    routes_control,
    routes_invoices,
    routes_ledger,
    routes_reference,
)
from sandboxes.procountor.errors import ApiError, err
from sandboxes.procountor.gateway import GatewayMiddleware
from sandboxes.procountor.http import json_response
from sandboxes.procountor.sandbox import Sandbox
from sandboxes.procountor.schema import ResponseSchemaError, registry, validator
from sandboxes.procountor.settings import ProcountorSandboxSettings
from taimer_procountor.redaction import get_logger, redact

log = get_logger(__name__)
_WARM = ("Invoice", "InvoiceSearchResult", "LedgerReceipt", "Attachment", "MarkInvoiceAsPaid", "PaymentEvent")


def create_app(settings: ProcountorSandboxSettings | None = None) -> FastAPI:
    settings = settings or ProcountorSandboxSettings.from_env()
    sandbox = Sandbox(settings)
    registry()
    for name in _WARM:  # compile the hot validators before the first request
        validator(name)
    app = FastAPI(title="Procountor sandbox", docs_url="/_control/docs", openapi_url="/_control/openapi.json")
    app.state.sandbox = sandbox

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return json_response({"errors": exc.errors}, exc.status)

    @app.exception_handler(ResponseSchemaError)
    async def _schema_bug(request: Request, exc: ResponseSchemaError) -> Response:
        log.error("SANDBOX BUG on %s %s: %s", request.method, request.url.path, redact(exc))
        return json_response({"errors": [err(None, f"SANDBOX BUG: {exc}", 500)]}, 500)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> Response:
        items = [err(".".join(str(p) for p in e["loc"][1:]) or None, str(e["msg"])) for e in exc.errors()]
        return json_response({"errors": items}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return json_response({"errors": [err(None, str(exc.detail), exc.status_code)]}, exc.status_code)

    for module in (routes_auth, routes_invoices, routes_ledger, routes_attachments, routes_reference, routes_control):
        app.include_router(module.router)
    app.add_middleware(GatewayMiddleware, sandbox=sandbox)
    return app
