"""Company-money receipts of expense claims (``outbound_receipt_payment``): each receipt's payment event in
Procountor, made at most once with the ledger's usual pattern: claim (``marking``, committed before the PUT) ->
record ``marked`` with the event id, or ``outcome_unknown`` (look at the invoice's payment events before marking
again), or ``failed`` (a later run tries again)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, delete, or_, select, true

from taimer_procountor.ledger._common import conditional_update, insert_for, new_token, now_or, ttl_delta
from taimer_procountor.ledger.engine import Repository
from taimer_procountor.ledger.hashing import redact_text
from taimer_procountor.ledger.models import OutboundDocument, OutboundReceiptPayment
from taimer_procountor.ledger.states import PAYMENT_OPEN, POST_SEND_STATES, PaymentState

P = OutboundReceiptPayment


@dataclass(frozen=True)
class ReceiptToPay:
    """One receipt as the transform gives it: its key within the report, payment date, gross amount, currency."""

    key: str
    payment_date: date
    amount: Decimal
    currency: str


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        P.state.in_([PaymentState.PENDING, PaymentState.OUTCOME_UNKNOWN, PaymentState.FAILED]),
        and_(P.state == PaymentState.MARKING, P.claim_expires_at <= now),
    )


class PaymentRepository(Repository):
    """``ledger.payments``: the receipts of company-money expense claims to mark paid in Procountor."""

    def upsert_receipts(self, doc_id: int, receipts: Sequence[ReceiptToPay], *, now: datetime | None = None) -> None:
        """Record the receipts of one company-money claim (idempotent). A receipt not marked yet follows Taimer
        (date, amount); one no longer on the report is dropped unless it is marked or being marked."""
        now = now_or(now)
        keys = {r.key for r in receipts}
        with self.write() as s:
            for r in receipts:
                s.execute(
                    insert_for(self.dialect, P)
                    .values(
                        document_id=doc_id,
                        receipt_key=r.key,
                        payment_date=r.payment_date,
                        amount=str(r.amount),
                        currency=r.currency,
                        state=PaymentState.PENDING,
                        attempt_count=0,
                        created_at=now,
                        updated_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["document_id", "receipt_key"])
                )
                conditional_update(
                    s,
                    P,
                    [
                        P.document_id == doc_id,
                        P.receipt_key == r.key,
                        P.state.in_([PaymentState.PENDING, PaymentState.FAILED]),
                        or_(P.payment_date != r.payment_date, P.amount != str(r.amount), P.currency != r.currency),
                    ],
                    {
                        "payment_date": r.payment_date,
                        "amount": str(r.amount),
                        "currency": r.currency,
                        "updated_at": now,
                    },
                )
            s.execute(
                delete(P).where(
                    P.document_id == doc_id,
                    P.receipt_key.not_in(keys) if keys else true(),
                    P.state.in_([PaymentState.PENDING, PaymentState.FAILED]),
                )
            )

    def receipts_of(self, doc_id: int) -> list[OutboundReceiptPayment]:
        with self.read() as s:
            return list(s.execute(select(P).where(P.document_id == doc_id).order_by(P.id)).scalars())

    def open_documents(self) -> list[OutboundDocument]:
        """Claims created in Procountor with a receipt not marked paid yet, oldest first."""
        with self.read() as s:
            wanted = select(P.document_id).where(P.state.in_(PAYMENT_OPEN))
            query = (
                select(OutboundDocument)
                .where(OutboundDocument.id.in_(wanted), OutboundDocument.state.in_(POST_SEND_STATES))
                .order_by(OutboundDocument.id)
            )
            return list(s.execute(query).scalars())

    def oldest_open_created(self) -> datetime | None:
        """When the oldest receipt not marked yet was recorded (where the first version-date search starts)."""
        with self.read() as s:
            return s.execute(select(P.created_at).where(P.state.in_(PAYMENT_OPEN)).order_by(P.created_at)).scalar()

    def adopt(self, row_id: int, event_id: int, *, now: datetime | None = None) -> bool:
        """Procountor already has this receipt's payment event (an earlier PUT whose answer was lost): record it.
        Not while another worker holds a live claim on it."""
        now = now_or(now)
        with self.write() as s:
            return (
                conditional_update(
                    s,
                    P,
                    [P.id == row_id, _claimable(now)],
                    {
                        "state": PaymentState.MARKED,
                        "procountor_payment_event_id": event_id,
                        "claim_token": None,
                        "claim_expires_at": None,
                        "marked_at": now,
                        "updated_at": now,
                    },
                )
                == 1
            )

    def claim(self, row_id: int, *, ttl: float | timedelta = 300.0, now: datetime | None = None) -> str | None:
        """Commit ``marking`` right before the PUT; the claim token, or None when it is marked or held."""
        now = now_or(now)
        token = new_token()
        with self.write() as s:
            changed = conditional_update(
                s,
                P,
                [P.id == row_id, _claimable(now)],
                {
                    "state": PaymentState.MARKING,
                    "claim_token": token,
                    "claim_expires_at": now + ttl_delta(ttl),
                    "attempt_count": P.attempt_count + 1,
                    "updated_at": now,
                },
            )
        return token if changed == 1 else None

    def record_marked(self, row_id: int, token: str, event_id: int | None, *, now: datetime | None = None) -> bool:
        now = now_or(now)
        with self.write() as s:
            values = {
                "state": PaymentState.MARKED,
                "procountor_payment_event_id": event_id,
                "claim_token": None,
                "claim_expires_at": None,
                "error_code": None,
                "error_detail": None,
                "marked_at": now,
                "updated_at": now,
            }
            return conditional_update(s, P, [P.id == row_id, P.claim_token == token], values) == 1

    def record_outcome(
        self, row_id: int, token: str, state: PaymentState, code: str, detail: object, *, now: datetime | None = None
    ) -> bool:
        """``outcome_unknown`` (check the payment events next time) or ``failed`` (Procountor refused it)."""
        if state not in (PaymentState.OUTCOME_UNKNOWN, PaymentState.FAILED):
            raise ValueError(f"not an outcome to record: {state}")
        now = now_or(now)
        with self.write() as s:
            values = {
                "state": state,
                "claim_token": None,
                "claim_expires_at": None,
                "error_code": code,
                "error_detail": redact_text(detail),
                "updated_at": now,
            }
            return conditional_update(s, P, [P.id == row_id, P.claim_token == token], values) == 1
