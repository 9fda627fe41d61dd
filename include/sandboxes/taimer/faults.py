"""Fault injection, request log and stats for the Taimer sandbox, as one pure ASGI middleware.

Rules follow docs/ENGINEERING.md ("Fault rules"): ``{"kind", "path" (regex), "method", "nth", "probability",
"count", "seed", ...}``. A rule watches the API requests that match its method and path; ``nth`` fires on the n-th
such request only, ``probability`` fires at random (seeded), otherwise it fires on every match; ``count`` caps how
often it fires (``nth`` implies 1). The first rule that fires decides the request's fate.

Kinds (the Procountor sandbox's set; ``revoke_tokens`` has no meaning for a static API key and is refused):

- ``error_before_commit``: answer ``status`` (default 503) without running the handler;
- ``html_500``: answer 500 with an HTML page (a proxy error), without running the handler;
- ``error_after_commit``: run the handler (the change is kept), then answer ``status`` (default 500);
- ``drop_after_commit``: run the handler, then close the connection mid-answer;
- ``timeout_after_commit``: run the handler, wait ``seconds`` (default 5; longer than the client's read timeout),
  then answer;
- ``rate_limit``: answer 429 with ``Retry-After: retry_after`` (default 1), without running the handler;
- ``latency``: wait ``seconds`` (default 0.5), then handle normally.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

FaultKind = Literal[
    "error_before_commit",
    "error_after_commit",
    "drop_after_commit",
    "timeout_after_commit",
    "rate_limit",
    "latency",
    "html_500",
]


class FaultRule(BaseModel):
    kind: FaultKind
    path: str = ".*"
    method: str | None = None
    nth: int | None = Field(default=None, ge=1)
    probability: float | None = Field(default=None, ge=0, le=1)
    count: int | None = Field(default=None, ge=1)
    seed: int | None = None
    status: int | None = Field(default=None, ge=400, le=599)
    seconds: float | None = Field(default=None, ge=0, le=120)
    retry_after: float | None = Field(default=None, ge=0)


class DroppedConnection(Exception):
    """Raised after the response has started, so the server closes the connection without a full answer."""


class _QuietDrops(logging.Filter):
    """Keep uvicorn from printing a traceback for every drop we inject on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


def quiet_injected_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


@dataclass
class _ActiveRule:
    id: int
    rule: FaultRule
    pattern: re.Pattern[str]
    rng: random.Random
    seen: int = 0
    fired: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.rule.model_dump(exclude_none=True), "seen": self.seen, "fired": self.fired}


