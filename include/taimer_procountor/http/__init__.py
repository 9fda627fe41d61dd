"""Shared HTTP plumbing for the API clients (Procountor, Taimer). Generic: nothing here knows either API.

Public API::

    from taimer_procountor.http import (
        RateLimiter, Timeouts, RetryPolicy, HttpTransport,
        TransportError, HttpStatusError, UnreachableError, OutcomeUnknownError,
        parse_retry_after, is_retryable_status, request_was_sent,
    )

    limiter = RateLimiter(rate_per_second=20)          # share ONE limiter per API client across all threads
    transport = HttpTransport(
        session,                                       # a requests.Session (e.g. HttpHook.get_conn())
        "https://pts-api.procountor.com/api",          # base URL; paths are joined to it
        limiter=limiter,
        timeouts=Timeouts(connect=5, read=30),         # every request carries both
        retry=RetryPolicy(max_attempts=5, initial_backoff=0.5, max_backoff=30, jitter=0.5),
    )
    response = transport.send("GET", "/invoices", params={"size": 200})            # retried when transient
    response = transport.send("PUT", "/invoices/1", json=body, idempotent=True)    # retried: caller says safe
    response = transport.send("POST", "/invoices", json=body)                      # never retried after sending

- ``RateLimiter(rate_per_second, safety_margin=None)``: ``acquire()`` blocks until one more request fits, across all
  threads, and returns a ``Permit`` that ``HttpTransport`` releases when the answer is in; the server then counts
  at most ``floor(rate)`` arrivals in any one-second window. Grants are evenly spaced. ``pause_for(seconds)``
  stops every thread (``Retry-After``).
- ``Timeouts(connect, read)``: explicit timeouts; ``HttpTransport`` passes them on every request.
- ``RetryPolicy``: tenacity-based; exponential backoff with jitter and a cap; honours ``Retry-After`` (also pausing
  the shared limiter). Safe calls (GET/HEAD/OPTIONS, or ``idempotent=True``) are retried on connection errors,
  timeouts, 429 and 5xx. Unsafe calls are retried only when nothing was sent; a timeout, dropped connection or 5xx
  after sending raises ``OutcomeUnknownError``.
- ``HttpTransport.send(method, path, *, params, json, data, files, headers, idempotent, ok_statuses, timeouts,
  retry, stream) -> requests.Response``: with ``stream=True`` a successful answer comes back with its body unread
  (the caller iterates and closes it; nothing is retried once the body flows). Raises ``HttpStatusError`` (definite
  non-2xx answer, with ``status``, ``body``, ``headers``, ``retry_after``), ``UnreachableError`` or
  ``OutcomeUnknownError``. Every error text is redacted (``taimer_procountor.redaction``); register secrets before
  using them.
"""

from taimer_procountor.http.errors import HttpStatusError, OutcomeUnknownError, TransportError, UnreachableError
from taimer_procountor.http.ratelimit import Permit, RateLimiter
from taimer_procountor.http.retry import RetryPolicy, is_retryable_status, parse_retry_after
from taimer_procountor.http.transport import SAFE_METHODS, HttpTransport, Timeouts, request_was_sent

__all__ = [
    "SAFE_METHODS",
    "HttpStatusError",
    "HttpTransport",
    "OutcomeUnknownError",
    "Permit",
    "RateLimiter",
    "RetryPolicy",
    "Timeouts",
    "TransportError",
    "UnreachableError",
    "is_retryable_status",
    "parse_retry_after",
    "request_was_sent",
]
