"""RateLimiter: deterministic checks with a fake clock, and a threaded check against a loopback server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from fastapi import FastAPI

from sandboxes.runner import serve_in_thread
from taimer_procountor.http import HttpTransport, RateLimiter, Timeouts


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def max_in_any_window(stamps: list[float], window: float = 1.0) -> int:
    """The largest number of timestamps that fall in any half-open window [t, t + window)."""
    stamps = sorted(stamps)
    best = 0
    j = 0
    for i in range(len(stamps)):
        while stamps[i] - stamps[j] >= window:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_sliding_window_never_exceeds_rate_with_fake_clock():
    clock = FakeClock()
    limiter = RateLimiter(5, safety_margin=0.0, clock=clock, sleep=clock.sleep)
    grants = []
    for _ in range(23):
        limiter.acquire()
        grants.append(clock.now)
    assert max_in_any_window(grants) == 5
    assert grants[:5] == [0.0] * 5  # a burst up to capacity is allowed at once
    assert grants[5] == pytest.approx(1.0)


def test_fractional_rate_below_one_spaces_requests():
    clock = FakeClock()
    limiter = RateLimiter(0.5, safety_margin=0.0, clock=clock, sleep=clock.sleep)
    grants = []
    for _ in range(3):
        limiter.acquire()
        grants.append(clock.now)
    assert grants == pytest.approx([0.0, 2.0, 4.0])


def test_pause_for_blocks_every_acquire_and_never_shortens():
    clock = FakeClock()
    limiter = RateLimiter(100, clock=clock, sleep=clock.sleep)
    limiter.pause_for(3)
    limiter.pause_for(1)  # a shorter pause does not shorten the first
    limiter.acquire()
    assert clock.now == pytest.approx(3.0)
    assert limiter.paused_for == 0.0


def test_invalid_rates_are_refused():
    for bad in (0, -1):
        with pytest.raises(ValueError):
            RateLimiter(bad)


def test_eight_threads_over_real_http_are_granted_at_most_the_configured_rate():
    """The limiter's guarantee, measured where it is exact: grant times taken under its lock while 8 threads send
    real requests. (What a server sees also depends on scheduling between grant and arrival; the Procountor client's
    integration test measures that against a sandbox in its own process.)"""
    app = FastAPI()
    served: list[int] = []

    @app.get("/_control/health")
    def health() -> dict:
        return {"ok": True}

    @app.get("/work")
    def work() -> dict:
        served.append(1)
        return {"ok": True}

    rate = 10
    total = 36
    grants: list[float] = []
    limiter = RateLimiter(rate, on_grant=grants.append)
    with serve_in_thread(app) as server, requests.Session() as session:
        transport = HttpTransport(session, server.base_url, limiter=limiter, timeouts=Timeouts(2, 5))
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: transport.send("GET", "/work").status_code, range(total)))
    assert statuses == [200] * total and len(served) == total
    assert len(grants) == total  # one grant per request, none skipped
    worst = max_in_any_window(grants, 1.0)
    print(f"most grants in any 1 s window: {worst} (limit {rate})")
    assert worst <= rate
    assert max_in_any_window(grants, limiter.window) <= rate  # the widened window holds too
