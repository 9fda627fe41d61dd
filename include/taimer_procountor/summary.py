"""What every flow's run reports, in one shape: counts per kind, problems with catalogue codes, failed steps.

Each flow (reference, outbound, inbound) builds one ``FlowSummary`` in its ``report`` step. It is what the
``report`` task returns (XCom, as ``to_json()``), what the ledger's run record keeps (``flow_run.counts`` holds
``to_json()``), what the run's note and alert say, and what the report page draws as one small table per flow.
Flow-specific facts that are not counts (the Taimer ↔ Procountor number map, routing decisions, …) go in
``details``: JSON values, ids and numbers only, never document contents or secrets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

JSONValue = Any  # a value json.dumps accepts: str, int, float, bool, None, lists and str-keyed dicts of those

# The columns of the per-kind table, in the order a person reads them. A flow fills the ones that apply.
COUNT_COLUMNS: tuple[str, ...] = ("extracted", "created", "updated", "unchanged", "invalid", "conflicts", "failed")


class Outcome(StrEnum):
    """How a run ended, as a person should read it at a glance."""

    SUCCESS = "success"  # everything it took on went through
    PARTIAL = "partial"  # it ran to the end; some documents or items need a person (see errors)
    FAILED = "failed"  # a step failed after its retries


@dataclass(frozen=True)
class Problem:
    """A catalogue code raised during a run, against a document (``where`` = its Taimer number or Procountor id,
    prefixed by kind) or a step (``where`` = the task id). ``detail`` never carries secrets or personal data."""

    code: str
    where: str
    field: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, JSONValue]:
        return {"code": self.code, "where": self.where, "field": self.field, "detail": self.detail}

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Problem:
        return cls(
            code=str(data["code"]),
            where=str(data.get("where") or ""),
            field=data.get("field"),
            detail=data.get("detail"),
        )


@dataclass(frozen=True)
class StepFailure:
    """A task that failed after its retries: the root cause of a failed run. ``attempts`` counts its tries."""

    task_id: str
    code: str
    detail: str | None = None
    attempts: int = 1

    def to_json(self) -> dict[str, JSONValue]:
        return {"task_id": self.task_id, "code": self.code, "detail": self.detail, "attempts": self.attempts}

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> StepFailure:
        return cls(
            task_id=str(data["task_id"]),
            code=str(data["code"]),
            detail=data.get("detail"),
            attempts=int(data.get("attempts") or 1),
        )


@dataclass(frozen=True)
class KindCounts:
    """One row of the per-kind table: ``counts`` maps a column of ``COUNT_COLUMNS`` (or a flow's own extra
    column) to a number."""

    kind: str
    counts: Mapping[str, int] = field(default_factory=dict)

    def get(self, column: str) -> int:
        return int(self.counts.get(column, 0))

    def to_json(self) -> dict[str, JSONValue]:
        return {"kind": self.kind, "counts": {k: int(v) for k, v in self.counts.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> KindCounts:
        return cls(kind=str(data["kind"]), counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()})


@dataclass(frozen=True)
class FlowSummary:
    """The whole report of one run of one flow. ``outcome`` follows from the parts (see ``outcome_of``)."""

    flow: str
    dag_id: str
    run_id: str
    outcome: Outcome
    kinds: tuple[KindCounts, ...] = ()
    errors: tuple[Problem, ...] = ()
    notices: tuple[Problem, ...] = ()
    failed_steps: tuple[StepFailure, ...] = ()
    # Steps that never ran because a step before them failed (Airflow's ``upstream_failed``): not causes of their own.
    did_not_run: tuple[str, ...] = ()
    dry_run: bool = False
    details: Mapping[str, JSONValue] = field(default_factory=dict)

    def columns(self) -> tuple[str, ...]:
        """The table's columns: the standard ones any kind filled, then extra ones, in first-seen order."""
        used: list[str] = []
        for row in self.kinds:
            for name in row.counts:
                if name not in used:
                    used.append(name)
        standard = [c for c in COUNT_COLUMNS if c in used]
        return (*standard, *(c for c in used if c not in COUNT_COLUMNS))

    def total(self, column: str) -> int:
        return sum(row.get(column) for row in self.kinds)

    def headline(self) -> str:
        """One line for a run note, an alert subject or a log line: outcome, totals, first root cause."""
        parts = [f"{self.flow}: {self.outcome.value.upper()}" + (" (dry run)" if self.dry_run else "")]
        totals = [f"{c} {self.total(c)}" for c in self.columns() if self.total(c)]
        if totals:
            parts.append(", ".join(totals))
        if self.failed_steps:
            first = self.failed_steps[0]
            parts.append(f"failed: {first.task_id} ({first.code})")
            if self.did_not_run:
                parts.append(f"{len(self.did_not_run)} step(s) did not run")
        elif self.errors:
            parts.append(f"{len(self.errors)} error(s), first {self.errors[0].code}")
        return "; ".join(parts)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "flow": self.flow,
            "dag_id": self.dag_id,
            "run_id": self.run_id,
            "outcome": self.outcome.value,
            "dry_run": self.dry_run,
            "kinds": [k.to_json() for k in self.kinds],
            "errors": [p.to_json() for p in self.errors],
            "notices": [p.to_json() for p in self.notices],
            "failed_steps": [f.to_json() for f in self.failed_steps],
            "did_not_run": list(self.did_not_run),
            "details": dict(self.details),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> FlowSummary:
        return cls(
            flow=str(data["flow"]),
            dag_id=str(data.get("dag_id") or ""),
            run_id=str(data.get("run_id") or ""),
            outcome=Outcome(data["outcome"]),
            dry_run=bool(data.get("dry_run")),
            kinds=tuple(KindCounts.from_json(k) for k in data.get("kinds") or ()),
            errors=tuple(Problem.from_json(p) for p in data.get("errors") or ()),
            notices=tuple(Problem.from_json(p) for p in data.get("notices") or ()),
            failed_steps=tuple(StepFailure.from_json(f) for f in data.get("failed_steps") or ()),
            did_not_run=tuple(str(t) for t in data.get("did_not_run") or ()),
            details=dict(data.get("details") or {}),
        )


def outcome_of(*, failed_steps: Sequence[StepFailure], errors: Iterable[Problem]) -> Outcome:
    """FAILED when a step failed after its retries, PARTIAL when documents or items carry errors, else SUCCESS."""
    if failed_steps:
        return Outcome.FAILED
    if any(True for _ in errors):
        return Outcome.PARTIAL
    return Outcome.SUCCESS
