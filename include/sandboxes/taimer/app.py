"""The Taimer sandbox: a local server that speaks the project's Taimer REST contract (``/api/v1``).

Taimer publishes no API; this server is the reference implementation of the contract that
``taimer_procountor.taimer.rest.TaimerRestAdapter`` uses (docs/taimer-adapter.md). FastAPI serves its OpenAPI
document at ``/openapi.json`` and ``/docs``. The control API under ``/_control`` loads and inspects state and
injects faults (docs/ENGINEERING.md).
"""

# No ``from __future__ import annotations`` here: FastAPI must evaluate the annotations of the routes defined inside
# ``create_app`` (they use local aliases such as ``Limit``), which string annotations would hide from it.

import base64
import binascii
import hmac
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import APIKeyHeader

from sandboxes.faults import FaultEngine, RequestLog, add_fault_control_routes
from sandboxes.taimer.datasets import TaimerDataset
from sandboxes.taimer.faults import TaimerFaultGateway, new_engine
from sandboxes.taimer.settings import TaimerSandboxSettings
from sandboxes.taimer.state import SandboxError, TaimerStore
from taimer_procountor.taimer.contract import (
    API_KEY_HEADER,
    API_PREFIX,
    DEFAULT_PAGE_SIZE,
    KIND_PATHS,
    REFERENCE_PATHS,
    ErrorBody,
    Page,
    ReferenceSet,
)
from taimer_procountor.taimer.models import (
    DOCUMENT_MODELS,
    ApprovalToPush,
    Attachment,
    BillUpsert,
    BillUpsertResult,
    CompanySettings,
    Customer,
    DocumentKind,
    DocumentSummary,
    IntegrationStatus,
    IntegrationUpdate,
    Product,
    Project,
    ReferenceKind,
    ReferenceWriteResult,
    SyncState,
    User,
    WorkType,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "missing or wrong X-API-Key"},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


def _encode_cursor(key: str | None) -> str | None:
    return None if key is None else base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise SandboxError(422, "TAIMER_VALIDATION", "cursor is not one this server handed out", "cursor") from exc


def _page(items: list[dict[str, Any]], next_key: str | None) -> JSONResponse:
    return JSONResponse({"items": items, "next_cursor": _encode_cursor(next_key)})


