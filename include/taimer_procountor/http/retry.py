"""Retry policy for HTTP calls, built on ``tenacity``.

``RetryPolicy`` holds the numbers (attempts, exponential backoff with jitter and a cap, how long a ``Retry-After``
may make us wait) and decides *what* is retryable:

- safe calls (GET/HEAD/OPTIONS, and any call the caller marks ``idempotent=True``, e.g. a PUT with a version or an
  action endpoint whose repeat is harmless) are retried on connection errors, timeouts, 5xx (except 501/505) and 429;
- unsafe calls (a POST) are retried only when the request certainly never reached the server (connection refused,
  DNS failure, connect timeout). A timeout, a dropped connection or a 5xx *after* sending is an "outcome unknown"
  failure and is never retried; a 429 on an unsafe call is raised as it is unless ``retry_unsafe_on_429`` is set.

The wait before attempt *n+1* is ``min(max_backoff, initial_backoff * multiplier**(n-1)) + uniform(0, jitter)``, or
the server's ``Retry-After`` when that is longer (capped at ``max_retry_after``; a longer ``Retry-After`` is not
honoured by sleeping: the error is raised so the run can end and a later run carries on).
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import tenacity

__all__ = ["RetryPolicy", "is_retryable_status", "parse_retry_after"]

NON_RETRYABLE_5XX = frozenset({501, 505})


def is_retryable_status(status: int) -> bool:
    """429 and 5xx (except "not implemented" / "version not supported", which a retry cannot fix)."""
    return status == 429 or (500 <= status < 600 and status not in NON_RETRYABLE_5XX)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header (delta seconds or an HTTP date) as seconds from now; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:  # "nan", "inf" and "1e999" parse as floats but are no wait (sleep(nan) raises)
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``max_attempts`` counts the first try (1 = never retry)."""

    max_attempts: int = 5
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.5
    max_retry_after: float = 120.0
    retry_unsafe_on_429: bool = False

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.initial_backoff, self.max_backoff, self.jitter, self.max_retry_after) < 0:
            raise ValueError("waits must not be negative")

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt only."""
        return cls(max_attempts=1)

    def backoff(self, attempt_number: int) -> float:
        """The wait (without jitter) after attempt ``attempt_number`` (1-based)."""
        return min(self.max_backoff, self.initial_backoff * self.multiplier ** max(attempt_number - 1, 0))

    def _wait(self) -> Callable[[tenacity.RetryCallState], float]:
        expo = tenacity.wait_exponential_jitter(
            multiplier=self.initial_backoff, max=self.max_backoff, exp_base=self.multiplier, jitter=self.jitter
        )

        def wait(state: tenacity.RetryCallState) -> float:
            base = expo(state)
            exc = state.outcome.exception() if state.outcome else None
            retry_after = getattr(exc, "retry_after", None)
            if retry_after:
                return max(base, min(float(retry_after), self.max_retry_after))
            return base

        return wait

    def _retry_after_too_long(self, state: tenacity.RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        return bool(retry_after and retry_after > self.max_retry_after)

    def retrying(
        self,
        retry_if: Callable[[BaseException], bool],
        *,
        sleep: Callable[[float], Any] = time.sleep,
        before_sleep: Callable[[tenacity.RetryCallState], Any] | None = None,
    ) -> tenacity.Retrying:
        """A ``tenacity.Retrying`` that retries exceptions for which ``retry_if`` is true and re-raises the last
        exception (not a ``RetryError``) when it gives up."""
        attempts = tenacity.stop_after_attempt(self.max_attempts)

        def stop(state: tenacity.RetryCallState) -> bool:
            return attempts(state) or self._retry_after_too_long(state)

        return tenacity.Retrying(
            stop=stop,
            wait=self._wait(),
            retry=tenacity.retry_if_exception(retry_if),
            reraise=True,
            sleep=sleep,
            before_sleep=before_sleep,
        )
