"""RateLimiter: deterministic checks with a fake clock, and a threaded check against a loopback server."""

from __future__ import annotations

import math
import socket
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest
import requests
from fastapi import FastAPI

from sandboxes.runner import serve_in_thread
from taimer_procountor.http import HttpTransport, RateLimiter, RetryPolicy, Timeouts, UnreachableError


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


def held_at(t: float, permits: list[tuple[float, float]], margin: float | None, window: float = 1.0) -> int:
    """How many requests hold a place at ``t``: granted by then, and not yet one window past the latest moment they
    can have reached the server (their answer, or ``margin`` after the grant when there is one, whichever is first)."""
    reach = math.inf if margin is None else margin
    return sum(1 for granted, released in permits if granted <= t < min(released, granted + reach) + window)


def test_grants_are_evenly_spaced_and_never_exceed_rate_with_fake_clock():
    clock = FakeClock()
    # Rate 4: the spacing (0.25 s) is exact in binary, so the window arithmetic below has no rounding to forgive.
    limiter = RateLimiter(4, safety_margin=0.0, clock=clock, sleep=clock.sleep)
    grants = []
    for _ in range(23):
        with limiter.acquire():
            grants.append(clock.now)
    assert max_in_any_window(grants) == 4
    # No burst: one grant every window / capacity seconds, the fifth exactly one window after the first.
    assert limiter.interval == 0.25
    assert grants == [0.25 * i for i in range(23)]


def test_a_place_frees_one_window_after_the_answer():
    clock = FakeClock()
    limiter = RateLimiter(2, safety_margin=0.1, clock=clock, sleep=clock.sleep)
    grants = []
    for latency in (0.01, 0.01, 0.01):
        with limiter.acquire():
            grants.append(clock.now)
            clock.now += latency  # the request takes this long to be answered
    # The first two are spaced 0.5 s apart; the third waits for the first's answer (0.01) plus one window.
    assert grants == pytest.approx([0.0, 0.5, 1.01])


def test_without_a_margin_an_unanswered_request_holds_its_place_until_its_answer():
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    assert limiter.safety_margin is None
    slow = limiter.acquire()
    waits = []

    def sleep(seconds: float) -> None:  # the slow request is answered at 2.5 s, while the next one waits
        waits.append(seconds)
        clock.sleep(seconds)
        if clock.now >= 2.5 and slow.released_at is None:
            clock.now = 2.5
            slow.release()

    limiter._sleep = sleep
    limiter.acquire()
    assert slow.released_at == pytest.approx(2.5)
    assert clock.now == pytest.approx(3.5)  # one window after the answer, not after the grant
    assert len(waits) > 1  # it kept looking while every place was in flight


def test_an_unanswered_request_holds_its_place_until_the_margin_ends():
    clock = FakeClock()
    limiter = RateLimiter(2, safety_margin=0.1, clock=clock, sleep=clock.sleep)
    slow = limiter.acquire()  # never answered: assumed to have reached the server by 0.1 s
    limiter.acquire().release()  # at 0.5, answered at once
    limiter.acquire()
    assert slow.released_at is None
    assert clock.now == pytest.approx(1.1)


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
    for margin in (-0.1, 1.0, math.inf):
        with pytest.raises(ValueError, match="safety_margin"):
            RateLimiter(20, safety_margin=margin)


def test_eight_threads_over_real_http_hold_at_most_the_configured_places():
    """The limiter's guarantee, measured where it is exact: grant and release times taken under its lock while 8
    threads send real requests (what the server itself counts is measured by the Procountor client's integration
    test and by bench/procountor_client.py, against a sandbox in its own process)."""
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
    permits: list[tuple[float, float]] = []
    limiter = RateLimiter(rate, on_grant=grants.append, on_release=lambda g, r: permits.append((g, r)))
    with serve_in_thread(app) as server, requests.Session() as session:
        transport = HttpTransport(session, server.base_url, limiter=limiter, timeouts=Timeouts(2, 5))
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: transport.send("GET", "/work").status_code, range(total)))
    assert statuses == [200] * total and len(served) == total
    assert len(grants) == total  # one grant per request, none skipped
    assert sorted(g for g, _ in permits) == grants  # and every permit was released by the transport
    assert all(released >= granted for granted, released in permits)
    worst = max_in_any_window(grants, 1.0)
    print(f"most grants in any 1 s window: {worst} (limit {rate})")
    assert worst <= rate
    # At every grant, at most `rate` requests hold a place (the one just granted included).
    assert max(held_at(g, permits, limiter.safety_margin) for g in grants) <= rate
    gaps = [b - a for a, b in pairwise(grants)]
    assert min(gaps) >= limiter.interval - 1e-9, "grants closer than window / capacity: a burst"


def test_a_failed_request_releases_its_permit():
    """A refused connection still releases the permit: the place frees one window after the failure."""
    released: list[tuple[float, float]] = []
    limiter = RateLimiter(5, on_release=lambda g, r: released.append((g, r)))
    with socket.socket() as sock:  # a free port with nothing listening on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with requests.Session() as session:
        transport = HttpTransport(
            session, f"http://127.0.0.1:{port}", limiter=limiter, timeouts=Timeouts(0.5, 0.5), retry=RetryPolicy.never()
        )
        with pytest.raises(UnreachableError):
            transport.send("POST", "/nothing-listens-here", json={})
    assert len(released) == 1
