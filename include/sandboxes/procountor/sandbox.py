"""The ``Sandbox`` object behind one app: settings, state, tokens, rate limiter, faults, request log."""

from __future__ import annotations

import json
from typing import Any

from sandboxes.faults import RequestLog
from sandboxes.procountor.auth import TokenStore
from sandboxes.procountor.dataset import ProcountorDataset, default_dataset
from sandboxes.procountor.faults import FaultEngine
from sandboxes.procountor.http import json_response
from sandboxes.procountor.ratelimit import SlidingWindowLimiter, retry_after_header
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.procountor.state import State
from taimer_procountor.redaction import register_secrets


def load_dataset_file(path: Any) -> ProcountorDataset:
    with open(path, encoding="utf-8") as fh:
        return ProcountorDataset.model_validate(json.load(fh))


class Sandbox:
    def __init__(self, settings: ProcountorSandboxSettings) -> None:
        self.settings = settings
        register_secrets([settings.client_secret, settings.api_key, *(s for s, _ in settings.extra_clients.values())])
        self.initial_dataset = load_dataset_file(settings.fixture_path) if settings.fixture_path else default_dataset()
        self.state = State(self.initial_dataset)
        self.tokens = TokenStore()
        self.limiter = SlidingWindowLimiter(settings.rate_per_second, settings.rate_window_seconds)
        self.faults = FaultEngine()
        self.log = RequestLog(settings.request_log_size)

    def log_request(self, entry: dict[str, Any]) -> None:
        self.log.append(entry)

    def request_log(self) -> list[dict[str, Any]]:
        return self.log.entries()

    def rate_limit_body(self) -> dict[str, Any]:
        return {"errors": [{"status": 429, "message": "Too many requests: rate limit exceeded"}]}

    def rate_limited_response(self, wait: float):
        headers = {"Retry-After": retry_after_header(wait, self.settings.retry_after_seconds)}
        return json_response(self.rate_limit_body(), 429, headers)

    def reset(self, dataset: ProcountorDataset | None = None) -> None:
        """Back to a fresh state (``dataset`` or the initial one): data, faults, request log, counters. Tokens stay."""
        self.state.load(dataset or self.initial_dataset)
        self.faults.clear()
        self.faults.reset_counts()
        self.limiter.reset()
        self.log.clear()

    def stats(self) -> dict[str, Any]:
        counts = self.log.counts()
        with self.state.lock:
            invoices = len(self.state.invoices)
            created = self.state.invoices_created
            attachments = len(self.state.attachments)
        return {
            "requests_total": counts["requests_total"],
            "requests_by_status": counts["requests_by_status"],
            "rate_limit": {
                "rate_per_second": self.limiter.rate,
                "window_seconds": self.limiter.window,
                "clients": self.limiter.stats(),
                "violations_total": sum(c["violations"] for c in self.limiter.stats().values()),
            },
            "faults_fired": dict(self.faults.fired_by_kind),
            "tokens": {"issued": self.tokens.issued, "revoked": self.tokens.revoked, "live": self.tokens.live_count()},
            "invoices": invoices,
            "invoices_created": created,
            "attachments": attachments,
        }
