"""Typed errors of the Taimer side. Each is a ``CodedError`` with a catalogue code (``errors/codes_taimer.py``).

Messages pass through ``redact`` when they are made, so a registered API key can never leak through ``str(exc)``.
"""

from __future__ import annotations

from taimer_procountor.errors import CodedError


class TaimerError(CodedError):
    """Base of every Taimer adapter failure. Each subclass names its code in ``code``; ``retryable`` comes from the
    catalogue entry."""

    code = "TAIMER_ERROR"

    def __init__(
        self, message: str, *, status: int | None = None, field: str | None = None, code: str | None = None
    ) -> None:
        self.status = status
        super().__init__(code or self.code, message, field=field)
        self.message = self.detail

    def __str__(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.code}{status}: {self.message}"


class TaimerAuthError(TaimerError):
    """The API key was refused (401/403)."""

    code = "TAIMER_UNAUTHORIZED"


class TaimerNotFoundError(TaimerError):
    code = "TAIMER_NOT_FOUND"


class TaimerValidationError(TaimerError):
    """Taimer refused the data we sent (400/409/422)."""

    code = "TAIMER_VALIDATION"


class TaimerAttachmentUnavailableError(TaimerError):
    """Taimer does not hold the attachment's content (kept in Google Drive, or missing)."""

    code = "TAIMER_ATTACHMENT_UNAVAILABLE"


class TaimerServerError(TaimerError):
    """Taimer answered 5xx (after the retries, for safe calls)."""

    code = "TAIMER_SERVER_ERROR"


class TaimerRateLimitedError(TaimerServerError):
    code = "TAIMER_RATE_LIMITED"


class TaimerUnreachableError(TaimerError):
    """Connection refused or timed out before a request could have had any effect (or after the retries)."""

    code = "TAIMER_UNREACHABLE"


class TaimerOutcomeUnknownError(TaimerError):
    """A non-idempotent call failed after it was sent (5xx, timeout, dropped connection): it may or may not have
    taken effect. Not retried automatically; read the state back or repeat deliberately."""

    code = "TAIMER_OUTCOME_UNKNOWN"


class TaimerMalformedAnswerError(TaimerError):
    """Taimer answered something that is not the contract's shape (not JSON, a wrong type, an impossible date, an
    unbounded number or string...). The text names fields, never values (``taimer_procountor.http.answers``)."""

    code = "TAIMER_MALFORMED_ANSWER"


class TaimerPagingError(TaimerError):
    """A listing that does not end: a ``next_cursor`` seen before, or more pages than the adapter's ``max_pages``."""

    code = "TAIMER_PAGING_RUNAWAY"
