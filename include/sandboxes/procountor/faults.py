"""Fault injection rules that tests and benchmarks switch on through ``POST /_control/faults``.

Rule shape (docs/ENGINEERING.md): ``{"kind", "path" (regex, searched in the URL path), "method", "nth", "probability",
"count", "seed", ...}``. A rule *matches* a request when path and method match; of the matching requests it *fires*
on the ``nth`` and later ones (``nth`` null: from the first), each with ``probability`` (null: always; drawn from a
``random.Random(seed)`` per rule), at most ``count`` times (null: once when ``nth`` is set, else unlimited).
"""

from __future__ import annotations

import itertools
import random
import re
import threading
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
BEFORE_COMMIT: frozenset[str] = frozenset({"error_before_commit", "rate_limit", "html_500"})
AFTER_COMMIT: frozenset[str] = frozenset({"error_after_commit", "drop_after_commit", "timeout_after_commit"})


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
    seconds: float | None = Field(default=None, ge=0.0)  # latency sleep, timeout sleep, rate_limit Retry-After
    client_id: str | None = None  # revoke_tokens: only this client's tokens (null: all)

    @field_validator("path")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return v


class _Active:
    def __init__(self, rule_id: int, rule: FaultRule) -> None:
        self.id = rule_id
        self.rule = rule
        self.regex = re.compile(rule.path)
        self.methods = {m.strip().upper() for m in rule.method.split(",")} if rule.method else None
        self.rng = random.Random(rule.seed)
        self.limit = rule.count if rule.count is not None else (1 if rule.nth is not None else None)
        self.matched = 0
        self.fired = 0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.rule.model_dump(), "matched": self.matched, "fired": self.fired}


class FaultEngine:
    def __init__(self) -> None:
        self._rules: list[_Active] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.fired_by_kind: dict[str, int] = {}

    def add(self, rule: FaultRule) -> dict[str, Any]:
        with self._lock:
            active = _Active(next(self._ids), rule)
            self._rules.append(active)
            return active.as_dict()

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def reset_counts(self) -> None:
        with self._lock:
            self.fired_by_kind.clear()

    def fire(self, method: str, path: str) -> list[FaultRule]:
        """Rules that fire for this request (counters advance)."""
        out: list[FaultRule] = []
        with self._lock:
            for r in self._rules:
                if r.methods is not None and method.upper() not in r.methods:
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
