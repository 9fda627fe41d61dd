"""Wire shapes of the Taimer REST contract (``/api/v1``), shared by the REST client and the Taimer sandbox.

The documents themselves are the models in ``taimer_procountor.taimer.models``; this module adds the envelopes:
pages, reference-set bodies and the error body. Path segments per document kind are in ``KIND_PATHS``.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from taimer_procountor.taimer.models import DocumentKind, ReferenceKind

T = TypeVar("T")

API_PREFIX = "/api/v1"
API_KEY_HEADER = "X-API-Key"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
# The most bytes one ``PUT /bills/{id}/attachments/by-procountor-id/{attachment_id}`` carries (Procountor's own
# attachment limit: what is copied from there always fits).
MAX_BILL_ATTACHMENT_BYTES = 10_000_000

KIND_PATHS: dict[DocumentKind, str] = {
    DocumentKind.SALES_INVOICE: "sales-invoices",
    DocumentKind.BILL: "bills",
    DocumentKind.EXPENSE_REPORT: "expense-reports",
    DocumentKind.TRAVEL_REPORT: "travel-reports",
}

REFERENCE_PATHS: dict[ReferenceKind, str] = {kind: kind.value.replace("_", "-") for kind in ReferenceKind}


class Page(BaseModel, Generic[T]):
    """One page of a listing. Pass ``next_cursor`` back as ``cursor`` for the next page; None means the last page.

    Paging is keyset paging on the item id (stable order), so items added or changed while a client pages through
    a listing are neither skipped nor repeated because of shifting offsets.
    """

    items: list[T] = Field(default_factory=list)
    next_cursor: str | None = None


class ReferenceSet(BaseModel):
    """Body of ``PUT /reference/{kind}`` and answer of ``GET /reference/{kind}``: the full set of one kind."""

    items: list[dict[str, Any]] = Field(default_factory=list)


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """Every non-2xx answer of ``/api/v1``: ``{"error": {"code", "message", "field"}}``."""

    error: ErrorDetail
