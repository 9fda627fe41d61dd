"""Typed errors of the Procountor client, each mapped to a catalogue code (``taimer_procountor.errors``).

- ``ProcountorUnauthorized`` (``PROCOUNTOR_UNAUTHORIZED``): 401 after one re-login, or the token endpoint refused.
- ``ProcountorForbidden`` (``PROCOUNTOR_FORBIDDEN``): 403, missing rights or a status transition not allowed.
- ``ProcountorNotFound`` (``PROCOUNTOR_NOT_FOUND``): 404.
- ``ProcountorValidationError``: 400 and other 4xx, with ``errors`` [{status, field, message}]; ``code`` is the first
  item's Procountor code (e.g. ``ERROR_VATSTATUS_VATPERC``) or ``PROCOUNTOR_VALIDATION``.
- ``ProcountorRateLimited`` (``PROCOUNTOR_RATE_LIMITED``): 429, after retries for safe calls.
- ``ProcountorServerError`` (``PROCOUNTOR_SERVER_ERROR``): 5xx on a safe call after retries; JSON or HTML body.
- ``ProcountorUnreachable`` (``PROCOUNTOR_UNREACHABLE``): refused, DNS, timeout (safe call, or nothing was sent).
- ``ProcountorOutcomeUnknown`` (``PROCOUNTOR_OUTCOME_UNKNOWN``): an unsafe call (POST /invoices, POST /attachments,
  versioned PUT, markpaid) was sent and then timed out, dropped or got a 5xx.
- ``ProcountorMalformedAnswer`` (``PROCOUNTOR_MALFORMED_ANSWER``): a 2xx answer that is not JSON, or not the API's
  shape; names the failing fields, never values.
- ``ProcountorPagingRunaway`` (``PROCOUNTOR_PAGING_RUNAWAY``): a paged search that repeats a page or exceeds
  ``max_pages``.

Every error carries ``status`` (HTTP status or None), ``field`` and ``procountor_code`` (of the first error item),
``errors`` (all items), ``method`` and ``path``; ``retryable`` comes from the catalogue entry. Texts are redacted.
``to_document_errors()`` turns the error into ``DocumentError`` s for the ledger and the run report.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from taimer_procountor.errors import CodedError, DocumentError
from taimer_procountor.http import HttpStatusError, OutcomeUnknownError, TransportError, UnreachableError
from taimer_procountor.http.answers import MalformedAnswer, decode_json
from taimer_procountor.redaction import redact

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")


def looks_like_code(message: str | None) -> bool:
    """True for Procountor validation codes such as ``ERROR_VATSTATUS_VATPERC`` (not for sentences)."""
    return bool(message and _CODE_RE.match(message.strip()))


@dataclass(frozen=True)
class ProcountorErrorItem:
    """One ``{status, field, message}`` item; ``code`` is ``message`` when that is a Procountor code."""

    status: int | None
    field: str | None
    message: str | None

    @property
    def code(self) -> str | None:
        return self.message.strip() if self.message and looks_like_code(self.message) else None

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "field": self.field, "message": self.message}


class ProcountorError(CodedError):
    """Base class of everything the Procountor client raises; ``code`` is ``default_code`` unless given."""

    default_code = "PROCOUNTOR_VALIDATION"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: list[ProcountorErrorItem] | None = None,
        method: str | None = None,
        path: str | None = None,
        code: str | None = None,
        body: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.errors = list(errors or [])
        self.method = method
        self.path = redact(path) if path else path
        self.body = redact(body) if body else body
        self.retry_after = retry_after
        first = self.errors[0] if self.errors else None
        self.procountor_code = first.code if first else None
        super().__init__(code or self.default_code, message, field=first.field if first else None)
        self.message = self.detail

    def __str__(self) -> str:
        return self.message

    def to_document_errors(self) -> list[DocumentError]:
        """One ``DocumentError`` per error item (or one for the whole error), for the ledger and the report."""
        if not self.errors:
            return super().to_document_errors()
        out = []
        for item in self.errors:
            code = item.code or self.default_code
            detail = None if item.code else redact(item.message or "")
            out.append(DocumentError(code, item.field, detail or None))
        return out


class ProcountorUnauthorized(ProcountorError):
    default_code = "PROCOUNTOR_UNAUTHORIZED"


class ProcountorForbidden(ProcountorError):
    default_code = "PROCOUNTOR_FORBIDDEN"


class ProcountorNotFound(ProcountorError):
    default_code = "PROCOUNTOR_NOT_FOUND"


class ProcountorValidationError(ProcountorError):
    default_code = "PROCOUNTOR_VALIDATION"


class ProcountorRateLimited(ProcountorError):
    default_code = "PROCOUNTOR_RATE_LIMITED"


class ProcountorServerError(ProcountorError):
    default_code = "PROCOUNTOR_SERVER_ERROR"


class ProcountorUnreachable(ProcountorError):
    default_code = "PROCOUNTOR_UNREACHABLE"


class ProcountorOutcomeUnknown(ProcountorError):
    """The request may or may not have taken effect. Look the result up (``find_by_original_number``) before
    sending it again."""

    default_code = "PROCOUNTOR_OUTCOME_UNKNOWN"


class ProcountorMalformedAnswer(ProcountorError):
    """Procountor answered something that does not match its API (not JSON, a wrong type, an unbounded number or
    string...). The text names fields, never values (``taimer_procountor.http.answers``)."""

    default_code = "PROCOUNTOR_MALFORMED_ANSWER"

    def __init__(self, message: str, *, fields: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.fields = fields
        super().__init__(message, **kwargs)


class ProcountorPagingRunaway(ProcountorError):
    """A paged search that does not end: a page repeated, keyset paging made no progress, or more pages than the
    client's ``max_pages``."""

    default_code = "PROCOUNTOR_PAGING_RUNAWAY"


