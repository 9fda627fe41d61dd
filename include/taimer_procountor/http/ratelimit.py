"""A client-side rate limiter shared by every thread that talks to one API.

``RateLimiter(rate_per_second)`` guarantees that in **any** window of one second (not just in aligned one-second
buckets) at most ``floor(rate)`` calls of ``acquire()`` return (for rates below one: at most one call per
``1 / rate`` seconds). It keeps a log of the last grants (a sliding-window log), so a burst at the end of one
second and another at the start of the next cannot add up to twice the rate.

``safety_margin`` widens the window slightly (default 0.1 s): the server sees the request some milliseconds after
``acquire()`` returned, and that delay varies between threads. Without a margin two grants exactly one window apart
could arrive at the server less than a second apart. Procountor may suspend a client that goes over its limit, so
we trade a few percent of throughput for never crossing it.

``pause_for(seconds)`` makes every thread wait (honours a server's ``Retry-After``); a later, shorter pause never
shortens an earlier, longer one.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Thread-safe sliding-window limiter. ``acquire()`` blocks until the caller may send one request."""

    def __init__(
        self,
        rate_per_second: float,
        *,
        safety_margin: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_grant: Callable[[float], None] | None = None,
    ) -> None:
        if not rate_per_second or rate_per_second <= 0:
            raise ValueError(f"rate_per_second must be positive, got {rate_per_second!r}")
        if safety_margin < 0:
            raise ValueError("safety_margin must not be negative")
        self.rate_per_second = float(rate_per_second)
        if self.rate_per_second >= 1:
            self._capacity = math.floor(self.rate_per_second)
            self._window = 1.0 + safety_margin
        else:
            self._capacity = 1
            self._window = 1.0 / self.rate_per_second + safety_margin
        self._clock = clock
        self._sleep = sleep
        self._on_grant = on_grant  # called under the lock with each grant's clock time (metrics, tests); keep it cheap
        self._lock = threading.Lock()
        self._grants: deque[float] = deque()
        self._paused_until = 0.0

    @property
    def capacity(self) -> int:
        """How many grants fit in one window."""
        return self._capacity

    @property
    def window(self) -> float:
        """The window length in seconds, safety margin included."""
        return self._window

    def _try_acquire(self) -> float:
        """Grant now and return 0, or return how long to wait before trying again."""
        with self._lock:
            now = self._clock()
            if self._paused_until > now:
                return self._paused_until - now
            while self._grants and now - self._grants[0] >= self._window:
                self._grants.popleft()
            if len(self._grants) < self._capacity:
                self._grants.append(now)
                if self._on_grant is not None:
                    self._on_grant(now)
                return 0.0
            return max(self._grants[0] + self._window - now, 0.001)

    def acquire(self) -> None:
        """Block until one more request fits under the rate (and any pause has passed), then count it."""
        while True:
            wait = self._try_acquire()
            if wait <= 0:
                return
            self._sleep(wait)

    def pause_for(self, seconds: float) -> None:
        """Stop every thread from acquiring for ``seconds`` (e.g. a server's ``Retry-After``)."""
        if seconds <= 0:
            return
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when not paused)."""
        with self._lock:
            return max(self._paused_until - self._clock(), 0.0)

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate_per_second:g}/s, capacity={self._capacity}, window={self._window:g} s)"
