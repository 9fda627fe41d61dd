"""The task bodies of ``procountor_to_taimer``, free of Airflow: each takes the ledger, the Procountor client and the
Taimer adapter (the DAG builds them from its connections) and returns a JSON summary (ids and counts, for XCom).

    run = InboundParams.from_params(params)
    load_bills_step(ledger, client, taimer, run)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any

from taimer_procountor.inbound import FLOW
from taimer_procountor.inbound.approvals import VerifyFirst, push_approvals
from taimer_procountor.inbound.bills import load_bills
from taimer_procountor.inbound.extract import BILLS_FLOW, PAYMENTS_FLOW, window_for
from taimer_procountor.inbound.payments import apply_payments
from taimer_procountor.inbound.report import STEP_FAILED, build_summary
from taimer_procountor.ledger import Ledger
from taimer_procountor.ledger.states import RunStatus
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.reference.steps import recording_failures
from taimer_procountor.summary import FlowSummary
from taimer_procountor.taimer.adapter import TaimerAdapter


@dataclass(frozen=True)
class InboundParams:
    """The DAG's params: a date range (inclusive days of Procountor's version date; a backfill that re-reads the
    range and leaves the watermarks alone), ``dry_run`` (read and show, write nothing), ``verify_first``."""

    date_from: date | None = None
    date_to: date | None = None
    dry_run: bool = False
    verify_first: VerifyFirst = VerifyFirst.AUTO

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> InboundParams:
        def day(name: str) -> date | None:
            raw = params.get(name)
            return date.fromisoformat(str(raw)) if raw else None

        date_from, date_to = day("date_from"), day("date_to")
        if date_from and date_to and date_to < date_from:
            raise ValueError(f"date_to {date_to} is before date_from {date_from}")
        return cls(
            date_from=date_from,
            date_to=date_to,
            dry_run=bool(params.get("dry_run")),
            verify_first=VerifyFirst(params.get("verify_first") or VerifyFirst.AUTO),
        )


def guard(
    ledger: Callable[[], Ledger], dag_id: str, run_id: str, where: str, try_number: int | None = None
) -> AbstractContextManager[None]:
    """Record why a step failed (its catalogue code) in the run record, then re-raise."""
    return recording_failures(
        ledger, dag_id, run_id, where, try_number=try_number, flow=FLOW, fallback_code=STEP_FAILED
    )


def prepare_step(ledger: Ledger, dag_id: str, run_id: str, params: InboundParams) -> dict[str, Any]:
    row = ledger.runs.start_run(dag_id, run_id, FLOW)
    return {"dag_id": dag_id, "run_id": run_id, "flow": FLOW, "attempts": row.attempts, "dry_run": params.dry_run}


def load_bills_step(
    ledger: Ledger, client: ProcountorClient, taimer: TaimerAdapter, params: InboundParams
) -> dict[str, Any]:
    window = window_for(ledger, BILLS_FLOW, date_from=params.date_from, date_to=params.date_to)
    return load_bills(ledger, client, taimer, window, dry_run=params.dry_run).to_json()


def push_approvals_step(
    ledger: Ledger, client: ProcountorClient, taimer: TaimerAdapter, params: InboundParams
) -> dict[str, Any]:
    return push_approvals(ledger, client, taimer, verify_first=params.verify_first, dry_run=params.dry_run).to_json()


def apply_payments_step(
    ledger: Ledger, client: ProcountorClient, taimer: TaimerAdapter, params: InboundParams
) -> dict[str, Any]:
    window = window_for(ledger, PAYMENTS_FLOW, date_from=params.date_from, date_to=params.date_to)
    return apply_payments(ledger, client, taimer, window, dry_run=params.dry_run).to_json()


def report_step(
    ledger: Ledger,
    dag_id: str,
    run_id: str,
    steps: Mapping[str, Mapping[str, Any] | None],
    params: InboundParams,
) -> FlowSummary:
    """Build the summary and close the run record with it (``finish_run`` replaces, so a retry is harmless)."""
    summary = build_summary(
        dag_id=dag_id,
        run_id=run_id,
        steps=steps,
        step_errors=ledger.runs.step_errors(dag_id, run_id, FLOW),
        dry_run=params.dry_run,
    )
    ledger.runs.finish_run(
        dag_id,
        run_id,
        FLOW,
        RunStatus(summary.outcome.value),
        counts=summary.to_json(),
        errors=[*(p.to_json() for p in summary.errors), *(f.to_json() for f in summary.failed_steps)],
    )
    return summary
