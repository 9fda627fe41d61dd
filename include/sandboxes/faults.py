"""Fault injection shared by every sandbox: the rule model, the engine that decides which rules fire, the request log,
the ASGI gateway that makes a fired rule happen, and the control routes (``/_control/faults``, ``/_control/requests``).

Rule shape (docs/ENGINEERING.md, "Sandboxes: shared contract")::

    {"kind": "error_after_commit", "path": "^/api/invoices$", "method": "POST", "nth": 3, "probability": null,
     "count": 1, "seed": null, "status": null, "seconds": null, "client_id": null}

- A rule *matches* a request when ``path`` (a regular expression, searched in the URL path; default ``^/api/``) and
  ``method`` (one or comma-separated; null = any) match. Only requests under the sandbox's API prefix are subject to
  faults; the control API never is.
- It *fires* on the ``nth`` matching request and later ones (null: from the first), each time with ``probability``
  (null: always) drawn from a ``random.Random(seed)`` of that rule (a seed gives a repeatable pattern), at most
  ``count`` times (null: once when ``nth`` is set, otherwise unlimited). So ``{"nth": 3}`` fires on the third match
  only, ``{"nth": 3, "count": 2}`` on the third and fourth.
- Every rule that fires for a request counts (``matched``, ``fired``, ``faults_fired`` per kind). Latency rules all
  sleep, ``revoke_tokens`` rules all revoke, then the first before-commit rule answers; otherwise the route runs and
  the first after-commit rule replaces, drops or delays its answer.
- ``seconds``: latency sleep (default 0.2), the hold of ``timeout_after_commit`` (default: the sandbox's timeout
  fault setting), ``Retry-After`` of ``rate_limit`` (default 1). ``retry_after`` is still accepted as an alias of
  ``seconds`` (the Taimer sandbox's old field). ``status`` overrides the answer's status of the error kinds.

The engine and the log are thread-safe (one lock each). A sandbox passes its own error bodies and hooks (token check,
rate limit, token revocation) to ``FaultGateway`` by subclassing it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

log = logging.getLogger(__name__)

FaultKind = Literal[
    "error_before_commit",
    "error_after_commit",
    "drop_after_commit",
    "timeout_after_commit",
    "rate_limit",
    "revoke_tokens",
    "latency",
    "html_500",
]
ALL_KINDS: frozenset[str] = frozenset(get_args(FaultKind))
BEFORE_COMMIT: frozenset[str] = frozenset({"error_before_commit", "rate_limit", "html_500"})
AFTER_COMMIT: frozenset[str] = frozenset({"error_after_commit", "drop_after_commit", "timeout_after_commit"})
DEFAULT_LATENCY_SECONDS = 0.2
DEFAULT_RETRY_AFTER_SECONDS = 1
HTML_500 = (
    b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server "
    b"Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
SECRET_QUERY_NAMES = frozenset({"client_secret", "api_key", "apikey", "access_token", "token", "password"})


# ================================================================================================= rules and engine


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    path: str = r"^/api/"
    method: str | None = None  # e.g. "POST" or "GET,PUT"; null = any
    nth: int | None = Field(default=None, ge=1)
    probability: float | None = Field(default=None, ge=0.0, le=1.0)
    count: int | None = Field(default=None, ge=1)
    seed: int | None = None
    status: int | None = Field(default=None, ge=400, le=599)  # error kinds: 503 before / 500 after; rate_limit: 429
    seconds: float | None = Field(default=None, ge=0.0)  # latency sleep, timeout hold, rate_limit Retry-After
    client_id: str | None = None  # revoke_tokens: only this client's tokens (null: all)

    @model_validator(mode="before")
    @classmethod
    def _legacy_retry_after(cls, data: Any) -> Any:
        if isinstance(data, dict) and "retry_after" in data:
            data = dict(data)
            retry_after = data.pop("retry_after")
            if data.get("seconds") is None:
                data["seconds"] = retry_after
        return data

    @field_validator("path")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return v


class FaultRuleError(ValueError):
    """A rule the engine refuses; ``errors`` are ``{"field", "message"}`` items."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{e.get('field')}: {e['message']}" for e in errors))
        self.errors = errors


