"""Outbound documents: upsert, validate, claim -> send -> record, lookup before repost (attachments: ``attachments``).

Every state change is one short transaction with a conditional ``UPDATE ... WHERE state IN (...)`` so two workers
(two runs at once, a retried task beside a late original) can never both act on the same document: the loser's
``UPDATE`` matches no row. On PostgreSQL the candidate rows are picked with ``FOR UPDATE SKIP LOCKED`` so workers do
not queue behind each other; on SQLite the write transaction holds the database write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    String,
    Update,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, raiseload

from taimer_procountor.ledger._common import (
    conditional_update,
    get_row,
    insert_for,
    new_token,
    no_claim,
    now_or,
    rowcount,
    ttl_delta,
)
from taimer_procountor.ledger.engine import Repository
from taimer_procountor.ledger.errors import ClaimLost, DuplicateInvoiceError, LookupRequired, NotFound
from taimer_procountor.ledger.hashing import redact_json, redact_text, to_json
from taimer_procountor.ledger.models import OutboundAttachment, OutboundDocument
from taimer_procountor.ledger.states import (
    ATTACHMENT_DONE,
    CLAIM_STATES,
    OWED_AFTER_SEND_STATES,
    POST_SEND_STATES,
    PRE_SEND_STATES,
    SENDABLE_STATES,
    AttachmentState,
    DocState,
)
from taimer_procountor.ledger.types import UTCDateTime
from taimer_procountor.redaction import get_logger

log = get_logger(__name__)

D = OutboundDocument
A = OutboundAttachment
# The rows claim and record_sent return come without their attachments (``attachments.attachments_of`` reads
# them): the caller has them already, and loading them is one more SELECT per call. Touching them raises.
_NO_ATTACHMENTS = raiseload(D.attachments)


@dataclass(frozen=True)
class UpsertResult:
    """What ``upsert_outbound`` did. ``document`` is a detached snapshot of the row after the upsert."""

    document: OutboundDocument
    created: bool
    content_changed: bool  # the hash differs from what Taimer offered last time
    reset: bool  # not sent yet and changed: back to DISCOVERED, to be validated again
    flagged: bool  # already in Procountor and changed: changed_after_send was set by this call


@dataclass(frozen=True)
class FinishResult:
    """What ``record_finished`` recorded: the document's state after it, and whether the attach step succeeded
    (False: an attachment is still open)."""

    state: DocState
    attached: bool


def _doc_claimable(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """A document a worker may claim for sending: waiting (valid / outcome unknown) or held by an expired claim."""
    return or_(
        D.state.in_(SENDABLE_STATES),
        and_(D.state.in_(CLAIM_STATES), D.claim_expires_at <= now),
    )


def _error_fields(code: str | None, detail: object | None, errors: Sequence[Any] | None) -> dict[str, Any]:
    return {
        "last_error_code": code,
        "last_error_detail": redact_text(detail),
        "errors": redact_json(to_json(list(errors or []))),
    }


def _sending_values(
    now: datetime | BindParameter[datetime],
    *,
    content_hash: str | None = None,
    expires: datetime | BindParameter[datetime] | None = None,
) -> dict[str, Any]:
    """The columns "about to POST" sets (``mark_sending``, ``claim(send=True)``)."""
    values: dict[str, Any] = {
        "state": DocState.SENDING,
        "lookup_required": True,
        "attempt_count": D.attempt_count + 1,
        "last_attempt_at": now,
        "updated_at": now,
    }
    if content_hash is not None:
        values["content_hash"] = content_hash
    if expires is not None:
        values["claim_expires_at"] = expires
    return values


# The statements the load runs for every invoice (claim, the steps after the send) are built once, their values
# bound parameters: building and cache-keying an UPDATE costs SQLAlchemy more than SQLite takes to run it (about
# 0.2 of 0.35 ms per statement, measured on SQLite).
_NOW = bindparam("now", type_=UTCDateTime())
_DOC = bindparam("doc_id", type_=Integer())
_TOKEN = bindparam("token", type_=String())
_EXPIRES = bindparam("expires", type_=UTCDateTime())


def _update_docs(*cond: ColumnElement[bool]) -> Update:
    return update(D).where(*cond).execution_options(synchronize_session=False)


def _claim_statement(where: ColumnElement[bool], limit: int | None) -> Update:
    """Claim the claimable documents ``where`` selects (parameters: now, token, worker, expires)."""
    cond = and_(_doc_claimable(_NOW), where)
    pick = select(D.id).where(cond).order_by(D.id).with_for_update(skip_locked=True)
    if limit is not None:
        pick = pick.limit(limit)
    # The outer WHERE repeats the condition: PostgreSQL re-checks it on the newest row version after waiting for a
    # concurrent writer, so a row another worker just claimed is skipped, not claimed twice.
    return _update_docs(D.id.in_(pick.scalar_subquery()), cond).values(
        state=DocState.CLAIMED,
        claimed_by=bindparam("worker", type_=String()),
        claim_token=_TOKEN,
        claim_expires_at=_EXPIRES,
        lookup_required=case((D.state == DocState.SENDING, True), else_=D.lookup_required),
        updated_at=_NOW,
    )


_CLAIM_IDS = _claim_statement(D.id.in_(bindparam("ids", expanding=True)), None)
_SEND_CLAIMED = _update_docs(D.claim_token == _TOKEN, D.state == DocState.CLAIMED, D.lookup_required.is_(False)).values(
    **_sending_values(_NOW, expires=_EXPIRES)
)
_CLAIMED = select(D).where(D.claim_token == _TOKEN).order_by(D.id).options(_NO_ATTACHMENTS)
_ENRICH = _update_docs(D.id == _DOC, D.state == DocState.SENT).values(
    state=DocState.ENRICHED,
    enriched_at=_NOW,
    updated_at=_NOW,
    procountor_ledger_receipt_id=func.coalesce(
        bindparam("receipt_id", type_=BigInteger()), D.procountor_ledger_receipt_id
    ),
    procountor_version=func.coalesce(bindparam("version", type_=String()), D.procountor_version),
)
_OPEN_ATTACHMENTS = select(func.count()).where(A.document_id == _DOC, A.state.not_in(ATTACHMENT_DONE))
# The steps after the send go in order, each only from the one before: a document whose enrichment failed stays
# SENT however its attachments and write-back went, so the next pass or run enriches it.
_ATTACH = _update_docs(D.id == _DOC, D.state == DocState.ENRICHED).values(
    state=DocState.ATTACHED, attached_at=_NOW, updated_at=_NOW
)
_WRITE_BACK = _update_docs(D.id == _DOC).values(
    state=case((D.state == DocState.ATTACHED, DocState.WRITTEN_BACK), else_=D.state),
    written_back_at=_NOW,
    updated_at=_NOW,
)
_STATE = select(D.state).where(D.id == _DOC)


def _enriched(
    s: Session, doc_id: int, now: datetime, *, ledger_receipt_id: int | None = None, version: str | None = None
) -> bool:
    params = {"doc_id": doc_id, "now": now, "receipt_id": ledger_receipt_id, "version": version}
    return rowcount(s.execute(_ENRICH, params)) == 1


def _open_attachments(s: Session, doc_id: int) -> int:
    return s.execute(_OPEN_ATTACHMENTS, {"doc_id": doc_id}).scalar_one()


def _attached(s: Session, doc_id: int, now: datetime) -> bool:
    return rowcount(s.execute(_ATTACH, {"doc_id": doc_id, "now": now})) == 1


def _written_back(s: Session, doc_id: int, now: datetime) -> bool:
    return rowcount(s.execute(_WRITE_BACK, {"doc_id": doc_id, "now": now})) == 1


class OutboundRepository(Repository):
    """``ledger.outbound``: outbound documents, from upsert through claim -> send -> record to write-back."""

    # ----------------------------------------------------------------------------------------------- extract
    def upsert_outbound(
        self,
        source_type: str,
        source_id: str,
        taimer_number: str | None,
        content_hash: str,
        *,
        details: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> UpsertResult:
        """Record what Taimer offers for one document.

        New: inserted as DISCOVERED. Not yet sent (discovered/valid/invalid/failed) and the hash changed: reset to
        DISCOVERED with the new hash (validate again). Already created in Procountor (sent and later) and the hash
        differs from the sent one: ``changed_after_send`` is set and the state is left alone -- the flow decides
        (update the UNFINISHED invoice with PUT + version, then ``record_updated``); it is never resent blindly.
        Claimed/sending/outcome unknown: only ``latest_content_hash`` is updated; ``record_sent`` flags the change.
        """
        now = now_or(now)
        with self.write() as s:
            ins = (
                insert_for(self.dialect, D)
                .values(
                    source_type=source_type,
                    source_id=str(source_id),
                    taimer_number=taimer_number,
                    content_hash=content_hash,
                    latest_content_hash=content_hash,
                    state=DocState.DISCOVERED,
                    changed_after_send=False,
                    lookup_required=False,
                    validation_errors=[],
                    errors=[],
                    attempt_count=0,
                    details=to_json(details or {}),
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["source_type", "source_id"])
            )
            created = rowcount(s.execute(ins)) == 1
            doc = s.execute(
                select(D).where(D.source_type == source_type, D.source_id == str(source_id)).with_for_update()
            ).scalar_one()
            if created:
                return UpsertResult(doc, True, True, False, False)
            content_changed = doc.latest_content_hash != content_hash
            reset = flagged = False
            if taimer_number is not None:
                doc.taimer_number = taimer_number
            if details is not None:
                doc.details = to_json(details)
            doc.latest_content_hash = content_hash
            if doc.state in PRE_SEND_STATES and doc.content_hash != content_hash:
                doc.state = DocState.DISCOVERED
                doc.content_hash = content_hash
                doc.validation_errors = []
                doc.validated_at = None
                doc.last_error_code = None
                doc.last_error_detail = None
                doc.errors = []
                reset = True
            elif doc.state in POST_SEND_STATES:
                was = doc.changed_after_send
                doc.changed_after_send = doc.content_hash != content_hash
                flagged = doc.changed_after_send and not was
                if flagged:
                    log.warning("document %s #%s changed after it was sent; flagged", doc.id, doc.taimer_number)
            doc.updated_at = now
            s.flush()
            return UpsertResult(doc, False, content_changed, reset, flagged)

    # ---------------------------------------------------------------------------------------------- validate
    def mark_validated(
        self,
        doc_id: int,
        errors: Sequence[dict[str, Any]] | None,
        *,
        content_hash: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """VALID when ``errors`` is empty, else INVALID with the errors (``[{"code", "field", "message"}]``, catalogue
        codes). Only documents not yet claimed are changed; with ``content_hash`` only if the validated content is
        still the current one (a concurrent upsert may have changed it). Returns whether the row changed."""
        now = now_or(now)
        errs = redact_json(to_json(list(errors or [])))
        first = errs[0] if errs else {}
        cond = [D.id == doc_id, D.state.in_((DocState.DISCOVERED, DocState.VALID, DocState.INVALID))]
        if content_hash is not None:
            cond.append(D.content_hash == content_hash)
        values: dict[str, Any] = {
            "state": DocState.INVALID if errs else DocState.VALID,
            "validation_errors": errs,
            "validated_at": now,
            "updated_at": now,
            "last_error_code": first.get("code") if errs else None,
            "last_error_detail": (first.get("message") if errs else None),
        }
        with self.write() as s:
            return conditional_update(s, D, cond, values) == 1

    def reset_for_resend(self, doc_ids: Iterable[int], *, now: datetime | None = None) -> int:
        """Put FAILED / INVALID documents back to DISCOVERED (a person asked to re-send them). Documents that exist
        in Procountor, or whose outcome is unknown, are never reset. Returns how many were reset."""
        now = now_or(now)
        ids = list(doc_ids)
        if not ids:
            return 0
        with self.write() as s:
            return conditional_update(
                s,
                D,
                [D.id.in_(ids), D.state.in_((DocState.FAILED, DocState.INVALID))],
                {"state": DocState.DISCOVERED, "validation_errors": [], "validated_at": None, "updated_at": now},
            )

    # ------------------------------------------------------------------------------------------------- claim
    def claim(
        self,
        doc_ids: Iterable[int],
        worker: str,
        ttl: float | timedelta,
        *,
        send: bool = False,
        now: datetime | None = None,
    ) -> list[OutboundDocument]:
        """Claim the given documents for sending; returns those this worker got (others are held or not sendable),
        without their attachments.

        Claimable: VALID, OUTCOME_UNKNOWN, or CLAIMED/SENDING whose claim expired (a crashed worker). A document
        taken over from SENDING keeps ``lookup_required``: the crashed worker may have posted it.

        ``send``: a claimed document that owes no lookup is also marked SENDING (as ``mark_sending`` with ``ttl``)
        in the same transaction. Nothing remote lies between the two steps then, so one commit is the same
        guarantee as two: the claim is committed before the POST, and from that commit on a crash leaves a lookup
        owed. Documents that owe a lookup stay CLAIMED: look them up first."""
        ids = list(doc_ids)
        if not ids:
            return []
        return self._claim_docs(_CLAIM_IDS, {"ids": ids}, worker, ttl, now, send=send)

    def claim_next(
        self,
        worker: str,
        ttl: float | timedelta,
        *,
        limit: int = 1,
        source_type: str | None = None,
        max_attempts: int | None = None,
        now: datetime | None = None,
    ) -> list[OutboundDocument]:
        """Claim up to ``limit`` claimable documents (oldest first); empty when none is left."""
        extra: list[ColumnElement[bool]] = []
        if source_type is not None:
            extra.append(D.source_type == source_type)
        if max_attempts is not None:
            extra.append(D.attempt_count < max_attempts)
        return self._claim_docs(_claim_statement(and_(true(), *extra), limit), {}, worker, ttl, now)

    def _claim_docs(
        self,
        statement: Update,
        params: dict[str, Any],
        worker: str,
        ttl: float | timedelta,
        now: datetime | None,
        *,
        send: bool = False,
    ) -> list[OutboundDocument]:
        """Run a ``_claim_statement`` (``params``: its own) under a new token; with ``send`` mark what owes no
        lookup SENDING in the same transaction."""
        now = now_or(now)
        token = new_token()
        expires = now + ttl_delta(ttl)
        params = {**params, "now": now, "token": token, "worker": worker[:255], "expires": expires}
        with self.write() as s:
            if not rowcount(s.execute(statement, params)):
                return []
            if send:
                s.execute(_SEND_CLAIMED, {"token": token, "now": now, "expires": expires})
            return list(s.execute(_CLAIMED, {"token": token}).scalars())

    def release_claim(self, doc_id: int, token: str, *, now: datetime | None = None) -> bool:
        """Give a claimed document back unsent (e.g. the run is stopping): VALID again, or OUTCOME_UNKNOWN when a
        lookup is still owed."""
        now = now_or(now)
        with self.write() as s:
            return (
                conditional_update(
                    s,
                    D,
                    [D.id == doc_id, D.claim_token == token, D.state == DocState.CLAIMED],
                    {
                        "state": case((D.lookup_required, DocState.OUTCOME_UNKNOWN), else_=DocState.VALID),
                        **no_claim(),
                        "updated_at": now,
                    },
                )
                == 1
            )

    # -------------------------------------------------------------------------------------------------- send
    def mark_sending(
        self,
        doc_id: int,
        token: str,
        *,
        content_hash: str | None = None,
        ttl: float | timedelta | None = None,
        now: datetime | None = None,
    ) -> None:
        """Commit "about to POST" -- call it right before ``POST /invoices``. From here a crash leaves the document
        needing a lookup. Raises ``LookupRequired`` if a lookup is owed first, ``ClaimLost`` if the claim is gone
        (expired and taken over): in both cases do not post. ``content_hash``: hash of the content actually posted,
        when it differs from the validated one; ``ttl`` extends the claim to cover the request."""
        now = now_or(now)
        expires = now + ttl_delta(ttl) if ttl is not None else None
        values = _sending_values(now, content_hash=content_hash, expires=expires)
        cond = [
            D.id == doc_id,
            D.claim_token == token,
            D.state == DocState.CLAIMED,
            D.claim_expires_at > now,
            D.lookup_required.is_(False),
        ]
        with self.write() as s:
            if conditional_update(s, D, cond, values) == 1:
                return
            doc = get_row(s, D, doc_id)
        if doc.claim_token == token and doc.state == DocState.CLAIMED and doc.lookup_required:
            raise LookupRequired(f"document {doc_id} may already exist in Procountor; look it up first")
        raise ClaimLost(f"document {doc_id}: claim {token[:8]}... is no longer held (state {doc.state})")

    def record_lookup_absent(self, doc_id: int, token: str, *, now: datetime | None = None) -> None:
        """The lookup by ``originalInvoiceNumber`` found nothing: the document may be posted (``mark_sending``)."""
        now = now_or(now)
        with self.write() as s:
            cond = [D.id == doc_id, D.claim_token == token, D.state == DocState.CLAIMED, D.claim_expires_at > now]
            if conditional_update(s, D, cond, {"lookup_required": False, "updated_at": now}) != 1:
                raise ClaimLost(f"document {doc_id}: claim {token[:8]}... is no longer held")

    def record_sent(
        self,
        doc_id: int,
        token: str | None,
        procountor_invoice_id: int,
        *,
        invoice_number: str | None = None,
        ledger_receipt_id: int | None = None,
        version: str | None = None,
        sent_by: str | None = None,
        now: datetime | None = None,
    ) -> OutboundDocument:
        """The invoice exists in Procountor (POST answered, or a lookup found it): SENT with its ids. Returns the
        row without its attachments.

        A fact from Procountor is recorded even when the claim was lost meanwhile, so it can never be forgotten;
        clearing the claim then makes the other worker's ``mark_sending`` fail, so it does not post a second one.
        Repeating with the same id is a no-op; a *different* id raises ``DuplicateInvoiceError``. ``sent_by``
        (e.g. the DAG run id) is kept in ``details["sent_by"]``: which run's report counts the invoice as created."""
        now = now_or(now)
        with self.write() as s:
            row = select(D).where(D.id == doc_id).with_for_update().options(_NO_ATTACHMENTS)
            doc = s.execute(row).scalar_one_or_none()
            if doc is None:
                raise NotFound(f"no outbound document {doc_id}")
            if doc.procountor_invoice_id is not None:
                if doc.procountor_invoice_id != procountor_invoice_id:
                    raise DuplicateInvoiceError(
                        f"document {doc_id} (#{doc.taimer_number}) already has Procountor invoice "
                        f"{doc.procountor_invoice_id}, now {procountor_invoice_id} was reported"
                    )
                if doc.state in POST_SEND_STATES:
                    return doc
            if token is not None and doc.claim_token != token:
                log.warning("document %s: recording invoice %s after the claim was lost", doc_id, procountor_invoice_id)
            doc.state = DocState.SENT
            doc.procountor_invoice_id = procountor_invoice_id
            if invoice_number is not None:
                doc.procountor_invoice_number = invoice_number
            if ledger_receipt_id is not None:
                doc.procountor_ledger_receipt_id = ledger_receipt_id
            if version is not None:
                doc.procountor_version = version
            doc.lookup_required = False
            doc.changed_after_send = doc.latest_content_hash != doc.content_hash
            doc.last_error_code = None
            doc.last_error_detail = None
            doc.claimed_by = doc.claim_token = None
            doc.claim_expires_at = None
            if sent_by is not None:
                doc.details = {**(doc.details or {}), "sent_by": sent_by}
            doc.sent_at = now
            doc.updated_at = now
            s.flush()
            return doc

    def record_outcome_unknown(
        self, doc_id: int, token: str, code: str, detail: object | None = None, *, now: datetime | None = None
    ) -> bool:
        """The POST timed out, got a 5xx or the connection dropped: OUTCOME_UNKNOWN, to be looked up before any
        repost. False when the claim was already lost (nothing changed)."""
        now = now_or(now)
        with self.write() as s:
            n = conditional_update(
                s,
                D,
                [D.id == doc_id, D.claim_token == token, D.state.in_(CLAIM_STATES)],
                {
                    "state": DocState.OUTCOME_UNKNOWN,
                    "lookup_required": True,
                    **no_claim(),
                    **_error_fields(code, detail, None),
                    "updated_at": now,
                },
            )
        return n == 1

    def record_failure(
        self,
        doc_id: int,
        token: str,
        code: str,
        detail: object | None = None,
        errors: Sequence[Any] | None = None,
        *,
        retryable: bool = False,
        now: datetime | None = None,
    ) -> bool:
        """Procountor refused the document and created nothing (4xx with ``{"errors": [...]}``): FAILED with the
        code, detail and error list (all redacted). ``retryable=True`` (e.g. a 429 or 5xx answered *before* the
        POST was sent) puts it back to VALID instead. False when the claim was already lost."""
        now = now_or(now)
        with self.write() as s:
            n = conditional_update(
                s,
                D,
                [D.id == doc_id, D.claim_token == token, D.state.in_(CLAIM_STATES)],
                {
                    "state": DocState.VALID if retryable else DocState.FAILED,
                    "lookup_required": False,
                    **no_claim(),
                    **_error_fields(code, detail, errors),
                    "updated_at": now,
                },
            )
        return n == 1

    def documents_needing_lookup(
        self, *, source_type: str | None = None, limit: int | None = None, now: datetime | None = None
    ) -> list[OutboundDocument]:
        """Documents whose POST may have succeeded: OUTCOME_UNKNOWN, or SENDING/CLAIMED-with-lookup under an expired
        claim. Claim them (``claim``), then ``GET /invoices?originalInvoiceNumber=<taimer_number>``: found ->
        ``record_sent``; absent -> ``record_lookup_absent`` and post."""
        now = now_or(now)
        cond = [
            or_(
                D.state == DocState.OUTCOME_UNKNOWN,
                and_(D.state.in_(CLAIM_STATES), D.lookup_required.is_(True), D.claim_expires_at <= now),
            )
        ]
        if source_type is not None:
            cond.append(D.source_type == source_type)
        q = select(D).where(*cond).order_by(D.id)
        if limit is not None:
            q = q.limit(limit)
        with self.read() as s:
            return list(s.execute(q).scalars())

    # --------------------------------------------------------------------------------------- after the send
    def record_enriched(
        self,
        doc_id: int,
        *,
        ledger_receipt_id: int | None = None,
        version: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Sales account and cost center are on the ledger receipt: SENT -> ENRICHED (repeating is a no-op)."""
        with self.write() as s:
            return _enriched(s, doc_id, now_or(now), ledger_receipt_id=ledger_receipt_id, version=version)

    def record_attached(self, doc_id: int, *, now: datetime | None = None) -> bool:
        """Every attachment is uploaded or skipped: ENRICHED -> ATTACHED (False from any other state). Raises
        ``ValueError`` while an attachment is still open."""
        with self.write() as s:
            open_ = _open_attachments(s, doc_id)
            if open_:
                raise ValueError(f"document {doc_id} still has {open_} attachment(s) not uploaded or skipped")
            return _attached(s, doc_id, now_or(now))

    def record_written_back(self, doc_id: int, *, now: datetime | None = None) -> bool:
        """Taimer has been told (Procountor id and number, or the errors): stamps ``written_back_at``; an ATTACHED
        document moves on to WRITTEN_BACK. Returns whether the row changed."""
        with self.write() as s:
            return _written_back(s, doc_id, now_or(now))

    def record_finished(
        self,
        doc_id: int,
        *,
        enriched: bool,
        attach: bool,
        written_back: bool,
        ledger_receipt_id: int | None = None,
        now: datetime | None = None,
    ) -> FinishResult:
        """The steps after the send, recorded together in one transaction after the last of them (the write-back
        to Taimer): ``enriched`` as ``record_enriched``; ``attach`` as ``record_attached``, except that an open
        attachment leaves the state as it is (``attached`` False) instead of raising; ``written_back`` as
        ``record_written_back``, and only when the attach step (if asked) succeeded.

        Why deferring is safe: every step recorded here is repeatable and checked against Procountor or Taimer
        before it writes (the receipt is read and only what is missing is sent; attachments have their own
        claim -> upload -> record rows, committed apart; the write-back is a PATCH of the same fields). A crash
        before this commit leaves the document SENT (or ENRICHED), so the next pass or run repeats those checks,
        sends nothing twice, and records them then. The caller commits ``record_enriched`` itself before any
        attachment upload, so no commit is moved across a Procountor call."""
        now = now_or(now)
        with self.write() as s:
            if enriched:
                _enriched(s, doc_id, now, ledger_receipt_id=ledger_receipt_id)
            attached = not attach or not _open_attachments(s, doc_id)
            if attach and attached:
                _attached(s, doc_id, now)
            if written_back and attached:
                _written_back(s, doc_id, now)
            state = s.execute(_STATE, {"doc_id": doc_id}).scalar_one()
        return FinishResult(state, attached)

    def record_updated(
        self,
        doc_id: int,
        content_hash: str,
        *,
        version: str | None = None,
        ledger_receipt_id: int | None = None,
        now: datetime | None = None,
    ) -> bool:
        """The changed content was written to the (still UNFINISHED) Procountor invoice with PUT: the sent hash is
        now ``content_hash`` and ``changed_after_send`` clears when it matches what Taimer offers. A content change
        re-creates the invoice's ledger receipt under a new id: pass it as ``ledger_receipt_id``. The document goes
        back to SENT: the new receipt's accounts and the write-back of the new content are owed again."""
        now = now_or(now)
        values: dict[str, Any] = {
            "state": DocState.SENT,
            "content_hash": content_hash,
            "changed_after_send": D.latest_content_hash != content_hash,
            "updated_at": now,
        }
        if version is not None:
            values["procountor_version"] = version
        # the old receipt is gone: keep the new id, or none (the load then reads it from the invoice)
        values["procountor_ledger_receipt_id"] = ledger_receipt_id
        with self.write() as s:
            return conditional_update(s, D, [D.id == doc_id, D.state.in_(POST_SEND_STATES)], values) == 1

    def unlink_invalidated(self, doc_id: int, content_hash: str, *, now: datetime | None = None) -> bool:
        """The document's Procountor invoice was INVALIDATED there and a person asked for a resend: forget that
        invoice (its id is kept in ``details["replaced_invoices"]``, the link the write-back reports) and start
        again from DISCOVERED with ``content_hash``; its attachments go back to PENDING (they belong on the new
        invoice). Only a document in Procountor is changed; returns whether it was."""
        now = now_or(now)
        with self.write() as s:
            doc = s.execute(select(D).where(D.id == doc_id).with_for_update()).scalar_one_or_none()
            if doc is None:
                raise NotFound(f"no outbound document {doc_id}")
            if doc.state not in POST_SEND_STATES or doc.procountor_invoice_id is None:
                return False
            details = dict(doc.details or {})
            details["replaced_invoices"] = [*details.get("replaced_invoices", []), doc.procountor_invoice_id]
            doc.details = details
            doc.procountor_invoice_id = doc.procountor_invoice_number = None
            doc.procountor_ledger_receipt_id = None
            doc.procountor_version = None
            doc.state = DocState.DISCOVERED
            doc.content_hash = doc.latest_content_hash = content_hash
            doc.changed_after_send = doc.lookup_required = False
            doc.validation_errors = []
            doc.validated_at = None
            doc.updated_at = now
            conditional_update(
                s,
                A,
                [A.document_id == doc_id],
                {
                    "state": AttachmentState.PENDING,
                    "procountor_attachment_id": None,
                    "lookup_required": False,
                    **no_claim(),
                    "updated_at": now,
                },
            )
            log.info(
                "document %s #%s: invoice invalidated in Procountor, unlinked for a resend", doc_id, doc.taimer_number
            )
            return True

    # --------------------------------------------------------------------------------------------- queries
    def get_outbound(self, doc_id: int) -> OutboundDocument:
        with self.read() as s:
            return get_row(s, D, doc_id)

    def find_outbound(self, source_type: str, source_id: str) -> OutboundDocument | None:
        with self.read() as s:
            return s.execute(
                select(D).where(D.source_type == source_type, D.source_id == str(source_id))
            ).scalar_one_or_none()

    def outbound_documents(
        self,
        *,
        states: Iterable[DocState] | None = None,
        source_type: str | None = None,
        taimer_numbers: Iterable[str] | None = None,
        changed_after_send: bool | None = None,
        limit: int | None = None,
    ) -> list[OutboundDocument]:
        """Documents filtered by state / type / Taimer numbers / flag, oldest first."""
        cond: list[ColumnElement[bool]] = []
        if states is not None:
            cond.append(D.state.in_(list(states)))
        if source_type is not None:
            cond.append(D.source_type == source_type)
        if taimer_numbers is not None:
            cond.append(D.taimer_number.in_(list(taimer_numbers)))
        if changed_after_send is not None:
            cond.append(D.changed_after_send.is_(changed_after_send))
        q = select(D).where(*cond).order_by(D.id)
        if limit is not None:
            q = q.limit(limit)
        with self.read() as s:
            return list(s.execute(q).scalars())

    def owed_after_send(self, source_type: str) -> list[OutboundDocument]:
        """Documents in Procountor with a later step still owed, oldest first: in ``OWED_AFTER_SEND_STATES``, or
        written back with an attachment not done (an upload whose outcome stayed unknown after an update conflict,
        say). The nightly run takes these up whatever Taimer says of them now."""
        open_attachment = select(A.id).where(A.document_id == D.id, A.state.not_in(ATTACHMENT_DONE)).exists()
        owed = or_(D.state.in_(OWED_AFTER_SEND_STATES), and_(D.state == DocState.WRITTEN_BACK, open_attachment))
        with self.read() as s:
            return list(s.execute(select(D).where(D.source_type == source_type, owed).order_by(D.id)).scalars())

    def count_by_state(self, *, source_type: str | None = None) -> dict[str, int]:
        q = select(D.state, func.count()).group_by(D.state)
        if source_type is not None:
            q = q.where(D.source_type == source_type)
        with self.read() as s:
            return {str(state): n for state, n in s.execute(q)}
