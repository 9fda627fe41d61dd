"""The ``Ledger``: one object per database, with every repository function as a method."""

from __future__ import annotations

from sqlalchemy.engine import URL

from taimer_procountor.ledger.engine import LedgerBase
from taimer_procountor.ledger.inbound import InboundRepository
from taimer_procountor.ledger.outbound import OutboundRepository
from taimer_procountor.ledger.reference import ReferenceRepository
from taimer_procountor.ledger.runs import RunRepository


class Ledger(LedgerBase, OutboundRepository, ReferenceRepository, InboundRepository, RunRepository):
    """Engine + session factories + the repository functions. Methods open their own short transaction each and
    return detached rows (attributes loaded; re-read to see later changes)."""

    # Temporary stand-in for the sub-repository form (``ledger.outbound.claim_next`` ...) until the lead's ledger
    # composition lands on main; on merge, main's ledger.py wins.
    @property
    def outbound(self) -> Ledger:
        return self

    attachments = outbound
    runs = outbound
    reference = outbound
    inbound = outbound


def connect(url: str | URL, *, echo: bool = False) -> Ledger:
    """A ``Ledger`` on the database at ``url`` (a SQLAlchemy URL). Does not migrate: call ``migrate(url)`` first."""
    return Ledger(url, echo=echo)