class _Active:
    def __init__(self, rule_id: int, rule: FaultRule) -> None:
        self.id = rule_id
        self.rule = rule
        self.regex = re.compile(rule.path)
        self.methods = {m.strip().upper() for m in rule.method.split(",") if m.strip()} if rule.method else None
        self.rng = random.Random(rule.seed)
        self.limit = rule.count if rule.count is not None else (1 if rule.nth is not None else None)
        self.matched = 0
        self.fired = 0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.rule.model_dump(), "matched": self.matched, "fired": self.fired}


class FaultEngine:
    """The rules of one sandbox and their counters. ``supported_kinds`` narrows the kinds a sandbox accepts."""

    def __init__(self, supported_kinds: Iterable[str] = ALL_KINDS) -> None:
        self.supported_kinds = frozenset(supported_kinds)
        self._rules: list[_Active] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.fired_by_kind: dict[str, int] = {}

    def validate(self, raw: Any) -> FaultRule:
        """A ``FaultRule`` from a JSON object, or ``FaultRuleError``."""
        try:
            rule = raw if isinstance(raw, FaultRule) else FaultRule.model_validate(raw)
        except ValidationError as exc:
            items = exc.errors(include_url=False)[:20]
            raise FaultRuleError(
                [{"field": ".".join(map(str, e["loc"])) or None, "message": e["msg"][:300]} for e in items]
            ) from exc
        if rule.kind not in self.supported_kinds:
            supported = ", ".join(sorted(self.supported_kinds))
            raise FaultRuleError([{"field": "kind", "message": f"{rule.kind} is not supported here ({supported})"}])
        return rule

    def add(self, rule: FaultRule | dict[str, Any]) -> dict[str, Any]:
        rule = self.validate(rule)
        with self._lock:
            active = _Active(next(self._ids), rule)
            self._rules.append(active)
            return active.as_dict()

    def clear(self) -> int:
        with self._lock:
            removed = len(self._rules)
            self._rules.clear()
            return removed

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def fired_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.fired_by_kind)

    def reset_counts(self) -> None:
        with self._lock:
            self.fired_by_kind.clear()

    def reset(self) -> None:
        """No rules, no counts."""
        with self._lock:
            self._rules.clear()
            self.fired_by_kind.clear()

    def fire(self, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this request, in the order they were added (their counters advance)."""
        out: list[FaultRule] = []
        method = method.upper()
        with self._lock:
            for r in self._rules:
                if r.methods is not None and method not in r.methods:
                    continue
                if not r.regex.search(path):
                    continue
                r.matched += 1
                if r.rule.nth is not None and r.matched < r.rule.nth:
                    continue
                if r.limit is not None and r.fired >= r.limit:
                    continue
                if r.rule.probability is not None and r.rng.random() >= r.rule.probability:
                    continue
                r.fired += 1
                self.fired_by_kind[r.rule.kind] = self.fired_by_kind.get(r.rule.kind, 0) + 1
                out.append(r.rule)
        return out


# ================================================================================================= request log


class RequestLog:
    """The latest ``size`` API requests with counters; thread-safe. Entries never hold headers or bodies."""

    def __init__(self, size: int = 10_000) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._by_status: Counter[str] = Counter()
        self._by_method_status: Counter[str] = Counter()
        self.total = 0

    def append(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)
            self.total += 1
            self._by_status[str(entry.get("status"))] += 1
            self._by_method_status[f"{entry.get('method')} {entry.get('status')}"] += 1

    def entries(self, path: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._entries)
        if path:
            items = [e for e in items if path in e["path"]]
        return items[-limit:] if limit else items

    def counts(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests_total": self.total,
                "requests_by_status": dict(self._by_status),
                "requests_by_method_status": dict(self._by_method_status),
            }

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_status.clear()
            self._by_method_status.clear()
            self.total = 0


def safe_query(raw: str) -> str:
    """The query string with the values of secret-looking parameters masked."""
    pairs = parse_qsl(raw, keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in SECRET_QUERY_NAMES else v) for k, v in pairs])


# ================================================================================================= ASGI gateway


class DroppedConnection(Exception):
    """Raised after a response has started when the transport cannot be aborted, so the server breaks it off."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


def quiet_injected_drops() -> None:
    """Keep uvicorn from printing a traceback for a drop injected on purpose."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


async def send_simple(send: Any, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None):
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _drain(receive: Any) -> None:
    """Read the request body we will not use, so the connection stays usable after an early answer."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def drop_connection(receive: Any, send: Any) -> None:
    """Close the TCP connection without an answer (RST where the server's transport allows it)."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None:
        transport.abort()
        # Tell uvicorn's request cycle the exchange is over, so it does not log a missing response as an error.
        for attr in ("response_started", "response_complete"):
            if hasattr(cycle, attr):
                setattr(cycle, attr, True)
        return
    # Fallback: start a response and break off in the middle; the client sees a broken connection.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100000")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise DroppedConnection("sandbox fault: connection dropped after commit")


class FaultGateway:
    """ASGI middleware in front of a sandbox's API: applies fired fault rules and writes the request log.

    Order per request under ``api_prefix``: rules fire; latency rules sleep and ``revoke_tokens`` rules call
    ``revoke``; a before-commit rule answers at once; else ``guard`` may answer (token check, rate limit); else the
    route runs (it commits) and an after-commit rule replaces, drops or delays its answer. Subclasses override the
    hooks below for their API's error shapes.
    """

    def __init__(self, app: Any, *, engine: FaultEngine, record: Callable[[dict[str, Any]], None], api_prefix: str):
        self.app = app
        self.engine = engine
        self.record = record
        self.api_prefix = api_prefix
        quiet_injected_drops()

    # ------------------------------------------------------------------------------------------------ hooks
    def identify(self, headers: dict[str, str]) -> str | None:
        """The client a request comes from, for the log (None when the API has no such notion)."""
        return None

    def error_body(self, status: int, kind: str) -> bytes:
        """The JSON body of an injected error answer."""
        return json.dumps({"errors": [{"status": status, "message": f"Injected sandbox fault {kind}"}]}).encode()

    def rate_limit_body(self) -> bytes:
        return json.dumps({"errors": [{"status": 429, "message": "Too many requests"}]}).encode()

    def timeout_seconds(self) -> float:
        """How long ``timeout_after_commit`` holds the answer when the rule has no ``seconds``."""
        return 5.0

    def revoke(self, rule: FaultRule) -> None:
        """``revoke_tokens``: only sandboxes that support the kind override this."""

    async def guard(self, scope: dict[str, Any], headers: dict[str, str], entry: dict[str, Any], send: Any) -> bool:
        """Answer before the route (e.g. 401, 429) and return True, or return False to let the route run."""
        return False

    # ------------------------------------------------------------------------------------------------ ASGI
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.api_prefix):
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        entry: dict[str, Any] = {
            "time": datetime.now().isoformat(timespec="milliseconds"),
            "method": scope["method"],
            "path": scope["path"],
            "query": safe_query(scope.get("query_string", b"").decode("latin-1")),
            "status": None,
            "client_id": None,
            "faults": [],
        }
        try:
            await self._handle(scope, receive, send, entry)
        finally:
            entry["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
            self.record(entry)

    async def _handle(self, scope: dict[str, Any], receive: Any, send: Any, entry: dict[str, Any]) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        entry["client_id"] = self.identify(headers)
        rules = self.engine.fire(entry["method"], entry["path"])
        entry["faults"] = [r.kind for r in rules]
        for rule in rules:
            if rule.kind == "latency":
                await asyncio.sleep(rule.seconds if rule.seconds is not None else DEFAULT_LATENCY_SECONDS)
            elif rule.kind == "revoke_tokens":
                self.revoke(rule)
        before = next((r for r in rules if r.kind in BEFORE_COMMIT), None)
        if before is not None:
            await _drain(receive)
            entry["status"] = await self._before_commit(before, send)
            return
        if await self.guard(scope, headers, entry, send):
            return
        after = next((r for r in rules if r.kind in AFTER_COMMIT), None)
        if after is None:
            status_box: list[int] = []

            async def send_wrapper(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    status_box.append(message["status"])
                await send(message)

            try:
                await self.app(scope, receive, send_wrapper)
            finally:
                entry["status"] = status_box[0] if status_box else 500
                state = scope.get("state") or {}
                entry["client_id"] = entry["client_id"] or state.get("client_id")
            return
        # After-commit fault: run the route to completion (it commits), hold its answer, then misbehave.
        messages: list[dict[str, Any]] = []

        async def capture(message: dict[str, Any]) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        entry["committed_status"] = next((m["status"] for m in messages if m["type"] == "http.response.start"), 500)
        if after.kind == "error_after_commit":
            status = after.status or 500
            entry["status"] = status
            await send_simple(send, status, self.error_body(status, after.kind), "application/json")
        elif after.kind == "drop_after_commit":
            entry["status"] = "dropped"
            await drop_connection(receive, send)
        else:  # timeout_after_commit
            entry["status"] = "timeout"
            await asyncio.sleep(after.seconds if after.seconds is not None else self.timeout_seconds())
            try:
                for m in messages:
                    await send(m)
            except Exception:  # the client gave up long ago; nothing to answer
                log.info("timeout fault: the client had gone away")

    async def _before_commit(self, rule: FaultRule, send: Any) -> int:
        if rule.kind == "html_500":
            await send_simple(send, 500, HTML_500, "text/html")
            return 500
        if rule.kind == "rate_limit":
            status = rule.status or 429
            retry = str(int(rule.seconds if rule.seconds is not None else DEFAULT_RETRY_AFTER_SECONDS))
            await send_simple(send, status, self.rate_limit_body(), "application/json", {"Retry-After": retry})
            return status
        status = rule.status or 503
        await send_simple(send, status, self.error_body(status, rule.kind), "application/json")
        return status


# ================================================================================================= control routes


def _control_error(status: int, errors: list[dict[str, Any]]) -> JSONResponse:
    items = [{"status": status, **{k: v for k, v in e.items() if v is not None}} for e in errors]
    return JSONResponse({"errors": items}, status_code=status)


def add_fault_control_routes(
    router: APIRouter,
    engine_of: Callable[[Request], FaultEngine],
    requests_of: Callable[[Request], list[dict[str, Any]]],
) -> None:
    """The fault and request-log endpoints, the same in every sandbox (``router`` has the ``/_control`` prefix).

    ``POST /faults`` (a rule or a list; answers the rule(s) with ``id``, ``matched``, ``fired``; 400
    ``{"errors": [{"status", "field", "message"}]}`` for an invalid or unsupported rule), ``GET /faults`` (a list),
    ``DELETE /faults`` (``{"status": "cleared", "cleared": n}``), ``DELETE /faults/{id}`` (404 if unknown),
    ``GET /requests`` (a list, oldest first; ``?path=`` substring, ``?limit=N`` latest N).
    """

    @router.post("/faults")
    async def add_faults(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return _control_error(400, [{"field": None, "message": "body is not JSON"}])
        raws = body if isinstance(body, list) else [body]
        engine = engine_of(request)
        try:
            rules = [engine.validate(raw) for raw in raws]
        except FaultRuleError as exc:
            return _control_error(400, exc.errors)
        added = [engine.add(rule) for rule in rules]
        return JSONResponse(added if isinstance(body, list) else added[0])

    @router.get("/faults")
    async def list_faults(request: Request) -> JSONResponse:
        return JSONResponse(engine_of(request).list())

    @router.delete("/faults")
    async def clear_faults(request: Request) -> JSONResponse:
        return JSONResponse({"status": "cleared", "cleared": engine_of(request).clear()})

    @router.delete("/faults/{rule_id}")
    async def delete_fault(rule_id: int, request: Request) -> JSONResponse:
        if not engine_of(request).remove(rule_id):
            return _control_error(404, [{"field": None, "message": "Fault rule not found"}])
        return JSONResponse({"status": "deleted"})

    @router.get("/requests")
    async def requests_log(request: Request) -> JSONResponse:
        entries = requests_of(request)
        path = request.query_params.get("path")
        if path:
            entries = [e for e in entries if path in e["path"]]
        limit = request.query_params.get("limit")
        if limit:
            try:
                n = int(limit)
            except ValueError:
                return _control_error(400, [{"field": "limit", "message": "not an integer"}])
            entries = entries[-n:] if n > 0 else []
        return JSONResponse(entries)
