"""An example second ``TaimerAdapter`` implementation, for the conformance suite: no HTTP, straight onto an in-memory
``TaimerStore`` (the Taimer sandbox's state object). It shows what a writer of another implementation supplies:
the adapter class and a backend (``make_backend``) that loads, inspects and edits the installation.

Run the suite against it alone:
``TAIMER_CONFORMANCE_BACKEND=tests/integration/taimer_conformance/store_backend.py:make_backend
.venv/bin/pytest tests/integration/taimer_conformance``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from sandboxes.seed.attachments import iter_blob
from sandboxes.taimer.datasets import TaimerDataset, default_dataset
from sandboxes.taimer.state import SandboxError, TaimerStore
from taimer_procountor.taimer.adapter import REFERENCE_ITEM_MODELS, ReferenceItem
from taimer_procountor.taimer.errors import (
    TaimerAttachmentUnavailableError,
    TaimerError,
    TaimerNotFoundError,
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

M = TypeVar("M", bound=BaseModel)
PAGE = 50


def _typed(exc: SandboxError) -> TaimerError:
    if exc.code == TaimerAttachmentUnavailableError.code:
        return TaimerAttachmentUnavailableError(exc.message, field=exc.field)
    if exc.status == 404:
        return TaimerNotFoundError(exc.message, field=exc.field)
    return TaimerValidationError(exc.message, field=exc.field)


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except SandboxError as exc:
        raise _typed(exc) from None


class StoreTaimerAdapter:
    """``TaimerAdapter`` over a ``TaimerStore`` in this process."""

    def __init__(self, store: TaimerStore) -> None:
        self.store = store

    def _pages(self, fetch: Callable[[str | None, int], tuple[list[dict[str, Any]], str | None]], model: type[M]):
        cursor: str | None = None
        while True:
            items, cursor = _call(fetch, cursor, PAGE)
            for item in items:
                yield model.model_validate(item)
            if cursor is None:
                return

    def _register(self, collection: str, model: type[M]) -> Iterator[M]:
        return self._pages(lambda c, n: self.store.page_of(collection, c, n), model)

    def get_company_settings(self) -> CompanySettings:
        return CompanySettings.model_validate(self.store.company())

    def iter_users(self) -> Iterator[User]:
        return self._register("users", User)

    def get_customer(self, customer_id: str) -> Customer:
        return Customer.model_validate(_call(self.store.customer, customer_id))

    def iter_projects(self) -> Iterator[Project]:
        return self._register("projects", Project)

    def iter_products(self) -> Iterator[Product]:
        return self._register("products", Product)

    def iter_work_types(self) -> Iterator[WorkType]:
        return self._register("work_types", WorkType)

    def _documents(self, kind: DocumentKind, page_size: int, **filters: Any) -> Iterator[DocumentSummary]:
        def fetch(cursor: str | None, _: int) -> tuple[list[dict[str, Any]], str | None]:
            return self.store.list_documents(kind, cursor=cursor, limit=page_size, **filters)

        return self._pages(fetch, DocumentSummary)

    def iter_ready(self, kind: DocumentKind, *, page_size: int = 100) -> Iterator[DocumentSummary]:
        return self._documents(kind, page_size, sync_states=[SyncState.READY])

    def iter_changed_since(
        self, kind: DocumentKind, since: datetime, *, page_size: int = 100
    ) -> Iterator[DocumentSummary]:
        return self._documents(kind, page_size, changed_since=since if since.tzinfo else since.replace(tzinfo=UTC))

    def get_document(self, kind: DocumentKind, document_id: str) -> TaimerDocument:
        return DOCUMENT_MODELS[kind].model_validate(_call(self.store.document, kind, document_id))  # type: ignore[return-value]

    def iter_attachment_content(self, attachment_id: str, *, chunk_size: int = 65536) -> Iterator[bytes]:
        blob = _call(self.store.attachment_blob, attachment_id)
        pending = b""
        for part in iter_blob(blob, chunk_size):  # parts are "about" chunk_size: cut them to at most chunk_size
            pending += part
            while len(pending) >= chunk_size:
                yield pending[:chunk_size]
                pending = pending[chunk_size:]
        if pending:
            yield pending

    def write_back(self, kind: DocumentKind, document_id: str, update: IntegrationUpdate) -> IntegrationStatus:
        return IntegrationStatus.model_validate(_call(self.store.write_back, kind, document_id, update))

    def upsert_bill(self, bill: BillUpsert) -> BillUpsertResult:
        doc, created = _call(self.store.upsert_bill, bill.procountor_id, bill)
        return BillUpsertResult.model_validate({"bill": doc, "created": created})

    def iter_approvals_to_push(self) -> Iterator[ApprovalToPush]:
        return self._pages(self.store.approvals_to_push, ApprovalToPush)

    def write_reference(self, kind: ReferenceKind, items: Sequence[ReferenceItem]) -> ReferenceWriteResult:
        model = REFERENCE_ITEM_MODELS[kind]
        for pos, item in enumerate(items):
            if not isinstance(item, model):
                raise TaimerValidationError(f"{kind.value} item {pos} is not a {model.__name__}", field=f"items[{pos}]")
        return _call(self.store.write_reference, kind, [item.model_dump(mode="json") for item in items])


class StoreBackend:
    """The conformance suite's backend for ``StoreTaimerAdapter``."""

    def __init__(self) -> None:
        self.store = TaimerStore(default_dataset())

    def adapter(self) -> StoreTaimerAdapter:
        return StoreTaimerAdapter(self.store)

    def load(self, dataset: TaimerDataset) -> None:
        self.store.load(dataset)

    def state(self) -> TaimerDataset:
        return TaimerDataset.model_validate(self.store.dump())

    def edit_document(self, kind: DocumentKind, document_id: str, fields: dict[str, Any]) -> None:
        self.store.edit_document(kind, document_id, fields)

    def close(self) -> None:
        pass


def make_backend() -> StoreBackend:
    return StoreBackend()
