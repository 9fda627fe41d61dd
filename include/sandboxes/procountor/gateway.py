"""The ASGI layer in front of ``/api``: fault injection, bearer-token check, per-client rate limit, request log.

Order for each ``/api`` request (the shared ``sandboxes.faults.FaultGateway``): fault rules fire (latency sleeps,
revoke_tokens revokes; before-commit faults answer at once), then the token is checked (401), then the client's rate
limit (429), then the route runs and commits, then after-commit faults replace, delay or drop the answer.
"""

from __future__ import annotations

from typing import Any

from sandboxes.faults import HTML_500, FaultGateway, FaultRule, safe_query, send_simple
from sandboxes.procountor.auth import bearer
from sandboxes.procountor.http import dumps
from sandboxes.procountor.ratelimit import retry_after_header
from taimer_procountor.redaction import get_logger

__all__ = ["HTML_500", "TOKEN_PATH", "UNAUTHORIZED", "GatewayMiddleware", "safe_query"]

log = get_logger(__name__)
TOKEN_PATH = "/api/oauth/token"  # noqa: S105 - a URL path, not a password
UNAUTHORIZED = {"errors": [{"status": 401, "message": "Unauthorized"}]}
_MESSAGES = {
    "error_before_commit": "Service unavailable (sandbox fault before commit)",
    "error_after_commit": "Internal server error (sandbox fault after commit)",
}


class GatewayMiddleware(FaultGateway):
    def __init__(self, app: Any, sandbox: Any) -> None:
        super().__init__(app, engine=sandbox.faults, record=sandbox.log_request, api_prefix="/api/")
        self.sb = sandbox

    def identify(self, headers: dict[str, str]) -> str | None:
        return self.sb.tokens.client_of(bearer(headers.get("authorization")))

    def error_body(self, status: int, kind: str) -> bytes:
        return dumps({"errors": [{"status": status, "message": _MESSAGES.get(kind, f"sandbox fault {kind}")}]})

    def rate_limit_body(self) -> bytes:
        return dumps(self.sb.rate_limit_body())

    def timeout_seconds(self) -> float:
        return self.sb.settings.timeout_fault_seconds

    def revoke(self, rule: FaultRule) -> None:
        self.sb.tokens.revoke(rule.client_id)

    async def guard(self, scope: dict[str, Any], headers: dict[str, str], entry: dict[str, Any], send: Any) -> bool:
        if entry["path"] == TOKEN_PATH:
            return False
        client = self.sb.tokens.client_of(bearer(headers.get("authorization")))
        if client is None:
            entry["status"] = 401
            await send_simple(send, 401, dumps(UNAUTHORIZED), "application/json", {"WWW-Authenticate": "Bearer"})
            return True
        wait = self.sb.limiter.check(client)
        if wait:
            entry["status"] = 429
            retry = retry_after_header(wait, self.sb.settings.retry_after_seconds)
            await send_simple(send, 429, dumps(self.sb.rate_limit_body()), "application/json", {"Retry-After": retry})
            return True
        return False