def create_app(settings: TaimerSandboxSettings | None = None) -> FastAPI:
    """The sandbox app. ``settings`` default to the environment (``TaimerSandboxSettings()``)."""
    settings = settings or TaimerSandboxSettings()
    store = TaimerStore(settings.initial_dataset())
    faults = new_engine()
    request_log = RequestLog(settings.request_log_size)
    api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="the Taimer API key")

    def require_key(key: Annotated[str | None, Depends(api_key_header)]) -> None:
        if not key or not hmac.compare_digest(key.encode(), settings.api_key.encode()):
            raise SandboxError(401, "TAIMER_UNAUTHORIZED", f"missing or wrong {API_KEY_HEADER} header")

    def limit_param(limit: int = Query(DEFAULT_PAGE_SIZE, ge=1)) -> int:
        if limit > settings.max_page_size:
            raise SandboxError(422, "TAIMER_VALIDATION", f"limit must be at most {settings.max_page_size}", "limit")
        return limit

    Limit = Annotated[int, Depends(limit_param)]
    Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]

    app = FastAPI(
        title="Taimer sandbox",
        version="1.0.0",
        description="The Taimer REST contract of the Taimer ⇄ Procountor sync (Taimer itself publishes no API).",
    )
    app.state.store = store
    app.state.faults = faults
    app.state.request_log = request_log
    app.state.settings = settings

    @app.exception_handler(SandboxError)
    async def sandbox_error(_: Request, exc: SandboxError) -> JSONResponse:
        body = {"error": {"code": exc.code, "message": exc.message, "field": exc.field}}
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        message = f"{first.get('msg', 'invalid request')}" + (f" ({len(exc.errors())} errors)" if exc.errors() else "")
        body = {"error": {"code": "TAIMER_VALIDATION", "message": message, "field": field}}
        return JSONResponse(body, status_code=422)

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_key)], responses=ERRORS)

    @api.get("/company", response_model=CompanySettings, tags=["registers"])
    def get_company() -> JSONResponse:
        return JSONResponse(store.company())

    for collection, path, model in (
        ("users", "users", User),
        ("customers", "customers", Customer),
        ("projects", "projects", Project),
        ("products", "products", Product),
        ("work_types", "work-types", WorkType),
    ):

        def list_register(limit: Limit, cursor: Cursor = None, _collection: str = collection) -> JSONResponse:
            return _page(*store.page_of(_collection, _decode_cursor(cursor), limit))

        api.add_api_route(
            f"/{path}",
            list_register,
            methods=["GET"],
            response_model=Page[model],  # type: ignore[valid-type]
            tags=["registers"],
            name=f"list_{collection}",
        )

    @api.get("/customers/{customer_id}", response_model=Customer, tags=["registers"])
    def get_customer(customer_id: str) -> JSONResponse:
        return JSONResponse(store.customer(customer_id))

    @api.get("/bills/approvals-to-push", response_model=Page[ApprovalToPush], tags=["bills"])
    def approvals_to_push(limit: Limit, cursor: Cursor = None) -> JSONResponse:
        """Inbound bills approved in Taimer with "Hyväksy Procountorissa" (approval_state approve_in_procountor)."""
        return _page(*store.approvals_to_push(_decode_cursor(cursor), limit))

    @api.put(
        "/bills/by-procountor-id/{procountor_id}",
        response_model=BillUpsertResult,
        tags=["bills"],
        responses={201: {"model": BillUpsertResult, "description": "created"}},
    )
    def upsert_bill(procountor_id: int, bill: BillUpsert) -> JSONResponse:
        """Create or update the inbound bill with this Procountor id (idempotent)."""
        doc, created = store.upsert_bill(procountor_id, bill)
        return JSONResponse({"bill": doc, "created": created}, status_code=201 if created else 200)

    for kind, path in KIND_PATHS.items():

        def list_docs(
            limit: Limit,
            cursor: Cursor = None,
            sync_state: Annotated[list[SyncState] | None, Query()] = None,
            changed_since: Annotated[datetime | None, Query(description="ISO 8601, with offset")] = None,
            _kind: DocumentKind = kind,
        ) -> JSONResponse:
            items, next_key = store.list_documents(
                _kind,
                sync_states=sync_state or (),
                changed_since=changed_since,
                cursor=_decode_cursor(cursor),
                limit=limit,
            )
            return _page(items, next_key)

        def get_doc(document_id: str, _kind: DocumentKind = kind) -> JSONResponse:
            return JSONResponse(store.document(_kind, document_id))

        def patch_integration(
            document_id: str, update: Annotated[IntegrationUpdate, Body()], _kind: DocumentKind = kind
        ) -> JSONResponse:
            return JSONResponse(store.write_back(_kind, document_id, update))

        tag = kind.value
        api.add_api_route(
            f"/{path}", list_docs, methods=["GET"], response_model=Page[DocumentSummary], tags=[tag], name=f"list_{tag}"
        )
        api.add_api_route(
            f"/{path}/{{document_id}}",
            get_doc,
            methods=["GET"],
            response_model=DOCUMENT_MODELS[kind],
            tags=[tag],
            name=f"get_{tag}",
        )
        api.add_api_route(
            f"/{path}/{{document_id}}/integration",
            patch_integration,
            methods=["PATCH"],
            response_model=IntegrationStatus,
            tags=[tag],
            name=f"write_back_{tag}",
        )

    @api.get("/attachments/{attachment_id}", response_model=Attachment, tags=["attachments"])
    def get_attachment(attachment_id: str) -> JSONResponse:
        return JSONResponse(store.attachment(attachment_id).model_dump(mode="json"))

    @api.get(
        "/attachments/{attachment_id}/content",
        tags=["attachments"],
        response_class=StreamingResponse,
        responses={200: {"content": {"application/octet-stream": {}}}, 409: {"model": ErrorBody}},
    )
    def get_attachment_content(attachment_id: str) -> StreamingResponse:
        """The attachment's bytes, always ``application/octet-stream``: Taimer's claimed type is not trusted."""
        att = store.attachment(attachment_id)
        blob = store.attachment_blob(attachment_id)
        from sandboxes.seed.attachments import blob_size, iter_blob

        headers = {
            "Content-Length": str(blob_size(blob)),
            "Content-Disposition": f'attachment; filename="{att.name.encode("ascii", "replace").decode()}"',
        }
        return StreamingResponse(iter_blob(blob, 1 << 16), media_type="application/octet-stream", headers=headers)

    for ref_kind, path in REFERENCE_PATHS.items():

        def get_reference(_kind: ReferenceKind = ref_kind) -> JSONResponse:
            return JSONResponse({"items": store.reference(_kind)})

        def put_reference(body: ReferenceSet, _kind: ReferenceKind = ref_kind) -> JSONResponse:
            """Replace the whole set of this kind; answers what was created, updated, unchanged and removed."""
            return JSONResponse(store.write_reference(_kind, body.items).model_dump(mode="json"))

        api.add_api_route(
            f"/reference/{path}",
            get_reference,
            methods=["GET"],
            response_model=ReferenceSet,
            tags=["reference"],
            name=f"get_reference_{ref_kind.value}",
        )
        api.add_api_route(
            f"/reference/{path}",
            put_reference,
            methods=["PUT"],
            response_model=ReferenceWriteResult,
            tags=["reference"],
            name=f"put_reference_{ref_kind.value}",
        )

    app.include_router(api)
    _control_routes(app, store, faults, request_log)
    app.add_middleware(
        TaimerFaultGateway,
        engine=faults,
        request_log=request_log,
        api_prefix=API_PREFIX + "/",
        timeout_seconds=settings.timeout_fault_seconds,
    )
    return app


