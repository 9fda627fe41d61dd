"""A client-side rate limiter shared by every thread that talks to one API.

``RateLimiter(rate_per_second)`` keeps what the **server** counts under ``capacity = floor(rate)`` requests in any
window of one second (for rates below one: one request per ``1 / rate`` seconds). The server counts *arrivals*, and
an arrival happens at an unknown moment between our grant (``acquire()``) and the answer (``Permit.release()``,
which ``HttpTransport`` calls as soon as the answer's headers or an error are in). So each request holds one of the
``capacity`` places from its grant until one window after its answer: two requests that hold the same place arrive
at least one window apart, whatever the threads, the scheduler and the network do between grant and arrival. That
bound is exact; it costs the answer time (a few milliseconds on loopback, 0.99 of the rate; ``capacity / (1 +
latency)`` against a distant server).

``safety_margin`` (seconds, optional) trades that exactness for throughput on a slow link: a request not answered
within the margin is assumed to have reached the server by ``grant + safety_margin``, and its place frees one window
after that. On a machine so loaded that a thread waits longer than the margin between its grant and its send, that
assumption fails and the server sees a violation (measured: one 429 in 6,564 requests at a load average of 12 on
2 cores with a 0.1 s margin), so the default is the exact bound.

Grants are also spaced evenly, ``window / capacity`` apart (50 ms at 20/s), rather than in bursts: a burst queues
up at the server, so its requests take longer and hold their places longer, and its arrivals spread out in time.

The guarantee (checked by the unit tests on times taken under the lock): at any moment at most ``capacity``
requests hold a place; consecutive grants are at least ``window / capacity`` apart. See docs/procountor-client.md
("Rate limit") for the measured figures.

``pause_for(seconds)`` makes every thread wait (honours a server's ``Retry-After``); a later, shorter pause never
shortens an earlier, longer one.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["Permit", "RateLimiter"]

# The least wait: a sleep of exactly the computed wait can land a rounding error short of its target, and the next
# look must not find a wait too small to move the clock. (Never grant early instead: not even by a nanosecond.)
_MIN_WAIT = 1e-6


class Permit:
    """One granted request. ``release()`` (or leaving a ``with`` block) once its answer or error is in; until then
    its place stays taken (with a ``safety_margin``: for at most that long after the grant, plus one window)."""

    __slots__ = ("_limiter", "granted_at", "released_at")

    def __init__(self, limiter: RateLimiter, granted_at: float) -> None:
        self._limiter = limiter
        self.granted_at = granted_at
        self.released_at: float | None = None

    def release(self) -> None:
        """Record that the request is answered (idempotent)."""
        self._limiter._release(self)

    def __enter__(self) -> Permit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"Permit(granted_at={self.granted_at:.6f}, released_at={self.released_at})"


class RateLimiter:
    """Thread-safe limiter. ``acquire()`` blocks until the caller may send one request and returns its ``Permit``."""

    def __init__(
        self,
        rate_per_second: float,
        *,
        safety_margin: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_grant: Callable[[float], None] | None = None,
        on_release: Callable[[float, float], None] | None = None,
    ) -> None:
        if not rate_per_second or rate_per_second <= 0:
            raise ValueError(f"rate_per_second must be positive, got {rate_per_second!r}")
        if safety_margin is not None and not 0 <= safety_margin < 1:
            raise ValueError(f"safety_margin must be None, or at least 0 s and under 1 s, got {safety_margin!r}")
        self.rate_per_second = float(rate_per_second)
        if self.rate_per_second >= 1:
            self._capacity = math.floor(self.rate_per_second)
            self._window = 1.0
        else:
            self._capacity = 1
            self._window = 1.0 / self.rate_per_second
        self._margin = math.inf if safety_margin is None else float(safety_margin)
        self._interval = self._window / self._capacity
        self._clock = clock
        self._sleep = sleep
        # Called under the lock (keep them cheap): on_grant(grant time), on_release(grant time, release time).
        self._on_grant = on_grant
        self._on_release = on_release
        self._lock = threading.Lock()
        self._held: deque[Permit] = deque()  # in grant order; freed ones leave once those before them have
        self._next_grant = -math.inf
        self._paused_until = 0.0

    @property
    def capacity(self) -> int:
        """How many requests may hold a place at once."""
        return self._capacity

    @property
    def window(self) -> float:
        """The server's window in seconds (1, or ``1 / rate`` below one request per second)."""
        return self._window

    @property
    def safety_margin(self) -> float | None:
        """How long after its grant an unanswered request is assumed to have reached the server (None: never
        assumed, its place frees one window after its answer)."""
        return None if self._margin == math.inf else self._margin

    @property
    def interval(self) -> float:
        """The least time between two grants (``window / capacity``)."""
        return self._interval

    def frees_at(self, permit: Permit) -> float:
        """When ``permit``'s place frees, as far as is known now (an unreleased permit: at the latest; infinity
        without a margin)."""
        arrived_by = permit.granted_at + self._margin
        if permit.released_at is not None:
            arrived_by = min(arrived_by, permit.released_at)
        return arrived_by + self._window

    def _try_acquire(self) -> Permit | float:
        """Grant now and return the permit, or return how long to wait before trying again."""
        with self._lock:
            now = self._clock()
            if self._paused_until > now:
                return self._paused_until - now
            held = self._held
            while held and self.frees_at(held[0]) <= now:
                held.popleft()
            if now < self._next_grant:
                return self._next_grant - now
            if len(held) >= self._capacity:  # count exactly only when it may matter
                busy = [p for p in held if self.frees_at(p) > now]
                if len(busy) >= self._capacity:
                    # The soonest place to free, unanswered permits counted at their latest. An answer still to
                    # come cannot free one sooner than now + window, later than any answered busy permit frees;
                    # with none answered (every place in flight), look again after one interval.
                    soonest = min(self.frees_at(p) for p in busy)
                    return soonest - now if soonest != math.inf else self._interval
            permit = Permit(self, now)
            held.append(permit)
            self._next_grant = now + self._interval
            if self._on_grant is not None:
                self._on_grant(now)
            return permit

    def acquire(self) -> Permit:
        """Block until one more request fits under the rate (and any pause has passed); return its permit, to be
        released when the request is answered or has failed."""
        while True:
            outcome = self._try_acquire()
            if isinstance(outcome, Permit):
                return outcome
            self._sleep(max(outcome, _MIN_WAIT))

    def _release(self, permit: Permit) -> None:
        with self._lock:
            if permit.released_at is not None:
                return
            permit.released_at = self._clock()
            if self._on_release is not None:
                self._on_release(permit.granted_at, permit.released_at)

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
        return (
            f"RateLimiter(rate={self.rate_per_second:g}/s, capacity={self._capacity}, window={self._window:g} s, "
            f"safety_margin={self.safety_margin})"
        )