@dataclass
class FaultBook:
    """Rules, request log and counters; thread-safe."""

    log_size: int = 5000
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rules: list[_ActiveRule] = field(default_factory=list)
    _next_id: int = 1
    _requests: deque[dict[str, Any]] = field(default_factory=deque)
    _stats: Counter[str] = field(default_factory=Counter)
    _faults_fired: Counter[str] = field(default_factory=Counter)

    def add(self, rule: FaultRule) -> dict[str, Any]:
        pattern = re.compile(rule.path)
        with self._lock:
            active = _ActiveRule(self._next_id, rule, pattern, random.Random(rule.seed))
            self._next_id += 1
            self._rules.append(active)
            return active.as_dict()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def clear_rules(self) -> int:
        with self._lock:
            n = len(self._rules)
            self._rules.clear()
            return n

    def reset(self) -> None:
        with self._lock:
            self._rules.clear()
            self._requests.clear()
            self._stats.clear()
            self._faults_fired.clear()

    def pick(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            chosen: FaultRule | None = None
            for active in self._rules:
                rule = active.rule
                if rule.method and rule.method.upper() != method:
                    continue
                if not active.pattern.search(path):
                    continue
                active.seen += 1
                limit = rule.count if rule.count is not None else (1 if rule.nth is not None else None)
                if limit is not None and active.fired >= limit:
                    continue
                if rule.nth is not None:
                    fire = active.seen == rule.nth
                elif rule.probability is not None:
                    fire = active.rng.random() < rule.probability
                else:
                    fire = True
                if fire and chosen is None:
                    active.fired += 1
                    chosen = rule
            if chosen is not None:
                self._faults_fired[chosen.kind] += 1
            return chosen

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(entry)
            while len(self._requests) > self.log_size:
                self._requests.popleft()
            self._stats[f"{entry['method']} {entry['status']}"] += 1
            self._stats["total"] += 1

    def requests(self, limit: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._requests)
        return items[-limit:] if limit else items

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": dict(self._stats), "faults_fired": dict(self._faults_fired), "rules": len(self._rules)}


class FaultMiddleware:
    """Applies fault rules to requests under ``api_prefix`` and logs them (never their headers: the API key)."""

    def __init__(self, app: Any, book: FaultBook, api_prefix: str) -> None:
        self.app = app
        self.book = book
        self.api_prefix = api_prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.api_prefix):
            await self.app(scope, receive, send)
            return
        method = scope["method"].upper()
        path = scope["path"]
        started = time.monotonic()
        status_box: dict[str, Any] = {"status": None}
        rule = self.book.pick(method, path)
        kind = rule.kind if rule else None

        async def tracking_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
            await send(message)

        try:
            if rule is None:
                await self.app(scope, receive, tracking_send)
            elif kind == "latency":
                await asyncio.sleep(rule.seconds if rule.seconds is not None else 0.5)
                await self.app(scope, receive, tracking_send)
            elif kind in ("error_before_commit", "html_500", "rate_limit"):
                await _drain(receive)
                await _answer_fault(rule, tracking_send)
            else:
                captured: list[dict[str, Any]] = []

                async def capture(message: dict[str, Any]) -> None:
                    captured.append(message)

                await self.app(scope, receive, capture)  # the change is committed here
                if kind == "error_after_commit":
                    await _answer_fault(rule, tracking_send)
                elif kind == "timeout_after_commit":
                    await asyncio.sleep(rule.seconds if rule.seconds is not None else 5.0)
                    for message in captured:
                        await tracking_send(message)
                else:  # drop_after_commit
                    start = next((m for m in captured if m["type"] == "http.response.start"), None)
                    if start is not None:
                        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                        await tracking_send({**start, "headers": [*headers, (b"content-length", b"100000")]})
                        await send({"type": "http.response.body", "body": b"{", "more_body": True})
                    raise DroppedConnection("fault drop_after_commit: closing the connection mid-answer")
        finally:
            self.book.record(
                {
                    "method": method,
                    "path": path,
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "status": status_box["status"] if kind != "drop_after_commit" else None,
                    "fault": kind,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "at": time.time(),
                }
            )


async def _drain(receive: Any) -> None:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False) and message["type"] == "http.request"


async def _answer_fault(rule: FaultRule, send: Any) -> None:
    if rule.kind == "html_500":
        status, ctype = 500, b"text/html; charset=utf-8"
        body = b"<html><body><h1>500 Internal Server Error</h1><p>upstream proxy error</p></body></html>"
        extra: list[tuple[bytes, bytes]] = []
    elif rule.kind == "rate_limit":
        status, ctype = rule.status or 429, b"application/json"
        retry_after = rule.retry_after if rule.retry_after is not None else 1
        body = json.dumps({"error": {"code": "TAIMER_RATE_LIMITED", "message": "too many requests"}}).encode()
        extra = [(b"retry-after", f"{retry_after:g}".encode())]
    else:
        default = 503 if rule.kind == "error_before_commit" else 500
        status, ctype = rule.status or default, b"application/json"
        msg = {"error": {"code": "TAIMER_SERVER_ERROR", "message": f"injected fault {rule.kind}"}}
        body = json.dumps(msg).encode()
        extra = []
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
