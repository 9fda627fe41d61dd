"""The base class of every exception that carries an error-catalogue code.

The Procountor client's errors (``procountor.errors``) and the Taimer adapter's (``taimer.errors``) derive from it,
so a step that catches a failure reads its code, field and text the same way whichever side raised it (the
reference flow's ``describe_failure`` does), and ``retryable`` always comes from the catalogue entry.
"""

from __future__ import annotations

from taimer_procountor.errors.catalogue import lookup
from taimer_procountor.errors.document import DocumentError
from taimer_procountor.errors.entry import ErrorEntry
from taimer_procountor.redaction import redact


class CodedError(Exception):
    """An error with a catalogue ``code``, the ``field`` it concerns (when one) and a ``detail`` text that is
    redacted when the error is made, so it is safe for logs, the ledger and the run report."""

    code: str
    field: str | None
    detail: str

    def __init__(self, code: str, detail: str, *, field: str | None = None) -> None:
        self.code = code
        self.field = field
        self.detail = redact(detail)
        super().__init__(self.detail)

    @property
    def entry(self) -> ErrorEntry:
        """The catalogue entry of ``code`` (a generic one for a code the catalogue does not know yet)."""
        return lookup(self.code)

    @property
    def retryable(self) -> bool:
        return self.entry.retryable

    def to_document_errors(self) -> list[DocumentError]:
        """The error as ``DocumentError`` s for the ledger and the run report (one, unless a subclass knows more)."""
        return [DocumentError(self.code, self.field, self.detail)]
