"""What every inbound step returns: counts, problems (errors, notices), whether it was a dry run; as JSON for XCom.
Each step adds its own lists (decisions, approvals, payments) and, for the searches, the window and watermark."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from taimer_procountor.summary import Problem

# Per-item lists (routing decisions, approvals, payments) in a step's summary and the run report stop here; the
# counts hold them all. Keeps XCom and the run record small.
MAX_LISTED = 200


@dataclass
class StepResult:
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "counts": dict(self.counts),
            "errors": [p.to_json() for p in self.errors],
            "notices": [p.to_json() for p in self.notices],
            **self.extra_json(),
        }

    def extra_json(self) -> dict[str, Any]:
        """The step's own parts of ``to_json``."""
        return {}
