"""Thread-safe in-memory state of the Taimer sandbox: one ``TaimerDataset`` plus indexes.

Every public method takes the store's lock, so the FastAPI handlers (which run in a thread pool) and the control API
never see half-applied changes. Reads return JSON-ready dicts or deep copies, never the live models.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from sandboxes.taimer.datasets import TaimerDataset
from taimer_procountor.taimer.adapter import REFERENCE_ITEM_MODELS
from taimer_procountor.taimer.models import (
    ApprovalState,
    ApprovalToPush,
    Attachment,
    AttachmentBlob,
    AttachmentStorage,
    Bill,
    BillDirection,
    BillUpsert,
    DocumentKind,
    DocumentSummary,
    IntegrationStatus,
    IntegrationUpdate,
    ReferenceKind,
    ReferenceWriteResult,
    SyncState,
)

DOC_FIELDS: dict[DocumentKind, str] = {
    DocumentKind.SALES_INVOICE: "sales_invoices",
    DocumentKind.BILL: "bills",
    DocumentKind.EXPENSE_REPORT: "expense_reports",
    DocumentKind.TRAVEL_REPORT: "travel_reports",
}


class SandboxError(Exception):
    """An error the API answers as ``{"error": {"code", "message", "field"}}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def _valid_edit(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """``data`` as ``model`` if it is a document the API can serve and a client read back, else a 400 naming the
    first failing field (never its value)."""
    try:
        new = model.model_validate(data)
        wire = json.dumps(new.model_dump(mode="json"), allow_nan=False)
        model.model_validate_json(wire)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        where = ".".join(str(p) for p in errors[0]["loc"]) if errors else None
        what = ", ".join(sorted({f"{'.'.join(str(p) for p in e['loc'])} ({e['type']})" for e in errors}))
        raise SandboxError(400, "INVALID_DOCUMENT", f"the edited document is invalid: {what}", where) from None
    except ValueError as exc:
        raise SandboxError(400, "INVALID_DOCUMENT", f"the edited document cannot be served: {exc}") from None
    return new


def utcnow() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _reference_key(kind: ReferenceKind, item: BaseModel) -> str:
    data = item.model_dump(mode="json")
    if kind is ReferenceKind.ACCOUNTS:
        return str(data["number"])
    if kind is ReferenceKind.COST_CENTERS:
        return f"{data.get('dimension_id')}:{data['code']}"
    if kind is ReferenceKind.PRODUCTS:
        return str(data["procountor_product_id"])
    if kind is ReferenceKind.VAT_RATES:
        return f"{data['kind']}:{data['percent']}:{data.get('valid_from')}"
    return str(data["person_id"])


class TaimerStore:
    """The sandbox's Taimer installation."""

    def __init__(self, dataset: TaimerDataset) -> None:
        self._lock = threading.RLock()
        self._initial = dataset.model_copy(deep=True)
        self.load(dataset)

    # ----------------------------------------------------------------------------------------------- loading
    def load(self, dataset: TaimerDataset) -> dict[str, int]:
        """Replace the whole state with ``dataset`` (validated copy). Documents without ``updated_at`` get now."""
        with self._lock:
            self._data = TaimerDataset.model_validate(dataset.model_dump())
            now = utcnow()
            self._docs: dict[DocumentKind, dict[str, Any]] = {}
            self._order: dict[DocumentKind, list[str]] = {}
            self._attachments: dict[str, Attachment] = {}
            for kind, field in DOC_FIELDS.items():
                docs = getattr(self._data, field)
                index: dict[str, Any] = {}
                for doc in docs:
                    if doc.id in index:
                        raise SandboxError(422, "TAIMER_VALIDATION", f"duplicate {kind.value} id {doc.id}", "id")
                    doc.updated_at = _aware(doc.updated_at) or now
                    index[doc.id] = doc
                    for att in doc.attachments:
                        self._attachments[att.id] = att
                self._docs[kind] = index
                self._order[kind] = sorted(index)
            self._users = {u.id: u for u in self._data.users}
            self._customers = {c.id: c for c in self._data.customers}
            self._bills_by_procountor = {b.procountor_id: b for b in self._data.bills if b.procountor_id is not None}
            return self.counts()

    def reset(self) -> dict[str, int]:
        """Back to the dataset the store started with."""
        with self._lock:
            return self.load(self._initial)

    def counts(self) -> dict[str, int]:
        with self._lock:
            data = self._data
            return {
                "users": len(data.users),
                "customers": len(data.customers),
                "projects": len(data.projects),
                "products": len(data.products),
                "work_types": len(data.work_types),
                **{field: len(getattr(data, field)) for field in DOC_FIELDS.values()},
                "attachments": len(self._attachments),
                "attachment_blobs": len(data.attachment_blobs),
            }

    def dump(self, *, include_blobs: bool = False) -> dict[str, Any]:
        with self._lock:
            exclude = None if include_blobs else {"attachment_blobs"}
            return self._data.model_dump(mode="json", exclude=exclude)

    # ----------------------------------------------------------------------------------------------- registers
    def company(self) -> dict[str, Any]:
        with self._lock:
            return self._data.company.model_dump(mode="json")

    def page_of(self, collection: str, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """Keyset page of a register (users, customers, projects, products, work_types) ordered by id."""
        with self._lock:
            items = sorted(getattr(self._data, collection), key=lambda item: item.id)
            return _keyset([(item.id, item) for item in items], cursor, limit)

    def customer(self, customer_id: str) -> dict[str, Any]:
        with self._lock:
            customer = self._customers.get(customer_id)
            if customer is None:
                raise SandboxError(404, "TAIMER_NOT_FOUND", f"customer {customer_id} not found")
            return customer.model_dump(mode="json")

    # ----------------------------------------------------------------------------------------------- documents
    def _doc(self, kind: DocumentKind, doc_id: str) -> Any:
        doc = self._docs[kind].get(doc_id)
        if doc is None:
            raise SandboxError(404, "TAIMER_NOT_FOUND", f"{kind.value} {doc_id} not found")
        return doc

    def list_documents(
        self,
        kind: DocumentKind,
        *,
        sync_states: Iterable[SyncState] = (),
        changed_since: datetime | None = None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        states = set(sync_states)
        since = _aware(changed_since)
        with self._lock:
            index = self._docs[kind]
            order = self._order[kind]
            start = bisect.bisect_right(order, cursor) if cursor else 0
            out: list[dict[str, Any]] = []
            next_cursor: str | None = None
            for pos in range(start, len(order)):
                doc = index[order[pos]]
                if states and doc.integration.sync_state not in states:
                    continue
                if since is not None and (doc.updated_at is None or doc.updated_at < since):
                    continue
                if len(out) == limit:
                    next_cursor = out[-1]["id"]
                    break
                out.append(_summary(kind, doc).model_dump(mode="json"))
            return out, next_cursor

    def document(self, kind: DocumentKind, doc_id: str) -> dict[str, Any]:
        with self._lock:
            return self._doc(kind, doc_id).model_dump(mode="json")

    def write_back(self, kind: DocumentKind, doc_id: str, update: IntegrationUpdate) -> dict[str, Any]:
        with self._lock:
            doc = self._doc(kind, doc_id)
            fields = set(update.model_fields_set)
            if "approval_state" in fields:
                if kind is not DocumentKind.BILL:
                    raise SandboxError(422, "TAIMER_VALIDATION", "only bills have an approval_state", "approval_state")
                fields.discard("approval_state")
                if update.approval_state is not None:
                    doc.approval_state = update.approval_state
            status = doc.integration.model_dump()
            for name in fields:
                value = getattr(update, name)
                if name in ("linked_invoices", "errors") and value is None:
                    value = []
                status[name] = value
            status["updated_at"] = utcnow()
            doc.integration = IntegrationStatus.model_validate(status)
            if kind is DocumentKind.BILL and update.procountor_id is not None and doc.procountor_id is None:
                doc.procountor_id = update.procountor_id
                self._bills_by_procountor.setdefault(update.procountor_id, doc)
            return doc.integration.model_dump(mode="json")

    def edit_document(self, kind: DocumentKind, doc_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """A user edits the document in Taimer (control API): merge top-level fields, bump ``updated_at``.

        The merged document is validated, and must survive a JSON round trip through the API's own model (the
        models bound amounts: no ``NaN``, ``Infinity`` or ``1e999999999``), before anything is stored: an invalid
        edit raises ``SandboxError(400, "INVALID_DOCUMENT")`` and leaves the state as it was."""
        with self._lock:
            doc = self._doc(kind, doc_id)
            data = doc.model_dump(mode="json")
            data.update(fields)
            data["updated_at"] = utcnow().isoformat()
            new = _valid_edit(type(doc), data)
            if new.id != doc_id:
                raise SandboxError(400, "INVALID_DOCUMENT", "the id cannot change", "id")
            if kind is DocumentKind.BILL:
                self._replace_bill(doc, new)
            else:
                self._docs[kind][doc_id] = new
                docs = getattr(self._data, DOC_FIELDS[kind])
                docs[docs.index(doc)] = new
            for att in new.attachments:
                self._attachments[att.id] = att
            return new.model_dump(mode="json")

    # ----------------------------------------------------------------------------------------------- attachments
    def attachment(self, attachment_id: str) -> Attachment:
        with self._lock:
            att = self._attachments.get(attachment_id)
            if att is None:
                raise SandboxError(404, "TAIMER_NOT_FOUND", f"attachment {attachment_id} not found")
            return att.model_copy()

    def attachment_blob(self, attachment_id: str) -> AttachmentBlob:
        with self._lock:
            att = self.attachment(attachment_id)
            if att.storage is AttachmentStorage.GOOGLE_DRIVE or self._data.company.attachments_in_google_drive:
                raise SandboxError(
                    409,
                    "TAIMER_ATTACHMENT_UNAVAILABLE",
                    f"attachment {attachment_id} lives in Google Drive; Taimer does not hold its content",
                )
            blob = self._data.attachment_blobs.get(attachment_id)
            if blob is None:
                raise SandboxError(404, "TAIMER_ATTACHMENT_UNAVAILABLE", f"attachment {attachment_id} has no content")
            return blob.model_copy()

    # ----------------------------------------------------------------------------------------------- bills
    def upsert_bill(self, procountor_id: int, upsert: BillUpsert) -> tuple[dict[str, Any], bool]:
        if upsert.procountor_id != procountor_id:
            raise SandboxError(422, "TAIMER_VALIDATION", "procountor_id in the path and body differ", "procountor_id")
        with self._lock:
            payload = upsert.model_dump(exclude={"procountor_number"})
            existing: Bill | None = self._bills_by_procountor.get(procountor_id)
            if existing is None:
                bill_id = f"bill-p{procountor_id}"
                while bill_id in self._docs[DocumentKind.BILL]:
                    bill_id += "x"
                bill = Bill.model_validate(
                    {
                        **payload,
                        "id": bill_id,
                        "direction": BillDirection.INBOUND,
                        "updated_at": utcnow(),
                        "integration": IntegrationStatus(
                            sync_state=SyncState.RECEIVED,
                            procountor_id=procountor_id,
                            procountor_number=upsert.procountor_number,
                            procountor_status=upsert.procountor_status,
                            updated_at=utcnow(),
                        ),
                    }
                )
                self._data.bills.append(bill)
                self._docs[DocumentKind.BILL][bill_id] = bill
                bisect.insort(self._order[DocumentKind.BILL], bill_id)
                self._bills_by_procountor[procountor_id] = bill
                return bill.model_dump(mode="json"), True
            current = existing.model_dump()
            merged = {**current, **payload}
            merged["integration"] = {
                **current["integration"],
                "procountor_id": procountor_id,
                "procountor_status": upsert.procountor_status,
                "procountor_number": upsert.procountor_number or current["integration"]["procountor_number"],
            }
            if merged != current:
                merged["updated_at"] = utcnow()
                new = Bill.model_validate(merged)
                self._replace_bill(existing, new)
                return new.model_dump(mode="json"), False
            return existing.model_dump(mode="json"), False

    def _replace_bill(self, old: Bill, new: Bill) -> None:
        self._docs[DocumentKind.BILL][new.id] = new
        self._data.bills[self._data.bills.index(old)] = new
        if new.procountor_id is not None:
            self._bills_by_procountor[new.procountor_id] = new

    def approvals_to_push(self, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        with self._lock:
            rows = [
                (
                    bill_id,
                    ApprovalToPush(
                        bill_id=bill.id,
                        procountor_id=bill.procountor_id,
                        approved_by_user_id=bill.approved_by_user_id,
                        approved_at=bill.approved_at,
                    ),
                )
                for bill_id in self._order[DocumentKind.BILL]
                if _approval_pending(bill := self._docs[DocumentKind.BILL][bill_id])
            ]
            return _keyset(rows, cursor, limit)

    # ----------------------------------------------------------------------------------------------- reference
    def reference(self, kind: ReferenceKind) -> list[dict[str, Any]]:
        with self._lock:
            return [item.model_dump(mode="json") for item in getattr(self._data.reference, kind.value)]

    def write_reference(self, kind: ReferenceKind, raw_items: list[dict[str, Any]]) -> ReferenceWriteResult:
        model = REFERENCE_ITEM_MODELS[kind]
        items = []
        for pos, raw in enumerate(raw_items):
            try:
                items.append(model.model_validate(raw))
            except ValueError as exc:
                raise SandboxError(422, "TAIMER_VALIDATION", f"item {pos}: {exc}", f"items[{pos}]") from exc
        desired: dict[str, BaseModel] = {}
        for pos, item in enumerate(items):
            key = _reference_key(kind, item)
            if key in desired:
                raise SandboxError(422, "TAIMER_VALIDATION", f"item {pos} repeats key {key}", f"items[{pos}]")
            desired[key] = item
        with self._lock:
            if kind is ReferenceKind.PERSON_IDS:
                for pos, item in enumerate(items):
                    if item.user_id is not None and item.user_id not in self._users:
                        raise SandboxError(
                            422, "TAIMER_VALIDATION", f"item {pos}: no user {item.user_id}", f"items[{pos}].user_id"
                        )
            current = {_reference_key(kind, item): item for item in getattr(self._data.reference, kind.value)}
            result = ReferenceWriteResult(kind=kind)
            for key, item in desired.items():
                old = current.get(key)
                if old is None:
                    result.created += 1
                elif old.model_dump(mode="json") == item.model_dump(mode="json"):
                    result.unchanged += 1
                else:
                    result.updated += 1
            result.removed = len(set(current) - set(desired))
            setattr(self._data.reference, kind.value, list(desired.values()))
            if kind is ReferenceKind.PERSON_IDS:
                for item in items:
                    user = self._users.get(item.user_id) if item.user_id else None
                    if user is not None and user.procountor_person_id != item.person_id:
                        user.procountor_person_id = item.person_id
                        result.users_updated += 1
            return result


def _approval_pending(bill: Bill) -> bool:
    return bill.approval_state is ApprovalState.APPROVE_IN_PROCOUNTOR and bill.procountor_id is not None


def _summary(kind: DocumentKind, doc: Any) -> DocumentSummary:
    number = getattr(doc, "number", None)
    return DocumentSummary(
        kind=kind,
        id=doc.id,
        number=None if number is None else str(number),
        sync_state=doc.integration.sync_state,
        updated_at=doc.updated_at,
    )


def _keyset(
    rows: list[tuple[str, Any]], cursor: str | None, limit: int, dump: Callable[[Any], Any] | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """``rows`` sorted by key; the page after ``cursor`` and the next cursor (None on the last page)."""
    keys = [key for key, _ in rows]
    start = bisect.bisect_right(keys, cursor) if cursor else 0
    chunk = rows[start : start + limit]
    next_cursor = chunk[-1][0] if chunk and start + limit < len(rows) else None
    return [(dump or (lambda item: item.model_dump(mode="json")))(item) for _, item in chunk], next_cursor
