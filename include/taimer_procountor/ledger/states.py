"""State enums of the ledger. Values are stored as short strings (VARCHAR), so adding a state needs no migration."""

from __future__ import annotations

from enum import StrEnum


class DocState(StrEnum):
    """Where an outbound document (Taimer -> Procountor) stands. See docs/ledger.md for the diagram."""

    DISCOVERED = "discovered"  # seen in Taimer, not validated yet (or content changed before it was sent)
    VALID = "valid"  # passed validation, waiting for a claim
    INVALID = "invalid"  # failed validation; never reaches Procountor until its content changes
    CLAIMED = "claimed"  # a worker holds the claim (claim_token, claim_expires_at); nothing posted yet in this claim
    SENDING = "sending"  # committed just before POST /invoices: from here on the outcome may be unknown
    OUTCOME_UNKNOWN = "outcome_unknown"  # POST timed out / 5xx / crash: look up by originalInvoiceNumber first
    FAILED = "failed"  # Procountor refused it (4xx with codes); no invoice was created
    SENT = "sent"  # created in Procountor: procountor_invoice_id is set
    ENRICHED = "enriched"  # sales account and cost center set on the ledger receipt
    ATTACHED = "attached"  # every attachment uploaded or skipped
    WRITTEN_BACK = "written_back"  # Procountor id/number/state written back to Taimer


# A send may start from these states (plus CLAIMED/SENDING whose claim has expired: a crashed worker's claim).
SENDABLE_STATES: tuple[DocState, ...] = (DocState.VALID, DocState.OUTCOME_UNKNOWN)
# The claim of a document in one of these states is live until claim_expires_at.
CLAIM_STATES: tuple[DocState, ...] = (DocState.CLAIMED, DocState.SENDING)
# Once in one of these, an invoice exists in Procountor: content changes flag the document instead of resetting it.
POST_SEND_STATES: tuple[DocState, ...] = (
    DocState.SENT,
    DocState.ENRICHED,
    DocState.ATTACHED,
    DocState.WRITTEN_BACK,
)
# In Procountor with a step after the send still owed (enrichment, attachments, write-back): a later run takes these
# up even when Taimer no longer offers the document.
OWED_AFTER_SEND_STATES: tuple[DocState, ...] = (DocState.SENT, DocState.ENRICHED, DocState.ATTACHED)
# Before sending: a content change puts the document back to DISCOVERED (validate again).
PRE_SEND_STATES: tuple[DocState, ...] = (
    DocState.DISCOVERED,
    DocState.VALID,
    DocState.INVALID,
    DocState.FAILED,
)


class AttachmentState(StrEnum):
    """Where one attachment of an outbound document stands. Uploaded at most once, like the invoice itself."""

    PENDING = "pending"  # known, not uploaded
    SKIPPED = "skipped"  # deliberately not transferred (Google Drive storage, disallowed type, too large): see error
    CLAIMED = "claimed"  # a worker holds the claim
    UPLOADING = "uploading"  # committed just before POST /attachments
    OUTCOME_UNKNOWN = "outcome_unknown"  # check the invoice's attachment list before uploading again
    UPLOADED = "uploaded"  # procountor_attachment_id is set
    FAILED = "failed"  # Procountor refused it


ATTACHMENT_CLAIMABLE: tuple[AttachmentState, ...] = (AttachmentState.PENDING, AttachmentState.OUTCOME_UNKNOWN)
ATTACHMENT_CLAIM_STATES: tuple[AttachmentState, ...] = (AttachmentState.CLAIMED, AttachmentState.UPLOADING)
# Nothing more for the load to do: uploaded, deliberately not moved, or refused by Procountor (a 4xx that no retry
# changes; its code is in the report and in Taimer). The document's later steps do not wait for these.
ATTACHMENT_DONE: tuple[AttachmentState, ...] = (
    AttachmentState.UPLOADED,
    AttachmentState.SKIPPED,
    AttachmentState.FAILED,
)


class PaymentState(StrEnum):
    """A company-money receipt's payment event in Procountor (``outbound_receipt_payment``)."""

    PENDING = "pending"  # not marked yet (its invoice may still be UNFINISHED)
    MARKING = "marking"  # committed just before PUT .../paymentevents/markpaid: the outcome may be unknown from here
    OUTCOME_UNKNOWN = "outcome_unknown"  # timeout / 5xx after the PUT: check the payment events before marking again
    MARKED = "marked"  # the payment event exists (procountor_payment_event_id)
    FAILED = "failed"  # Procountor refused it (error_code); tried again by a later run


PAYMENT_OPEN: tuple[PaymentState, ...] = (
    PaymentState.PENDING,
    PaymentState.MARKING,
    PaymentState.OUTCOME_UNKNOWN,
    PaymentState.FAILED,
)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"  # finished, some documents failed
    FAILED = "failed"