# --- parsing error bodies ---------------------------------------------------------------------------------------

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")


def parse_error_body(body: str | None, status: int | None) -> tuple[list[ProcountorErrorItem], str]:
    """Error items and a one-line summary from a Procountor error body: the JSON ``{"errors": [...]}`` shape, the
    legacy ``{"constraintViolations": [...]}``, an OAuth ``{"error", "error_description"}``, or HTML (nginx 5xx)."""
    text = (body or "").strip()
    if not text:
        return [], "(empty body)"
    if text[:1] in "{[":
        try:
            data = decode_json(text)
        except MalformedAnswer:
            data = None
        if isinstance(data, dict):
            items: list[ProcountorErrorItem] = []
            for raw in _list_or_empty(data.get("errors")):
                if isinstance(raw, dict):
                    items.append(
                        ProcountorErrorItem(
                            _int_or(raw.get("status"), status),
                            _text_or_none(raw.get("field")),
                            _text_or_none(raw.get("message")),
                        )
                    )
            for raw in _list_or_empty(data.get("constraintViolations")):
                if isinstance(raw, dict):
                    items.append(
                        ProcountorErrorItem(
                            status, _text_or_none(raw.get("field")), _text_or_none(raw.get("errorCode"))
                        )
                    )
            if "error" in data and not items:
                msg = str(data.get("error_description") or data.get("error"))
                items.append(ProcountorErrorItem(status, None, msg))
            if items:
                summary = "; ".join(f"{i.field}: {i.message}" if i.field else f"{i.message}" for i in items[:5])
                return items, summary
        return [], " ".join(text.split())[:300]
    if "<" in text:
        match = _TITLE_RE.search(text) or _H1_RE.search(text)
        raw_msg = match.group(1) if match else _TAG_RE.sub(" ", text)
        summary = " ".join(html.unescape(_TAG_RE.sub(" ", raw_msg)).split())[:300] or "(HTML body)"
        return [ProcountorErrorItem(status, None, summary)], summary
    summary = " ".join(text.split())[:300]
    return [ProcountorErrorItem(status, None, summary)], summary


def _list_or_empty(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text_or_none(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _int_or(value: Any, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def from_transport(exc: TransportError, path: str) -> ProcountorError:
    """The typed Procountor error for a transport failure of a call to ``path``."""
    method = exc.method
    if isinstance(exc, OutcomeUnknownError):
        items, summary = parse_error_body(exc.body, exc.status) if exc.status else ([], "")
        what = f"HTTP {exc.status}: {summary}" if exc.status else str(exc)
        return ProcountorOutcomeUnknown(
            f"{method} {path}: outcome unknown ({what}); look the result up before sending again",
            status=exc.status,
            errors=items,
            method=method,
            path=path,
            body=exc.body,
        )
    if isinstance(exc, UnreachableError):
        return ProcountorUnreachable(f"{method} {path}: Procountor unreachable: {exc}", method=method, path=path)
    if isinstance(exc, HttpStatusError) and exc.status is not None:
        status = exc.status
        items, summary = parse_error_body(exc.body, status)
        kwargs: dict[str, Any] = {
            "status": status,
            "errors": items,
            "method": method,
            "path": path,
            "body": exc.body,
            "retry_after": exc.retry_after,
        }
        text = f"{method} {path} -> HTTP {status}: {summary}"
        if status == 401:
            return ProcountorUnauthorized(text, **kwargs)
        if status == 403:
            return ProcountorForbidden(text, **kwargs)
        if status == 404:
            return ProcountorNotFound(text, **kwargs)
        if status == 429:
            return ProcountorRateLimited(text, **kwargs)
        if status >= 500:
            return ProcountorServerError(text, **kwargs)
        first_code = next((i.code for i in items if i.code), None)
        return ProcountorValidationError(text, code=_catalogued_or(first_code), **kwargs)
    return ProcountorError(f"{method} {path}: {exc}", method=method, path=path)


def _catalogued_or(code: str | None) -> str | None:
    """A Procountor code is used as the error's code even if the catalogue does not know it yet (``lookup`` gives
    it a generic entry), so nothing is lost from the report."""
    return code
