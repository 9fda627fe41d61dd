"""The ``Ledger``: one object per database, its tables grouped into repositories by area."""

from __future__ import annotations

from sqlalchemy.engine import URL

from taimer_procountor.ledger.attachments import AttachmentRepository
from taimer_procountor.ledger.engine import LedgerDatabase
from taimer_procountor.ledger.inbound import InboundRepository
from taimer_procountor.ledger.outbound import OutboundRepository
from taimer_procountor.ledger.payments import PaymentRepository
from taimer_procountor.ledger.reference import ReferenceRepository
from taimer_procountor.ledger.runs import RunRepository


class Ledger(LedgerDatabase):
    """Engine + session factories + one repository per area, the way the Procountor client has
    ``client.invoices``: ``ledger.outbound``, ``ledger.attachments``, ``ledger.payments``, ``ledger.reference``,
    ``ledger.inbound``, ``ledger.runs``. Each method opens its own short transaction and returns detached rows
    (attributes loaded; re-read to see later changes)."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        super().__init__(url, echo=echo)
        self.outbound = OutboundRepository(self)
        self.attachments = AttachmentRepository(self)
        self.payments = PaymentRepository(self)
        self.reference = ReferenceRepository(self)
        self.inbound = InboundRepository(self)
        self.runs = RunRepository(self)


def connect(url: str | URL, *, echo: bool = False) -> Ledger:
    """A ``Ledger`` on the database at ``url`` (a SQLAlchemy URL). Does not migrate: call ``migrate(url)`` first."""
    return Ledger(url, echo=echo)
