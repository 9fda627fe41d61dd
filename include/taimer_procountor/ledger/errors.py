"""Exceptions the ledger raises to the flows."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of the ledger's exceptions."""


class ClaimLost(LedgerError):
    """The caller no longer holds the claim (it expired and another worker took it, or it was released): the caller
    must not call Procountor for this document/attachment."""


class LookupRequired(LedgerError):
    """The previous POST may have succeeded: look it up (``originalInvoiceNumber`` / the invoice's attachment list)
    and record the result before posting again."""


class DuplicateInvoiceError(LedgerError):
    """A different Procountor invoice id was reported for a document that already has one: two invoices exist for
    one Taimer document. Never raised on the normal path; it means a lookup was skipped somewhere."""


class NotFound(LedgerError):
    """No such row in the ledger."""
