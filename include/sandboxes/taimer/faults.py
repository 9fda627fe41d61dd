"""Fault injection and the request log of the Taimer sandbox: the shared engine of ``sandboxes.faults`` with the
Taimer API's error bodies.

Rules, matching, counters and the control API are the same as in the Procountor sandbox (docs/ENGINEERING.md,
docs/sandbox-procountor.md "Fault rules"). ``revoke_tokens`` is refused (400): Taimer uses a static API key.
Injected errors answer in the Taimer contract's shape ``{"error": {"code", "message"}}``: ``TAIMER_SERVER_ERROR``
(503 before / 500 after commit by default), ``TAIMER_RATE_LIMITED`` for ``rate_limit``.
"""

from __future__ import annotations

import json
from typing import Any

from sandboxes.faults import ALL_KINDS, FaultEngine, FaultGateway, FaultRule, RequestLog

__all__ = ["TAIMER_KINDS", "FaultRule", "TaimerFaultGateway", "new_engine"]

TAIMER_KINDS = ALL_KINDS - {"revoke_tokens"}


def new_engine() -> FaultEngine:
    return FaultEngine(TAIMER_KINDS)


class TaimerFaultGateway(FaultGateway):
    """Applies fault rules to requests under ``api_prefix`` and logs them (never their headers: the API key)."""

    def __init__(
        self, app: Any, *, engine: FaultEngine, request_log: RequestLog, api_prefix: str, timeout_seconds: float
    ) -> None:
        super().__init__(app, engine=engine, record=request_log.append, api_prefix=api_prefix)
        self._timeout = timeout_seconds

    def error_body(self, status: int, kind: str) -> bytes:
        return json.dumps({"error": {"code": "TAIMER_SERVER_ERROR", "message": f"injected fault {kind}"}}).encode()

    def rate_limit_body(self) -> bytes:
        return json.dumps({"error": {"code": "TAIMER_RATE_LIMITED", "message": "too many requests"}}).encode()

    def timeout_seconds(self) -> float:
        return self._timeout
