"""Run records: one row per DAG run and flow, for the run report and the UI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from taimer_procountor.ledger._common import insert_for, now_or, rowcount
from taimer_procountor.ledger.engine import Repository
from taimer_procountor.ledger.hashing import redact_json, to_json
from taimer_procountor.ledger.models import FlowRun
from taimer_procountor.ledger.states import RunStatus

R = FlowRun


class RunRepository(Repository):
    """``ledger.runs``: run records, idempotent per (dag_id, run_id, flow)."""

    def _ensure_run_row(self, s: Session, dag_id: str, run_id: str, flow: str, now: datetime) -> tuple[bool, FlowRun]:
        """Insert this run's record (RUNNING, first attempt) unless it exists; return (created, the row locked)."""
        created = (
            rowcount(
                s.execute(
                    insert_for(self.dialect, R)
                    .values(
                        dag_id=dag_id,
                        run_id=run_id,
                        flow=flow,
                        status=RunStatus.RUNNING,
                        attempts=1,
                        started_at=now,
                        counts={},
                        errors=[],
                        step_errors=[],
                    )
                    .on_conflict_do_nothing(index_elements=["dag_id", "run_id", "flow"])
                )
            )
            == 1
        )
        row = s.execute(
            select(R).where(R.dag_id == dag_id, R.run_id == run_id, R.flow == flow).with_for_update()
        ).scalar_one()
        return created, row

    def start_run(self, dag_id: str, run_id: str, flow: str, *, now: datetime | None = None) -> FlowRun:
        """Open the record of this run of ``flow``. A retried task finds the same row: it is set RUNNING again and
        ``attempts`` grows; ``started_at`` stays the first start."""
        now = now_or(now)
        with self.write() as s:
            created, row = self._ensure_run_row(s, dag_id, run_id, flow, now)
            if not created:
                row.attempts += 1
                row.status = RunStatus.RUNNING
                row.finished_at = None
                row.duration_seconds = None
            s.flush()
            return row

    def finish_run(
        self,
        dag_id: str,
        run_id: str,
        flow: str,
        status: RunStatus | str,
        *,
        counts: dict[str, Any] | None = None,
        errors: Sequence[Any] | None = None,
        now: datetime | None = None,
    ) -> FlowRun:
        """Close the record: status, counts (replaced), errors (replaced, redacted), finished_at and duration."""
        now = now_or(now)
        with self.write() as s:
            row = s.execute(
                select(R).where(R.dag_id == dag_id, R.run_id == run_id, R.flow == flow).with_for_update()
            ).scalar_one_or_none()
            if row is None:  # finish without start (a task that only reports): create it closed
                row = R(dag_id=dag_id, run_id=run_id, flow=flow, attempts=1, started_at=now)
                s.add(row)
            row.status = RunStatus(status)
            if counts is not None:
                row.counts = to_json(counts)
            if errors is not None:
                row.errors = redact_json(to_json(list(errors)))
            row.finished_at = now
            row.duration_seconds = max(0.0, (now - row.started_at).total_seconds())
            s.flush()
            return row

    def record_step_error(
        self,
        dag_id: str,
        run_id: str,
        flow: str,
        where: str,
        code: str,
        detail: str | None = None,
        *,
        try_number: int | None = None,
        now: datetime | None = None,
    ) -> FlowRun:
        """Append why a step (task) failed to the run record's ``step_errors`` (redacted), before the task re-raises.
        ``finish_run`` never touches these, so a retried report still finds them. A run record that does not exist
        yet is created RUNNING."""
        now = now_or(now)
        entry = {"where": where, "code": code, "detail": detail, "try_number": try_number, "at": now.isoformat()}
        with self.write() as s:
            _created, row = self._ensure_run_row(s, dag_id, run_id, flow, now)
            row.step_errors = [*(row.step_errors or []), redact_json(to_json(entry))]
            s.flush()
            return row

    def step_errors(self, dag_id: str, run_id: str, flow: str) -> dict[str, dict[str, Any]]:
        """The latest recorded error per step (``where``) of this run."""
        row = self.get_run(dag_id, run_id, flow)
        latest: dict[str, dict[str, Any]] = {}
        for entry in (row.step_errors or []) if row is not None else []:
            latest[entry["where"]] = entry
        return latest

    def get_run(self, dag_id: str, run_id: str, flow: str) -> FlowRun | None:
        with self.read() as s:
            return s.execute(
                select(R).where(R.dag_id == dag_id, R.run_id == run_id, R.flow == flow)
            ).scalar_one_or_none()

    def recent(self, *, dag_id: str | None = None, flow: str | None = None, limit: int = 50) -> list[FlowRun]:
        """Newest first."""
        q = select(R).order_by(R.started_at.desc(), R.id.desc()).limit(limit)
        if dag_id is not None:
            q = q.where(R.dag_id == dag_id)
        if flow is not None:
            q = q.where(R.flow == flow)
        with self.read() as s:
            return list(s.execute(q).scalars())