def _control_routes(app: FastAPI, store: TaimerStore, faults: FaultEngine, request_log: RequestLog) -> None:
    control = APIRouter(prefix="/_control", tags=["control"])

    @control.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "service": "taimer-sandbox", "counts": store.counts()}

    @control.post("/reset")
    def reset() -> dict[str, Any]:
        """Back to the start dataset; clears faults, the request log and stats."""
        faults.reset()
        request_log.clear()
        return {"status": "reset", "counts": store.reset()}

    @control.post("/fixture")
    def fixture(dataset: TaimerDataset) -> dict[str, Any]:
        """Replace the state with a ``TaimerDataset`` (e.g. from ``python -m sandboxes.seed``)."""
        return {"status": "loaded", "counts": store.load(dataset)}

    @control.get("/state")
    def state(include_blobs: bool = False) -> JSONResponse:
        return JSONResponse(store.dump(include_blobs=include_blobs))

    @control.get("/stats")
    def stats() -> dict[str, Any]:
        counts = request_log.counts()
        return {
            "requests_total": counts["requests_total"],
            "requests_by_status": counts["requests_by_status"],
            "requests": counts["requests_by_method_status"],  # {"GET 200": n, ...}
            "faults_fired": faults.fired_counts(),
            "rules": len(faults.list()),
        }

    # POST/GET/DELETE /faults, DELETE /faults/{id}, GET /requests: the shape every sandbox shares (sandboxes.faults).
    add_fault_control_routes(control, lambda _: faults, lambda _: request_log.entries())

    @control.patch("/documents/{kind}/{document_id}")
    def edit_document(kind: DocumentKind, document_id: str, fields: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        """Simulate a user editing a document in Taimer: merge top-level fields, bump ``updated_at``."""
        return JSONResponse(store.edit_document(kind, document_id, fields))

    app.include_router(control)
