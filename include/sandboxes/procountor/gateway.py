"""The ASGI layer in front of ``/api``: fault injection, bearer-token check, per-client rate limit, request log.

Order for each ``/api`` request: fault rules fire (latency sleeps, revoke_tokens revokes; before-commit faults answer
at once), then the token is checked (401), then the client's rate limit (429), then the route runs and commits, then
after-commit faults replace, delay or drop the answer.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sandboxes.procountor.auth import bearer
from sandboxes.procountor.faults import AFTER_COMMIT, BEFORE_COMMIT, FaultRule
from sandboxes.procountor.http import dumps
from sandboxes.procountor.ratelimit import retry_after_header
from taimer_procountor.redaction import get_logger

log = get_logger(__name__)
TOKEN_PATH = "/api/oauth/token"  # noqa: S105 - a URL path, not a password
UNAUTHORIZED = {"errors": [{"status": 401, "message": "Unauthorized"}]}
HTML_500 = (
    b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server "
    b"Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_SECRET_QUERY = {"client_secret", "api_key", "access_token", "token", "password"}


def _headers(content_type: str, extra: dict[str, str] | None = None) -> list[tuple[bytes, bytes]]:
    out = [(b"content-type", content_type.encode())]
    out += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    return out


async def _send_simple(send, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None):
    headers = [*_headers(content_type, extra), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def safe_query(raw: str) -> str:
    pairs = parse_qsl(raw, keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in _SECRET_QUERY else v) for k, v in pairs])


class GatewayMiddleware:
    def __init__(self, app: Any, sandbox: Any) -> None:
        self.app = app
        self.sb = sandbox

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        sb = self.sb
        started = time.monotonic()
        method, path = scope["method"], scope["path"]
        entry: dict[str, Any] = {
            "time": datetime.now().isoformat(timespec="milliseconds"),
            "method": method,
            "path": path,
            "query": safe_query(scope.get("query_string", b"").decode("latin-1")),
            "status": None,
            "client_id": None,
            "faults": [],
        }
        try:
            await self._handle(scope, receive, send, entry)
        finally:
            entry["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
            sb.log_request(entry)

    async def _handle(self, scope, receive, send, entry: dict[str, Any]) -> None:
        sb = self.sb
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        token = bearer(headers.get("authorization"))
        entry["client_id"] = sb.tokens.client_of(token)
        rules = sb.faults.fire(entry["method"], entry["path"])
        entry["faults"] = [r.kind for r in rules]
        for rule in rules:
            if rule.kind == "latency":
                await asyncio.sleep(rule.seconds if rule.seconds is not None else 0.2)
            elif rule.kind == "revoke_tokens":
                sb.tokens.revoke(rule.client_id)
        before = next((r for r in rules if r.kind in BEFORE_COMMIT), None)
        if before is not None:
            entry["status"] = await self._before_commit(before, send)
            return
        if entry["path"] != TOKEN_PATH:
            client = sb.tokens.client_of(token)
            if client is None:
                entry["status"] = 401
                await _send_simple(send, 401, dumps(UNAUTHORIZED), "application/json", {"WWW-Authenticate": "Bearer"})
                return
            wait = sb.limiter.check(client)
            if wait:
                entry["status"] = 429
                retry = retry_after_header(wait, sb.settings.retry_after_seconds)
                await _send_simple(send, 429, dumps(sb.rate_limit_body()), "application/json", {"Retry-After": retry})
                return
        after = next((r for r in rules if r.kind in AFTER_COMMIT), None)
        if after is None:
            status_box: list[int] = []

            async def send_wrapper(message):
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

        async def capture(message):
            messages.append(message)

        await self.app(scope, receive, capture)
        committed = next((m["status"] for m in messages if m["type"] == "http.response.start"), 500)
        entry["committed_status"] = committed
        if after.kind == "error_after_commit":
            status = after.status or 500
            body = {"errors": [{"status": status, "message": "Internal server error (sandbox fault after commit)"}]}
            entry["status"] = status
            await _send_simple(send, status, dumps(body), "application/json")
        elif after.kind == "drop_after_commit":
            entry["status"] = "dropped"
            await self._drop(receive, send)
        else:  # timeout_after_commit
            seconds = after.seconds if after.seconds is not None else sb.settings.timeout_fault_seconds
            entry["status"] = "timeout"
            await asyncio.sleep(seconds)
            try:
                for m in messages:
                    await send(m)
            except Exception:  # the client gave up long ago; nothing to answer
                log.info("timeout fault: client had gone away")

    async def _before_commit(self, rule: FaultRule, send) -> int:
        if rule.kind == "html_500":
            await _send_simple(send, 500, HTML_500, "text/html")
            return 500
        if rule.kind == "rate_limit":
            status = rule.status or 429
            retry = str(int(rule.seconds)) if rule.seconds is not None else "1"
            await _send_simple(
                send, status, dumps(self.sb.rate_limit_body()), "application/json", {"Retry-After": retry}
            )
            return status
        status = rule.status or 503
        body = {"errors": [{"status": status, "message": "Service unavailable (sandbox fault before commit)"}]}
        await _send_simple(send, status, dumps(body), "application/json")
        return status

    @staticmethod
    async def _drop(receive, send) -> None:
        """Close the TCP connection without an answer (RST where the transport allows it)."""
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
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
        raise ConnectionAbortedError("sandbox fault: connection dropped after commit")
