"""The one run-summary shape every flow reports in: JSON round trip, columns, outcome and headline."""

from __future__ import annotations

import json

from taimer_procountor.summary import FlowSummary, KindCounts, Outcome, Problem, StepFailure, outcome_of


def _summary(**overrides: object) -> FlowSummary:
    base: dict[str, object] = {
        "flow": "outbound",
        "dag_id": "taimer_to_procountor",
        "run_id": "manual__1",
        "outcome": Outcome.PARTIAL,
        "kinds": (
            KindCounts("sales_invoice", {"extracted": 5, "created": 3, "invalid": 2}),
            KindCounts("purchase_invoice", {"extracted": 1, "unchanged": 1, "attachments_moved": 2}),
        ),
        "errors": (Problem("VALIDATION_DUE_DATE", "sales_invoice:1002", field="dueDate"),),
        "notices": (Problem("TRANSFORM_COMMENT_TRUNCATED", "sales_invoice:1003", detail="row 2"),),
        "details": {"numbers": {"1001": 55}},
    }
    base.update(overrides)
    return FlowSummary(**base)  # type: ignore[arg-type]


def test_json_round_trip_is_lossless_and_plain_json() -> None:
    summary = _summary(failed_steps=(StepFailure("load", "PROCOUNTOR_UNAVAILABLE", "5xx", attempts=3),))
    text = json.dumps(summary.to_json())
    assert FlowSummary.from_json(json.loads(text)) == summary


def test_columns_keep_standard_order_then_extras() -> None:
    assert _summary().columns() == ("extracted", "created", "unchanged", "invalid", "attachments_moved")
    assert _summary().total("extracted") == 6


def test_outcome_follows_failed_steps_then_errors() -> None:
    step = StepFailure("extract", "TAIMER_UNAVAILABLE")
    problem = Problem("X", "sales_invoice:1")
    assert outcome_of(failed_steps=[step], errors=[problem]) is Outcome.FAILED
    assert outcome_of(failed_steps=[], errors=[problem]) is Outcome.PARTIAL
    assert outcome_of(failed_steps=[], errors=iter(())) is Outcome.SUCCESS


def test_headline_names_root_cause_first() -> None:
    failed = _summary(outcome=Outcome.FAILED, failed_steps=(StepFailure("load", "PROCOUNTOR_UNAVAILABLE"),))
    assert failed.headline().startswith("outbound: FAILED; extracted 6")
    assert failed.headline().endswith("failed: load (PROCOUNTOR_UNAVAILABLE)")
    assert "1 error(s), first VALIDATION_DUE_DATE" in _summary().headline()
    assert "(dry run)" in _summary(dry_run=True).headline()
