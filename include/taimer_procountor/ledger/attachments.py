"""Attachments of outbound documents: each uploaded at most once, with the same claim -> upload -> record pattern
as the documents (``outbound``) and a look at the invoice's attachment list before any second upload."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, or_, select

from taimer_procountor.ledger._common import (
    conditional_update,
    get_row,
    insert_for,
    new_token,
    no_claim,
    now_or,
    ttl_delta,
)
from taimer_procountor.ledger.engine import Repository
from taimer_procountor.ledger.errors import ClaimLost, DuplicateInvoiceError, LookupRequired, NotFound
from taimer_procountor.ledger.hashing import redact_text
from taimer_procountor.ledger.models import OutboundAttachment
from taimer_procountor.ledger.states import ATTACHMENT_CLAIM_STATES, ATTACHMENT_CLAIMABLE, AttachmentState

A = OutboundAttachment


def _att_claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        A.state.in_(ATTACHMENT_CLAIMABLE),
        and_(A.state.in_(ATTACHMENT_CLAIM_STATES), A.claim_expires_at <= now),
    )


class AttachmentRepository(Repository):
    """``ledger.attachments``: the attachments of outbound documents."""

    def upsert_attachment(
        self,
        doc_id: int,
        taimer_attachment_id: str,
        name: str,
        *,
        size: int | None = None,
        content_hash: str | None = None,
        mime_type: str | None = None,
        now: datetime | None = None,
    ) -> OutboundAttachment:
        """Record one attachment of a document (idempotent). Metadata of an attachment not uploaded yet follows
        Taimer; an uploaded one is left as it is."""
        now = now_or(now)
        with self.write() as s:
            s.execute(
                insert_for(self.dialect, A)
                .values(
                    document_id=doc_id,
                    taimer_attachment_id=str(taimer_attachment_id),
                    name=name,
                    size=size,
                    content_hash=content_hash,
                    mime_type=mime_type,
                    state=AttachmentState.PENDING,
                    lookup_required=False,
                    attempt_count=0,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["document_id", "taimer_attachment_id"])
            )
            att = s.execute(
                select(A)
                .where(A.document_id == doc_id, A.taimer_attachment_id == str(taimer_attachment_id))
                .with_for_update()
            ).scalar_one()
            meta = (name, size, content_hash, mime_type)
            open_states = (AttachmentState.PENDING, AttachmentState.FAILED, AttachmentState.SKIPPED)
            if att.state in open_states and (att.name, att.size, att.content_hash, att.mime_type) != meta:
                att.name, att.size, att.content_hash, att.mime_type = meta
                att.updated_at = now
            s.flush()
            return att

    def attachments_of(self, doc_id: int) -> list[OutboundAttachment]:
        with self.read() as s:
            return list(s.execute(select(A).where(A.document_id == doc_id).order_by(A.id)).scalars())

    def skip_attachment(
        self, attachment_id: int, code: str, detail: object | None = None, *, now: datetime | None = None
    ) -> bool:
        """Deliberately not transferred (Google Drive storage, a type or size Procountor does not take): SKIPPED
        with the reason, shown in the run report."""
        now = now_or(now)
        with self.write() as s:
            cond = [A.id == attachment_id, A.state.in_((AttachmentState.PENDING, AttachmentState.FAILED))]
            values = {"state": AttachmentState.SKIPPED, "error_code": code, "error_detail": redact_text(detail)}
            return conditional_update(s, A, cond, {**values, "updated_at": now}) == 1

    def claim_attachment(
        self, attachment_id: int, worker: str, ttl: float | timedelta, *, now: datetime | None = None
    ) -> OutboundAttachment | None:
        """Claim one attachment for upload; None when another worker holds it or it is done. If the returned
        attachment has ``lookup_required``, check the invoice's attachment list first."""
        now = now_or(now)
        token = new_token()
        values = {
            "state": AttachmentState.CLAIMED,
            "claimed_by": worker[:255],
            "claim_token": token,
            "claim_expires_at": now + ttl_delta(ttl),
            "lookup_required": case((A.state == AttachmentState.UPLOADING, True), else_=A.lookup_required),
            "updated_at": now,
        }
        with self.write() as s:
            if conditional_update(s, A, [A.id == attachment_id, _att_claimable(now)], values) != 1:
                return None
            return s.execute(select(A).where(A.id == attachment_id)).scalar_one()

    def mark_attachment_uploading(self, attachment_id: int, token: str, *, now: datetime | None = None) -> None:
        """Commit "about to POST /attachments"; raises ``LookupRequired`` / ``ClaimLost`` like ``mark_sending``."""
        now = now_or(now)
        cond = [
            A.id == attachment_id,
            A.claim_token == token,
            A.state == AttachmentState.CLAIMED,
            A.claim_expires_at > now,
            A.lookup_required.is_(False),
        ]
        values = {
            "state": AttachmentState.UPLOADING,
            "lookup_required": True,
            "attempt_count": A.attempt_count + 1,
            "updated_at": now,
        }
        with self.write() as s:
            if conditional_update(s, A, cond, values) == 1:
                return
            att = get_row(s, A, attachment_id)
        if att.claim_token == token and att.state == AttachmentState.CLAIMED and att.lookup_required:
            raise LookupRequired(f"attachment {attachment_id} may already be uploaded; check the invoice's list")
        raise ClaimLost(f"attachment {attachment_id}: claim is no longer held (state {att.state})")

    def record_attachment_lookup_absent(self, attachment_id: int, token: str, *, now: datetime | None = None) -> None:
        now = now_or(now)
        with self.write() as s:
            cond = [A.id == attachment_id, A.claim_token == token, A.state == AttachmentState.CLAIMED]
            if conditional_update(s, A, cond, {"lookup_required": False, "updated_at": now}) != 1:
                raise ClaimLost(f"attachment {attachment_id}: claim is no longer held")

    def record_attachment_uploaded(
        self, attachment_id: int, token: str | None, procountor_attachment_id: int, *, now: datetime | None = None
    ) -> OutboundAttachment:
        """Uploaded (or found in the invoice's attachment list): UPLOADED with its Procountor id. Recorded even if
        the claim was lost meanwhile; a different id for an uploaded attachment raises ``DuplicateInvoiceError``."""
        now = now_or(now)
        with self.write() as s:
            att = s.execute(select(A).where(A.id == attachment_id).with_for_update()).scalar_one_or_none()
            if att is None:
                raise NotFound(f"no attachment {attachment_id}")
            if att.procountor_attachment_id is not None and att.procountor_attachment_id != procountor_attachment_id:
                raise DuplicateInvoiceError(
                    f"attachment {attachment_id} is already Procountor attachment {att.procountor_attachment_id}"
                )
            att.state = AttachmentState.UPLOADED
            att.procountor_attachment_id = procountor_attachment_id
            att.lookup_required = False
            att.claimed_by = att.claim_token = None
            att.claim_expires_at = None
            att.error_code = att.error_detail = None
            att.uploaded_at = att.uploaded_at or now
            att.updated_at = now
            s.flush()
            return att

    def record_attachment_outcome_unknown(
        self, attachment_id: int, token: str, code: str, detail: object | None = None, *, now: datetime | None = None
    ) -> bool:
        now = now_or(now)
        with self.write() as s:
            cond = [A.id == attachment_id, A.claim_token == token, A.state.in_(ATTACHMENT_CLAIM_STATES)]
            values = {
                "state": AttachmentState.OUTCOME_UNKNOWN,
                "lookup_required": True,
                **no_claim(),
                "error_code": code,
                "error_detail": redact_text(detail),
                "updated_at": now,
            }
            return conditional_update(s, A, cond, values) == 1

    def record_attachment_failure(
        self,
        attachment_id: int,
        token: str,
        code: str,
        detail: object | None = None,
        *,
        retryable: bool = False,
        now: datetime | None = None,
    ) -> bool:
        now = now_or(now)
        with self.write() as s:
            cond = [A.id == attachment_id, A.claim_token == token, A.state.in_(ATTACHMENT_CLAIM_STATES)]
            values = {
                "state": AttachmentState.PENDING if retryable else AttachmentState.FAILED,
                "lookup_required": False,
                **no_claim(),
                "error_code": code,
                "error_detail": redact_text(detail),
                "updated_at": now,
            }
            return conditional_update(s, A, cond, values) == 1
