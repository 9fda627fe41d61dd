"""HttpTransport + RetryPolicy against a tiny real HTTP server on loopback (no mocks of requests)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections import Counter

import pytest
import requests
from fastapi import FastAPI, Request, Response

from sandboxes.runner import LOOPBACK, free_port, serve_in_thread
from taimer_procountor.http import (
    HttpStatusError,
    HttpTransport,
    OutcomeUnknownError,
    RateLimiter,
    RetryPolicy,
    Timeouts,
    UnreachableError,
    parse_retry_after,
    request_was_sent,
)
from taimer_procountor.redaction import register_secret

FAST_RETRY = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.05, jitter=0.01)


def make_app() -> FastAPI:
    app = FastAPI()
    app.state.hits = Counter()

    @app.get("/_control/health")
    def health() -> dict:
        return {"ok": True}

    @app.api_route("/flaky/{key}", methods=["GET", "PUT", "POST"])
    async def flaky(key: str, request: Request, fail: int = 0, status: int = 503, retry_after: str | None = None):
        app.state.hits[key] += 1
        if app.state.hits[key] <= fail:
            headers = {"Retry-After": retry_after} if retry_after else {}
            if status == 500:
                body = "<html><body><h1>500 Internal Server Error</h1><hr>nginx</body></html>"
                return Response(body, status_code=500, media_type="text/html", headers=headers)
            return Response(json.dumps({"errors": [{"status": status}]}), status_code=status, headers=headers)
        return {"key": key, "hits": app.state.hits[key], "method": request.method}

    @app.api_route("/slow/{key}", methods=["GET", "POST"])
    async def slow(key: str, delay: float = 1.0):
        import asyncio

        app.state.hits[key] += 1
        await asyncio.sleep(delay)
        return {"key": key}

    @app.get("/echo-secret")
    def echo_secret(value: str):
        return Response(f"refused: {value}", status_code=400)

    return app


@pytest.fixture(scope="module")
def server():
    app = make_app()
    with serve_in_thread(app) as running:
        running.app = app
        yield running


@pytest.fixture
def transport(server):
    with requests.Session() as session:
        yield HttpTransport(session, server.base_url, timeouts=Timeouts(connect=2, read=5), retry=FAST_RETRY)


def unique(name: str) -> str:
    return f"{name}-{time.monotonic_ns()}"


def test_get_is_retried_on_503_until_it_succeeds(server, transport):
    key = unique("get503")
    response = transport.send("GET", f"/flaky/{key}", params={"fail": 2, "status": 503})
    assert response.json()["hits"] == 3
    assert server.app.state.hits[key] == 3


def test_get_is_retried_on_429_and_gives_up_after_max_attempts(server, transport):
    key = unique("get429")
    with pytest.raises(HttpStatusError) as info:
        transport.send("GET", f"/flaky/{key}", params={"fail": 10, "status": 429})
    assert info.value.status == 429
    assert info.value.attempts == FAST_RETRY.max_attempts
    assert server.app.state.hits[key] == FAST_RETRY.max_attempts


def test_html_500_body_is_kept_in_the_error(server, transport):
    key = unique("html")
    with pytest.raises(HttpStatusError) as info:
        transport.send("GET", f"/flaky/{key}", params={"fail": 10, "status": 500})
    assert info.value.status == 500
    assert "nginx" in (info.value.body or "")


def test_4xx_is_not_retried(server, transport):
    key = unique("get400")
    with pytest.raises(HttpStatusError) as info:
        transport.send("GET", f"/flaky/{key}", params={"fail": 10, "status": 400})
    assert info.value.status == 400
    assert server.app.state.hits[key] == 1


def test_post_is_never_retried_on_5xx_and_raises_outcome_unknown(server, transport):
    key = unique("post500")
    with pytest.raises(OutcomeUnknownError) as info:
        transport.send("POST", f"/flaky/{key}", params={"fail": 1, "status": 503}, json={"a": 1})
    assert info.value.status == 503
    assert server.app.state.hits[key] == 1


def test_post_429_is_raised_not_retried_by_default(server, transport):
    key = unique("post429")
    with pytest.raises(HttpStatusError) as info:
        transport.send("POST", f"/flaky/{key}", params={"fail": 1, "status": 429}, json={})
    assert not isinstance(info.value, OutcomeUnknownError)
    assert server.app.state.hits[key] == 1


def test_put_marked_idempotent_is_retried_but_unmarked_put_is_not(server, transport):
    key = unique("put")
    response = transport.send("PUT", f"/flaky/{key}", params={"fail": 1, "status": 502}, json={}, idempotent=True)
    assert response.status_code == 200
    assert server.app.state.hits[key] == 2
    key2 = unique("put2")
    with pytest.raises(OutcomeUnknownError):
        transport.send("PUT", f"/flaky/{key2}", params={"fail": 1, "status": 502}, json={})
    assert server.app.state.hits[key2] == 1


def test_read_timeout_on_post_is_outcome_unknown_and_on_get_retried(server):
    with requests.Session() as session:
        t = HttpTransport(session, server.base_url, timeouts=Timeouts(connect=2, read=0.3), retry=FAST_RETRY)
        key = unique("slowpost")
        with pytest.raises(OutcomeUnknownError):
            t.send("POST", f"/slow/{key}", params={"delay": 1.0}, json={})
        assert server.app.state.hits[key] == 1
        key2 = unique("slowget")
        with pytest.raises(UnreachableError) as info:
            t.send("GET", f"/slow/{key2}", params={"delay": 1.0}, retry=RetryPolicy(max_attempts=2, initial_backoff=0))
        assert info.value.attempts == 2
        assert server.app.state.hits[key2] == 2


def test_connection_refused_is_unreachable_and_safe_to_retry_even_for_post():
    port = free_port()  # nothing listens there
    with requests.Session() as session:
        t = HttpTransport(session, f"http://{LOOPBACK}:{port}", timeouts=Timeouts(1, 1), retry=FAST_RETRY)
        with pytest.raises(UnreachableError) as info:
            t.send("POST", "/invoices", json={})
    assert not isinstance(info.value, OutcomeUnknownError)
    assert info.value.attempts == FAST_RETRY.max_attempts


class _DroppingServer:
    """Accepts a connection, reads the request, then closes without answering (a dropped connection)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.requests += 1

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=2)
        self.sock.close()


