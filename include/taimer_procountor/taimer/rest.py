"""``TaimerRestAdapter``: the ``TaimerAdapter`` over the project's Taimer REST contract (docs/taimer-adapter.md).

It takes a ``requests.Session`` (Airflow's ``TaimerHook`` builds one from the ``taimer_default`` connection; plain
library use passes ``requests.Session()``) and sends everything through the shared ``HttpTransport``: one rate
limiter, explicit timeouts, retries only for safe calls, redacted errors. It imports nothing from Airflow.

Which calls are retried: every GET; ``upsert_bill`` and the reference ``PUT``s (idempotent by design: same input,
same end state). ``write_back`` is a ``PATCH`` and is not retried after it was sent: a 5xx, timeout or dropped
connection raises ``TaimerOutcomeUnknownError`` and the ledger decides whether to write again.

Every answer is read defensively (``taimer_procountor.http.answers``): a body that is not bounded JSON, a value of
the wrong shape or one that does not fit its model raises ``TaimerMalformedAnswerError`` naming the fields, never the
values; a listing whose ``next_cursor`` repeats, or that runs past ``max_pages`` pages, raises ``TaimerPagingError``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel

from taimer_procountor.http import (
    HttpStatusError,
    HttpTransport,
    OutcomeUnknownError,
    RateLimiter,
    RetryPolicy,
    Timeouts,
    TransportError,
    UnreachableError,
)
from taimer_procountor.http.answers import MalformedAnswer, decode_json, expect_list, expect_object, validate_answer
from taimer_procountor.redaction import get_logger, redact, register_secret
from taimer_procountor.taimer.adapter import REFERENCE_ITEM_MODELS, ReferenceItem
from taimer_procountor.taimer.contract import (
    API_KEY_HEADER,
    DEFAULT_PAGE_SIZE,
    KIND_PATHS,
    REFERENCE_PATHS,
)
from taimer_procountor.taimer.errors import (
    TaimerAttachmentUnavailableError,
    TaimerAuthError,
    TaimerError,
    TaimerMalformedAnswerError,
    TaimerNotFoundError,
    TaimerOutcomeUnknownError,
    TaimerPagingError,
    TaimerRateLimitedError,
    TaimerServerError,
    TaimerUnreachableError,
    TaimerValidationError,
)
from taimer_procountor.taimer.models import (
    DOCUMENT_MODELS,
    ApprovalToPush,
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
    TaimerDocument,
    User,
    WorkType,
)

log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

DEFAULT_RATE_PER_SECOND = 10.0
# A listing longer than this many pages is taken for a runaway (at the default page size: a million items).
DEFAULT_MAX_PAGES = 10_000
MAX_CURSOR_LENGTH = 1024


class TaimerRestAdapter:
    """The REST implementation of ``TaimerAdapter``.

    ``base_url`` is the API root including ``/api/v1`` (e.g. ``http://127.0.0.1:8701/api/v1``). ``api_key`` is sent
    in ``X-API-Key`` on every call and registered as a secret at once. ``max_pages`` bounds every listing.
    """

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        api_key: str,
        *,
        limiter: RateLimiter | None = None,
        rate_per_second: float | None = DEFAULT_RATE_PER_SECOND,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        if not api_key:
            raise TaimerAuthError("no Taimer API key configured (connection password is empty)")
        register_secret(api_key)
        if limiter is None and rate_per_second:
            limiter = RateLimiter(rate_per_second)
        self._headers = {API_KEY_HEADER: api_key, "Accept": "application/json"}
        self.transport = HttpTransport(
            session, base_url, limiter=limiter, timeouts=timeouts or Timeouts(), retry=retry, logger=log
        )
        self.page_size = page_size
        self.max_pages = max_pages

    def __repr__(self) -> str:
        return f"TaimerRestAdapter(base_url={self.transport.base_url!r})"

    # ----------------------------------------------------------------------------------------------- plumbing
    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.transport.send(method, path, headers=self._headers, **kwargs)
        except TransportError as exc:
            raise _translate(exc) from None

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        try:
            return decode_json(response.content)
        except MalformedAnswer as exc:
            raise _malformed(method, path, exc, status=response.status_code) from None

    def _model(self, model: type[M], data: Any, where: str) -> M:
        """``data`` validated as ``model``; ``TaimerMalformedAnswerError`` naming the fields if it does not fit."""
        try:
            return validate_answer(model, data)
        except MalformedAnswer as exc:
            raise _malformed(None, where, exc) from None

    def _pages(self, path: str, params: dict[str, Any] | None = None, page_size: int | None = None) -> Iterator[Any]:
        """Yield the raw items of every page of a keyset-paged listing, fetching one page at a time. Stops with
        ``TaimerPagingError`` on a cursor seen before or after ``max_pages`` pages."""
        cursor: str | None = None
        seen: set[str] = set()
        pages = 0
        while True:
            query: dict[str, Any] = {**(params or {}), "limit": page_size or self.page_size}
            if cursor:
                query["cursor"] = cursor
            body = self._json("GET", path, params=query)
            pages += 1
            try:
                page = expect_object(body, "the page")
                items = expect_list(page.get("items", []), "items")
                cursor = page.get("next_cursor")
                if cursor is not None and (not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH):
                    raise MalformedAnswer(f"next_cursor is not a string of at most {MAX_CURSOR_LENGTH} characters")
            except MalformedAnswer as exc:
                raise _malformed("GET", path, exc) from None
            yield from items
            if not cursor:
                return
            if cursor in seen:
                raise TaimerPagingError(
                    f"GET {path}: page {pages} gave a next_cursor already seen; the listing would never end",
                    field="next_cursor",
                )
            if pages >= self.max_pages:
                raise TaimerPagingError(
                    f"GET {path}: more than {self.max_pages} pages (max_pages); stopped as a runaway listing",
                    field="next_cursor",
                )
            seen.add(cursor)

    def _iter_models(self, path: str, model: type[M], **kwargs: Any) -> Iterator[M]:
        for position, item in enumerate(self._pages(path, **kwargs)):
            yield self._model(model, item, f"GET {path} item {position}")

    # ----------------------------------------------------------------------------------------------- registers
    def get_company_settings(self) -> CompanySettings:
        return self._model(CompanySettings, self._json("GET", "/company"), "GET /company")

    def iter_users(self) -> Iterator[User]:
        return self._iter_models("/users", User)

    def get_customer(self, customer_id: str) -> Customer:
        path = f"/customers/{_seg(customer_id)}"
        return self._model(Customer, self._json("GET", path), f"GET {path}")

    def iter_projects(self) -> Iterator[Project]:
        return self._iter_models("/projects", Project)

    def iter_products(self) -> Iterator[Product]:
        return self._iter_models("/products", Product)

    def iter_work_types(self) -> Iterator[WorkType]:
        return self._iter_models("/work-types", WorkType)

    # ----------------------------------------------------------------------------------------------- documents
    def iter_ready(self, kind: DocumentKind, *, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[DocumentSummary]:
        params = {"sync_state": SyncState.READY.value}
        return self._iter_models(f"/{KIND_PATHS[kind]}", DocumentSummary, params=params, page_size=page_size)

    def iter_changed_since(
        self, kind: DocumentKind, since: datetime, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[DocumentSummary]:
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        params = {"changed_since": since.isoformat()}
        return self._iter_models(f"/{KIND_PATHS[kind]}", DocumentSummary, params=params, page_size=page_size)

    def get_document(self, kind: DocumentKind, document_id: str) -> TaimerDocument:
        path = f"/{KIND_PATHS[kind]}/{_seg(document_id)}"
        return self._model(DOCUMENT_MODELS[kind], self._json("GET", path), f"GET {path}")  # type: ignore[return-value]

    def iter_attachment_content(self, attachment_id: str, *, chunk_size: int = 65536) -> Iterator[bytes]:
        """Streamed: at most ``chunk_size`` bytes are held at a time, however large the attachment. Getting the
        answer is retried like any GET; once the body flows, a broken connection raises ``TaimerUnreachableError``
        (read the attachment again from the start)."""
        path = f"/attachments/{_seg(attachment_id)}/content"
        response = self._send("GET", path, stream=True)
        received = 0
        try:
            for chunk in response.iter_content(chunk_size=chunk_size):
                received += len(chunk)
                yield chunk
        except requests.RequestException as exc:
            raise TaimerUnreachableError(
                f"GET {path}: the connection broke after {received} bytes of the attachment ({type(exc).__name__}); "
                "not retried mid-body, read the attachment again"
            ) from None
        finally:
            response.close()

    def write_back(self, kind: DocumentKind, document_id: str, update: IntegrationUpdate) -> IntegrationStatus:
        body = update.model_dump(mode="json", exclude_unset=True)
        path = f"/{KIND_PATHS[kind]}/{_seg(document_id)}/integration"
        return self._model(IntegrationStatus, self._json("PATCH", path, json=body, idempotent=False), f"PATCH {path}")

    # ----------------------------------------------------------------------------------------------- inbound
    def upsert_bill(self, bill: BillUpsert) -> BillUpsertResult:
        path = f"/bills/by-procountor-id/{bill.procountor_id}"
        body = self._json("PUT", path, json=bill.model_dump(mode="json"), idempotent=True)
        return self._model(BillUpsertResult, body, f"PUT {path}")

    def iter_approvals_to_push(self) -> Iterator[ApprovalToPush]:
        return self._iter_models("/bills/approvals-to-push", ApprovalToPush)

    # ----------------------------------------------------------------------------------------------- reference
    def write_reference(self, kind: ReferenceKind, items: Sequence[ReferenceItem]) -> ReferenceWriteResult:
        model = REFERENCE_ITEM_MODELS[kind]
        payload = []
        for pos, item in enumerate(items):
            if not isinstance(item, model):
                raise TaimerValidationError(
                    f"{kind.value} item {pos} is a {type(item).__name__}, expected {model.__name__}",
                    field=f"items[{pos}]",
                )
            payload.append(item.model_dump(mode="json"))
        path = f"/reference/{REFERENCE_PATHS[kind]}"
        body = self._json("PUT", path, json={"items": payload}, idempotent=True)
        return self._model(ReferenceWriteResult, body, f"PUT {path}")


def _seg(value: str) -> str:
    """One URL path segment (ids may contain anything)."""
    return quote(str(value), safe="")


def _malformed(method: str | None, path: str, exc: MalformedAnswer, *, status: int | None = None) -> TaimerError:
    where = f"{method} {path}" if method else path
    return TaimerMalformedAnswerError(f"{where}: {exc}", status=status)


def _error_detail(exc: TransportError) -> tuple[str | None, str | None, str | None]:
    """(code, message, field) from a ``{"error": {...}}`` body, if the body is one (texts only)."""
    try:
        data = decode_json(exc.body or "")
    except MalformedAnswer:
        return None, None, None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None, None, None
    return tuple(
        v if isinstance(v, str) else None for v in (error.get("code"), error.get("message"), error.get("field"))
    )  # type: ignore[return-value]


def _translate(exc: TransportError) -> TaimerError:
    """A shared-transport error as a typed Taimer error (texts stay redacted)."""
    where = f"{exc.method} {exc.url}"
    if isinstance(exc, OutcomeUnknownError):
        return TaimerOutcomeUnknownError(f"{where}: {exc.message}", status=exc.status)
    if isinstance(exc, UnreachableError):
        return TaimerUnreachableError(f"{where}: {exc.message} (after {exc.attempts} attempt(s))")
    status = exc.status or 0
    code, message, field = _error_detail(exc) if isinstance(exc, HttpStatusError) else (None, None, None)
    text = f"{where}: {redact(message) if message else exc.message}"
    if status in (401, 403):
        return TaimerAuthError(
            f"{where}: Taimer refused the API key (HTTP {status}); check the password of the Taimer connection",
            status=status,
        )
    if code == TaimerAttachmentUnavailableError.code:
        return TaimerAttachmentUnavailableError(text, status=status, field=field)
    if status == 404:
        return TaimerNotFoundError(text, status=status, field=field)
    if status == 429:
        return TaimerRateLimitedError(f"{text} (after {exc.attempts} attempt(s))", status=status)
    if status >= 500:
        return TaimerServerError(f"{where}: HTTP {status} (after {exc.attempts} attempt(s))", status=status)
    return TaimerValidationError(text, status=status, field=field, code=None)
