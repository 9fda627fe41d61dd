"""The sync ledger: the integration's own database that makes every transfer exactly-once.

    from taimer_procountor.ledger import connect, migrate
    migrate(url)                 # idempotent, safe from two processes at once
    ledger = connect(url)        # engine + session factory + repository methods

See docs/ledger.md for the tables, the state machine and the protocol (claim -> send -> record, lookup first).
"""

from __future__ import annotations

from taimer_procountor.ledger.errors import ClaimLost, DuplicateInvoiceError, LedgerError, LookupRequired, NotFound
from taimer_procountor.ledger.hashing import content_hash
from taimer_procountor.ledger.inbound import MappingResult, WatermarkValue
from taimer_procountor.ledger.ledger import Ledger, connect
from taimer_procountor.ledger.migrate import current, history, migrate
from taimer_procountor.ledger.outbound import UpsertResult
from taimer_procountor.ledger.payments import ReceiptToPay
from taimer_procountor.ledger.reference import SnapshotDiff
from taimer_procountor.ledger.states import AttachmentState, DocState, PaymentState, RunStatus

__all__ = [
    "AttachmentState",
    "ClaimLost",
    "DocState",
    "DuplicateInvoiceError",
    "Ledger",
    "LedgerError",
    "LookupRequired",
    "MappingResult",
    "NotFound",
    "PaymentState",
    "ReceiptToPay",
    "RunStatus",
    "SnapshotDiff",
    "UpsertResult",
    "WatermarkValue",
    "connect",
    "content_hash",
    "current",
    "history",
    "migrate",
]
