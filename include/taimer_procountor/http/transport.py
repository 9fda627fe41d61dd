"""``HttpTransport``: one place that combines a ``requests.Session``, a base URL, the rate limiter, explicit
timeouts, the retry policy and secret redaction for every call an API client makes.

The session comes from outside (Airflow's ``HttpHook.get_conn()`` hands one out; plain library use passes
``requests.Session()``), so connection settings such as proxies and TLS verification stay where the operator set
them. The transport adds nothing to the session itself; per-call headers (e.g. ``Authorization``) are passed to
``send``.

A request body given as a file object cannot be re-read by a retry: pass ``bytes`` for anything that may be retried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import requests
import urllib3.exceptions

from taimer_procountor.http.errors import HttpStatusError, OutcomeUnknownError, TransportError, UnreachableError
from taimer_procountor.http.ratelimit import RateLimiter
from taimer_procountor.http.retry import RetryPolicy, is_retryable_status, parse_retry_after
from taimer_procountor.redaction import get_logger, redact

__all__ = ["SAFE_METHODS", "HttpTransport", "Timeouts", "request_was_sent"]

log = get_logger(__name__)
# urllib3 logs each request line (path and query) at DEBUG: mask registered secrets there too.
get_logger("urllib3.connectionpool")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NOT_SENT_REASONS = (
    urllib3.exceptions.NewConnectionError,  # refused, unreachable, DNS (NameResolutionError is a subclass)
    urllib3.exceptions.ConnectTimeoutError,
)


@dataclass(frozen=True)
class Timeouts:
    """Explicit connect and read timeouts in seconds; every request carries both."""

    connect: float = 5.0
    read: float = 30.0

    def __post_init__(self) -> None:
        if self.connect <= 0 or self.read <= 0:
            raise ValueError("timeouts must be positive")

    def as_requests(self) -> tuple[float, float]:
        return (self.connect, self.read)


def request_was_sent(exc: BaseException) -> bool:
    """False only when ``exc`` proves the request never reached the server (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError | requests.exceptions.InvalidURL):
        return False
    if isinstance(exc, requests.exceptions.ProxyError):
        return False
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.exceptions.ChunkedEncodingError):
        seen: set[int] = set()
        stack: list[Any] = [exc]
        while stack:
            item = stack.pop()
            if item is None or id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, _NOT_SENT_REASONS):
                return False
            if isinstance(item, urllib3.exceptions.MaxRetryError):
                stack.append(item.reason)
            if isinstance(item, BaseException):
                stack.extend(a for a in item.args if isinstance(a, BaseException))
                stack.append(item.__cause__)
                stack.append(item.__context__)
    return True


class HttpTransport:
    """Send HTTP requests through one session with rate limiting, timeouts, retries and redacted errors.

    ``send`` returns the ``requests.Response`` when its status is in ``ok_statuses`` (default: any 2xx) and raises
    a ``TransportError`` subclass otherwise (see ``taimer_procountor.http.errors``).
    """

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        *,
        limiter: RateLimiter | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        if not base_url or "://" not in base_url:
            raise ValueError(f"base_url needs a scheme, got {base_url!r}")
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.log = logger or log
        self._sleep = sleep

    def url_for(self, path: str) -> str:
        """``path`` joined to the base URL (an absolute URL is returned as it is)."""
        if "://" in path:
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        ok_statuses: Collection[int] | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send one logical request (possibly several attempts).

        ``idempotent``: None means "safe iff the method is GET/HEAD/OPTIONS"; pass True for a PUT (or a token POST)
        whose repetition is harmless, False to forbid retries after sending.

        ``stream=True``: a successful response is returned as soon as its headers arrived, its body unread; the caller
        reads it (``response.iter_content(chunk_size)``) and must close it (``response.close()``, or ``with``). The
        timeouts still apply (the read timeout between bytes). Retries happen only before a successful response is
        returned (error answers are read and closed here as usual); once the caller reads the body nothing is retried,
        and a broken connection surfaces from ``iter_content`` as a ``requests`` exception.
        """
        method = method.upper()
        safe = method in SAFE_METHODS if idempotent is None else idempotent
        url = self.url_for(path)
        timeouts = timeouts or self.timeouts
        policy = retry or self.retry
        attempts = 0

        def attempt() -> requests.Response:
            nonlocal attempts
            attempts += 1
            # The permit is released as soon as the answer's headers (or an error) are in: by then the server has
            # counted the request, so the limiter knows its place in the server's window (http/ratelimit.py).
            permit = self.limiter.acquire() if self.limiter is not None else None
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    files=files,
                    headers=dict(headers) if headers else None,
                    timeout=timeouts.as_requests(),
                    stream=stream,
                )
            except requests.RequestException as exc:
                elapsed = time.monotonic() - started
                sent = request_was_sent(exc)
                kind = type(exc).__name__
                self.log.debug("%s %s failed after %.3f s (attempt %d): %s", method, url, elapsed, attempts, kind)
                if sent and not safe:
                    raise OutcomeUnknownError(
                        f"{method} {url}: {kind} after the request was sent; the server may have acted on it "
                        f"({redact(exc)})",
                        method=method,
                        url=url,
                        attempts=attempts,
                    ) from exc
                raise UnreachableError(
                    f"{method} {url}: {kind} ({redact(exc)})", method=method, url=url, attempts=attempts
                ) from exc
            finally:
                if permit is not None:
                    permit.release()
            elapsed = time.monotonic() - started
            status = response.status_code
            self.log.debug("%s %s -> %d in %.3f s (attempt %d)", method, url, status, elapsed, attempts)
            if (status in ok_statuses) if ok_statuses is not None else 200 <= status < 300:
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after and status in (429, 503) and self.limiter is not None:
                self.limiter.pause_for(min(retry_after, policy.max_retry_after))
            body = _safe_text(response)
            if stream:
                response.close()  # the error body is read; give the connection back before any retry
            common: dict[str, Any] = {
                "method": method,
                "url": url,
                "status": status,
                "body": body,
                "headers": dict(response.headers),
                "retry_after": retry_after,
                "attempts": attempts,
            }
            if not safe and status >= 500:
                raise OutcomeUnknownError(
                    f"{method} {url} answered {status} after the request was sent; the server may have acted on it",
                    **common,
                )
            raise HttpStatusError(f"{method} {url} answered {status}: {_excerpt(body)}", **common)

        def retry_if(exc: BaseException) -> bool:
            if isinstance(exc, OutcomeUnknownError):
                return False
            if isinstance(exc, UnreachableError):
                return True  # safe call, or an unsafe one that never left this machine
            if isinstance(exc, HttpStatusError) and exc.status is not None:
                if safe:
                    return is_retryable_status(exc.status)
                return exc.status == 429 and policy.retry_unsafe_on_429
            return False

        def before_sleep(state: Any) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            self.log.warning(
                "%s %s: attempt %d failed (%s), retrying in %.2f s",
                method,
                url,
                state.attempt_number,
                redact(exc) if exc else "?",
                wait,
            )

        retrying = policy.retrying(retry_if, sleep=self._sleep, before_sleep=before_sleep)
        try:
            return retrying(attempt)
        except TransportError as exc:
            exc.attempts = attempts
            raise


def _safe_text(response: requests.Response) -> str:
    try:
        return response.text
    except Exception:  # undecodable body: keep going with a marker instead of failing the error path
        return "<undecodable body>"


def _excerpt(text: str | None, limit: int = 300) -> str:
    if not text:
        return "(empty body)"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
