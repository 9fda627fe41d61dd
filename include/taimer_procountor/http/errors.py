"""Generic transport errors raised by ``HttpTransport.send``.

Every message passes through ``taimer_procountor.redaction.redact`` when the error is built, so no registered secret
ends up in an exception text. API clients catch these and re-raise their own typed errors (see
``taimer_procountor.procountor.errors``); they carry the same facts:

- ``HttpStatusError``: the server answered with a non-success status (after any retries). ``status``, ``body``
  (text, redacted, truncated), ``headers``, ``retry_after`` (seconds, when the server sent one).
- ``UnreachableError``: the request failed at the network level (refused, DNS, timeout) for a *safe* call, after
  retries, or before anything was sent for an unsafe one. The server certainly did not act on an unsafe call.
- ``OutcomeUnknownError``: an *unsafe* (non-idempotent) call was sent and then timed out, dropped, or got a 5xx:
  the server may or may not have acted. Never retried blindly: the caller must look the result up first.
"""

from __future__ import annotations

from collections.abc import Mapping

from taimer_procountor.redaction import redact

__all__ = ["HttpStatusError", "OutcomeUnknownError", "TransportError", "UnreachableError"]

BODY_EXCERPT_CHARS = 2000


class TransportError(Exception):
    """Base class: ``method`` and ``url`` of the failed call, ``status`` when there was an HTTP answer."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status: int | None = None,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.method = method.upper()
        self.url = redact(url)
        self.status = status
        self.body = redact(body[:BODY_EXCERPT_CHARS]) if body else body
        self.headers = {k: redact(v) for k, v in (headers or {}).items() if k.lower() != "authorization"}
        self.retry_after = retry_after
        self.attempts = attempts
        self.message = redact(message)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class HttpStatusError(TransportError):
    """A definite, non-success HTTP answer."""


class UnreachableError(TransportError):
    """No usable answer (connection refused, DNS failure, connect/read timeout) and the server did not act."""


class OutcomeUnknownError(TransportError):
    """An unsafe call was sent but no definite answer came back: the server may have acted on it."""
