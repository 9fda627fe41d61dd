"""Per-client sliding-window rate limit: at most N accepted requests in any window (default one second)."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque


class SlidingWindowLimiter:
    """``check(client)`` returns 0.0 when the request is accepted (and counts it) or the seconds until the window
    has room again. Refused requests do not count against the window; they are counted as violations."""

    def __init__(self, rate: int, window: float = 1.0) -> None:
        self.rate = rate
        self.window = window
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._violations: dict[str, int] = defaultdict(int)
        self._accepted: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def check(self, client: str, now: float | None = None) -> float:
        if self.rate <= 0:
            with self._lock:
                self._accepted[client] += 1
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[client]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.rate:
                self._violations[client] += 1
                return max(hits[0] + self.window - now, 0.001)
            hits.append(now)
            self._accepted[client] += 1
            return 0.0

    def record_violation(self, client: str) -> None:
        with self._lock:
            self._violations[client] += 1

    def stats(self) -> dict[str, dict[str, int]]:
        with self._lock:
            clients = set(self._accepted) | set(self._violations)
            return {c: {"accepted": self._accepted[c], "violations": self._violations[c]} for c in sorted(clients)}

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
            self._violations.clear()
            self._accepted.clear()


def retry_after_header(wait: float, fixed: int | None) -> str:
    return str(fixed if fixed is not None else max(1, math.ceil(wait)))
