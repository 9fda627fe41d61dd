"""The Procountor sandbox's fault rules: the shared engine of ``sandboxes.faults`` with every kind enabled.

Kept as a module so ``from sandboxes.procountor.faults import FaultEngine, FaultRule, ...`` goes on working; the rule
format, the matching and the counters are documented in ``sandboxes.faults`` and docs/sandbox-procountor.md.
"""

from __future__ import annotations

from sandboxes.faults import AFTER_COMMIT, ALL_KINDS, BEFORE_COMMIT, FaultEngine, FaultKind, FaultRule

__all__ = ["AFTER_COMMIT", "ALL_KINDS", "BEFORE_COMMIT", "FaultEngine", "FaultKind", "FaultRule"]