def test_dropped_connection_after_sending_a_post_is_outcome_unknown():
    dropping = _DroppingServer()
    try:
        with requests.Session() as session:
            t = HttpTransport(session, f"http://{LOOPBACK}:{dropping.port}", timeouts=Timeouts(1, 2), retry=FAST_RETRY)
            with pytest.raises(OutcomeUnknownError) as info:
                t.send("POST", "/invoices", json={"x": 1})
            assert info.value.status is None
            assert dropping.requests == 1
            with pytest.raises(UnreachableError):
                t.send("GET", "/invoices")
            assert dropping.requests == 1 + FAST_RETRY.max_attempts
    finally:
        dropping.close()


def test_request_was_sent_classifies_refused_connections_as_not_sent():
    port = free_port()
    with pytest.raises(requests.ConnectionError) as info:
        requests.get(f"http://{LOOPBACK}:{port}/", timeout=1)
    assert request_was_sent(info.value) is False
    assert request_was_sent(requests.ReadTimeout("read timed out")) is True


def test_retry_after_is_honoured_and_pauses_the_shared_limiter(server):
    waits: list[float] = []
    clock = [0.0]
    limiter = RateLimiter(100, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    with requests.Session() as session:
        t = HttpTransport(session, server.base_url, limiter=limiter, retry=FAST_RETRY, sleep=waits.append)
        key = unique("ra")
        response = t.send("GET", f"/flaky/{key}", params={"fail": 1, "status": 429, "retry_after": "2"})
    assert response.status_code == 200
    assert waits and waits[0] >= 2.0  # backoff alone would be ~0.01 s
    assert clock[0] >= 2.0  # the second acquire waited out the pause


def test_parse_retry_after_reads_seconds_and_http_dates():
    from datetime import UTC, datetime

    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:05 GMT", now=now) == 5.0
    for unusable in ("nan", "NaN", "inf", "-inf", "1e999"):  # floats, but no wait one can sleep
        assert parse_retry_after(unusable) is None, unusable


def test_errors_and_logs_redact_registered_secrets(server, transport, caplog):
    secret = "s3cr3t-" + unique("value")
    register_secret(secret)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(HttpStatusError) as info:
        transport.send("GET", "/echo-secret", params={"value": secret})
    assert info.value.status == 400
    assert secret not in str(info.value)
    assert secret not in (info.value.body or "")
    assert secret not in info.value.url
    assert "***" in (info.value.body or "")
    assert caplog.records, "the transport logs at DEBUG"
    assert all(secret not in r.getMessage() for r in caplog.records)
